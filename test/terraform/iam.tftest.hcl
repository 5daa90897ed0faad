# The root module's roles: explicit actions on exact ARNs (ADR 0001), no wildcards.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name     = "acme"
  packages = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
  jobs     = { digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" } }
}

run "the_planner_reads_config_writes_the_ledger_enqueues_records_its_failures_and_invokes_only_itself" {
  assert {
    condition = {
      for s in jsondecode(module.planner.policy_json).Statement : s.Sid => [s.Effect, s.Action, s.Resource]
      } == {
      WriteOwnLogs              = ["Allow", ["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/acme-planner:log-stream:*"]]
      ReadConfig                = ["Allow", ["dynamodb:GetItem"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-config"]]
      WriteLedger               = ["Allow", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"]]
      EnqueueDeliveries         = ["Allow", ["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:acme"]]
      RecordFailedInvocations   = ["Allow", ["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:acme-planner-failures"]]
      InvokeSelfForContinuation = ["Allow", ["lambda:InvokeFunction"], ["arn:aws:lambda:eu-west-1:123456789012:function:acme-planner"]]
    }
    error_message = "Unexpected planner policy: ${module.planner.policy_json}"
  }

  assert {
    condition     = module.planner.function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:acme-planner"
    error_message = "The self-invoke ARN must be the planner's own ARN."
  }
}

run "the_sender_consumes_the_delivery_queue_and_touches_nothing_else" {
  assert {
    condition = {
      for s in jsondecode(module.sender.policy_json).Statement : s.Sid => [s.Effect, s.Action, s.Resource]
      } == {
      WriteOwnLogs      = ["Allow", ["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/acme-sender:log-stream:*"]]
      ReadConfig        = ["Allow", ["dynamodb:GetItem"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-config"]]
      WriteLedger       = ["Allow", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"]]
      ConsumeDeliveries = ["Allow", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], ["arn:aws:sqs:eu-west-1:123456789012:acme"]]
      WaitOutPauses     = ["Allow", ["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:acme"]]
    }
    error_message = "Unexpected sender policy: ${module.sender.policy_json}"
  }
}

run "secrets_are_readable_by_exact_arn_with_each_service_s_read_action_only" {
  variables {
    secret_arns = [
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf",
      "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token",
    ]
  }

  assert {
    condition = alltrue([for policy in [module.planner.policy_json, module.sender.policy_json] :
      [for s in jsondecode(policy).Statement : [s.Action, s.Resource] if contains(["ReadSecrets", "ReadParameters"], s.Sid)] == [
        [["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]],
        [["ssm:GetParameter"], ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]],
      ]
    ])
    error_message = "Both functions must read the listed secrets, and only those."
  }
}

run "a_customer_key_lets_the_planner_encrypt_and_the_sender_decrypt" {
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = [for s in jsondecode(module.planner.policy_json).Statement : [s.Action, s.Resource] if s.Sid == "UseCustomerKey"] == [[["kms:Decrypt", "kms:GenerateDataKey"], [var.kms_key_arn]]]
    error_message = "The planner needs kms:Decrypt and kms:GenerateDataKey on the key (SendMessage to an SSE-KMS queue)."
  }

  assert {
    condition     = [for s in jsondecode(module.sender.policy_json).Statement : [s.Action, s.Resource] if s.Sid == "UseCustomerKey"] == [[["kms:Decrypt", "kms:GenerateDataKey"], [var.kms_key_arn]]]
    error_message = "The sender needs kms:Decrypt (receive) and kms:GenerateDataKey (re-send a paused job's task) on the key."
  }
}

run "without_a_customer_key_no_role_gets_kms_actions" {
  assert {
    condition     = !strcontains(module.planner.policy_json, "kms:") && !strcontains(module.sender.policy_json, "kms:") && !strcontains(module.schedule.policy_json, "kms:")
    error_message = "No KMS permissions without kms_key_arn."
  }
}

run "no_role_has_a_wildcard_action_and_only_eni_actions_use_resource_star" {
  variables {
    vpc         = { subnet_ids = ["subnet-0a1", "subnet-0b2"], security_group_ids = ["sg-0c3"], attach_sender = true }
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/token-AbCdEf"]
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.planner.policy_json, module.sender.policy_json, module.schedule.policy_json] : [
        for s in jsondecode(policy).Statement : [for a in s.Action : !strcontains(a, "*")]
      ]
    ]))
    error_message = "No action may contain a wildcard."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.planner.policy_json, module.sender.policy_json, module.schedule.policy_json] : [
        for s in jsondecode(policy).Statement : s.Sid == "ManageVpcNetworkInterfaces" if contains(s.Resource, "*")
      ]
    ]))
    error_message = "Resource \"*\" is only allowed on the ENI statement."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.planner.policy_json, module.sender.policy_json, module.schedule.policy_json] : [
        for s in jsondecode(policy).Statement : s.Effect == "Allow" && alltrue([for r in s.Resource : r == "*" || startswith(r, "arn:aws:")])
      ]
    ]))
    error_message = "Every statement is an Allow on explicit ARNs."
  }
}

run "the_scheduler_role_may_invoke_only_the_planner" {
  assert {
    condition = [for s in jsondecode(module.schedule.policy_json).Statement : [s.Action, s.Resource]] == [
      [["lambda:InvokeFunction"], ["arn:aws:lambda:eu-west-1:123456789012:function:acme-planner"]],
      [["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:acme-scheduler-dlq"]],
    ]
    error_message = "Unexpected scheduler policy: ${module.schedule.policy_json}"
  }
}

run "bring_your_own_roles_replace_the_created_ones" {
  variables {
    existing_role_arns = {
      planner   = "arn:aws:iam::123456789012:role/platform/planner"
      sender    = "arn:aws:iam::123456789012:role/platform/sender"
      scheduler = "arn:aws:iam::123456789012:role/platform/scheduler"
    }
  }

  assert {
    condition = (
      output.planner_role_arn == var.existing_role_arns.planner &&
      output.sender_role_arn == var.existing_role_arns.sender &&
      output.scheduler_role_arn == var.existing_role_arns.scheduler &&
      module.planner.policy_json == null && module.sender.policy_json == null && module.schedule.policy_json == null
    )
    error_message = "Supplied roles must be used as they are."
  }
}
