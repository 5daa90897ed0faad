output "queue_arn" {
  description = "ARN of the queue."
  value       = try(aws_sqs_queue.this[0].arn, null)
}

output "queue_url" {
  description = "URL of the queue."
  value       = try(aws_sqs_queue.this[0].id, null)
}

output "queue_name" {
  description = "Name of the queue."
  value       = try(aws_sqs_queue.this[0].name, null)
}

output "queue_policy" {
  description = "The queue's policy document (JSON)."
  value       = try(aws_sqs_queue_policy.this[0].policy, null)
}

output "kms_key_arn" {
  description = "Key of the queue; `null` uses SQS-managed encryption (SSE-SQS)."
  value       = try(aws_sqs_queue.this[0].kms_master_key_id, null)
}

output "tags" {
  description = "Tags of the queue."
  value       = try(aws_sqs_queue.this[0].tags, null)
}
