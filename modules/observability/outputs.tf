output "alarm_arns" {
  description = "Alarm ARNs keyed by alarm (`dlq-depth`, `oldest-message-age`, ..., `run-failed-<job>`, `run-overdue-<job>`)."
  value       = merge({ for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn }, { for k, a in aws_cloudwatch_metric_alarm.run : k => a.arn })
}

output "alarm_names" {
  description = "Alarm names keyed by alarm."
  value       = merge({ for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name }, { for k, a in aws_cloudwatch_metric_alarm.run : k => a.alarm_name })
}

output "dashboard_name" {
  description = "Dashboard name; `null` when not created."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}

output "dashboard_arn" {
  description = "Dashboard ARN; `null` when not created."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_arn, null)
}
