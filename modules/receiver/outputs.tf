output "webhook_url" {
  description = "The Callback URL to give the Meta app (Webhooks, Page subscription), or to forward to from your own webhook."
  value       = one(aws_apigatewayv2_stage.this[*].invoke_url) == null ? null : "${trimsuffix(one(aws_apigatewayv2_stage.this[*].invoke_url), "/")}${local.route_path}"
}

output "api_id" {
  description = "ID of the HTTP API."
  value       = one(aws_apigatewayv2_api.this[*].id)
}

output "function_name" {
  description = "Name of the receiver function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the receiver function."
  value       = module.function.function_arn
}

output "role_arn" {
  description = "ARN of the receiver's execution role."
  value       = module.function.role_arn
}

output "policy_json" {
  description = "The receiver role's inline policy."
  value       = module.function.policy_json
}

output "log_group_name" {
  description = "The receiver function's log group."
  value       = module.function.log_group_name
}

output "api_log_group_name" {
  description = "The HTTP API's access log group."
  value       = one(aws_cloudwatch_log_group.api[*].name)
}

output "alarm_names" {
  description = "Names of the receiver's alarms."
  value       = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name]
}
