# Scheduler --{ job, scheduledTime }--> planner --SendMessageBatch--> delivery queue --ESM--> sender --> provider
#                                          |  |                          | redrive
#                                          |  +--> config + ledger tables <-+--> DLQ        (alarms on everything)
#                                          +--> planner-failures (ticks and continuations whose retries are spent)
# Scheduler --{ watch }--> planner: open runs overdue or past their end    planner, sender --PutEvents--> runs bus

locals {
  tags = merge({ Module = "terraform-aws-notifier", Service = var.name }, var.tags)

  packages = {
    planner  = coalesce(var.packages.planner, "${path.module}/dist/planner.zip")
    sender   = coalesce(var.packages.sender, "${path.module}/dist/sender.zip")
    receiver = coalesce(var.packages.receiver, "${path.module}/dist/receiver.zip")
  }

  # Partition and region from an ARN the module creates: no lookup, so plans work offline (none with create = false).
  arn_parts  = var.create ? split(":", module.queue.queue_arn) : ["arn", "aws", "", "", ""]
  region     = local.arn_parts[3]
  dns_suffix = local.arn_parts[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"
  # kms:ViaService values: a key grant holds only for requests these services make on the caller's behalf.
  via = { for service in ["sqs", "dynamodb", "secretsmanager", "ssm"] : service => "${service}.${local.region}.${local.dns_suffix}" }

  # Who reads which secrets: each function its own only (the planner the database password, the sender the channel
  # tokens), the operator both (`notifier secrets check`). By exact ARN, each service's with its read action alone.
  secret_readers = {
    planner  = var.planner_secret_arns
    sender   = var.sender_secret_arns
    operator = distinct(concat(var.planner_secret_arns, var.sender_secret_arns))
  }

  secret_reads = [
    { sid = "ReadSecrets", service = "secretsmanager", action = "secretsmanager:GetSecretValue" },
    { sid = "ReadParameters", service = "ssm", action = "ssm:GetParameter" },
  ]

  # The keys of the secrets: kms:Decrypt only as Secrets Manager or SSM decrypts a secret the reader may read.
  # The module's own key is included, as the secrets are often encrypted with it.
  secret_kms_key_arns = distinct(compact(concat(var.secret_kms_key_arns, [var.kms_key_arn])))

  secret_statements = { for reader, arns in local.secret_readers : reader => concat(
    [for read in local.secret_reads : {
      sid        = read.sid
      actions    = [read.action]
      resources  = [for arn in arns : arn if strcontains(arn, ":${read.service}:")]
      conditions = null
    } if anytrue([for arn in arns : strcontains(arn, ":${read.service}:")])],
    length(arns) == 0 || length(local.secret_kms_key_arns) == 0 ? [] : [{
      sid        = "DecryptSecrets"
      actions    = ["kms:Decrypt"]
      resources  = local.secret_kms_key_arns
      conditions = { StringEquals = { "kms:ViaService" = [local.via.secretsmanager, local.via.ssm] } }
    }],
  ) }

  # The customer key, only as SQS (queues) and DynamoDB (tables) use it on the function's behalf.
  customer_key_conditions = { StringEquals = { "kms:ViaService" = [local.via.sqs, local.via.dynamodb] } }

  table_statements = [
    {
      sid        = "ReadConfig"
      actions    = ["dynamodb:GetItem"]
      resources  = [module.tables.config_table_arn]
      conditions = null
    },
    {
      sid        = "WriteLedger"
      actions    = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      resources  = [module.tables.ledger_table_arn]
      conditions = null
    },
  ]

  # NOTIFIER_CHANNEL_HOSTS: `<kind>:<host>` entries, so that each kind of channel sends its secret only to its own
  # kind's hosts (handlers/core/host-policy.ts reads it; docs/adr/0007-channel-and-database-allowlists.md).
  channel_hosts = join(",", flatten([for kind, hosts in var.channel_hosts : [for host in hosts : "${kind}:${host}"]]))

  vpc_config = var.vpc == null ? null : {
    subnet_ids         = var.vpc.subnet_ids
    security_group_ids = var.vpc.security_group_ids
  }

  # Where the end-of-run events go: the bus created here, the one given, or none ("").
  run_event_bus_created = var.create && var.run_events.create_bus && var.run_events.bus_arn == null
  run_event_bus_arn     = local.run_event_bus_created ? aws_cloudwatch_event_bus.runs[0].arn : var.run_events.bus_arn
  # PutEvents on that bus only, and as the runs' source only (handlers/core/run-end.ts RUN_EVENT_SOURCE).
  run_event_statements = var.create && local.run_event_bus_arn != null ? [{
    sid        = "PublishRunEnds"
    actions    = ["events:PutEvents"]
    resources  = [local.run_event_bus_arn]
    conditions = { StringEquals = { "events:source" = ["notifier"] } }
  }] : []

  environment = {
    NOTIFIER_NAME             = var.name
    NOTIFIER_RUN_EVENT_BUS    = local.run_event_bus_arn == null ? "" : local.run_event_bus_arn
    NOTIFIER_CONFIG_TABLE     = module.tables.config_table_name
    NOTIFIER_LEDGER_TABLE     = module.tables.ledger_table_name
    NOTIFIER_METRIC_NAMESPACE = var.metric_namespace
    NOTIFIER_LEDGER_TTL_DAYS  = tostring(var.ledger_ttl_days)
  }

  function_defaults = {
    runtime                  = var.runtime
    architecture             = var.architecture
    log_retention_days       = var.log_retention_days
    kms_key_arn              = var.kms_key_arn
    role_path                = var.role_path
    permissions_boundary_arn = var.permissions_boundary_arn
    tracing_mode             = var.tracing_mode
    code_signing_config_arn  = var.code_signing_config_arn
  }
}

################################################################################
# Config and ledger tables
################################################################################

module "tables" {
  source = "./modules/tables"

  create                        = var.create
  name                          = var.name
  kms_key_arn                   = var.kms_key_arn
  deletion_protection           = var.tables.deletion_protection
  ledger_point_in_time_recovery = var.tables.ledger_point_in_time_recovery
  job_documents = {
    for id, job in var.jobs : id => jsonencode(merge(jsondecode(job.definition), { kind = "job", id = id }))
    if job.definition != null
  }

  tags = local.tags
}

################################################################################
# Delivery queue and DLQ
################################################################################

module "queue" {
  source = "./modules/queue"

  create                        = var.create
  name                          = var.name
  consumer_timeout_seconds      = var.sender.timeout
  visibility_timeout_multiplier = var.queue.visibility_timeout_multiplier
  max_receive_count             = var.queue.max_receive_count
  message_retention_seconds     = var.queue.message_retention_seconds
  dlq_message_retention_seconds = var.queue.dlq_message_retention_seconds
  kms_key_arn                   = var.kms_key_arn

  tags = local.tags
}

################################################################################
# Failed planner invocations: the on-failure destination of ticks and continuations
################################################################################

# The scheduler's retry policy and DLQ cover only an Invoke call it could not make; an error inside the planner gets
# Lambda's asynchronous retries, and its event lands here once they are spent instead of being dropped.
module "planner_failures" {
  source = "./modules/failure-queue"

  create      = var.create
  name        = "${var.name}-planner-failures"
  kms_key_arn = var.kms_key_arn

  tags = local.tags
}

################################################################################
# Planner: reads the job, streams the audience, enqueues delivery tasks
################################################################################

module "planner" {
  source = "./modules/function"

  create                   = var.create
  name                     = "${var.name}-planner"
  description              = "Plans a notification run: streams the audience and enqueues delivery tasks."
  package_path             = local.packages.planner
  runtime                  = local.function_defaults.runtime
  architecture             = local.function_defaults.architecture
  memory_size              = var.planner.memory_size
  timeout                  = var.planner.timeout
  reserved_concurrency     = var.planner.reserved_concurrency
  vpc_config               = local.vpc_config
  log_retention_days       = local.function_defaults.log_retention_days
  kms_key_arn              = local.function_defaults.kms_key_arn
  role_arn                 = var.existing_role_arns.planner
  role_path                = local.function_defaults.role_path
  permissions_boundary_arn = local.function_defaults.permissions_boundary_arn
  tracing_mode             = local.function_defaults.tracing_mode
  code_signing_config_arn  = local.function_defaults.code_signing_config_arn

  environment = merge(local.environment, {
    NOTIFIER_QUEUE_URL = module.queue.queue_url
    # The only hosts the planner sends the database password to (docs/adr/0007-channel-and-database-allowlists.md).
    NOTIFIER_DATABASE_HOSTS = join(",", var.database_hosts)
    # Caps V8's young generation, so the planner's peak memory stays flat over a long run
    # (docs/adr/0004-planner-young-generation.md); the script ships in the planner's package.
    AWS_LAMBDA_EXEC_WRAPPER = "/var/task/exec-wrapper"
  })

  # Continuations: the planner re-invokes its own ARN, and nothing else.
  allow_self_invoke = true
  async_invocation = {
    maximum_retry_attempts       = var.planner_invocation.maximum_retry_attempts
    maximum_event_age_in_seconds = var.planner_invocation.maximum_event_age_in_seconds
    on_failure_destination_arn   = module.planner_failures.queue_arn
  }
  policy_statements = concat(
    local.table_statements,
    [
      {
        sid        = "EnqueueDeliveries"
        actions    = ["sqs:SendMessage"]
        resources  = [module.queue.queue_arn]
        conditions = null
      },
      # Lambda sends the on-failure record with the function's execution role.
      {
        sid        = "RecordFailedInvocations"
        actions    = ["sqs:SendMessage"]
        resources  = [module.planner_failures.queue_arn]
        conditions = null
      },
      # The watch reads a job's open runs through the by-job index (handlers/planning/watch.ts).
      {
        sid        = "WatchRuns"
        actions    = ["dynamodb:Query"]
        resources  = [module.tables.ledger_by_job_index_arn]
        conditions = null
      },
    ],
    local.run_event_statements,
    local.secret_statements.planner,
    var.kms_key_arn == null ? [] : [{
      sid        = "UseCustomerKey"
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources  = [var.kms_key_arn]
      conditions = local.customer_key_conditions
    }],
  )

  tags = local.tags
}

################################################################################
# Sender: consumes the delivery queue, one provider call per recipient
################################################################################

module "sender" {
  source = "./modules/function"

  create                   = var.create
  name                     = "${var.name}-sender"
  description              = "Delivers notifications from the delivery queue through the channel adapter."
  package_path             = local.packages.sender
  runtime                  = local.function_defaults.runtime
  architecture             = local.function_defaults.architecture
  memory_size              = var.sender.memory_size
  timeout                  = var.sender.timeout
  reserved_concurrency     = var.sender.reserved_concurrency
  vpc_config               = try(var.vpc.attach_sender, false) ? local.vpc_config : null
  log_retention_days       = local.function_defaults.log_retention_days
  kms_key_arn              = local.function_defaults.kms_key_arn
  role_arn                 = var.existing_role_arns.sender
  role_path                = local.function_defaults.role_path
  permissions_boundary_arn = local.function_defaults.permissions_boundary_arn
  tracing_mode             = local.function_defaults.tracing_mode
  code_signing_config_arn  = local.function_defaults.code_signing_config_arn

  # Each sender paces a channel at the share of its ratePerSecond it was granted among the senders working on it
  # (NOTIFIER_RATE_SHARE=live; NOTIFIER_SENDER_INSTANCES sizes its first request and its floor), or at ratePerSecond /
  # NOTIFIER_SENDER_INSTANCES (static), so the fleet stays under the provider's limit.
  # The queue URL lets it return a message for a retry after the retry's backoff instead of the visibility timeout,
  # and re-send a paused job's task as a new delayed message (a returned one would count a receive towards the DLQ).
  environment = merge(local.environment, {
    NOTIFIER_SENDER_INSTANCES   = tostring(var.sender.maximum_concurrency)
    NOTIFIER_SENDER_PARALLELISM = tostring(var.sender.parallelism)
    NOTIFIER_RATE_SHARE         = var.sender.rate_share
    NOTIFIER_QUEUE_URL          = module.queue.queue_url
    # The only hosts the sender sends a channel's secret to (docs/adr/0007-channel-and-database-allowlists.md).
    NOTIFIER_CHANNEL_HOSTS = local.channel_hosts
    # The channels' suppression lists (docs/adr/0013-window-and-suppressions.md).
    NOTIFIER_SUPPRESSIONS     = tostring(var.suppressions.enabled)
    NOTIFIER_SUPPRESSION_DAYS = tostring(var.suppressions.expire_after_days)
  })

  policy_statements = concat(
    local.table_statements,
    # The suppression list entries of a task's recipients, in one request, and only from the suppression partitions;
    # PutItem, to add one, is in WriteLedger.
    var.suppressions.enabled ? [{
      sid        = "ReadSuppressions"
      actions    = ["dynamodb:BatchGetItem"]
      resources  = [module.tables.ledger_table_arn]
      conditions = { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["suppression#*"] } }
    }] : [],
    [
      {
        sid        = "ConsumeDeliveries"
        actions    = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources  = [module.queue.queue_arn]
        conditions = null
      },
      # A paused job's task waits as a new, delayed message: its receive count starts afresh.
      {
        sid        = "WaitOutPauses"
        actions    = ["sqs:SendMessage"]
        resources  = [module.queue.queue_arn]
        conditions = null
      },
    ],
    # The sender that adds a run's last count ends the run and publishes its event.
    local.run_event_statements,
    local.secret_statements.sender,
    # GenerateDataKey: re-sending a paused job's task to a queue encrypted with the key.
    var.kms_key_arn == null ? [] : [{
      sid        = "UseCustomerKey"
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources  = [var.kms_key_arn]
      conditions = local.customer_key_conditions
    }],
  )

  tags = local.tags
}

resource "aws_lambda_event_source_mapping" "sender" {
  count = var.create ? 1 : 0

  event_source_arn                   = module.queue.queue_arn
  function_name                      = module.sender.function_arn
  batch_size                         = var.sender.batch_size
  maximum_batching_window_in_seconds = var.sender.maximum_batching_window_in_seconds

  # The sender returns { batchItemFailures }: only failed deliveries return to the queue.
  function_response_types = ["ReportBatchItemFailures"]

  # Concurrent senders, and so the request rate towards the provider.
  scaling_config {
    maximum_concurrency = var.sender.maximum_concurrency
  }

  tags = local.tags
}

################################################################################
# The end-of-run events' bus (docs/adr/0014-run-alarms-and-end-of-run-event.md)
################################################################################

resource "aws_cloudwatch_event_bus" "runs" {
  count = local.run_event_bus_created ? 1 : 0

  name        = "${var.name}-runs"
  description = "End-of-run events of ${var.name}: one per run, with its counts and how it ended."
  # At rest under the customer key when given (its policy must let events.amazonaws.com use it), else an AWS-owned key.
  kms_key_identifier = var.kms_key_arn

  tags = local.tags
}

################################################################################
# Schedules: one per enabled job, invoking the planner; and the watch over their runs
################################################################################

locals {
  # A job's schedule period in minutes, as far as its expression tells: rate(...) exactly; cron(...) by its finest
  # repeating field (every minute or every n minutes, then every hour or every n hours), else a day; at(...) a day.
  rate_units = { minute = 1, minutes = 1, hour = 60, hours = 60, day = 1440, days = 1440 }
  cron_fields = { for id, job in var.jobs : id => split(" ", trimspace(trimsuffix(trimprefix(job.schedule_expression, "cron("), ")")))
  if startswith(job.schedule_expression, "cron(") }
  schedule_period_minutes = { for id, job in var.jobs : id => (
    startswith(job.schedule_expression, "rate(") ? (
      tonumber(regex("^rate\\((\\d+) ", job.schedule_expression)[0]) * lookup(local.rate_units, regex("^rate\\(\\d+ ([a-z]+)\\)$", job.schedule_expression)[0], 1440)
      ) : contains(keys(local.cron_fields), id) ? (
      local.cron_fields[id][0] == "*" ? 1 :
      can(regex("/([0-9]+)$", local.cron_fields[id][0])) ? tonumber(regex("/([0-9]+)$", local.cron_fields[id][0])[0]) :
      local.cron_fields[id][1] == "*" ? 60 :
      can(regex("/([0-9]+)$", local.cron_fields[id][1])) ? 60 * tonumber(regex("/([0-9]+)$", local.cron_fields[id][1])[0]) :
      1440
    ) : 1440
  ) }

  # What the watch sends the planner: each enabled job's deadlines (handlers/config/planner-event.ts watchEventSchema).
  # Overdue by default after half the period, at least one watch interval and at most three hours (a 9:00 digest
  # still open at 12:00).
  watched_jobs = { for id, job in var.jobs : id => {
    overdueAfterSeconds = 60 * coalesce(job.overdue_after_minutes, min(180, max(var.run_alarms.watch_interval_minutes, floor(local.schedule_period_minutes[id] / 2))))
    endAfterSeconds     = 3600 * var.run_alarms.end_after_hours
  } if job.enabled }
  run_alarm_jobs = { for id, job in local.watched_jobs : id => {
    failed_percent = coalesce(var.jobs[id].failed_percent, var.run_alarms.failed_percent)
  } }
  watch = var.run_alarms.create && length(local.watched_jobs) > 0 ? {
    schedule_expression = "rate(${var.run_alarms.watch_interval_minutes} ${var.run_alarms.watch_interval_minutes == 1 ? "minute" : "minutes"})"
    input               = jsonencode({ watch = { jobs = local.watched_jobs } })
  } : null
}

module "schedule" {
  source = "./modules/schedule"

  create     = var.create
  name       = var.name
  jobs       = { for id, job in var.jobs : id => { schedule_expression = job.schedule_expression, timezone = job.timezone, enabled = job.enabled, description = job.description } }
  target_arn = module.planner.function_arn
  watch      = local.watch
  retry = {
    maximum_retry_attempts       = var.scheduler.maximum_retry_attempts
    maximum_event_age_in_seconds = var.scheduler.maximum_event_age_in_seconds
  }
  dlq_message_retention_seconds = var.queue.dlq_message_retention_seconds
  kms_key_arn                   = var.kms_key_arn
  role_arn                      = var.existing_role_arns.scheduler
  role_path                     = var.role_path
  permissions_boundary_arn      = var.permissions_boundary_arn

  tags = local.tags
}

################################################################################
# Webhook receiver (optional): Meta's delivery and read receipts and opt-outs, into the ledger
################################################################################

module "receiver" {
  source = "./modules/receiver"

  create                     = var.create && var.receiver.create
  name                       = "${var.name}-receiver"
  package_path               = local.packages.receiver
  runtime                    = local.function_defaults.runtime
  architecture               = local.function_defaults.architecture
  memory_size                = var.receiver.memory_size
  timeout                    = var.receiver.timeout
  reserved_concurrency       = var.receiver.reserved_concurrency
  log_retention_days         = local.function_defaults.log_retention_days
  kms_key_arn                = local.function_defaults.kms_key_arn
  role_path                  = local.function_defaults.role_path
  permissions_boundary_arn   = local.function_defaults.permissions_boundary_arn
  tracing_mode               = local.function_defaults.tracing_mode
  code_signing_config_arn    = local.function_defaults.code_signing_config_arn
  config_table_arn           = module.tables.config_table_arn
  ledger_table_arn           = module.tables.ledger_table_arn
  secret_arn                 = var.receiver.secret_arn
  secret_kms_key_arns        = var.receiver.secret_kms_key_arns
  throttling                 = var.receiver.throttling
  create_alarms              = var.create_alarms
  alarm_sns_topic_arn        = var.alarm_sns_topic_arn
  refused_requests_threshold = var.receiver.refused_requests_threshold

  environment = {
    NOTIFIER_NAME            = var.name
    NOTIFIER_CONFIG_TABLE    = module.tables.config_table_name
    NOTIFIER_LEDGER_TABLE    = module.tables.ledger_table_name
    NOTIFIER_LEDGER_TTL_DAYS = tostring(var.ledger_ttl_days)
    # A Secrets Manager ARN, never the secret: the function reads it at cold start and every five minutes after.
    # "none" only with the receiver off (no function then): receiver.create requires the ARN (variables.tf).
    NOTIFIER_RECEIVER_SECRET = coalesce(var.receiver.secret_arn, "none")
  }

  tags = local.tags
}

################################################################################
# Alarms and dashboard
################################################################################

module "observability" {
  source = "./modules/observability"

  create                = var.create
  name                  = var.name
  region                = local.region
  metric_namespace      = var.metric_namespace
  queue_name            = module.queue.queue_name
  dlq_name              = module.queue.dlq_name
  scheduler_dlq_name    = module.schedule.dlq_name
  planner_failures_name = module.planner_failures.queue_name
  planner_function_name = module.planner.function_name
  sender_function_name  = module.sender.function_name
  create_alarms         = var.create_alarms
  alarm_sns_topic_arn   = var.alarm_sns_topic_arn
  thresholds            = var.alarm_thresholds
  create_dashboard      = var.create_dashboard
  run_alarms = local.watch == null ? null : {
    watch_period_seconds = 60 * var.run_alarms.watch_interval_minutes
    jobs                 = local.run_alarm_jobs
  }

  tags = local.tags
}
