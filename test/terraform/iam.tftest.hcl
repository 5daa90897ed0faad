# The root module's roles: explicit actions on exact ARNs (ADR 0001), no wildcards.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name     = "acme"
  packages = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
  # Disabled: these runs look at the roles with and without secrets; a job that runs needs a database host and
  # secrets (checks.tf, test/terraform/first-tick.tftest.hcl).
  jobs = { digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin", enabled = false } }
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
      WatchRuns                 = ["Allow", ["dynamodb:Query"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger/index/by-job"]]
      PublishRunEnds            = ["Allow", ["events:PutEvents"], ["arn:aws:events:eu-west-1:123456789012:event-bus/mock-runs"]]
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
      ReadSuppressions  = ["Allow", ["dynamodb:BatchGetItem"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"]]
      ConsumeDeliveries = ["Allow", ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"], ["arn:aws:sqs:eu-west-1:123456789012:acme"]]
      WaitOutPauses     = ["Allow", ["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:acme"]]
      PublishRunEnds    = ["Allow", ["events:PutEvents"], ["arn:aws:events:eu-west-1:123456789012:event-bus/mock-runs"]]
    }
    error_message = "Unexpected sender policy: ${module.sender.policy_json}"
  }

  assert {
    condition = [for s in jsondecode(module.sender.policy_json).Statement : s.Condition if s.Sid == "ReadSuppressions"] == [
      { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["suppression#*"] } },
    ]
    error_message = "The sender's BatchGetItem reads the suppression partitions of the ledger only."
  }

  assert {
    condition     = module.sender.environment.NOTIFIER_SUPPRESSIONS == "true" && module.sender.environment.NOTIFIER_SUPPRESSION_DAYS == "365"
    error_message = "Suppression lists are on by default, their entries lasting 365 days."
  }
}

run "suppressions_turned_off_take_the_sender_s_batch_read_away" {
  variables {
    suppressions = { enabled = false, expire_after_days = 30 }
  }

  assert {
    condition     = !strcontains(module.sender.policy_json, "BatchGetItem") && module.sender.environment.NOTIFIER_SUPPRESSIONS == "false" && strcontains(output.cli_environment, "export NOTIFIER_SUPPRESSION_DAYS='30'")
    error_message = "Without suppression lists the sender reads none; the days still reach the CLI."
  }
}

run "each_function_reads_its_own_secrets_by_exact_arn_and_never_the_other_s" {
  variables {
    planner_secret_arns = [
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf",
      "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/db-host-password",
    ]
    sender_secret_arns = [
      "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token",
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/webhook-signing-QwErTy",
    ]
  }

  assert {
    condition = [for s in jsondecode(module.planner.policy_json).Statement : [s.Action, s.Resource] if contains(["ReadSecrets", "ReadParameters"], s.Sid)] == [
      [["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]],
      [["ssm:GetParameter"], ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/db-host-password"]],
    ]
    error_message = "The planner must read the database password, and only that: ${module.planner.policy_json}"
  }

  assert {
    condition = [for s in jsondecode(module.sender.policy_json).Statement : [s.Action, s.Resource] if contains(["ReadSecrets", "ReadParameters"], s.Sid)] == [
      [["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/webhook-signing-QwErTy"]],
      [["ssm:GetParameter"], ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]],
    ]
    error_message = "The sender must read the channel secrets, and only those: ${module.sender.policy_json}"
  }

  assert {
    condition = (
      alltrue([for arn in var.sender_secret_arns : !strcontains(module.planner.policy_json, arn)]) &&
      alltrue([for arn in var.planner_secret_arns : !strcontains(module.sender.policy_json, arn)])
    )
    error_message = "Neither function may name the other's secrets anywhere in its policy."
  }

  assert {
    condition     = length([for s in jsondecode(module.planner.policy_json).Statement : s if s.Sid == "DecryptSecrets"]) == 0
    error_message = "Secrets under the AWS-managed keys need no kms: grant."
  }
}

run "a_function_without_secrets_gets_no_secret_statements" {
  variables {
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
    secret_kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"]
  }

  assert {
    condition     = !strcontains(module.sender.policy_json, "secretsmanager") && !strcontains(module.sender.policy_json, "ssm:") && !strcontains(module.sender.policy_json, "kms:")
    error_message = "The sender has no secrets here, so no secret or key statement: ${module.sender.policy_json}"
  }
}

run "the_keys_of_the_secrets_decrypt_only_through_secrets_manager_and_ssm" {
  variables {
    kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    secret_kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"]
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
    sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]
  }

  assert {
    condition = alltrue([for policy in [module.planner.policy_json, module.sender.policy_json] :
      [for s in jsondecode(policy).Statement : s if s.Sid == "DecryptSecrets"] == [{
        Sid       = "DecryptSecrets"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = [var.secret_kms_key_arns[0], var.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = ["secretsmanager.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com"] } }
      }]
    ])
    error_message = "Both functions decrypt their secrets with the secrets' keys and the module's key, through Secrets Manager and SSM only."
  }
}

run "a_customer_key_lets_the_planner_encrypt_and_the_sender_decrypt_through_sqs_and_dynamodb_only" {
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = [for s in jsondecode(module.planner.policy_json).Statement : [s.Action, s.Resource, s.Condition] if s.Sid == "UseCustomerKey"] == [[
      ["kms:Decrypt", "kms:GenerateDataKey"], [var.kms_key_arn],
      { StringEquals = { "kms:ViaService" = ["sqs.eu-west-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com"] } },
    ]]
    error_message = "The planner needs kms:Decrypt and kms:GenerateDataKey on the key (SendMessage to an SSE-KMS queue), through SQS and DynamoDB only."
  }

  assert {
    condition = [for s in jsondecode(module.sender.policy_json).Statement : [s.Action, s.Resource, s.Condition] if s.Sid == "UseCustomerKey"] == [[
      ["kms:Decrypt", "kms:GenerateDataKey"], [var.kms_key_arn],
      { StringEquals = { "kms:ViaService" = ["sqs.eu-west-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com"] } },
    ]]
    error_message = "The sender needs kms:Decrypt (receive) and kms:GenerateDataKey (re-send a paused job's task), through SQS and DynamoDB only."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.planner.policy_json, module.sender.policy_json, module.schedule.policy_json] : [
        for s in jsondecode(policy).Statement : can(s.Condition["StringEquals"]["kms:ViaService"]) if anytrue([for a in s.Action : startswith(a, "kms:")]) && s.Sid != "DecryptScheduleInput"
      ]
    ]))
    error_message = "Every KMS grant but the scheduler's input decryption carries a kms:ViaService condition."
  }
}

run "without_a_customer_key_no_role_gets_kms_actions" {
  assert {
    condition     = !strcontains(module.planner.policy_json, "kms:") && !strcontains(module.sender.policy_json, "kms:") && !strcontains(module.schedule.policy_json, "kms:")
    error_message = "No KMS permissions without kms_key_arn."
  }
}

run "no_role_has_a_wildcard_action_and_only_eni_and_x_ray_actions_use_resource_star" {
  variables {
    vpc                 = { subnet_ids = ["subnet-0a1", "subnet-0b2"], security_group_ids = ["sg-0c3"], attach_sender = true }
    kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    sender_secret_arns  = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/token-AbCdEf"]
    planner_secret_arns = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/db-password"]
    tracing_mode        = "Active"
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.planner.policy_json, module.sender.policy_json, module.schedule.policy_json, output.operator_policy_json] : [
        for s in jsondecode(policy).Statement : [for a in s.Action : !strcontains(a, "*")]
      ]
    ]))
    error_message = "No action may contain a wildcard."
  }

  assert {
    condition = alltrue(flatten([
      for policy in [module.planner.policy_json, module.sender.policy_json, module.schedule.policy_json, output.operator_policy_json] : [
        for s in jsondecode(policy).Statement : contains(["ManageVpcNetworkInterfaces", "WriteTraces"], s.Sid) if contains(s.Resource, "*")
      ]
    ]))
    error_message = "Resource \"*\" is only allowed on the ENI and X-Ray statements (actions without resource-level permissions)."
  }

  assert {
    condition = alltrue([for policy in [module.planner.policy_json, module.sender.policy_json] :
      length([for s in jsondecode(policy).Statement : s if contains(s.Resource, "*")]) == 2
    ])
    error_message = "Each function in the VPC with active tracing has exactly the ENI and X-Ray statements on Resource \"*\"."
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

  assert {
    condition = jsondecode(module.schedule.assume_role_policy_json).Statement[0].Condition == {
      StringEquals = {
        "aws:SourceAccount" = "123456789012"
        "aws:SourceArn"     = "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/acme-scheduler"
      }
    }
    error_message = "Only the schedules of the notifier's own schedule group may assume the scheduler role."
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
