variable "create" {
  description = "Create the module's resources; `false` creates nothing and every output is `null` (or empty)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix of the alarm names and dashboard; also the `Service` dimension of the handler metrics."
  type        = string
}

variable "region" {
  description = "Region shown by the dashboard's widgets."
  type        = string
}

variable "metric_namespace" {
  description = "CloudWatch namespace of the handler metrics."
  type        = string
  default     = "Notifier"
}

variable "queue_name" {
  description = "Name of the delivery queue."
  type        = string
}

variable "dlq_name" {
  description = "Name of the delivery DLQ."
  type        = string
}

variable "scheduler_dlq_name" {
  description = "Name of the scheduler DLQ."
  type        = string
}

variable "planner_failures_name" {
  description = "Name of the queue of failed planner invocations (the planner's on-failure destination)."
  type        = string
}

variable "planner_function_name" {
  description = "Name of the planner function."
  type        = string
}

variable "sender_function_name" {
  description = "Name of the sender function."
  type        = string
}

variable "create_alarms" {
  description = "Create the alarms."
  type        = bool
  default     = true
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic notified on ALARM and OK; `null` creates the alarms without actions."
  type        = string
  default     = null
}

variable "thresholds" {
  description = "Alarm thresholds and the period they are evaluated over."
  type = object({
    period_seconds             = number
    dlq_depth                  = number
    oldest_message_age_seconds = number
    planner_errors             = number
    sender_errors              = number
    throttles                  = number
  })
  default = {
    period_seconds             = 300
    dlq_depth                  = 1
    oldest_message_age_seconds = 900
    planner_errors             = 1
    sender_errors              = 1
    throttles                  = 1
  }
}

variable "run_alarms" {
  description = <<-EOT
    Run alarms on the handlers' run metrics, one pair per job: `run-failed-<job>` when a run ends with more than the
    job's `failed_percent` of its recipients failed (RunFailedPercent), `run-overdue-<job>` while one of its runs is
    overdue (RunsOverdue, emitted by the watch every `watch_period_seconds`); and `run-watch-missing` when the watch
    emitted nothing for two periods. `null` creates none.
  EOT
  type = object({
    watch_period_seconds = number
    jobs = map(object({
      failed_percent = number
    }))
  })
  default = null

  validation {
    condition     = var.run_alarms == null ? true : var.run_alarms.watch_period_seconds >= 60 && var.run_alarms.watch_period_seconds % 60 == 0
    error_message = "run_alarms.watch_period_seconds must be a multiple of 60."
  }

  validation {
    condition     = var.run_alarms == null ? true : alltrue([for job in values(var.run_alarms.jobs) : job.failed_percent >= 0 && job.failed_percent < 100])
    error_message = "Each run_alarms job's failed_percent must be at least 0 and below 100."
  }
}

variable "create_dashboard" {
  description = "Create the CloudWatch dashboard."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every taggable resource."
  type        = map(string)
  default     = {}
}
