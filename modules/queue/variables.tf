variable "create" {
  description = "Create the module's resources; `false` creates nothing and every output is `null` (or empty)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the delivery queue; the DLQ is `<name>-dlq`."
  type        = string
}

variable "consumer_timeout_seconds" {
  description = "Timeout of the function consuming the queue."
  type        = number

  validation {
    condition     = var.consumer_timeout_seconds >= 1 && var.consumer_timeout_seconds <= 900
    error_message = "consumer_timeout_seconds must be between 1 and 900 (Lambda's limit)."
  }
}

variable "visibility_timeout_multiplier" {
  description = "The delivery queue's visibility timeout as a multiple of `consumer_timeout_seconds`; at least 6, as AWS recommends for a Lambda event source."
  type        = number
  default     = 6

  validation {
    condition     = var.visibility_timeout_multiplier >= 6 && var.visibility_timeout_multiplier <= 48
    error_message = "visibility_timeout_multiplier must be between 6 and 48 (the visibility timeout must be at least 6 x the consumer's timeout)."
  }
}

variable "max_receive_count" {
  description = "Receives before a message moves to the DLQ."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "message_retention_seconds" {
  description = "Retention of the delivery queue."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "dlq_message_retention_seconds" {
  description = "Retention of the DLQ."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for both queues. `null` uses SQS-managed encryption (SSE-SQS)."
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
