variable "create" {
  description = "Create the module's resources; `false` creates nothing and every output is `null` (or empty)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the queue."
  type        = string
}

variable "message_retention_seconds" {
  description = "How long a message stays for inspection and replay."
  type        = number
  default     = 1209600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the queue. `null` uses SQS-managed encryption (SSE-SQS)."
  type        = string
  default     = null
}

variable "kms_data_key_reuse_period_seconds" {
  description = "How long SQS reuses a data key before calling KMS again (only with a customer key)."
  type        = number
  default     = 300
}

variable "tags" {
  description = "Tags for every taggable resource."
  type        = map(string)
  default     = {}
}
