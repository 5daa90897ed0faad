output "queue_arn" {
  description = "ARN of the delivery queue."
  value       = aws_sqs_queue.this.arn
}

output "queue_url" {
  description = "URL of the delivery queue."
  value       = aws_sqs_queue.this.id
}

output "queue_name" {
  description = "Name of the delivery queue."
  value       = aws_sqs_queue.this.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.id
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "queue_policy" {
  description = "The delivery queue's policy document (JSON)."
  value       = aws_sqs_queue_policy.this.policy
}

output "dlq_policy" {
  description = "The DLQ's policy document (JSON)."
  value       = aws_sqs_queue_policy.dlq.policy
}

output "kms_key_arns" {
  description = "Key of each queue (`queue`, `dlq`); `null` values use SQS-managed encryption (SSE-SQS)."
  value = {
    queue = aws_sqs_queue.this.kms_master_key_id
    dlq   = aws_sqs_queue.dlq.kms_master_key_id
  }
}
