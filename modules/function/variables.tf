variable "create" {
  description = "Create the module's resources; `false` creates nothing and every output is `null` (or empty)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Function name; also the name of the role, its policy and the log group `/aws/lambda/<name>`."
  type        = string
}

variable "description" {
  description = "Function description."
  type        = string
  default     = null
}

variable "package_path" {
  description = "Path to the deployment zip."
  type        = string
}

variable "handler" {
  description = "Handler string."
  type        = string
  default     = "index.handler"
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
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 30
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 for none."
  type        = number
  default     = -1
}

variable "environment" {
  description = "Environment variables (never secrets)."
  type        = map(string)
  default     = {}
}

variable "application_log_level" {
  description = "Minimum application log level written to the JSON log."
  type        = string
  default     = "INFO"
}

variable "vpc_config" {
  description = "Subnets and security groups to attach the function to a VPC; `null` runs it outside a VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "log_retention_days" {
  description = "Retention of the log group in days."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the log group and the function's environment variables; `null` for CloudWatch Logs' default encryption and Lambda's AWS-managed key."
  type        = string
  default     = null
}

variable "role_arn" {
  description = "Bring your own execution role; `null` creates one with exactly `policy_statements` plus logging (and ENI actions in a VPC)."
  type        = string
  default     = null
}

variable "role_path" {
  description = "Path of the created role."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the created role."
  type        = string
  default     = null
}

variable "policy_statements" {
  description = "Allow statements for the created role: explicit actions on exact resource ARNs, optionally with IAM conditions (`{ operator = { key = [values] } }`)."
  type = list(object({
    sid        = string
    actions    = list(string)
    resources  = list(string)
    conditions = optional(map(map(list(string))))
  }))
  default = []

  validation {
    condition = alltrue([
      for s in var.policy_statements : alltrue([for a in s.actions : !strcontains(a, "*")]) && !contains(s.resources, "*")
    ])
    error_message = "policy_statements must name explicit actions (no wildcards) on explicit resources (no \"*\")."
  }
}

variable "allow_self_invoke" {
  description = "Allow the function to invoke itself asynchronously (continuations)."
  type        = bool
  default     = false
}

variable "async_invocation" {
  description = <<-EOT
    Asynchronous invocation settings: Lambda's retries of an event the function failed on, the age after which an
    event is dropped, and the on-failure destination (an SQS queue, SNS topic, Lambda function or event bus ARN) that
    receives the invocation record then. The execution role must be allowed to send to it. `null` keeps Lambda's
    defaults (two retries, six hours, no destination).
  EOT
  type = object({
    maximum_retry_attempts       = optional(number, 2)
    maximum_event_age_in_seconds = optional(number, 21600)
    on_failure_destination_arn   = optional(string)
  })
  default = null

  validation {
    condition     = var.async_invocation == null ? true : contains([0, 1, 2], var.async_invocation.maximum_retry_attempts)
    error_message = "async_invocation.maximum_retry_attempts must be 0, 1 or 2."
  }

  validation {
    condition     = var.async_invocation == null ? true : var.async_invocation.maximum_event_age_in_seconds >= 60 && var.async_invocation.maximum_event_age_in_seconds <= 21600
    error_message = "async_invocation.maximum_event_age_in_seconds must be between 60 and 21600 (6 hours)."
  }
}

variable "tags" {
  description = "Tags for every taggable resource."
  type        = map(string)
  default     = {}
}

variable "tracing_mode" {
  description = "X-Ray tracing: `Active` samples and traces invocations (and grants the role the X-Ray write actions), `PassThrough` only forwards an upstream trace header; `null` leaves tracing unconfigured."
  type        = string
  default     = null

  validation {
    condition     = var.tracing_mode == null ? true : contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active, PassThrough or null."
  }
}

variable "code_signing_config_arn" {
  description = "Lambda code-signing configuration the deployment package must satisfy; `null` deploys unsigned packages."
  type        = string
  default     = null
}
