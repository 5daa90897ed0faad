variable "create" {
  description = "Create the module's resources; `false` creates nothing and every output is `null` (or empty)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the function, its role, its log groups, the HTTP API and the alarms' prefix."
  type        = string
}

################################################################################
# Function
################################################################################

variable "package_path" {
  description = "Path to the receiver's deployment zip (`dist/receiver.zip`)."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "nodejs22.x"
}

variable "architecture" {
  description = "Instruction set architecture: `arm64` or `x86_64`."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds; at most 29, as an HTTP API waits no longer for its integration."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 29
    error_message = "timeout must be 1 to 29 seconds (the HTTP API's integration timeout is 30 s)."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions: caps what a flood of requests can take from the account; -1 for none."
  type        = number
  default     = 10

  validation {
    condition     = var.reserved_concurrency == -1 || var.reserved_concurrency >= 1
    error_message = "reserved_concurrency must be -1 (none) or at least 1."
  }
}

variable "environment" {
  description = "The function's environment (never secrets): the tables, the secret's ARN, the ledger TTL."
  type        = map(string)
}

variable "log_retention_days" {
  description = "Retention of the function's and the API's log groups."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the log groups and the environment, and the tables' key; `null`: AWS keys."
  type        = string
  default     = null
}

variable "role_path" {
  description = "Path of the created IAM role."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the created role."
  type        = string
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing mode (`Active` or `PassThrough`); `null` leaves tracing off."
  type        = string
  default     = null
}

variable "code_signing_config_arn" {
  description = "Code signing config the function's package must satisfy."
  type        = string
  default     = null
}

################################################################################
# What the function reads and writes
################################################################################

variable "config_table_arn" {
  description = "ARN of the config table: the receiver scans its channel items to map a Page id to channels."
  type        = string
}

variable "ledger_table_arn" {
  description = "ARN of the ledger table: the receiver writes receipts, suppressions and applied-body records in it."
  type        = string
}

variable "secret_arn" {
  description = "Secrets Manager secret holding `{ \"appSecret\": ..., \"verifyToken\": ... }` for the Meta app's webhook; required with `create`."
  type        = string
  default     = null

  validation {
    condition     = var.secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.secret_arn))
    error_message = "secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "secret_kms_key_arns" {
  description = "KMS keys the secret is encrypted with, when not AWS managed; decrypt is allowed only via Secrets Manager."
  type        = list(string)
  default     = []
}

################################################################################
# HTTP API
################################################################################

variable "throttling" {
  description = "The API's request rate (per second) and burst: a flood beyond them is answered 429 before it costs an invocation."
  type = object({
    rate_limit  = optional(number, 50)
    burst_limit = optional(number, 100)
  })
  default = {}

  validation {
    condition     = var.throttling.rate_limit > 0 && var.throttling.burst_limit >= 1
    error_message = "throttling.rate_limit must be above 0 and burst_limit at least 1."
  }
}

################################################################################
# Alarms
################################################################################

variable "create_alarms" {
  description = "Create the receiver's alarms: function errors and throttles, API 5xx, and refused requests."
  type        = bool
  default     = true
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic the alarms notify on ALARM and OK; `null`: none."
  type        = string
  default     = null
}

variable "refused_requests_threshold" {
  description = "Refused requests (4xx: unsigned, wrongly signed, stale, malformed) in 5 minutes that raise an alarm: a rotated app secret not yet in the secret, or someone probing the URL."
  type        = number
  default     = 10

  validation {
    condition     = var.refused_requests_threshold >= 1
    error_message = "refused_requests_threshold must be at least 1."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
