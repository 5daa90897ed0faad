# Defaults for the mocked AWS provider: computed attributes get valid ARNs, URLs and JSON, so expressions
# that split ARNs or decode policies behave as they would against AWS. Region eu-west-1, account 123456789012.

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:mock-queue"
    id  = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock-queue"
    url = "https://sqs.eu-west-1.amazonaws.com/123456789012/mock-queue"
  }
}

mock_resource "aws_dynamodb_table" {
  defaults = {
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/mock-table"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn       = "arn:aws:iam::123456789012:role/mock-role"
    unique_id = "AROAMOCKMOCKMOCKMOCK"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/mock"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn           = "arn:aws:lambda:eu-west-1:123456789012:function:mock"
    qualified_arn = "arn:aws:lambda:eu-west-1:123456789012:function:mock:$LATEST"
    invoke_arn    = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock/invocations"
  }
}

mock_resource "aws_lambda_event_source_mapping" {
  defaults = {
    arn          = "arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:00000000-0000-0000-0000-000000000000"
    uuid         = "00000000-0000-0000-0000-000000000000"
    function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:mock"
  }
}

mock_resource "aws_scheduler_schedule_group" {
  defaults = {
    arn = "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/mock"
  }
}

mock_resource "aws_scheduler_schedule" {
  defaults = {
    arn = "arn:aws:scheduler:eu-west-1:123456789012:schedule/mock/mock"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = {
    arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mock"
  }
}

mock_resource "aws_cloudwatch_dashboard" {
  defaults = {
    dashboard_arn = "arn:aws:cloudwatch::123456789012:dashboard/mock"
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/mock"
  }
}

mock_data "aws_region" {
  defaults = {
    name = "eu-west-1"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

# Distinct ARNs for the root module's resources (name = "acme"), so that tests can tell a policy scoped to the
# delivery queue from one scoped to the DLQ. Targets that do not exist (submodule tests) are ignored.

override_resource {
  target = module.queue.aws_sqs_queue.this
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:acme", id = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme" }
}

override_resource {
  target = module.queue.aws_sqs_queue.dlq
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:acme-dlq", id = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-dlq", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-dlq" }
}

override_resource {
  target = module.schedule.module.dlq.aws_sqs_queue.this
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:acme-scheduler-dlq", id = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-scheduler-dlq", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-scheduler-dlq" }
}

override_resource {
  target = module.planner_failures.aws_sqs_queue.this
  values = { arn = "arn:aws:sqs:eu-west-1:123456789012:acme-planner-failures", id = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-planner-failures", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-planner-failures" }
}

override_resource {
  target = module.tables.aws_dynamodb_table.config
  values = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-config" }
}

override_resource {
  target = module.tables.aws_dynamodb_table.ledger
  values = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger" }
}

override_resource {
  target = module.planner.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/acme-planner" }
}

override_resource {
  target = module.sender.aws_cloudwatch_log_group.this
  values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/acme-sender" }
}

override_resource {
  target = module.planner.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:acme-planner" }
}

override_resource {
  target = module.sender.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:acme-sender" }
}

override_resource {
  target = module.planner.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/acme-planner" }
}

override_resource {
  target = module.sender.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/acme-sender" }
}

override_resource {
  target = module.schedule.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/acme-scheduler" }
}

override_resource {
  target = module.schedule.aws_scheduler_schedule_group.this
  values = { arn = "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/acme-scheduler" }
}

mock_resource "aws_cloudwatch_event_bus" {
  defaults = {
    arn = "arn:aws:events:eu-west-1:123456789012:event-bus/mock-runs"
  }
}

mock_resource "aws_apigatewayv2_api" {
  defaults = {
    id            = "a1b2c3d4e5"
    arn           = "arn:aws:apigateway:eu-west-1::/apis/a1b2c3d4e5"
    api_endpoint  = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
    execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5"
  }
}

mock_resource "aws_apigatewayv2_stage" {
  defaults = {
    invoke_url = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/"
  }
}
