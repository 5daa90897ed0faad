variable "create" {
  description = "Create the module's resources; `false` creates nothing and every output is `null` (or empty)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix for the table names (`<name>-config`, `<name>-ledger`)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for both tables. `null` uses the AWS-managed key `aws/dynamodb`."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Turn on DynamoDB deletion protection for both tables."
  type        = bool
  default     = true
}

variable "ledger_point_in_time_recovery" {
  description = "Turn on point-in-time recovery for the ledger table (the config table always has it)."
  type        = bool
  default     = false
}

variable "job_documents" {
  description = "Job items to write to the config table, keyed by job id; each value is the job's JSON document (no secrets: it lands in Terraform state)."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags for every taggable resource."
  type        = map(string)
  default     = {}
}
