output "queue_arn" {
  description = "ARN of the delivery queue."
  value       = try(aws_sqs_queue.this[0].arn, null)
}

output "queue_url" {
  description = "URL of the delivery queue."
  value       = try(aws_sqs_queue.this[0].id, null)
}

output "queue_name" {
  description = "Name of the delivery queue."
  value       = try(aws_sqs_queue.this[0].name, null)
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = try(aws_sqs_queue.dlq[0].arn, null)
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = try(aws_sqs_queue.dlq[0].id, null)
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = try(aws_sqs_queue.dlq[0].name, null)
}

output "queue_policy" {
  description = "The delivery queue's policy document (JSON)."
  value       = try(aws_sqs_queue_policy.this[0].policy, null)
}

output "dlq_policy" {
  description = "The DLQ's policy document (JSON)."
  value       = try(aws_sqs_queue_policy.dlq[0].policy, null)
}

output "kms_key_arns" {
  description = "Key of each queue (`queue`, `dlq`); `null` values use SQS-managed encryption (SSE-SQS)."
  value = {
    queue = try(aws_sqs_queue.this[0].kms_master_key_id, null)
    dlq   = try(aws_sqs_queue.dlq[0].kms_master_key_id, null)
  }
}
