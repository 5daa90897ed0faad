# A failed tick is never dropped: the planner's asynchronous invocations (scheduler ticks, continuations) that fail
# after Lambda's retries land in the `<name>-planner-failures` queue, which only the planner's role may write to and
# an alarm watches. (The queue's own settings: failure-queue.tftest.hcl; the alarm's: observability.tftest.hcl.)

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name                = "acme"
  packages            = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
  jobs                = { digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin" } }
  alarm_sns_topic_arn = "arn:aws:sns:eu-west-1:123456789012:alerts"
  # What a scheduled job needs to reach its database and its channel (checks.tf); runs that test without them say so.
  database_hosts      = ["db.example.com"]
  planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/db-reader-AbCdEf"]
  sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/page-token"]
}

run "the_planner_s_failed_async_invocations_go_to_the_failures_queue_after_lambda_s_two_retries" {
  assert {
    condition = module.planner.async_invocation == {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 21600
      on_failure_destination_arn   = "arn:aws:sqs:eu-west-1:123456789012:acme-planner-failures"
    }
    error_message = "The planner keeps Lambda's two retries and six hours, and sends what still fails to acme-planner-failures: ${jsonencode(module.planner.async_invocation)}"
  }

  assert {
    condition     = module.sender.async_invocation == null
    error_message = "The sender is invoked by its event source mapping, never asynchronously: no invoke config."
  }

  assert {
    condition = (
      module.planner_failures.queue_name == "acme-planner-failures" &&
      output.planner_failures_queue_name == "acme-planner-failures" &&
      output.planner_failures_queue_url == "https://sqs.eu-west-1.amazonaws.com/123456789012/acme-planner-failures" &&
      output.planner_failures_queue_arn == module.planner.async_invocation.on_failure_destination_arn
    )
    error_message = "The outputs must name the failures queue."
  }

  assert {
    condition     = jsondecode(module.planner_failures.queue_policy).Statement[0].Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "The failures queue must deny requests without TLS."
  }
}

run "planner_invocation_sets_the_retries_and_the_event_age" {
  variables {
    planner_invocation = { maximum_retry_attempts = 0, maximum_event_age_in_seconds = 600 }
  }

  assert {
    condition     = module.planner.async_invocation.maximum_retry_attempts == 0 && module.planner.async_invocation.maximum_event_age_in_seconds == 600
    error_message = "planner_invocation must reach the invoke config."
  }
}

run "only_the_planner_may_send_to_the_failures_queue_and_only_there" {
  assert {
    condition = [
      for s in jsondecode(module.planner.policy_json).Statement : s.Resource
      if contains(s.Action, "sqs:SendMessage")
    ] == [["arn:aws:sqs:eu-west-1:123456789012:acme"], ["arn:aws:sqs:eu-west-1:123456789012:acme-planner-failures"]]
    error_message = "The planner sends to the delivery queue and the failures queue, each in its own statement, nothing else."
  }

  assert {
    condition     = !strcontains(module.sender.policy_json, "planner-failures") && !strcontains(module.schedule.policy_json, "planner-failures")
    error_message = "No other role may touch the failures queue."
  }
}

run "with_a_customer_key_the_planner_may_use_it_for_the_failure_records" {
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = [for s in jsondecode(module.planner.policy_json).Statement : s.Action if s.Sid == "UseCustomerKey"] == [["kms:Decrypt", "kms:GenerateDataKey"]]
    error_message = "Lambda sends the record with the planner's role: it needs kms:GenerateDataKey and kms:Decrypt on the key."
  }
}

run "an_alarm_watches_the_failures_queue" {
  assert {
    condition     = module.observability.alarm_names["planner-failures-depth"] == "acme-planner-failures-depth"
    error_message = "The planner-failures-depth alarm is missing."
  }
}

run "a_retry_count_above_lambda_s_limit_is_rejected" {
  command = plan

  variables {
    planner_invocation = { maximum_retry_attempts = 3 }
  }

  expect_failures = [var.planner_invocation]
}

run "an_event_age_above_six_hours_is_rejected" {
  command = plan

  variables {
    planner_invocation = { maximum_event_age_in_seconds = 21601 }
  }

  expect_failures = [var.planner_invocation]
}
