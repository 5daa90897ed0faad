variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "protect_data" {
  description = "Deletion protection on the config and ledger tables. Off makes the example easy to destroy."
  type        = bool
  default     = true
}
