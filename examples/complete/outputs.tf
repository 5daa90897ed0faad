output "config_table_name" {
  description = "Write the job, database and channel items here after apply."
  value       = module.notifier.config_table_name
}

output "db_endpoint" {
  description = "Private endpoint of PostgreSQL (for the database config item)."
  value       = aws_db_instance.this.address
}

output "db_master_secret_arn" {
  description = "Secrets Manager secret RDS manages for the master user (use it once to create the read-only role)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "db_reader_secret_arn" {
  description = "Write the read-only role's password here after apply."
  value       = aws_secretsmanager_secret.db_reader.arn
}

output "page_token_secret_arn" {
  description = "Write the Messenger page token here after apply."
  value       = aws_secretsmanager_secret.page_token.arn
}

output "alarm_topic_arn" {
  description = "Subscribe to this topic to receive the alarms."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "CloudWatch dashboard."
  value       = module.notifier.dashboard_name
}

output "dlq_url" {
  description = "URL of the delivery DLQ."
  value       = module.notifier.dlq_url
}

output "operator_policy_json" {
  description = "IAM policy for the operators who run the notifier CLI against this deployment."
  value       = module.notifier.operator_policy_json
}

output "ledger_table_name" {
  description = "Ledger table (NOTIFIER_LEDGER_TABLE for the notifier CLI)."
  value       = module.notifier.ledger_table_name
}

output "queue_url" {
  description = "URL of the delivery queue (NOTIFIER_QUEUE_URL, for dlq redrive)."
  value       = module.notifier.queue_url
}

output "planner_function_name" {
  description = "Planner function (NOTIFIER_PLANNER_FUNCTION for the notifier CLI)."
  value       = module.notifier.planner_function_name
}

output "planner_failures_queue_url" {
  description = "Planner invocations that failed after Lambda's retries (NOTIFIER_PLANNER_FAILURES_URL)."
  value       = module.notifier.planner_failures_queue_url
}

output "cli_environment" {
  description = "The notifier CLI's environment as export lines: eval \"$(terraform output -raw cli_environment)\"."
  value       = module.notifier.cli_environment
}
