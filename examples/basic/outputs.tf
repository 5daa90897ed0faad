output "config_table_name" {
  description = "Write the job, database and channel items here after apply."
  value       = module.notifier.config_table_name
}

output "queue_url" {
  description = "URL of the delivery queue."
  value       = module.notifier.queue_url
}

output "dlq_url" {
  description = "URL of the delivery DLQ."
  value       = module.notifier.dlq_url
}

output "schedule_arns" {
  description = "Schedules keyed by job id."
  value       = module.notifier.schedule_arns
}

output "operator_policy_json" {
  description = "IAM policy for the operators who run the notifier CLI against this deployment."
  value       = module.notifier.operator_policy_json
}

output "ledger_table_name" {
  description = "Ledger table (NOTIFIER_LEDGER_TABLE for the notifier CLI)."
  value       = module.notifier.ledger_table_name
}

output "planner_function_name" {
  description = "Planner function (NOTIFIER_PLANNER_FUNCTION for the notifier CLI)."
  value       = module.notifier.planner_function_name
}

output "planner_failures_queue_url" {
  description = "Planner invocations that failed after Lambda's retries (NOTIFIER_PLANNER_FAILURES_URL)."
  value       = module.notifier.planner_failures_queue_url
}

output "db_reader_secret_arn" {
  description = "Secret the database password goes in (put-secret-value after apply); the database item's `password` references it."
  value       = aws_secretsmanager_secret.db_reader.arn
}

output "page_token_secret_arn" {
  description = "Secret the Page access token goes in (put-secret-value after apply); the channel item's `accessToken` references it."
  value       = aws_secretsmanager_secret.page_token.arn
}

output "db_endpoint" {
  description = "The database host the planner may connect to: the database item's `host`."
  value       = var.database_host
}

output "cli_environment" {
  description = "The notifier CLI's environment as export lines: eval \"$(terraform output -raw cli_environment)\"."
  value       = module.notifier.cli_environment
}
