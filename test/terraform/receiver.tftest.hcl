# The optional webhook receiver: off by default; on, an HTTP API in front of a least-privilege function, with its
# own log groups and alarms, every name prefixed and everything tagged.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name     = "acme"
  packages = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip", receiver = "./test/terraform/fixtures/package.zip" }
  tags     = { Team = "growth" }
}

run "the_receiver_is_off_by_default" {
  assert {
    condition     = length(module.receiver.alarm_names) == 0 && output.receiver_webhook_url == null && output.receiver_function_name == null && !strcontains(output.operator_policy_json, "ReadReceipts")
    error_message = "Without receiver.create the module creates no receiver."
  }
}

run "the_receiver_needs_a_secrets_manager_secret" {
  command = plan

  variables {
    receiver = { create = true }
  }

  expect_failures = [var.receiver]
}

run "on_it_is_named_after_the_module_and_gives_the_callback_url" {
  variables {
    receiver = {
      create     = true
      secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf"
    }
  }

  assert {
    condition = (
      output.receiver_function_name == "acme-receiver" &&
      output.receiver_log_group_name == "/aws/lambda/acme-receiver" &&
      output.receiver_webhook_url == "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/webhook" &&
      length(module.receiver.alarm_names) == 4
    )
    error_message = "Names must be prefixed, the webhook URL must end in /webhook, and the receiver has its alarms."
  }

  assert {
    condition = [for s in jsondecode(output.operator_policy_json).Statement : [s.Action, s.Resource, s.Condition] if s.Sid == "ReadReceipts"] == [[
      ["dynamodb:BatchGetItem"], [output.ledger_table_arn], { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["receipt#*"] } },
    ]]
    error_message = "With the receiver on, the operators may read the receipts (outcomes and status --receipts), and nothing else of it."
  }
}

# modules/receiver on its own: what the root module's outputs do not show.

run "it_answers_on_one_route_pair_behind_a_throttled_http_api" {
  module {
    source = "./modules/receiver"
  }

  variables {
    name                = "acme-receiver"
    package_path        = "./test/terraform/fixtures/package.zip"
    environment         = { NOTIFIER_RECEIVER_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf" }
    config_table_arn    = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-config"
    ledger_table_arn    = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"
    secret_arn          = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf"
    throttling          = { rate_limit = 20, burst_limit = 40 }
    alarm_sns_topic_arn = "arn:aws:sns:eu-west-1:123456789012:alerts"
  }

  assert {
    condition     = toset([for route in aws_apigatewayv2_route.this : route.route_key]) == toset(["GET /webhook", "POST /webhook"])
    error_message = "The receiver answers GET (Meta's challenge) and POST (events) on /webhook, and nothing else."
  }

  assert {
    condition = (
      aws_apigatewayv2_integration.this[0].payload_format_version == "2.0" &&
      aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_rate_limit == 20 &&
      aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_burst_limit == 40
    )
    error_message = "The API must send payload format 2.0 and throttle as configured."
  }

  assert {
    condition = (
      aws_lambda_permission.api[0].principal == "apigateway.amazonaws.com" &&
      aws_lambda_permission.api[0].source_arn == "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/*/*/webhook"
    )
    error_message = "Only the API's webhook routes may invoke the receiver."
  }

  assert {
    condition = (
      output.log_group_name == "/aws/lambda/acme-receiver" &&
      output.api_log_group_name == "/aws/apigateway/acme-receiver" &&
      aws_apigatewayv2_stage.this[0].access_log_settings[0].destination_arn == aws_cloudwatch_log_group.api[0].arn
    )
    error_message = "The function and the API each log to a log group of their own."
  }

  assert {
    condition = (
      toset(output.alarm_names) == toset(["acme-receiver-errors", "acme-receiver-throttles", "acme-receiver-server-errors", "acme-receiver-refused"]) &&
      alltrue([for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:alerts"]) && alarm.tags["Team"] == "growth"]) &&
      aws_cloudwatch_metric_alarm.this["refused"].threshold == 10 &&
      aws_cloudwatch_metric_alarm.this["refused"].dimensions == tomap({ ApiId = "a1b2c3d4e5", Stage = "$default" })
    )
    error_message = "The receiver has its own alarms, notifying the topic, tagged."
  }

  assert {
    condition = alltrue([
      aws_apigatewayv2_api.this[0].tags["Team"] == "growth",
      aws_apigatewayv2_stage.this[0].tags["Team"] == "growth",
      aws_cloudwatch_log_group.api[0].tags["Team"] == "growth",
    ])
    error_message = "Everything of the receiver is tagged."
  }
}

run "its_role_touches_only_the_receipt_suppression_and_webhook_items_and_reads_one_secret" {
  command = plan

  module {
    source = "./modules/receiver"
  }

  variables {
    name                = "acme-receiver"
    package_path        = "./test/terraform/fixtures/package.zip"
    environment         = { NOTIFIER_RECEIVER_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf" }
    config_table_arn    = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-config"
    ledger_table_arn    = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"
    secret_arn          = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf"
    secret_kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:key/secret-key"]
  }

  assert {
    condition = toset([for s in jsondecode(output.policy_json).Statement : s.Sid]) == toset([
      "WriteOwnLogs", "FindChannelsOfAPage", "RecordReceiptsAndOptOuts", "ReadWebhookSecret", "DecryptWebhookSecret",
    ])
    error_message = "Unexpected statements in the receiver's policy."
  }

  assert {
    condition = (
      { for s in jsondecode(output.policy_json).Statement : s.Sid => s }["RecordReceiptsAndOptOuts"].Resource == [var.ledger_table_arn] &&
      toset(flatten([{ for s in jsondecode(output.policy_json).Statement : s.Sid => s }["RecordReceiptsAndOptOuts"].Action])) == toset(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]) &&
      { for s in jsondecode(output.policy_json).Statement : s.Sid => s }["RecordReceiptsAndOptOuts"].Condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["receipt#*", "suppression#*", "webhook#*"]
    )
    error_message = "The receiver's role must reach only the receipt, suppression and webhook items of the ledger."
  }

  assert {
    condition = (
      { for s in jsondecode(output.policy_json).Statement : s.Sid => s }["FindChannelsOfAPage"].Action == ["dynamodb:Scan"] &&
      { for s in jsondecode(output.policy_json).Statement : s.Sid => s }["FindChannelsOfAPage"].Resource == [var.config_table_arn] &&
      { for s in jsondecode(output.policy_json).Statement : s.Sid => s }["ReadWebhookSecret"].Resource == [var.secret_arn] &&
      { for s in jsondecode(output.policy_json).Statement : s.Sid => s }["DecryptWebhookSecret"].Condition.StringEquals["kms:ViaService"] == ["secretsmanager.eu-west-1.amazonaws.com"]
    )
    error_message = "The receiver's role must scan only the config table and read only its one secret, decrypted only via Secrets Manager."
  }
}

run "a_timeout_past_the_http_api_integration_limit_is_refused" {
  command = plan

  module {
    source = "./modules/receiver"
  }

  variables {
    name             = "acme-receiver"
    package_path     = "./test/terraform/fixtures/package.zip"
    environment      = { NOTIFIER_RECEIVER_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf" }
    config_table_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-config"
    ledger_table_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"
    secret_arn       = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf"
    timeout          = 60
  }

  expect_failures = [var.timeout]
}

run "with_create_false_it_creates_nothing" {
  module {
    source = "./modules/receiver"
  }

  variables {
    name             = "acme-receiver"
    package_path     = "./test/terraform/fixtures/package.zip"
    environment      = { NOTIFIER_RECEIVER_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf" }
    config_table_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-config"
    ledger_table_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"
    secret_arn       = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/meta-webhook-AbCdEf"
    create           = false
  }

  assert {
    condition     = output.webhook_url == null && output.function_name == null && length(output.alarm_names) == 0
    error_message = "create = false must create nothing."
  }
}
