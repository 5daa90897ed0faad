# The operator's policy (output operator_policy_json): exactly what each `notifier` command needs, on exact ARNs.

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

run "every_cli_command_gets_its_actions_on_its_resources_and_nothing_else" {
  assert {
    condition = {
      for s in jsondecode(output.operator_policy_json).Statement : s.Sid => [s.Effect, s.Action, s.Resource]
      } == {
      ConfigItems = ["Allow", ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-config"]]
      ReadLedger = ["Allow", ["dynamodb:GetItem", "dynamodb:Query"], [
        "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger",
        "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger/index/by-job",
      ]]
      RecordTestSends     = ["Allow", ["dynamodb:PutItem"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"]]
      RemoveSuppressions  = ["Allow", ["dynamodb:DeleteItem"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"]]
      ListAllSuppressions = ["Allow", ["dynamodb:Scan"], ["arn:aws:dynamodb:eu-west-1:123456789012:table/acme-ledger"]]
      StartRuns           = ["Allow", ["lambda:InvokeFunction"], ["arn:aws:lambda:eu-west-1:123456789012:function:acme-planner"]]
      InspectAndRedriveDlq = ["Allow", [
        "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ListMessageMoveTasks", "sqs:ReceiveMessage", "sqs:StartMessageMoveTask",
      ], ["arn:aws:sqs:eu-west-1:123456789012:acme-dlq"]]
      RedriveToDeliveryQueue = ["Allow", ["sqs:GetQueueAttributes", "sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:acme"]]
      FailedTicks            = ["Allow", ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"], ["arn:aws:sqs:eu-west-1:123456789012:acme-planner-failures"]]
    }
    error_message = "Unexpected operator policy: ${output.operator_policy_json}"
  }

  assert {
    condition = jsondecode(output.operator_policy_json).Version == "2012-10-17" && !strcontains(output.operator_policy_json, "kms:") && [
      for s in jsondecode(output.operator_policy_json).Statement : s.Sid if can(s.Condition)
    ] == ["RemoveSuppressions"]
    error_message = "Without a customer key or secrets, the operator gets no kms: actions, and a condition only on RemoveSuppressions."
  }

  assert {
    condition = [
      for s in jsondecode(output.operator_policy_json).Statement : s.Condition if s.Sid == "RemoveSuppressions"
    ] == [{ "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["suppression#*"] } }]
    error_message = "suppressions remove may delete only the suppression partitions of the ledger."
  }
}

run "secrets_check_reads_the_secrets_of_both_functions_and_the_keys_go_through_their_services" {
  variables {
    kms_key_arn         = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    secret_kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"]
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
    sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]
  }

  assert {
    condition = {
      for s in jsondecode(output.operator_policy_json).Statement : s.Sid => [s.Action, s.Resource, try(s.Condition, null)]
      if contains(["ReadSecrets", "ReadParameters", "DecryptSecrets", "UseCustomerKey"], s.Sid)
      } == {
      ReadSecrets    = [["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"], null]
      ReadParameters = [["ssm:GetParameter"], ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"], null]
      DecryptSecrets = [["kms:Decrypt"], [var.secret_kms_key_arns[0], var.kms_key_arn], {
        StringEquals = { "kms:ViaService" = ["secretsmanager.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com"] }
      }]
      UseCustomerKey = [["kms:Decrypt", "kms:GenerateDataKey"], [var.kms_key_arn], {
        StringEquals = { "kms:ViaService" = ["sqs.eu-west-1.amazonaws.com", "dynamodb.eu-west-1.amazonaws.com"] }
      }]
    }
    error_message = "Unexpected secret or key statements in the operator policy: ${output.operator_policy_json}"
  }
}

run "the_operator_cannot_change_iam_the_functions_or_the_schedules" {
  assert {
    condition = alltrue(flatten([for s in jsondecode(output.operator_policy_json).Statement : [
      for a in s.Action : contains(["dynamodb", "lambda", "sqs"], split(":", a)[0]) && !contains(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "sqs:SetQueueAttributes", "sqs:PurgeQueue"], a)
    ]]))
    error_message = "The operator policy holds data-plane actions on the notifier's own resources only."
  }
}

run "cli_environment_exports_every_variable_the_cli_reads_from_this_deployment" {
  command = plan

  variables {
    database_hosts = ["app.abc123.eu-west-1.rds.amazonaws.com", "replica.abc123.eu-west-1.rds.amazonaws.com"]
    channel_hosts  = { webhook = ["hooks.example.com"] }
  }

  assert {
    condition = output.cli_environment == join("", [
      "export AWS_REGION='eu-west-1'\n",
      "export NOTIFIER_CHANNEL_HOSTS='messenger:graph.facebook.com,webhook:hooks.example.com'\n",
      "export NOTIFIER_CONFIG_TABLE='acme-config'\n",
      "export NOTIFIER_DATABASE_HOSTS='app.abc123.eu-west-1.rds.amazonaws.com,replica.abc123.eu-west-1.rds.amazonaws.com'\n",
      "export NOTIFIER_DLQ_URL='https://sqs.eu-west-1.amazonaws.com/123456789012/acme-dlq'\n",
      "export NOTIFIER_LEDGER_TABLE='acme-ledger'\n",
      "export NOTIFIER_PLANNER_FAILURES_URL='https://sqs.eu-west-1.amazonaws.com/123456789012/acme-planner-failures'\n",
      "export NOTIFIER_PLANNER_FUNCTION='acme-planner'\n",
      "export NOTIFIER_QUEUE_URL='https://sqs.eu-west-1.amazonaws.com/123456789012/acme'\n",
      "export NOTIFIER_SUPPRESSION_DAYS='365'\n",
    ])
    error_message = "Unexpected CLI environment:\n${output.cli_environment}"
  }
}
