# Meta --POST /webhook (signed)--> HTTP API (throttled) --> receiver --> ledger: receipts, suppressions, applied bodies
#      --GET  /webhook (challenge)-^                           +--> config table (Page id -> channel items)
#
# An HTTP API rather than a Lambda function URL (docs/adr/0015-messenger-webhook-receiver.md): its throttle answers a
# flood before it costs an invocation, and its invoke permission is scoped to the API by source ARN on every provider
# version the module supports.

locals {
  # The ledger items the receiver may touch, by partition key: nothing of a run, a claim or a counter.
  ledger_partitions = ["receipt#*", "suppression#*", "webhook#*"]

  # Partition and region from the ledger's ARN: no lookup, so plans work offline (none with create = false).
  arn_parts  = var.create ? split(":", var.ledger_table_arn) : ["arn", "aws", "", "", ""]
  dns_suffix = local.arn_parts[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"
  via        = { for service in ["dynamodb", "secretsmanager"] : service => "${service}.${local.arn_parts[3]}.${local.dns_suffix}" }

  policy_statements = concat(
    [
      {
        sid        = "FindChannelsOfAPage"
        actions    = ["dynamodb:Scan"]
        resources  = [var.config_table_arn]
        conditions = null
      },
      {
        sid = "RecordReceiptsAndOptOuts"
        # GetItem: the replay check; PutItem: the applied body and an opt-out's (conditional) entry; UpdateItem: a
        # watermark. An opt-in is a conditional put too, so nothing here deletes.
        actions    = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
        resources  = [var.ledger_table_arn]
        conditions = { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = local.ledger_partitions } }
      },
      {
        sid        = "ReadWebhookSecret"
        actions    = ["secretsmanager:GetSecretValue"]
        resources  = [var.secret_arn]
        conditions = null
      },
    ],
    length(var.secret_kms_key_arns) == 0 ? [] : [{
      sid        = "DecryptWebhookSecret"
      actions    = ["kms:Decrypt"]
      resources  = var.secret_kms_key_arns
      conditions = { StringEquals = { "kms:ViaService" = [local.via.secretsmanager] } }
    }],
    var.kms_key_arn == null ? [] : [{
      sid        = "UseCustomerKey"
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources  = [var.kms_key_arn]
      conditions = { StringEquals = { "kms:ViaService" = [local.via.dynamodb] } }
    }],
  )

  api_log_group_name = "/aws/apigateway/${var.name}"
  route_path         = "/webhook"
}

################################################################################
# Function
################################################################################

module "function" {
  source = "../function"

  create                   = var.create
  name                     = var.name
  description              = "Receives Messenger webhooks: delivery and read receipts, Marketing Messages opt-outs."
  package_path             = var.package_path
  runtime                  = var.runtime
  architecture             = var.architecture
  memory_size              = var.memory_size
  timeout                  = var.timeout
  reserved_concurrency     = var.reserved_concurrency
  environment              = var.environment
  log_retention_days       = var.log_retention_days
  kms_key_arn              = var.kms_key_arn
  role_path                = var.role_path
  permissions_boundary_arn = var.permissions_boundary_arn
  tracing_mode             = var.tracing_mode
  code_signing_config_arn  = var.code_signing_config_arn
  policy_statements        = local.policy_statements

  tags = var.tags
}

################################################################################
# HTTP API: one route for the challenge, one for the events, throttled, logged
################################################################################

resource "aws_cloudwatch_log_group" "api" {
  count = var.create ? 1 : 0

  name              = local.api_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_apigatewayv2_api" "this" {
  count = var.create ? 1 : 0

  name          = var.name
  description   = "Messenger webhook receiver: Meta's verification challenge and signed events."
  protocol_type = "HTTP"

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.secret_arn != null
      error_message = "secret_arn is required: the receiver verifies every request with the app secret it holds."
    }
  }
}

resource "aws_apigatewayv2_integration" "this" {
  count = var.create ? 1 : 0

  api_id                 = aws_apigatewayv2_api.this[0].id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.function.invoke_arn
  integration_method     = "POST"
  payload_format_version = "2.0"
  timeout_milliseconds   = (var.timeout + 1) * 1000
}

resource "aws_apigatewayv2_route" "this" {
  for_each = var.create ? toset(["GET", "POST"]) : toset([])

  api_id    = aws_apigatewayv2_api.this[0].id
  route_key = "${each.key} ${local.route_path}"
  target    = "integrations/${aws_apigatewayv2_integration.this[0].id}"
}

resource "aws_apigatewayv2_stage" "this" {
  count = var.create ? 1 : 0

  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.throttling.rate_limit
    throttling_burst_limit = var.throttling.burst_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api[0].arn
    format = jsonencode({
      requestId = "$context.requestId"
      time      = "$context.requestTime"
      route     = "$context.routeKey"
      status    = "$context.status"
      bytes     = "$context.requestContentLength"
      latencyMs = "$context.integrationLatency"
      error     = "$context.integrationErrorMessage"
    })
  }

  tags = var.tags
}

# Only this API's routes may invoke the function: no public invoke permission.
resource "aws_lambda_permission" "api" {
  count = var.create ? 1 : 0

  statement_id  = "AllowWebhookApi"
  action        = "lambda:InvokeFunction"
  function_name = module.function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this[0].execution_arn}/*/*${local.route_path}"
}

################################################################################
# Alarms
################################################################################

locals {
  function_dimensions = { FunctionName = var.name }
  api_dimensions      = { ApiId = one(aws_apigatewayv2_api.this[*].id), Stage = "$default" }

  alarms = {
    errors = {
      description = "The receiver threw (a DynamoDB or Secrets Manager error): Meta retries, but look at its log."
      namespace   = "AWS/Lambda", metric = "Errors", dimensions = local.function_dimensions, threshold = 1
    }
    throttles = {
      description = "The receiver was throttled at its reserved concurrency: Meta's deliveries wait and retry."
      namespace   = "AWS/Lambda", metric = "Throttles", dimensions = local.function_dimensions, threshold = 1
    }
    server-errors = {
      description = "The webhook API answered 5xx: Meta retries, and unsubscribes an app whose webhook keeps failing."
      namespace   = "AWS/ApiGateway", metric = "5xx", dimensions = local.api_dimensions, threshold = 1
    }
    refused = {
      description = "Requests refused (unsigned, wrongly signed, stale, malformed, throttled): a rotated app secret, or a probe."
      namespace   = "AWS/ApiGateway", metric = "4xx", dimensions = local.api_dimensions, threshold = var.refused_requests_threshold
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = var.create && var.create_alarms ? local.alarms : {}

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]
  ok_actions          = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]

  tags = var.tags
}
