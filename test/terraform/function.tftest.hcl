# modules/function on its own: package, runtime, logs, VPC, role.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name         = "acme-sender"
  package_path = "./test/terraform/fixtures/package.zip"
  tags         = { Team = "growth" }
  policy_statements = [{
    sid       = "ConsumeDeliveries"
    actions   = ["sqs:ReceiveMessage"]
    resources = ["arn:aws:sqs:eu-west-1:123456789012:acme"]
  }]
}

run "the_function_deploys_the_given_zip_with_the_index_handler_on_arm64_node22" {
  command = plan

  module {
    source = "./modules/function"
  }

  assert {
    condition     = aws_lambda_function.this[0].filename == var.package_path && aws_lambda_function.this[0].source_code_hash == filebase64sha256(var.package_path)
    error_message = "The zip and its hash must come from package_path."
  }

  assert {
    condition     = aws_lambda_function.this[0].handler == "index.handler" && aws_lambda_function.this[0].runtime == "nodejs22.x" && output.runtime == "nodejs22.x" && aws_lambda_function.this[0].architectures == tolist(["arm64"])
    error_message = "Defaults: index.handler, nodejs22.x, arm64."
  }
}

run "logs_go_as_json_to_its_own_log_group_with_retention_and_the_key" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    log_retention_days = 14
    kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].name == "/aws/lambda/acme-sender" && aws_cloudwatch_log_group.this[0].retention_in_days == 14 && aws_cloudwatch_log_group.this[0].kms_key_id == var.kms_key_arn
    error_message = "Log group name, retention or key is wrong."
  }

  assert {
    condition     = aws_lambda_function.this[0].kms_key_arn == var.kms_key_arn
    error_message = "The environment variables must be encrypted with the customer key too."
  }

  assert {
    condition     = aws_lambda_function.this[0].logging_config[0].log_format == "JSON" && aws_lambda_function.this[0].logging_config[0].log_group == "/aws/lambda/acme-sender"
    error_message = "The function must log JSON to its log group."
  }
}

run "by_default_no_tracing_no_code_signing_and_no_x_ray_actions" {
  module {
    source = "./modules/function"
  }

  assert {
    condition     = length(aws_lambda_function.this[0].tracing_config) == 0 || output.tracing_mode != "Active"
    error_message = "Tracing must stay off unless asked for."
  }

  assert {
    condition     = aws_lambda_function.this[0].code_signing_config_arn == null && aws_lambda_function.this[0].kms_key_arn == null
    error_message = "No code-signing config and no customer key for the environment unless given."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.this[0].policy, "xray:")
    error_message = "No X-Ray actions without active tracing."
  }
}

run "active_tracing_and_a_code_signing_config_are_opt_ins" {
  module {
    source = "./modules/function"
  }

  variables {
    tracing_mode            = "Active"
    code_signing_config_arn = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0"
  }

  assert {
    condition     = aws_lambda_function.this[0].tracing_config[0].mode == "Active" && output.tracing_mode == "Active"
    error_message = "tracing_mode must reach the function's tracing_config."
  }

  assert {
    condition     = aws_lambda_function.this[0].code_signing_config_arn == var.code_signing_config_arn && output.code_signing_config_arn == var.code_signing_config_arn
    error_message = "The code-signing config must be attached to the function."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : [s.Action, s.Resource] if s.Sid == "WriteTraces"] == [
      [["xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"]]
    ]
    error_message = "Active tracing needs the X-Ray write actions (which take Resource \"*\" only)."
  }
}

run "a_tracing_mode_lambda_does_not_know_is_rejected" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    tracing_mode = "active"
  }

  expect_failures = [var.tracing_mode]
}

run "policy_statement_conditions_are_rendered_only_when_given" {
  module {
    source = "./modules/function"
  }

  variables {
    policy_statements = [
      { sid = "Plain", actions = ["sqs:ReceiveMessage"], resources = ["arn:aws:sqs:eu-west-1:123456789012:acme"] },
      {
        sid        = "ThroughSqsOnly"
        actions    = ["kms:Decrypt"]
        resources  = ["arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
        conditions = { StringEquals = { "kms:ViaService" = ["sqs.eu-west-1.amazonaws.com"] } }
      },
    ]
  }

  assert {
    condition = { for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid => try(s.Condition, "none") if s.Sid != "WriteOwnLogs" } == {
      Plain          = "none"
      ThroughSqsOnly = { StringEquals = { "kms:ViaService" = ["sqs.eu-west-1.amazonaws.com"] } }
    }
    error_message = "A statement carries a Condition exactly when it was given one."
  }
}

run "outside_a_vpc_there_is_no_vpc_config_and_no_eni_statement" {
  module {
    source = "./modules/function"
  }

  assert {
    condition     = length(aws_lambda_function.this[0].vpc_config) == 0
    error_message = "No VPC config expected."
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.this[0].policy, "ec2:") && !contains(flatten([for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Resource]), "*")
    error_message = "Outside a VPC the role needs no ENI actions and no Resource \"*\"."
  }
}

run "in_a_vpc_the_function_attaches_to_the_subnets_and_only_the_eni_statement_uses_resource_star" {
  module {
    source = "./modules/function"
  }

  variables {
    vpc_config = { subnet_ids = ["subnet-0a", "subnet-0b"], security_group_ids = ["sg-0c"] }
  }

  assert {
    condition     = toset(aws_lambda_function.this[0].vpc_config[0].subnet_ids) == toset(["subnet-0a", "subnet-0b"]) && toset(aws_lambda_function.this[0].vpc_config[0].security_group_ids) == toset(["sg-0c"])
    error_message = "The function must attach to the given subnets and security groups."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s.Sid if contains(s.Resource, "*")] == ["ManageVpcNetworkInterfaces"]
    error_message = "Only the ENI statement may use Resource \"*\"."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement :
      alltrue([for a in s.Action : startswith(a, "ec2:")]) if s.Sid == "ManageVpcNetworkInterfaces"
    ])
    error_message = "The ENI statement may only hold ec2 actions."
  }
}

run "the_created_role_trusts_lambda_with_the_boundary_and_path_and_logs_only_to_its_group" {
  module {
    source = "./modules/function"
  }

  variables {
    role_path                = "/notifier/"
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/boundary"
  }

  assert {
    condition     = aws_iam_role.this[0].path == "/notifier/" && aws_iam_role.this[0].permissions_boundary == var.permissions_boundary_arn && aws_iam_role.this[0].name == "acme-sender"
    error_message = "Role name, path or boundary is wrong."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this[0].assume_role_policy).Statement[0].Principal == { Service = "lambda.amazonaws.com" }
    error_message = "Only Lambda may assume the role."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this[0].policy).Statement : s if s.Sid == "WriteOwnLogs"][0] == {
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${aws_cloudwatch_log_group.this[0].arn}:log-stream:*"]
    }
    error_message = "Logging must be limited to the function's own log group."
  }

  assert {
    condition     = aws_iam_role.this[0].tags["Team"] == "growth" && aws_cloudwatch_log_group.this[0].tags["Team"] == "growth" && aws_lambda_function.this[0].tags["Team"] == "growth"
    error_message = "Role, log group and function must carry the tags."
  }
}

run "a_bring_your_own_role_gets_no_created_role_or_policy" {
  module {
    source = "./modules/function"
  }

  variables {
    role_arn = "arn:aws:iam::123456789012:role/platform-owned"
  }

  assert {
    condition     = length(aws_iam_role.this) == 0 && length(aws_iam_role_policy.this) == 0 && aws_lambda_function.this[0].role == var.role_arn
    error_message = "With role_arn the module must create no role or policy and use the given role."
  }
}

run "a_wildcard_in_policy_statements_is_rejected" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    policy_statements = [{ sid = "TooBroad", actions = ["sqs:*"], resources = ["*"] }]
  }

  expect_failures = [var.policy_statements]
}

run "without_async_invocation_lambda_s_defaults_stay_and_no_invoke_config_is_created" {
  command = plan

  module {
    source = "./modules/function"
  }

  assert {
    condition     = length(aws_lambda_function_event_invoke_config.this) == 0 && output.async_invocation == null
    error_message = "No invoke config expected."
  }
}

run "async_invocation_sets_retries_event_age_and_the_on_failure_destination" {
  module {
    source = "./modules/function"
  }

  variables {
    async_invocation = { maximum_retry_attempts = 1, maximum_event_age_in_seconds = 3600, on_failure_destination_arn = "arn:aws:sqs:eu-west-1:123456789012:acme-failures" }
  }

  assert {
    condition = (
      aws_lambda_function_event_invoke_config.this[0].function_name == aws_lambda_function.this[0].function_name &&
      aws_lambda_function_event_invoke_config.this[0].destination_config[0].on_failure[0].destination == "arn:aws:sqs:eu-west-1:123456789012:acme-failures" &&
      output.async_invocation == { maximum_retry_attempts = 1, maximum_event_age_in_seconds = 3600, on_failure_destination_arn = "arn:aws:sqs:eu-west-1:123456789012:acme-failures" }
    )
    error_message = "The invoke config must follow async_invocation: ${jsonencode(output.async_invocation)}"
  }
}

run "an_async_retry_count_lambda_does_not_allow_is_rejected" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    async_invocation = { maximum_retry_attempts = 5 }
  }

  expect_failures = [var.async_invocation]
}
