output "schedule_group_name" {
  description = "Name of the schedule group."
  value       = try(aws_scheduler_schedule_group.this[0].name, null)
}

output "schedule_group_arn" {
  description = "ARN of the schedule group."
  value       = try(aws_scheduler_schedule_group.this[0].arn, null)
}

output "schedule_arns" {
  description = "Schedule ARNs keyed by job id."
  value       = { for id, s in aws_scheduler_schedule.this : id => s.arn }
}

output "schedule_names" {
  description = "Schedule names keyed by job id."
  value       = { for id, s in aws_scheduler_schedule.this : id => s.name }
}

output "watch_schedule_arn" {
  description = "ARN of the watch schedule; `null` when none."
  value       = try(aws_scheduler_schedule.watch[0].arn, null)
}

output "role_arn" {
  description = "ARN of the scheduler role (created or supplied); `null` when `create = false`."
  value       = var.create ? local.role_arn : null
}

output "policy_json" {
  description = "The created role's inline policy; `null` when bringing your own role."
  value       = try(aws_iam_role_policy.this[0].policy, null)
}

output "assume_role_policy_json" {
  description = "The created role's trust policy; `null` when bringing your own role."
  value       = try(aws_iam_role.this[0].assume_role_policy, null)
}

output "dlq_arn" {
  description = "ARN of the scheduler DLQ."
  value       = module.dlq.queue_arn
}

output "dlq_url" {
  description = "URL of the scheduler DLQ."
  value       = module.dlq.queue_url
}

output "dlq_name" {
  description = "Name of the scheduler DLQ."
  value       = module.dlq.queue_name
}

output "kms_key_arns" {
  description = "Key of the DLQ (`dlq`) and of each schedule (`schedule:<job>`); `null` values use AWS-owned or SQS-managed keys."
  value = merge(
    { dlq = module.dlq.kms_key_arn },
    { for id, s in aws_scheduler_schedule.this : "schedule:${id}" => s.kms_key_arn },
  )
}
