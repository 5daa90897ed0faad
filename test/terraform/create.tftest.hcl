# The `create` switch: `create = false` plans no resource at all, at the root and in every submodule, and leaves
# every output null or empty; the default (`true`) still plans the module as before. The offline plans
# (scripts/terraform/plan-expectations.json) hold the default's resource counts type by type.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

run "the_root_module_creates_nothing_with_create_false" {
  command = plan

  variables {
    create              = false
    name                = "acme"
    packages            = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
    jobs                = { digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" } }
    database_hosts      = ["db.example.com"]
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
    sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]
    create_dashboard    = true
  }

  assert {
    condition     = length(aws_lambda_event_source_mapping.sender) == 0
    error_message = "The event source mapping must not be planned with create = false."
  }

  # Every submodule's resources surface in an output: all of them null or empty means none is planned.
  assert {
    condition = alltrue([for value in [
      output.queue_arn, output.queue_url, output.queue_name, output.dlq_arn, output.dlq_url, output.dlq_name,
      output.config_table_name, output.config_table_arn, output.ledger_table_name, output.ledger_table_arn,
      output.planner_function_name, output.planner_function_arn, output.planner_role_arn, output.planner_log_group_name,
      output.sender_function_name, output.sender_function_arn, output.sender_role_arn, output.sender_log_group_name,
      output.event_source_mapping_uuid, output.planner_failures_queue_url, output.planner_failures_queue_arn,
      output.planner_failures_queue_name, output.schedule_group_name, output.scheduler_role_arn,
      output.scheduler_dlq_arn, output.scheduler_dlq_url, output.dashboard_name, output.operator_policy_json,
      output.cli_environment,
    ] : value == null])
    error_message = "Every single-valued output must be null with create = false."
  }

  assert {
    condition     = length(output.schedule_arns) == 0 && length(output.alarm_arns) == 0
    error_message = "No schedule and no alarm with create = false."
  }
}

# Applied against the mocked provider, so that the policy and the environment are known.
run "the_root_module_still_creates_everything_by_default" {
  variables {
    name                = "acme"
    packages            = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
    jobs                = { digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" } }
    database_hosts      = ["db.example.com"]
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
    sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]
  }

  assert {
    condition = (
      length(aws_lambda_event_source_mapping.sender) == 1 &&
      toset(keys(output.alarm_arns)) == toset([
        "dlq-depth", "oldest-message-age", "planner-errors", "planner-throttles", "sender-errors", "sender-throttles",
        "scheduler-dlq-depth", "planner-failures-depth", "fatal-channel",
        "run-failed-digest", "run-overdue-digest", "run-watch-missing",
      ]) &&
      output.run_event_bus_arn != null && output.watch_schedule_arn != null
    )
    error_message = "The default must plan the event source mapping, the nine alarms, the job's run alarms, the watch and the bus."
  }

  assert {
    condition     = output.queue_name == "acme" && output.config_table_name == "acme-config" && output.planner_function_name == "acme-planner" && output.schedule_group_name == "acme-scheduler"
    error_message = "The default must plan the queues, tables, functions and schedule group."
  }

  assert {
    condition     = output.operator_policy_json != null && output.cli_environment != null
    error_message = "The operator policy and the CLI environment must be set by default."
  }
}

run "the_queue_module_creates_nothing_with_create_false" {
  command = plan

  module {
    source = "./modules/queue"
  }

  variables {
    create                   = false
    name                     = "acme"
    consumer_timeout_seconds = 30
  }

  assert {
    condition = (
      length(aws_sqs_queue.this) + length(aws_sqs_queue.dlq) + length(aws_sqs_queue_redrive_policy.this) +
      length(aws_sqs_queue_redrive_allow_policy.dlq) + length(aws_sqs_queue_policy.this) + length(aws_sqs_queue_policy.dlq)
    ) == 0
    error_message = "modules/queue must plan no resource with create = false."
  }

  assert {
    condition     = output.queue_arn == null && output.dlq_url == null && output.queue_policy == null && output.kms_key_arns == { queue = null, dlq = null }
    error_message = "modules/queue outputs must be null with create = false."
  }
}

run "the_failure_queue_module_creates_nothing_with_create_false" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    create = false
    name   = "acme-planner-failures"
  }

  assert {
    condition     = length(aws_sqs_queue.this) + length(aws_sqs_queue_policy.this) == 0 && output.queue_arn == null && output.queue_policy == null
    error_message = "modules/failure-queue must plan no resource with create = false."
  }
}

run "the_tables_module_creates_nothing_with_create_false" {
  command = plan

  module {
    source = "./modules/tables"
  }

  variables {
    create        = false
    name          = "acme"
    job_documents = { digest = "{\"kind\":\"job\",\"id\":\"digest\"}" }
  }

  assert {
    condition     = length(aws_dynamodb_table.config) + length(aws_dynamodb_table.ledger) + length(aws_dynamodb_table_item.job) == 0
    error_message = "modules/tables must plan no resource with create = false."
  }

  assert {
    condition     = output.config_table_arn == null && output.ledger_by_job_index_arn == null && length(output.job_documents) == 0
    error_message = "modules/tables outputs must be null or empty with create = false."
  }
}

run "the_function_module_creates_nothing_with_create_false" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    create            = false
    name              = "acme-planner"
    package_path      = "./test/terraform/fixtures/package.zip"
    allow_self_invoke = true
    vpc_config        = { subnet_ids = ["subnet-1"], security_group_ids = ["sg-1"] }
    async_invocation  = { on_failure_destination_arn = "arn:aws:sqs:eu-west-1:123456789012:acme-planner-failures" }
  }

  assert {
    condition = (
      length(aws_cloudwatch_log_group.this) + length(aws_iam_role.this) + length(aws_iam_role_policy.this) +
      length(aws_lambda_function.this) + length(aws_lambda_function_event_invoke_config.this)
    ) == 0
    error_message = "modules/function must plan no resource with create = false."
  }

  assert {
    condition     = output.function_arn == null && output.role_arn == null && output.log_group_arn == null && output.async_invocation == null && output.policy_json == null
    error_message = "modules/function outputs must be null with create = false."
  }
}

run "the_schedule_module_creates_nothing_with_create_false" {
  command = plan

  module {
    source = "./modules/schedule"
  }

  variables {
    create      = false
    name        = "acme"
    target_arn  = "arn:aws:lambda:eu-west-1:123456789012:function:acme-planner"
    jobs        = { digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin", enabled = true } }
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = (
      length(aws_scheduler_schedule_group.this) + length(aws_iam_role.this) + length(aws_iam_role_policy.this) +
      length(aws_scheduler_schedule.this)
    ) == 0
    error_message = "modules/schedule must plan no resource with create = false."
  }

  assert {
    condition     = output.schedule_group_arn == null && output.role_arn == null && output.dlq_arn == null && length(output.schedule_arns) == 0
    error_message = "modules/schedule outputs must be null or empty with create = false (its DLQ included)."
  }
}

run "the_observability_module_creates_nothing_with_create_false" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    create                = false
    create_dashboard      = true
    name                  = "acme"
    region                = "eu-west-1"
    queue_name            = "acme"
    dlq_name              = "acme-dlq"
    scheduler_dlq_name    = "acme-scheduler-dlq"
    planner_failures_name = "acme-planner-failures"
    planner_function_name = "acme-planner"
    sender_function_name  = "acme-sender"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) + length(aws_cloudwatch_dashboard.this) == 0 && output.dashboard_name == null && length(output.alarm_arns) == 0
    error_message = "modules/observability must plan no resource with create = false."
  }
}
