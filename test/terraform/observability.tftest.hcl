# modules/observability on its own: the alarms, their actions and the dashboard.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name                  = "acme"
  region                = "eu-west-1"
  queue_name            = "acme"
  dlq_name              = "acme-dlq"
  scheduler_dlq_name    = "acme-scheduler-dlq"
  planner_failures_name = "acme-planner-failures"
  planner_function_name = "acme-planner"
  sender_function_name  = "acme-sender"
  alarm_sns_topic_arn   = "arn:aws:sns:eu-west-1:123456789012:alerts"
  tags                  = { Team = "growth" }
}

run "every_alarm_exists_and_notifies_the_sns_topic_on_alarm_and_ok" {
  command = plan

  module {
    source = "./modules/observability"
  }

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.this)) == toset([
      "dlq-depth", "oldest-message-age", "planner-errors", "planner-throttles",
      "sender-errors", "sender-throttles", "scheduler-dlq-depth", "planner-failures-depth", "fatal-channel",
    ])
    error_message = "Missing or unexpected alarms."
  }

  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.this :
      a.alarm_actions == toset([var.alarm_sns_topic_arn]) && a.ok_actions == toset([var.alarm_sns_topic_arn]) && startswith(a.alarm_name, "acme-") && a.tags["Team"] == "growth"
    ])
    error_message = "Every alarm must notify the topic, be prefixed and tagged."
  }
}

run "alarms_watch_the_right_queues_and_functions" {
  command = plan

  module {
    source = "./modules/observability"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["dlq-depth"].dimensions == tomap({ QueueName = "acme-dlq" }) &&
      aws_cloudwatch_metric_alarm.this["scheduler-dlq-depth"].dimensions == tomap({ QueueName = "acme-scheduler-dlq" }) &&
      aws_cloudwatch_metric_alarm.this["oldest-message-age"].metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.this["oldest-message-age"].dimensions == tomap({ QueueName = "acme" }) &&
      aws_cloudwatch_metric_alarm.this["oldest-message-age"].threshold == 900 &&
      aws_cloudwatch_metric_alarm.this["planner-errors"].dimensions == tomap({ FunctionName = "acme-planner" }) &&
      aws_cloudwatch_metric_alarm.this["sender-throttles"].metric_name == "Throttles" &&
      aws_cloudwatch_metric_alarm.this["sender-throttles"].dimensions == tomap({ FunctionName = "acme-sender" })
    )
    error_message = "An alarm watches the wrong metric or resource."
  }
}

run "the_first_failed_planner_invocation_raises_an_alarm" {
  command = plan

  module {
    source = "./modules/observability"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["planner-failures-depth"].namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.this["planner-failures-depth"].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.this["planner-failures-depth"].dimensions == tomap({ QueueName = "acme-planner-failures" }) &&
      aws_cloudwatch_metric_alarm.this["planner-failures-depth"].comparison_operator == "GreaterThanOrEqualToThreshold" &&
      aws_cloudwatch_metric_alarm.this["planner-failures-depth"].threshold == 1 &&
      aws_cloudwatch_metric_alarm.this["planner-failures-depth"].alarm_actions == toset([var.alarm_sns_topic_arn])
    )
    error_message = "The alarm must watch the failures queue's visible messages (> 0) and notify the topic."
  }
}

run "the_fatal_channel_alarm_watches_the_handlers_metric_with_service_dimension" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    metric_namespace = "Acme/Notifier"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["fatal-channel"].namespace == "Acme/Notifier" &&
      aws_cloudwatch_metric_alarm.this["fatal-channel"].metric_name == "FatalChannel" &&
      aws_cloudwatch_metric_alarm.this["fatal-channel"].dimensions == tomap({ Service = "acme" }) &&
      aws_cloudwatch_metric_alarm.this["fatal-channel"].statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.this["fatal-channel"].threshold == 1 &&
      aws_cloudwatch_metric_alarm.this["fatal-channel"].comparison_operator == "GreaterThanOrEqualToThreshold"
    )
    error_message = "FatalChannel: Sum >= 1 in the namespace with Service = name (ADR 0001)."
  }
}

run "without_a_topic_the_alarms_exist_without_actions" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    alarm_sns_topic_arn = null
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this) == 9 && alltrue([for a in aws_cloudwatch_metric_alarm.this : length(a.alarm_actions) == 0])
    error_message = "Alarms without actions expected."
  }
}

run "the_dashboard_exists_only_when_asked_for_and_charts_the_handler_metrics" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    create_dashboard = true
  }

  assert {
    condition     = length(aws_cloudwatch_dashboard.this) == 1 && aws_cloudwatch_dashboard.this[0].dashboard_name == "acme"
    error_message = "Dashboard expected."
  }

  assert {
    condition = alltrue([for m in ["ProviderLatency", "Sent", "FailedPermanent", "RateLimited", "ApproximateNumberOfMessagesVisible"] :
    strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "\"${m}\"")])
    error_message = "The dashboard must chart queue depth, sends, failures by class and provider latency."
  }

  assert {
    condition     = strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "\"acme-planner-failures\"")
    error_message = "The dashboard must chart the depth of the failed planner invocations."
  }
}

run "no_dashboard_and_no_alarms_when_switched_off" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    create_alarms = false
  }

  assert {
    condition     = length(aws_cloudwatch_dashboard.this) == 0 && length(aws_cloudwatch_metric_alarm.this) == 0
    error_message = "Nothing expected."
  }
}

run "run_alarms_watch_each_job_s_failed_share_and_overdue_runs_and_the_watch_itself" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    metric_namespace = "Acme/Notifier"
    run_alarms = {
      watch_period_seconds = 300
      jobs                 = { digest = { failed_percent = 10 }, weekly = { failed_percent = 25 } }
    }
  }

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.run)) == toset([
      "run-failed-digest", "run-failed-weekly", "run-overdue-digest", "run-overdue-weekly", "run-watch-missing",
    ])
    error_message = "One failed-share and one overdue alarm per job, and one for a silent watch."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.run["run-failed-weekly"].metric_name == "RunFailedPercent" &&
      aws_cloudwatch_metric_alarm.run["run-failed-weekly"].namespace == "Acme/Notifier" &&
      aws_cloudwatch_metric_alarm.run["run-failed-weekly"].dimensions == tomap({ Service = "acme", Job = "weekly" }) &&
      aws_cloudwatch_metric_alarm.run["run-failed-weekly"].statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.run["run-failed-weekly"].threshold == 25 &&
      aws_cloudwatch_metric_alarm.run["run-failed-weekly"].comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.run["run-failed-weekly"].period == 300 &&
      aws_cloudwatch_metric_alarm.run["run-failed-weekly"].treat_missing_data == "notBreaching" &&
      aws_cloudwatch_metric_alarm.run["run-failed-digest"].threshold == 10
    )
    error_message = "Failed share: the job's RunFailedPercent, Maximum above its own threshold, quiet without runs."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.run["run-overdue-digest"].metric_name == "RunsOverdue" &&
      aws_cloudwatch_metric_alarm.run["run-overdue-digest"].dimensions == tomap({ Service = "acme", Job = "digest" }) &&
      aws_cloudwatch_metric_alarm.run["run-overdue-digest"].statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.run["run-overdue-digest"].threshold == 1 &&
      aws_cloudwatch_metric_alarm.run["run-overdue-digest"].comparison_operator == "GreaterThanOrEqualToThreshold" &&
      aws_cloudwatch_metric_alarm.run["run-overdue-digest"].period == 300
    )
    error_message = "Overdue: the job's RunsOverdue, one overdue run is enough, over the watch's period."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.run["run-watch-missing"].metric_name == "RunWatches" &&
      aws_cloudwatch_metric_alarm.run["run-watch-missing"].dimensions == tomap({ Service = "acme" }) &&
      aws_cloudwatch_metric_alarm.run["run-watch-missing"].comparison_operator == "LessThanThreshold" &&
      aws_cloudwatch_metric_alarm.run["run-watch-missing"].treat_missing_data == "breaching" &&
      aws_cloudwatch_metric_alarm.run["run-watch-missing"].evaluation_periods == 2 &&
      aws_cloudwatch_metric_alarm.run["run-watch-missing"].datapoints_to_alarm == 2
    )
    error_message = "A watch that emits nothing for two periods must alarm: missing data is breaching."
  }

  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.run :
      a.alarm_actions == toset([var.alarm_sns_topic_arn]) && a.ok_actions == toset([var.alarm_sns_topic_arn]) &&
      startswith(a.alarm_name, "acme-run-") && a.tags["Team"] == "growth"
    ])
    error_message = "Every run alarm must notify the topic, be prefixed and tagged."
  }
}

run "no_run_alarms_without_run_alarms_or_with_alarms_switched_off" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    create_alarms = false
    run_alarms    = { watch_period_seconds = 300, jobs = { digest = { failed_percent = 10 } } }
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.run) == 0
    error_message = "create_alarms = false creates no run alarm either."
  }
}

run "a_failed_share_of_100_percent_or_more_is_refused" {
  command = plan

  module {
    source = "./modules/observability"
  }

  variables {
    run_alarms = { watch_period_seconds = 300, jobs = { digest = { failed_percent = 100 } } }
  }

  expect_failures = [var.run_alarms]
}
