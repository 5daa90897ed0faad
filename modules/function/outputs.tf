output "function_name" {
  description = "Function name."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "function_arn" {
  description = "Function ARN."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "invoke_arn" {
  description = "Invoke ARN (for API Gateway and similar)."
  value       = try(aws_lambda_function.this[0].invoke_arn, null)
}

output "role_arn" {
  description = "Execution role ARN (created or supplied); `null` when `create = false`."
  value       = var.create ? local.role_arn : null
}

output "role_name" {
  description = "Name of the created execution role; `null` when bringing your own."
  value       = try(aws_iam_role.this[0].name, null)
}

output "policy_json" {
  description = "The created role's inline policy; `null` when bringing your own role."
  value       = try(aws_iam_role_policy.this[0].policy, null)
}

output "log_group_name" {
  description = "Log group name."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "log_group_arn" {
  description = "Log group ARN."
  value       = try(aws_cloudwatch_log_group.this[0].arn, null)
}

output "runtime" {
  description = "Lambda runtime the function runs on."
  value       = try(aws_lambda_function.this[0].runtime, null)
}

output "environment" {
  description = "Environment variables of the function."
  value       = var.environment
}

output "vpc_subnet_ids" {
  description = "Subnets the function is attached to; empty outside a VPC."
  value       = var.vpc_config == null ? [] : var.vpc_config.subnet_ids
}

output "async_invocation" {
  description = "The asynchronous invocation settings in force (retries, event age, on-failure destination); `null` when left to Lambda's defaults."
  value = try({
    maximum_retry_attempts       = aws_lambda_function_event_invoke_config.this[0].maximum_retry_attempts
    maximum_event_age_in_seconds = aws_lambda_function_event_invoke_config.this[0].maximum_event_age_in_seconds
    on_failure_destination_arn   = try(one(one(aws_lambda_function_event_invoke_config.this[0].destination_config).on_failure).destination, null)
  }, null)
}

output "kms_key_arns" {
  description = "Key of each of the module's resources that can take a customer key (`log_group`, `environment`); `null` values use AWS-managed encryption."
  value = {
    log_group   = try(aws_cloudwatch_log_group.this[0].kms_key_id, null)
    environment = try(aws_lambda_function.this[0].kms_key_arn, null)
  }
}

output "tracing_mode" {
  description = "The function's X-Ray tracing mode; `null` when not configured."
  value       = try(one(aws_lambda_function.this[0].tracing_config).mode, null)
}

output "code_signing_config_arn" {
  description = "The function's code-signing configuration; `null` when none."
  value       = try(aws_lambda_function.this[0].code_signing_config_arn, null)
}
