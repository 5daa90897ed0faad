locals {
  alarm_actions = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]

  # One definition per alarm; every alarm fires on a single datapoint over the threshold.
  alarms = {
    dlq-depth = {
      description = "Deliveries are in the DLQ: inspect and redrive them."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.dlq_name }
      statistic   = "Maximum"
      threshold   = var.thresholds.dlq_depth
    }
    oldest-message-age = {
      description = "The oldest delivery has waited too long: the sender is throttled, failing or too slow."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = var.queue_name }
      statistic   = "Maximum"
      threshold   = var.thresholds.oldest_message_age_seconds
    }
    planner-errors = {
      description = "The planner failed."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = var.planner_function_name }
      statistic   = "Sum"
      threshold   = var.thresholds.planner_errors
    }
    planner-throttles = {
      description = "The planner was throttled."
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      dimensions  = { FunctionName = var.planner_function_name }
      statistic   = "Sum"
      threshold   = var.thresholds.throttles
    }
    sender-errors = {
      description = "The sender crashed (failed deliveries inside a batch are reported per item and do not count here)."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = var.sender_function_name }
      statistic   = "Sum"
      threshold   = var.thresholds.sender_errors
    }
    sender-throttles = {
      description = "The sender was throttled."
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      dimensions  = { FunctionName = var.sender_function_name }
      statistic   = "Sum"
      threshold   = var.thresholds.throttles
    }
    scheduler-dlq-depth = {
      description = "The scheduler could not invoke the planner: ticks are in the scheduler DLQ."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.scheduler_dlq_name }
      statistic   = "Maximum"
      threshold   = 1
    }
    planner-failures-depth = {
      description = "A tick or continuation failed after Lambda's retries: list it with `notifier ticks`, replay it with `notifier ticks replay` once the cause is fixed."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.planner_failures_name }
      statistic   = "Maximum"
      threshold   = 1
    }
    fatal-channel = {
      description = "The provider rejected the channel itself (e.g. an invalid page token): the job stopped sending."
      namespace   = var.metric_namespace
      metric      = "FatalChannel"
      dimensions  = { Service = var.name }
      statistic   = "Sum"
      threshold   = 1
    }
  }
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = var.create && var.create_alarms ? local.alarms : {}

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = var.thresholds.period_seconds
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

################################################################################
# Run alarms: on the metrics the handlers emit as runs end and as the watch looks at them
################################################################################

locals {
  run_jobs = var.create && var.create_alarms && var.run_alarms != null ? var.run_alarms.jobs : {}

  run_alarms = merge(
    { for job, alarm in local.run_jobs : "run-failed-${job}" => {
      description        = "A run of ${job} ended with more than ${alarm.failed_percent} % of its recipients failed: `notifier outcomes <run> --status failed` tells why."
      metric             = "RunFailedPercent"
      dimensions         = { Service = var.name, Job = job }
      statistic          = "Maximum"
      period             = var.thresholds.period_seconds
      threshold          = alarm.failed_percent
      comparison         = "GreaterThanThreshold"
      evaluation_periods = 1
      missing            = "notBreaching"
    } },
    { for job, alarm in local.run_jobs : "run-overdue-${job}" => {
      description        = "A run of ${job} has not ended within its deadline after its tick: `notifier runs --job ${job}` and `notifier status <run>` show where it stands."
      metric             = "RunsOverdue"
      dimensions         = { Service = var.name, Job = job }
      statistic          = "Maximum"
      period             = var.run_alarms.watch_period_seconds
      threshold          = 1
      comparison         = "GreaterThanOrEqualToThreshold"
      evaluation_periods = 1
      missing            = "notBreaching"
    } },
    # The watch emits RunWatches on every pass, overdue runs or not: silence means overdue runs would go unnoticed.
    length(local.run_jobs) == 0 ? {} : { "run-watch-missing" = {
      description        = "The watch over open runs emitted nothing for two periods (its schedule, the planner or its role): overdue runs would go unnoticed."
      metric             = "RunWatches"
      dimensions         = { Service = var.name }
      statistic          = "Sum"
      period             = var.run_alarms.watch_period_seconds
      threshold          = 1
      comparison         = "LessThanThreshold"
      evaluation_periods = 2
      missing            = "breaching"
    } },
  )
}

resource "aws_cloudwatch_metric_alarm" "run" {
  for_each = local.run_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = var.metric_namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  treat_missing_data  = each.value.missing
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  tags = var.tags
}

################################################################################
# Dashboard
################################################################################

locals {
  metric_props = { region = var.region, view = "timeSeries", stacked = false, period = 60 }

  widgets = [
    {
      title = "Queue depth"
      metrics = [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queue_name, { label = "visible" }],
        ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", var.queue_name, { label = "in flight" }],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dlq_name, { label = "DLQ" }],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.planner_failures_name, { label = "failed ticks" }],
      ]
      stat = "Maximum"
    },
    {
      title = "Sends per second"
      metrics = [
        [{ expression = "sent / PERIOD(sent)", label = "sent/s", id = "rate" }],
        [var.metric_namespace, "Sent", "Service", var.name, { id = "sent", visible = false }],
      ]
      stat = "Sum"
    },
    {
      title = "Failures by class"
      metrics = [
        for m in ["FailedPermanent", "FailedMalformed", "Transient", "RateLimited", "Retried", "FatalChannel"] :
        [var.metric_namespace, m, "Service", var.name]
      ]
      stat = "Sum"
    },
    {
      title = "Provider latency (ms)"
      metrics = [
        for p in ["p50", "p90", "p99"] :
        [var.metric_namespace, "ProviderLatency", "Service", var.name, { stat = p, label = p }]
      ]
      stat = "p50"
    },
    {
      # The run metrics are per job only ([Service, Job], docs/adr/0014-run-alarms-and-end-of-run-event.md).
      title = "Runs by job: failed share as they end (%), overdue runs"
      metrics = [
        [{ expression = "SEARCH('{${var.metric_namespace},Service,Job} MetricName=\"RunFailedPercent\" Service=\"${var.name}\"', 'Maximum', 300)", id = "failed" }],
        [{ expression = "SEARCH('{${var.metric_namespace},Service,Job} MetricName=\"RunsOverdue\" Service=\"${var.name}\"', 'Maximum', 300)", id = "overdue", yAxis = "right" }],
      ]
      stat = "Maximum"
    },
    {
      title = "Planner"
      metrics = [
        for m in ["Planned", "Enqueued", "EnqueueFailed", "Continuations"] :
        [var.metric_namespace, m, "Service", var.name]
      ]
      stat = "Sum"
    },
    {
      title = "Lambda errors, throttles and concurrency"
      metrics = concat(
        [for fn in [var.planner_function_name, var.sender_function_name] : ["AWS/Lambda", "Errors", "FunctionName", fn]],
        [for fn in [var.planner_function_name, var.sender_function_name] : ["AWS/Lambda", "Throttles", "FunctionName", fn]],
        [["AWS/Lambda", "ConcurrentExecutions", "FunctionName", var.sender_function_name, { stat = "Maximum" }]],
      )
      stat = "Sum"
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create && var.create_dashboard ? 1 : 0

  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      for i, w in local.widgets : {
        type       = "metric"
        x          = (i % 2) * 12
        y          = floor(i / 2) * 6
        width      = 12
        height     = 6
        properties = merge(local.metric_props, { title = w.title, metrics = w.metrics, stat = w.stat })
      }
    ]
  })
}
