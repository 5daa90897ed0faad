# The root module's run alarms and end-of-run events: the watch schedule and what it sends the planner (the jobs'
# deadlines, by default from their schedules), the bus, and PutEvents on that bus only
# (docs/adr/0014-run-alarms-and-end-of-run-event.md).

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name           = "acme"
  packages       = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
  database_hosts = ["db.internal"]
  jobs = {
    digest   = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" }
    hourly   = { schedule_expression = "rate(1 hour)", failed_percent = 50 }
    quarter  = { schedule_expression = "cron(*/15 * * * ? *)" }
    frequent = { schedule_expression = "rate(4 minutes)" }
    pinned   = { schedule_expression = "rate(1 day)", overdue_after_minutes = 45 }
    off      = { schedule_expression = "rate(1 day)", enabled = false }
  }
  planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-AbCdEf"]
  sender_secret_arns  = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/page-AbCdEf"]
}

run "the_watch_sends_each_enabled_job_s_deadlines_derived_from_its_schedule" {
  command = plan

  assert {
    condition = jsondecode(local.watch.input).watch.jobs == {
      digest   = { overdueAfterSeconds = 10800, endAfterSeconds = 86400 }
      hourly   = { overdueAfterSeconds = 1800, endAfterSeconds = 86400 }
      quarter  = { overdueAfterSeconds = 420, endAfterSeconds = 86400 }
      frequent = { overdueAfterSeconds = 300, endAfterSeconds = 86400 }
      pinned   = { overdueAfterSeconds = 2700, endAfterSeconds = 86400 }
    }
    error_message = "Overdue after half the period, at least one watch interval, at most 3 h, or as the job says: ${local.watch.input}"
  }

  assert {
    condition     = local.watch.schedule_expression == "rate(5 minutes)"
    error_message = "The watch runs every watch_interval_minutes."
  }
}

run "each_scheduled_job_gets_its_run_alarms_with_its_own_failed_share" {
  command = plan

  assert {
    condition = toset([for key in keys(module.observability.alarm_names) : key if startswith(key, "run-")]) == toset([
      "run-failed-digest", "run-failed-hourly", "run-failed-quarter", "run-failed-frequent", "run-failed-pinned",
      "run-overdue-digest", "run-overdue-hourly", "run-overdue-quarter", "run-overdue-frequent", "run-overdue-pinned",
      "run-watch-missing",
    ])
    error_message = "Run alarms for every enabled job (not the disabled one) and the watch."
  }

  assert {
    condition     = local.run_alarm_jobs.hourly.failed_percent == 50 && local.run_alarm_jobs.digest.failed_percent == 10
    error_message = "A job's failed_percent overrides run_alarms.failed_percent (default 10)."
  }
}

run "the_functions_put_events_on_the_runs_bus_only_and_as_notifier_only" {
  assert {
    condition = alltrue([for policy in [module.planner.policy_json, module.sender.policy_json] :
      [for s in jsondecode(policy).Statement : [s.Action, s.Resource, s.Condition] if s.Sid == "PublishRunEnds"] == [[
        ["events:PutEvents"],
        ["arn:aws:events:eu-west-1:123456789012:event-bus/mock-runs"],
        { StringEquals = { "events:source" = ["notifier"] } },
      ]]
    ])
    error_message = "PutEvents on the created bus, with source notifier, and nothing else."
  }

  assert {
    condition = (
      aws_cloudwatch_event_bus.runs[0].name == "acme-runs" &&
      aws_cloudwatch_event_bus.runs[0].tags["Module"] == "terraform-aws-notifier" &&
      aws_cloudwatch_event_bus.runs[0].kms_key_identifier == null &&
      module.planner.environment["NOTIFIER_RUN_EVENT_BUS"] == output.run_event_bus_arn &&
      module.sender.environment["NOTIFIER_RUN_EVENT_BUS"] == output.run_event_bus_arn
    )
    error_message = "The bus is prefixed and tagged, and both functions are told where it is."
  }
}

run "a_customer_key_encrypts_the_bus" {
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_cloudwatch_event_bus.runs[0].kms_key_identifier == var.kms_key_arn
    error_message = "The bus must be encrypted with the module's key."
  }
}

run "a_bus_of_your_own_replaces_the_created_one" {
  variables {
    run_events = { bus_arn = "arn:aws:events:eu-west-1:123456789012:event-bus/default" }
  }

  assert {
    condition = (
      length(aws_cloudwatch_event_bus.runs) == 0 &&
      strcontains(module.sender.policy_json, "event-bus/default") &&
      module.sender.environment["NOTIFIER_RUN_EVENT_BUS"] == "arn:aws:events:eu-west-1:123456789012:event-bus/default"
    )
    error_message = "With bus_arn, no bus is created and the functions publish to the given one."
  }
}

run "without_a_bus_no_event_is_published_and_no_function_may_put_events" {
  variables {
    run_events = { create_bus = false }
  }

  assert {
    condition = (
      length(aws_cloudwatch_event_bus.runs) == 0 && output.run_event_bus_arn == null &&
      !strcontains(module.planner.policy_json, "events:") && !strcontains(module.sender.policy_json, "events:") &&
      module.sender.environment["NOTIFIER_RUN_EVENT_BUS"] == ""
    )
    error_message = "No bus, no PutEvents and an empty NOTIFIER_RUN_EVENT_BUS."
  }
}

run "run_alarms_create_false_creates_no_watch_and_no_run_alarm" {
  command = plan

  variables {
    run_alarms = { create = false }
  }

  assert {
    condition = (
      output.watch_schedule_arn == null &&
      length([for key in keys(module.observability.alarm_names) : key if startswith(key, "run-")]) == 0
    )
    error_message = "No watch, no run alarms."
  }
}

run "create_false_creates_neither_the_bus_nor_the_watch" {
  command = plan

  variables {
    create = false
  }

  assert {
    condition     = length(aws_cloudwatch_event_bus.runs) == 0 && output.watch_schedule_arn == null && output.run_event_bus_arn == null
    error_message = "create = false creates nothing."
  }
}

run "an_overdue_deadline_must_be_whole_minutes_and_the_watch_interval_at_most_an_hour" {
  command = plan

  variables {
    jobs       = { digest = { schedule_expression = "rate(1 day)", overdue_after_minutes = 0.5 } }
    run_alarms = { watch_interval_minutes = 90 }
  }

  expect_failures = [var.jobs, var.run_alarms]
}
