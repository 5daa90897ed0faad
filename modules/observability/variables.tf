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
