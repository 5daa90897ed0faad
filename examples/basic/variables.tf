variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "database_host" {
  description = "Host name of the PostgreSQL database the job reads its audience from, reachable from Lambda without a VPC (e.g. db.example.com). The database item's `host` must be exactly this."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", var.database_host))
    error_message = "database_host must be a lowercase host name without scheme, port or path, e.g. \"db.example.com\"."
  }
}

variable "protect_data" {
  description = "Deletion protection on the config and ledger tables (and a 30-day recovery window on the secrets). Off makes the example easy to destroy."
  type        = bool
  default     = true
}
