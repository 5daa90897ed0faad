output "queue_arn" {
  description = "ARN of the queue."
  value       = aws_sqs_queue.this.arn
}

output "queue_url" {
  description = "URL of the queue."
  value       = aws_sqs_queue.this.id
}

output "queue_name" {
  description = "Name of the queue."
  value       = aws_sqs_queue.this.name
}

output "queue_policy" {
  description = "The queue's policy document (JSON)."
  value       = aws_sqs_queue_policy.this.policy
}

output "kms_key_arn" {
  description = "Key of the queue; `null` uses SQS-managed encryption (SSE-SQS)."
  value       = aws_sqs_queue.this.kms_master_key_id
}

output "tags" {
  description = "Tags of the queue."
  value       = aws_sqs_queue.this.tags
}
