# The scanner opt-ins (docs/SECURITY.md): X-Ray tracing, code signing and the ledger's point-in-time recovery cost
# nothing until set, and reach both functions (or the ledger) when set.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name     = "acme"
  packages = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
  jobs     = { digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" } }
  # What a scheduled job needs to reach its database and its channel (checks.tf); runs that test without them say so.
  database_hosts      = ["db.example.com"]
  planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
  sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]
}

run "by_default_no_tracing_no_code_signing_and_point_in_time_recovery_on_the_config_table_only" {
  assert {
    condition     = module.planner.code_signing_config_arn == null && module.sender.code_signing_config_arn == null
    error_message = "No code-signing config unless given."
  }

  assert {
    condition     = !strcontains(module.planner.policy_json, "xray:") && !strcontains(module.sender.policy_json, "xray:")
    error_message = "No X-Ray actions unless tracing is active."
  }

  assert {
    condition     = module.tables.point_in_time_recovery == { config = true, ledger = false }
    error_message = "The config table always has point-in-time recovery; the ledger's is off by default."
  }
}

run "tracing_code_signing_and_ledger_recovery_reach_both_functions_and_the_ledger" {
  variables {
    tracing_mode            = "Active"
    code_signing_config_arn = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0"
    tables                  = { ledger_point_in_time_recovery = true }
  }

  assert {
    condition     = module.planner.tracing_mode == "Active" && module.sender.tracing_mode == "Active"
    error_message = "tracing_mode must reach both functions."
  }

  assert {
    condition     = module.planner.code_signing_config_arn == var.code_signing_config_arn && module.sender.code_signing_config_arn == var.code_signing_config_arn
    error_message = "code_signing_config_arn must reach both functions."
  }

  assert {
    condition = alltrue([for policy in [module.planner.policy_json, module.sender.policy_json] :
      [for s in jsondecode(policy).Statement : s.Action if s.Sid == "WriteTraces"] == [["xray:PutTelemetryRecords", "xray:PutTraceSegments"]]
    ])
    error_message = "Both roles need the X-Ray write actions with active tracing."
  }

  assert {
    condition     = module.tables.point_in_time_recovery == { config = true, ledger = true }
    error_message = "tables.ledger_point_in_time_recovery must turn on the ledger's point-in-time recovery."
  }
}
