variable "create" {
  description = "Create the module's resources; `false` creates nothing and every output is `null` (or empty)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix: the schedule group and role are `<name>-scheduler`, the DLQ `<name>-scheduler-dlq`, each schedule `<name>-<job>`."
  type        = string
}

variable "jobs" {
  description = "Jobs keyed by id; one schedule per enabled job."
  type = map(object({
    schedule_expression = string
    timezone            = string
    enabled             = bool
    description         = optional(string)
  }))
}

variable "watch" {
  description = "The watch schedule `<name>.watch`: its `rate(...)` expression and the input it sends the target (the jobs' run deadlines). `null` creates none."
  type = object({
    schedule_expression = string
    input               = string
  })
  default = null

  validation {
    condition     = var.watch == null ? true : can(regex("^rate\\([0-9]+ (minute|minutes|hour|hours)\\)$", var.watch.schedule_expression)) && can(jsondecode(var.watch.input).watch)
    error_message = "watch.schedule_expression must be rate(<n> minutes) or rate(<n> hours), and watch.input a JSON object with a `watch` key."
  }
}

variable "target_arn" {
  description = "ARN of the function the schedules invoke (the planner)."
  type        = string
}

variable "retry" {
  description = "Retry policy of every schedule's Invoke call: it covers an invocation the scheduler could not hand to the target, not an error inside the target (Lambda retries those itself)."
  type = object({
    maximum_retry_attempts       = number
    maximum_event_age_in_seconds = number
  })
  default = {
    maximum_retry_attempts       = 3
    maximum_event_age_in_seconds = 3600
  }

  validation {
    condition = (
      var.retry.maximum_retry_attempts >= 0 && var.retry.maximum_retry_attempts <= 185 &&
      var.retry.maximum_event_age_in_seconds >= 60 && var.retry.maximum_event_age_in_seconds <= 86400
    )
    error_message = "maximum_retry_attempts must be 0-185 and maximum_event_age_in_seconds 60-86400."
  }
}

variable "dlq_message_retention_seconds" {
  description = "Retention of the scheduler DLQ."
  type        = number
  default     = 1209600
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the DLQ and the schedules' target input; `null` uses SQS-managed encryption and an AWS-owned key."
  type        = string
  default     = null
}

variable "role_arn" {
  description = "Bring your own scheduler role; `null` creates one."
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

variable "tags" {
  description = "Tags for every taggable resource."
  type        = map(string)
  default     = {}
}
