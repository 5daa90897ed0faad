# The root module's wiring: event source mapping, environment (ADR 0001), VPC, schedules, alarms, names and tags.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name     = "acme"
  packages = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
  tags     = { Team = "growth" }
  jobs = {
    digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" }
    recap  = { schedule_expression = "cron(0 18 ? * FRI *)", timezone = "America/New_York" }
    paused = { schedule_expression = "rate(1 day)", enabled = false }
  }
  # What a scheduled job needs to reach its database and its channel (checks.tf); runs that test without them say so.
  database_hosts      = ["db.example.com"]
  planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
  sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]
}

run "the_sender_reports_batch_item_failures_with_the_configured_batch_window_and_concurrency" {
  variables {
    sender = { batch_size = 50, maximum_batching_window_in_seconds = 5, maximum_concurrency = 20, timeout = 45 }
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.sender[0].function_response_types == toset(["ReportBatchItemFailures"]) &&
      aws_lambda_event_source_mapping.sender[0].batch_size == 50 &&
      aws_lambda_event_source_mapping.sender[0].maximum_batching_window_in_seconds == 5 &&
      aws_lambda_event_source_mapping.sender[0].scaling_config[0].maximum_concurrency == 20
    )
    error_message = "Event source mapping settings do not follow var.sender."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.sender[0].event_source_arn == output.queue_arn && aws_lambda_event_source_mapping.sender[0].function_name == output.sender_function_arn
    error_message = "The mapping must connect the delivery queue to the sender."
  }
}

run "the_event_source_mapping_defaults_suit_a_rate_controlled_sender" {
  command = plan

  assert {
    condition = (
      aws_lambda_event_source_mapping.sender[0].batch_size == 50 &&
      aws_lambda_event_source_mapping.sender[0].maximum_batching_window_in_seconds == 1 &&
      aws_lambda_event_source_mapping.sender[0].scaling_config[0].maximum_concurrency == 2
    )
    error_message = "Unexpected defaults."
  }
}

run "functions_get_the_environment_of_adr_0001_and_both_the_queue_url" {
  variables {
    metric_namespace = "Acme"
    ledger_ttl_days  = 7
  }

  assert {
    condition = module.planner.environment == tomap({
      NOTIFIER_NAME             = "acme"
      NOTIFIER_CONFIG_TABLE     = "acme-config"
      NOTIFIER_LEDGER_TABLE     = "acme-ledger"
      NOTIFIER_QUEUE_URL        = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme"
      NOTIFIER_METRIC_NAMESPACE = "Acme"
      NOTIFIER_LEDGER_TTL_DAYS  = "7"
      NOTIFIER_DATABASE_HOSTS   = "db.example.com"
      NOTIFIER_RUN_EVENT_BUS    = "arn:aws:events:eu-west-1:123456789012:event-bus/mock-runs"
      AWS_LAMBDA_EXEC_WRAPPER   = "/var/task/exec-wrapper"
    })
    error_message = "Planner environment: ${jsonencode(module.planner.environment)}"
  }

  assert {
    condition = module.sender.environment == tomap({
      NOTIFIER_NAME               = "acme"
      NOTIFIER_CONFIG_TABLE       = "acme-config"
      NOTIFIER_LEDGER_TABLE       = "acme-ledger"
      NOTIFIER_QUEUE_URL          = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme"
      NOTIFIER_METRIC_NAMESPACE   = "Acme"
      NOTIFIER_LEDGER_TTL_DAYS    = "7"
      NOTIFIER_SENDER_INSTANCES   = "2"
      NOTIFIER_SENDER_PARALLELISM = "50"
      NOTIFIER_RATE_SHARE         = "live"
      NOTIFIER_CHANNEL_HOSTS      = "messenger:graph.facebook.com"
      NOTIFIER_SUPPRESSIONS       = "true"
      NOTIFIER_SUPPRESSION_DAYS   = "365"
      NOTIFIER_RUN_EVENT_BUS      = "arn:aws:events:eu-west-1:123456789012:event-bus/mock-runs"
    })
    error_message = "The sender gets the planner's variables without the exec wrapper, plus its pacing, its host list and its suppression lists (the queue URL returns a message after its backoff): ${jsonencode(module.sender.environment)}"
  }

  assert {
    condition     = module.sender.environment["NOTIFIER_SENDER_INSTANCES"] == "2" && module.sender.environment["NOTIFIER_SENDER_PARALLELISM"] == "50" && module.sender.environment["NOTIFIER_RATE_SHARE"] == "live"
    error_message = "The sender shares a channel's rate live, with the mapping's maximum concurrency as its static share."
  }
}

run "each_function_gets_only_its_own_host_allowlist_and_the_sender_allows_the_graph_api_by_default" {
  command = plan

  variables {
    database_hosts = []
  }
  expect_failures = [check.jobs_can_reach_a_database]

  assert {
    condition     = module.sender.environment["NOTIFIER_CHANNEL_HOSTS"] == "messenger:graph.facebook.com" && module.planner.environment["NOTIFIER_DATABASE_HOSTS"] == ""
    error_message = "Defaults: the Graph API host for Messenger channels, no webhook host, no database until one is listed."
  }

  assert {
    condition     = !contains(keys(module.planner.environment), "NOTIFIER_CHANNEL_HOSTS") && !contains(keys(module.sender.environment), "NOTIFIER_DATABASE_HOSTS")
    error_message = "The planner sends no channel secret and the sender reads no database: neither gets the other's list."
  }
}

run "the_host_allowlists_reach_the_handlers_as_comma_separated_lists_the_channel_hosts_by_kind" {
  command = plan

  variables {
    channel_hosts  = { webhook = ["hooks.example.com", "crm.example.org"], messenger = ["graph.facebook.com"] }
    database_hosts = ["app.abc123.eu-west-1.rds.amazonaws.com"]
  }

  assert {
    condition     = module.sender.environment["NOTIFIER_CHANNEL_HOSTS"] == "messenger:graph.facebook.com,webhook:hooks.example.com,webhook:crm.example.org" && module.planner.environment["NOTIFIER_DATABASE_HOSTS"] == "app.abc123.eu-west-1.rds.amazonaws.com"
    error_message = "channel_hosts (as <kind>:<host> entries) and database_hosts must reach the sender and the planner: ${module.sender.environment["NOTIFIER_CHANNEL_HOSTS"]}"
  }
}

run "a_webhook_list_alone_keeps_the_graph_api_for_messenger" {
  command = plan

  variables {
    channel_hosts = { webhook = ["hooks.example.com"] }
  }

  assert {
    condition     = module.sender.environment["NOTIFIER_CHANNEL_HOSTS"] == "messenger:graph.facebook.com,webhook:hooks.example.com"
    error_message = "An omitted kind keeps its default: ${module.sender.environment["NOTIFIER_CHANNEL_HOSTS"]}"
  }
}

run "an_empty_messenger_list_allows_no_messenger_host" {
  command = plan

  variables {
    channel_hosts = { messenger = [], webhook = ["hooks.example.com"] }
  }

  assert {
    condition     = module.sender.environment["NOTIFIER_CHANNEL_HOSTS"] == "webhook:hooks.example.com"
    error_message = "An empty list is written as no entry of its kind: ${module.sender.environment["NOTIFIER_CHANNEL_HOSTS"]}"
  }
}

run "both_functions_run_on_the_runtime_variable_nodejs22_x_by_default" {
  command = plan

  assert {
    condition     = module.planner.runtime == var.runtime && module.sender.runtime == var.runtime && var.runtime == "nodejs22.x"
    error_message = "runtime must reach both functions: planner ${module.planner.runtime}, sender ${module.sender.runtime}."
  }
}

run "without_a_vpc_neither_function_is_attached" {
  assert {
    condition     = length(module.planner.vpc_subnet_ids) == 0 && length(module.sender.vpc_subnet_ids) == 0
    error_message = "No VPC attachment expected."
  }

  assert {
    condition     = !strcontains(module.planner.policy_json, "ec2:") && !strcontains(module.sender.policy_json, "ec2:")
    error_message = "No ENI permissions without a VPC."
  }
}

run "with_a_vpc_the_planner_is_attached_and_the_sender_stays_outside_by_default" {
  variables {
    vpc = { subnet_ids = ["subnet-0a1", "subnet-0b2"], security_group_ids = ["sg-0c3"] }
  }

  assert {
    condition     = module.planner.vpc_subnet_ids == tolist(["subnet-0a1", "subnet-0b2"]) && length(module.sender.vpc_subnet_ids) == 0
    error_message = "Only the planner attaches to the VPC by default."
  }

  assert {
    condition     = strcontains(module.planner.policy_json, "ec2:CreateNetworkInterface") && !strcontains(module.sender.policy_json, "ec2:")
    error_message = "Only the planner gets ENI permissions."
  }
}

run "attach_sender_puts_the_sender_in_the_vpc_too" {
  variables {
    vpc = { subnet_ids = ["subnet-0a1"], security_group_ids = ["sg-0c3"], attach_sender = true }
  }

  assert {
    condition     = module.sender.vpc_subnet_ids == tolist(["subnet-0a1"]) && strcontains(module.sender.policy_json, "ec2:CreateNetworkInterface")
    error_message = "The sender must attach to the VPC with ENI permissions."
  }
}

run "enabled_jobs_get_schedules_invoking_the_planner" {
  assert {
    condition     = toset(keys(output.schedule_arns)) == toset(["digest", "recap"]) && output.schedule_group_name == "acme-scheduler"
    error_message = "Expected schedules for the enabled jobs only."
  }
}

run "an_inline_job_definition_is_stored_with_its_kind_and_id" {
  variables {
    jobs = {
      digest = {
        schedule_expression = "cron(0 9 * * ? *)"
        definition          = jsonencode({ database = "main", channel = "page", audience = { sql = "select id, psid from users where id > $1" }, template = { text = "Hi" } })
      }
    }
  }

  assert {
    condition = jsondecode(module.tables.job_documents["digest"]) == {
      kind     = "job"
      id       = "digest"
      database = "main"
      channel  = "page"
      audience = { sql = "select id, psid from users where id > $1" }
      template = { text = "Hi" }
    }
    error_message = "The stored document must be the definition plus kind = job and id = <job id>."
  }
}

run "all_nine_alarms_notify_the_topic_and_the_dashboard_is_created_on_request" {
  variables {
    alarm_sns_topic_arn = "arn:aws:sns:eu-west-1:123456789012:alerts"
    create_dashboard    = true
  }

  assert {
    condition     = length([for key in keys(output.alarm_arns) : key if !startswith(key, "run-")]) == 9 && output.dashboard_name == "acme"
    error_message = "Expected the 9 deployment-wide alarms and the dashboard."
  }
}

run "every_name_starts_with_the_prefix" {
  assert {
    condition = alltrue([for n in [
      output.queue_name, output.dlq_name, output.config_table_name, output.ledger_table_name,
      output.planner_function_name, output.sender_function_name, output.schedule_group_name,
      trimprefix(output.planner_log_group_name, "/aws/lambda/"), trimprefix(output.sender_log_group_name, "/aws/lambda/"),
    ] : startswith(n, "acme")])
    error_message = "Every name must start with var.name."
  }

  assert {
    condition = [output.queue_name, output.dlq_name, output.planner_function_name, output.sender_function_name] == [
      "acme", "acme-dlq", "acme-planner", "acme-sender"
    ]
    error_message = "Unexpected names."
  }
}

run "default_tags_are_merged_with_the_consumer_s_tags" {
  variables {
    tags = { Team = "growth", Module = "custom" }
  }

  assert {
    condition = aws_lambda_event_source_mapping.sender[0].tags == tomap({
      Module  = "custom"
      Service = "acme"
      Team    = "growth"
    })
    error_message = "Consumer tags must merge over the defaults: ${jsonencode(aws_lambda_event_source_mapping.sender[0].tags)}"
  }
}

run "a_static_rate_share_reaches_the_sender" {
  command = plan

  variables {
    sender = { rate_share = "static" }
  }

  assert {
    condition     = module.sender.environment["NOTIFIER_RATE_SHARE"] == "static"
    error_message = "sender.rate_share = static must reach the sender as NOTIFIER_RATE_SHARE."
  }
}

run "an_object_setting_passed_as_null_takes_its_defaults" {
  command = plan

  variables {
    sender       = null
    suppressions = null
    receiver     = null
    queue        = null
  }

  assert {
    condition     = module.sender.environment["NOTIFIER_SENDER_PARALLELISM"] == "50" && module.sender.environment["NOTIFIER_SUPPRESSIONS"] == "true"
    error_message = "A null object variable must read as its default, as an omitted one does."
  }
}
