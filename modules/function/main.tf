locals {
  create_role = var.create && var.role_arn == null
  role_arn    = local.create_role ? aws_iam_role.this[0].arn : var.role_arn

  # The function's own ARN, known before the function exists (the log group ARN carries partition, region
  # and account), so the continuation statement names it without a cycle or an account-id lookup, and the
  # policy can exist before the function.
  log_group_arn = one(aws_cloudwatch_log_group.this[*].arn)
  log_arn       = var.create ? split(":", local.log_group_arn) : ["arn", "aws", "", "", ""]
  function_arn  = "arn:${local.log_arn[1]}:lambda:${local.log_arn[3]}:${local.log_arn[4]}:function:${var.name}"

  log_group_name = "/aws/lambda/${var.name}"

  statements = concat(
    [{
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = var.create ? ["${local.log_group_arn}:log-stream:*"] : []
    }],
    [for s in var.policy_statements : merge(
      { Sid = s.sid, Effect = "Allow", Action = s.actions, Resource = s.resources },
      s.conditions == null ? {} : { Condition = s.conditions },
    )],
    var.allow_self_invoke ? [{
      Sid      = "InvokeSelfForContinuation"
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = [local.function_arn]
    }] : [],
    # AWS requires Resource "*" for the ENI actions Lambda performs to attach to a VPC: the network
    # interfaces do not exist (and have no ARN) until Lambda creates them. Same actions as the managed
    # policy AWSLambdaVPCAccessExecutionRole, without its logs:* statements. No condition: the Describe* actions
    # support none, and the EC2 keys that could pin a subnet or security group would have to hold for every
    # resource CreateNetworkInterface touches. Pin the network at deployment instead, with lambda:SubnetIds and
    # lambda:SecurityGroupIds on whoever creates the function (docs/SECURITY.md).
    var.vpc_config == null ? [] : [{
      Sid    = "ManageVpcNetworkInterfaces"
      Effect = "Allow"
      Action = [
        "ec2:AssignPrivateIpAddresses",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:UnassignPrivateIpAddresses",
      ]
      Resource = ["*"]
    }],
    # X-Ray has no resource-level permissions: its write actions take Resource "*" only (as in the managed
    # policy AWSXRayDaemonWriteAccess, without its sampling reads). Only with active tracing.
    var.tracing_mode == "Active" ? [{
      Sid      = "WriteTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      Resource = ["*"]
    }] : [],
  )
}

################################################################################
# Log group (created here so the role needs no logs:CreateLogGroup)
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = var.create ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

################################################################################
# Execution role: one inline policy, exact ARNs
################################################################################

resource "aws_iam_role" "this" {
  count = local.create_role ? 1 : 0

  name                 = var.name
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = local.create_role ? 1 : 0

  name = var.name
  role = aws_iam_role.this[0].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.statements
  })
}

################################################################################
# Function
################################################################################

resource "aws_lambda_function" "this" {
  count = var.create ? 1 : 0

  function_name                  = var.name
  description                    = var.description
  role                           = local.role_arn
  filename                       = var.package_path
  source_code_hash               = filebase64sha256(var.package_path)
  handler                        = var.handler
  runtime                        = var.runtime
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  # The environment variables at rest: the customer key when given, else Lambda's AWS-managed key.
  kms_key_arn             = var.kms_key_arn
  code_signing_config_arn = var.code_signing_config_arn

  environment {
    variables = var.environment
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this[0].name
    application_log_level = var.application_log_level
    system_log_level      = "WARN"
  }

  dynamic "tracing_config" {
    for_each = var.tracing_mode == null ? [] : [var.tracing_mode]
    content {
      mode = tracing_config.value
    }
  }

  dynamic "vpc_config" {
    for_each = var.vpc_config == null ? [] : [var.vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  # The ENI and log permissions must exist before Lambda validates the VPC config and starts logging.
  depends_on = [aws_iam_role_policy.this]
}

################################################################################
# Asynchronous invocations: retries, and where an event goes once they are spent
################################################################################

resource "aws_lambda_function_event_invoke_config" "this" {
  count = var.create && var.async_invocation != null ? 1 : 0

  function_name                = aws_lambda_function.this[0].function_name
  maximum_retry_attempts       = var.async_invocation.maximum_retry_attempts
  maximum_event_age_in_seconds = var.async_invocation.maximum_event_age_in_seconds

  dynamic "destination_config" {
    for_each = var.async_invocation.on_failure_destination_arn == null ? [] : [var.async_invocation.on_failure_destination_arn]
    content {
      on_failure {
        destination = destination_config.value
      }
    }
  }

  # Lambda sends the records with the execution role, and checks that the role may when the config is written.
  depends_on = [aws_iam_role_policy.this]
}
