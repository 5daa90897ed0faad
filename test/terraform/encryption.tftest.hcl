# With kms_key_arn, every resource of the module that can take a customer key gets it; without, none names one.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name     = "acme"
  packages = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
  jobs = {
    digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" }
    recap  = { schedule_expression = "cron(0 18 ? * FRI *)", timezone = "America/New_York" }
  }
  # What a scheduled job needs to reach its database and its channel (checks.tf); runs that test without them say so.
  database_hosts      = ["db.example.com"]
  planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
  sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]
}

run "the_customer_key_encrypts_queues_tables_logs_environments_and_schedules" {
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = merge(
      { for k, v in module.queue.kms_key_arns : "queue.${k}" => v },
      { "planner_failures.queue" = module.planner_failures.kms_key_arn },
      { for k, v in module.tables.kms_key_arns : "tables.${k}" => v },
      { for k, v in module.planner.kms_key_arns : "planner.${k}" => v },
      { for k, v in module.sender.kms_key_arns : "sender.${k}" => v },
      { for k, v in module.schedule.kms_key_arns : "schedule.${k}" => v },
      ) == {
      "queue.queue"              = var.kms_key_arn
      "queue.dlq"                = var.kms_key_arn
      "planner_failures.queue"   = var.kms_key_arn
      "tables.config"            = var.kms_key_arn
      "tables.ledger"            = var.kms_key_arn
      "planner.log_group"        = var.kms_key_arn
      "planner.environment"      = var.kms_key_arn
      "sender.log_group"         = var.kms_key_arn
      "sender.environment"       = var.kms_key_arn
      "schedule.dlq"             = var.kms_key_arn
      "schedule.schedule:digest" = var.kms_key_arn
      "schedule.schedule:recap"  = var.kms_key_arn
    }
    error_message = "Every queue, table, log group, function environment and schedule must use the customer key."
  }
}

run "without_a_customer_key_nothing_names_a_key" {
  command = plan

  assert {
    condition = alltrue([for v in concat(
      values(module.queue.kms_key_arns),
      [module.planner_failures.kms_key_arn],
      [module.planner.kms_key_arns.log_group, module.planner.kms_key_arns.environment],
      [module.sender.kms_key_arns.log_group, module.sender.kms_key_arns.environment],
    ) : v == null])
    error_message = "Without kms_key_arn the queues, log groups and environments use AWS-managed encryption."
  }
}
