################################################################################
# Delivery queue
################################################################################

output "queue_arn" {
  description = "ARN of the delivery queue."
  value       = module.queue.queue_arn
}

output "queue_url" {
  description = "URL of the delivery queue."
  value       = module.queue.queue_url
}

output "queue_name" {
  description = "Name of the delivery queue."
  value       = module.queue.queue_name
}

output "dlq_arn" {
  description = "ARN of the delivery DLQ."
  value       = module.queue.dlq_arn
}

output "dlq_url" {
  description = "URL of the delivery DLQ (redrive with `aws sqs start-message-move-task --source-arn <dlq_arn>`)."
  value       = module.queue.dlq_url
}

output "dlq_name" {
  description = "Name of the delivery DLQ."
  value       = module.queue.dlq_name
}

################################################################################
# Tables
################################################################################

output "config_table_name" {
  description = "Name of the config table (write jobs, databases and channels here after apply)."
  value       = module.tables.config_table_name
}

output "config_table_arn" {
  description = "ARN of the config table."
  value       = module.tables.config_table_arn
}

output "ledger_table_name" {
  description = "Name of the ledger table."
  value       = module.tables.ledger_table_name
}

output "ledger_table_arn" {
  description = "ARN of the ledger table."
  value       = module.tables.ledger_table_arn
}

################################################################################
# Functions
################################################################################

output "planner_function_name" {
  description = "Name of the planner function."
  value       = module.planner.function_name
}

output "planner_function_arn" {
  description = "ARN of the planner function."
  value       = module.planner.function_arn
}

output "planner_role_arn" {
  description = "ARN of the planner's execution role."
  value       = module.planner.role_arn
}

output "planner_log_group_name" {
  description = "Log group of the planner."
  value       = module.planner.log_group_name
}

output "sender_function_name" {
  description = "Name of the sender function."
  value       = module.sender.function_name
}

output "sender_function_arn" {
  description = "ARN of the sender function."
  value       = module.sender.function_arn
}

output "sender_role_arn" {
  description = "ARN of the sender's execution role."
  value       = module.sender.role_arn
}

output "sender_log_group_name" {
  description = "Log group of the sender."
  value       = module.sender.log_group_name
}

output "event_source_mapping_uuid" {
  description = "UUID of the delivery queue -> sender event source mapping."
  value       = try(aws_lambda_event_source_mapping.sender[0].uuid, null)
}

output "planner_failures_queue_url" {
  description = "URL of the queue of failed planner invocations (`NOTIFIER_PLANNER_FAILURES_URL` for `notifier ticks`)."
  value       = module.planner_failures.queue_url
}

output "planner_failures_queue_arn" {
  description = "ARN of the queue of failed planner invocations (the planner's on-failure destination)."
  value       = module.planner_failures.queue_arn
}

output "planner_failures_queue_name" {
  description = "Name of the queue of failed planner invocations."
  value       = module.planner_failures.queue_name
}

################################################################################
# Schedules
################################################################################

output "schedule_group_name" {
  description = "Name of the EventBridge Scheduler schedule group."
  value       = module.schedule.schedule_group_name
}

output "schedule_arns" {
  description = "Schedule ARNs keyed by job id (enabled jobs only)."
  value       = module.schedule.schedule_arns
}

output "scheduler_role_arn" {
  description = "ARN of the role the schedules use to invoke the planner."
  value       = module.schedule.role_arn
}

output "scheduler_dlq_arn" {
  description = "ARN of the scheduler DLQ (ticks the scheduler could not deliver)."
  value       = module.schedule.dlq_arn
}

output "scheduler_dlq_url" {
  description = "URL of the scheduler DLQ."
  value       = module.schedule.dlq_url
}

################################################################################
# Webhook receiver
################################################################################

output "receiver_webhook_url" {
  description = "The receiver's Callback URL for the Meta app's webhook (or for your own webhook to forward to); `null` unless `receiver.create`."
  value       = module.receiver.webhook_url
}

output "receiver_function_name" {
  description = "Name of the receiver function; `null` unless `receiver.create`."
  value       = module.receiver.function_name
}

output "receiver_log_group_name" {
  description = "The receiver function's log group; `null` unless `receiver.create`."
  value       = module.receiver.log_group_name
}

################################################################################
# Observability
################################################################################

output "alarm_arns" {
  description = "Alarm ARNs keyed by alarm (`dlq-depth`, `oldest-message-age`, `planner-errors`, `planner-throttles`, `sender-errors`, `sender-throttles`, `scheduler-dlq-depth`, `planner-failures-depth`, `fatal-channel`; with `run_alarms`, `run-failed-<job>`, `run-overdue-<job>` and `run-watch-missing`)."
  value       = module.observability.alarm_arns
}

output "run_event_bus_arn" {
  description = "ARN of the bus the end-of-run events go to (created, or `run_events.bus_arn`); `null` when none. Match them with the event pattern `{ \"source\": [\"notifier\"], \"detail-type\": [\"Notifier Run Ended\"] }`."
  value       = var.create ? local.run_event_bus_arn : null
}

output "run_event_bus_name" {
  description = "Name of the created end-of-run events' bus (`<name>-runs`); `null` when not created."
  value       = try(aws_cloudwatch_event_bus.runs[0].name, null)
}

output "watch_schedule_arn" {
  description = "ARN of the schedule `<name>.watch` that watches the open runs (run_alarms); `null` when none."
  value       = module.schedule.watch_schedule_arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard; `null` unless `create_dashboard`."
  value       = module.observability.dashboard_name
}

################################################################################
# Operators
################################################################################

output "operator_policy_json" {
  description = "Least-privilege IAM policy (JSON) for the `notifier` CLI against this deployment: config items, secrets check, run, status and runs, dlq inspect and redrive, ticks and ticks replay. Attach it to the operators' role (docs/MODULE.md, Operator permissions)."
  value       = var.create ? local.operator_policy : null
}

output "cli_environment" {
  description = "Every environment variable the `notifier` CLI reads (AWS_REGION and the NOTIFIER_* names of the tables, queues, planner and host allowlists), as shell `export` lines: `eval \"$(terraform output -raw cli_environment)\"`."
  value       = var.create ? join("", [for name, value in local.cli_environment : "export ${name}='${value}'\n"]) : null
}
