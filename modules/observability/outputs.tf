output "alarm_arns" {
  description = "Alarm ARNs keyed by alarm (`dlq-depth`, `oldest-message-age`, ...)."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.arn }
}

output "alarm_names" {
  description = "Alarm names keyed by alarm."
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name }
}

output "dashboard_name" {
  description = "Dashboard name; `null` when not created."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_name, null)
}

output "dashboard_arn" {
  description = "Dashboard ARN; `null` when not created."
  value       = try(aws_cloudwatch_dashboard.this[0].dashboard_arn, null)
}
