################################################################################
# General
################################################################################

variable "create" {
  description = "Create the module's resources. `false` creates nothing (e.g. to switch a deployment off per environment) and every output is `null` or empty."
  type        = bool
  default     = true
}

variable "name" {
  description = "Prefix of every resource name (queues, tables, functions, roles, schedules, alarms) and the `Service` dimension of the metrics."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "name must be 2-32 characters of a-z, 0-9 and \"-\", start with a letter and not end with \"-\" (it prefixes names AWS limits to 64 characters)."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource (merged over `{ Module = \"terraform-aws-notifier\", Service = <name> }`)."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Jobs and schedules
################################################################################

variable "jobs" {
  description = <<-EOT
    Jobs keyed by id. Each enabled job gets an EventBridge Scheduler schedule that invokes the planner with
    `{ job, scheduledTime }`. `schedule_expression` is `cron(...)`, `rate(...)` or `at(...)`; `timezone` an IANA name.
    `definition` optionally writes the job's config item (a JSON object, e.g. `jsonencode({...})`) to the config table;
    it lands in Terraform state, so it must not hold secrets (jobs reference database and channel items by id).
    `overdue_after_minutes` is how long after its tick a run may stay open before it counts as overdue (default: half
    the schedule's period, at least `run_alarms.watch_interval_minutes` and at most 180); `failed_percent` overrides
    `run_alarms.failed_percent` for the job (see `run_alarms`).
  EOT
  type = map(object({
    schedule_expression   = string
    timezone              = optional(string, "UTC")
    enabled               = optional(bool, true)
    description           = optional(string)
    definition            = optional(string)
    overdue_after_minutes = optional(number)
    failed_percent        = optional(number)
  }))
  default = {}

  nullable = false
  validation {
    condition     = alltrue([for id in keys(var.jobs) : can(regex("^[a-z0-9][a-z0-9_-]{0,29}$", id))])
    error_message = "Job ids must be 1-30 characters of a-z, 0-9, \"-\" or \"_\", starting with a letter or digit."
  }

  validation {
    condition     = alltrue([for job in values(var.jobs) : can(regex("^(cron|rate|at)\\(.+\\)$", job.schedule_expression))])
    error_message = "Each job's schedule_expression must be cron(...), rate(...) or at(...)."
  }

  validation {
    condition     = alltrue([for job in values(var.jobs) : can(regex("^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$", job.timezone))])
    error_message = "Each job's timezone must be UTC or an IANA time zone name such as Europe/Berlin."
  }

  validation {
    condition = alltrue([
      for job in values(var.jobs) : job.definition == null ? true : (
        can(keys(jsondecode(job.definition))) && !strcontains(job.definition, "\"inline\"")
      )
    ])
    error_message = "A job definition must be a JSON object without inline secrets."
  }

  validation {
    condition = alltrue([
      for job in values(var.jobs) : job.overdue_after_minutes == null ? true : (
        job.overdue_after_minutes >= 1 && floor(job.overdue_after_minutes) == job.overdue_after_minutes
      )
    ])
    error_message = "Each job's overdue_after_minutes must be a whole number of minutes, at least 1."
  }

  validation {
    condition = alltrue([
      for job in values(var.jobs) : job.failed_percent == null ? true : job.failed_percent >= 0 && job.failed_percent < 100
    ])
    error_message = "Each job's failed_percent must be at least 0 and below 100."
  }
}

variable "scheduler" {
  description = <<-EOT
    Retry policy of the schedules' Invoke calls: it covers only an invocation the scheduler could not hand to Lambda
    (throttled, planner missing, no permission), and such ticks go to the scheduler DLQ. An error inside the planner
    is retried by Lambda instead, as `planner_invocation` sets.
  EOT
  type = object({
    maximum_retry_attempts       = optional(number, 3)
    maximum_event_age_in_seconds = optional(number, 3600)
  })
  default = {}

  nullable = false
  validation {
    condition     = var.scheduler.maximum_retry_attempts >= 0 && var.scheduler.maximum_retry_attempts <= 185
    error_message = "scheduler.maximum_retry_attempts must be between 0 and 185."
  }

  validation {
    condition     = var.scheduler.maximum_event_age_in_seconds >= 60 && var.scheduler.maximum_event_age_in_seconds <= 86400
    error_message = "scheduler.maximum_event_age_in_seconds must be between 60 and 86400."
  }
}

################################################################################
# Functions
################################################################################

variable "planner_invocation" {
  description = <<-EOT
    Lambda's handling of the planner's asynchronous invocations (scheduler ticks and continuations): how often an
    invocation the planner failed on (e.g. the database unreachable) is retried, about 1 and then 2 minutes apart, and
    the age after which an event is given up. What still fails is not dropped: its invocation record lands in the
    `<name>-planner-failures` queue (alarmed); `notifier ticks` lists it and `notifier ticks replay` runs it again
    with the same run id, resuming from the run's cursor.
  EOT
  type = object({
    maximum_retry_attempts       = optional(number, 2)
    maximum_event_age_in_seconds = optional(number, 21600)
  })
  default = {}

  nullable = false
  validation {
    condition     = contains([0, 1, 2], var.planner_invocation.maximum_retry_attempts)
    error_message = "planner_invocation.maximum_retry_attempts must be 0, 1 or 2 (Lambda's limits)."
  }

  validation {
    condition     = var.planner_invocation.maximum_event_age_in_seconds >= 60 && var.planner_invocation.maximum_event_age_in_seconds <= 21600
    error_message = "planner_invocation.maximum_event_age_in_seconds must be between 60 and 21600 (6 hours, Lambda's limits)."
  }
}

variable "planner" {
  description = "Planner sizing. `reserved_concurrency = -1` leaves it unreserved."
  type = object({
    memory_size          = optional(number, 512)
    timeout              = optional(number, 300)
    reserved_concurrency = optional(number, -1)
  })
  default = {}

  nullable = false
  validation {
    condition     = var.planner.memory_size >= 128 && var.planner.memory_size <= 10240
    error_message = "planner.memory_size must be between 128 and 10240 MB."
  }

  validation {
    condition     = var.planner.timeout >= 30 && var.planner.timeout <= 900
    error_message = "planner.timeout must be between 30 and 900 seconds (it needs time to hand over to a continuation)."
  }

  validation {
    condition     = var.planner.reserved_concurrency == -1 || var.planner.reserved_concurrency >= 1
    error_message = "planner.reserved_concurrency must be -1 (unreserved) or at least 1."
  }
}

variable "sender" {
  description = <<-EOT
    Sender sizing and its SQS event source mapping. `maximum_concurrency` caps concurrent senders. `rate_share` says how
    they divide a channel's rate: `live` (the default) among the senders working on the channel, as each renews an entry
    in the ledger every 2 s while it sends there, announcing the share it takes; `static` by `maximum_concurrency`, so
    that fewer busy senders (a small queue, a run's tail) send below the limit (docs/adr/0016-pages-and-jobs.md).
    `parallelism` is the sends one invocation keeps in flight across all the tasks of its batch (a task carries up to
    the job's recipientsPerTask recipients). The defaults come from the rate and cost
    benchmarks (docs/BENCHMARKS.md, docs/COST.md): two senders with 50 sends in flight and batches of 50 tasks hold a
    provider limit of 300/s under ordinary tails and are billed for the least waiting; a 256 MB sender uses about a
    third of its CPU share at that pace. `reserved_concurrency = -1` leaves the function unreserved.
  EOT
  type = object({
    memory_size                        = optional(number, 256)
    timeout                            = optional(number, 30)
    reserved_concurrency               = optional(number, -1)
    batch_size                         = optional(number, 50)
    maximum_batching_window_in_seconds = optional(number, 1)
    maximum_concurrency                = optional(number, 2)
    parallelism                        = optional(number, 50)
    rate_share                         = optional(string, "live")
  })
  default = {}

  nullable = false
  validation {
    condition     = contains(["live", "static"], var.sender.rate_share)
    error_message = "sender.rate_share must be \"live\" or \"static\"."
  }

  validation {
    condition     = var.sender.parallelism >= 1 && var.sender.parallelism <= 100 && floor(var.sender.parallelism) == var.sender.parallelism
    error_message = "sender.parallelism must be a whole number between 1 and 100."
  }

  validation {
    condition     = var.sender.memory_size >= 128 && var.sender.memory_size <= 10240
    error_message = "sender.memory_size must be between 128 and 10240 MB."
  }

  validation {
    condition     = var.sender.timeout >= 3 && var.sender.timeout <= 900
    error_message = "sender.timeout must be between 3 and 900 seconds."
  }

  validation {
    condition     = var.sender.batch_size >= 1 && var.sender.batch_size <= 10000 && (var.sender.batch_size <= 10 || var.sender.maximum_batching_window_in_seconds >= 1)
    error_message = "sender.batch_size must be between 1 and 10000, and above 10 it needs maximum_batching_window_in_seconds >= 1."
  }

  validation {
    condition     = var.sender.maximum_batching_window_in_seconds >= 0 && var.sender.maximum_batching_window_in_seconds <= 300
    error_message = "sender.maximum_batching_window_in_seconds must be between 0 and 300."
  }

  validation {
    condition     = var.sender.maximum_concurrency >= 2 && var.sender.maximum_concurrency <= 1000
    error_message = "sender.maximum_concurrency must be between 2 and 1000 (the SQS event source mapping's limits)."
  }

  validation {
    condition     = var.sender.reserved_concurrency == -1 || var.sender.reserved_concurrency >= var.sender.maximum_concurrency
    error_message = "sender.reserved_concurrency must be -1 (unreserved) or at least sender.maximum_concurrency, or the mapping's pollers are throttled."
  }
}

variable "runtime" {
  description = "Lambda runtime of the functions (planner, sender, and the receiver when on): `nodejs22.x` (AWS deprecates it on 30 Apr 2027) or `nodejs24.x`, which needs `hashicorp/aws` >= 6.19.0 (docs/UPGRADING.md)."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = contains(["nodejs22.x", "nodejs24.x"], var.runtime)
    error_message = "runtime must be nodejs22.x or nodejs24.x (the bundles are built for these)."
  }
}

variable "architecture" {
  description = "Instruction set of the functions (planner, sender, and the receiver when on)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "packages" {
  description = "Override the deployment zips (default: the committed `dist/planner.zip`, `dist/sender.zip` and `dist/receiver.zip` of this module)."
  type = object({
    planner  = optional(string)
    sender   = optional(string)
    receiver = optional(string)
  })
  default  = {}
  nullable = false
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "ledger_ttl_days" {
  description = "Days a ledger item (run or delivery record) lives before DynamoDB's TTL removes it."
  type        = number
  default     = 30

  validation {
    condition     = var.ledger_ttl_days >= 1 && var.ledger_ttl_days <= 3650 && floor(var.ledger_ttl_days) == var.ledger_ttl_days
    error_message = "ledger_ttl_days must be a whole number between 1 and 3650."
  }
}

variable "suppressions" {
  description = "The channels' suppression lists, kept in the ledger table: a recipient whose answer is permanent for them (blocked the Page, stopped the messages, an invalid or other Page's subscription token) is put on their channel's list, and every later run of every job on that channel records them as skipped without a request. `enabled = false` turns this off for every job (a job turns it off for itself with `suppressionList: false`). An entry the sender adds lasts `expire_after_days`, then DynamoDB's TTL removes it; `notifier suppressions` lists, exports, adds and removes entries."
  type = object({
    enabled           = optional(bool, true)
    expire_after_days = optional(number, 365)
  })
  default = {}

  nullable = false
  validation {
    condition     = var.suppressions.expire_after_days >= 1 && var.suppressions.expire_after_days <= 3650 && floor(var.suppressions.expire_after_days) == var.suppressions.expire_after_days
    error_message = "suppressions.expire_after_days must be a whole number between 1 and 3650."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing of the functions (planner, sender, and the receiver when on): `Active` traces invocations (X-Ray charges per trace; the roles get `xray:PutTraceSegments` and `xray:PutTelemetryRecords`), `PassThrough` only forwards an upstream trace header. `null` leaves tracing off."
  type        = string
  default     = null

  validation {
    condition     = var.tracing_mode == null ? true : contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be \"Active\", \"PassThrough\" or null."
  }
}

variable "code_signing_config_arn" {
  description = "Lambda code-signing configuration of the functions (planner, sender, and the receiver when on): Lambda then refuses packages not signed by its allowed signing profiles, so set `packages` to zips signed with AWS Signer. `null` deploys the packages unsigned."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null ? true : can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:code-signing-config:csc-[a-z0-9]{17}$", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code-signing configuration ARN (arn:aws:lambda:<region>:<account>:code-signing-config:csc-<17 characters>)."
  }
}

################################################################################
# Network
################################################################################

variable "vpc" {
  description = "Run the planner (and, with `attach_sender`, the sender) in these private subnets, e.g. to reach a private database. `null` runs both outside a VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
    attach_sender      = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.vpc == null ? true : length(var.vpc.subnet_ids) > 0 && length(var.vpc.security_group_ids) > 0
    error_message = "vpc needs at least one subnet id and one security group id."
  }

  validation {
    condition = var.vpc == null ? true : (
      alltrue([for id in var.vpc.subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))]) &&
      alltrue([for id in var.vpc.security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    )
    error_message = "vpc.subnet_ids must look like subnet-0abc... and vpc.security_group_ids like sg-0abc...."
  }
}

variable "channel_hosts" {
  description = <<-EOT
    Hosts a channel item's `baseUrl` (messenger) or `url` (webhook) may name, by kind of channel: the sender sends a
    Messenger channel's Page token only to a host under `messenger` and a webhook's signing secret only to one under
    `webhook`, and halts a job whose channel points elsewhere, another kind's host included (FatalChannel).
    `messenger` defaults to the Graph API host, `webhook` to none: add your webhook receivers' hosts there, e.g.
    `{ webhook = ["hooks.example.com"] }`. Exact names, no wildcards (docs/adr/0007-channel-and-database-allowlists.md).
  EOT
  type = object({
    messenger = optional(list(string), ["graph.facebook.com"])
    webhook   = optional(list(string), [])
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for host in var.channel_hosts.messenger : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", host))])
    error_message = "channel_hosts.messenger must be lowercase host names without scheme, port, path or wildcard, e.g. \"graph.facebook.com\"."
  }

  validation {
    condition     = alltrue([for host in var.channel_hosts.webhook : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", host))])
    error_message = "channel_hosts.webhook must be lowercase host names without scheme, port, path or wildcard, e.g. \"hooks.example.com\"."
  }
}

variable "database_hosts" {
  description = "Hosts a database item's `host` may name: the planner resolves the password only for these, e.g. `[aws_db_instance.this.address]`. Empty refuses every database item. Exact names, no wildcards (docs/adr/0007-channel-and-database-allowlists.md)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for host in var.database_hosts : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", host))])
    error_message = "database_hosts must be lowercase host names without scheme, port, path or wildcard, e.g. \"app.abc123.eu-west-1.rds.amazonaws.com\"."
  }
}

################################################################################
# Delivery queue
################################################################################

variable "queue" {
  description = <<-EOT
    Delivery queue and DLQ. The visibility timeout is `visibility_timeout_multiplier` x the sender's timeout; AWS
    recommends at least 6 so a message stays hidden while the sender works on it, so 6 is the minimum (and default).
    A message moves to the DLQ after `max_receive_count` receives.
  EOT
  type = object({
    max_receive_count             = optional(number, 5)
    message_retention_seconds     = optional(number, 345600)
    dlq_message_retention_seconds = optional(number, 1209600)
    visibility_timeout_multiplier = optional(number, 6)
  })
  default = {}

  nullable = false
  validation {
    condition     = var.queue.visibility_timeout_multiplier >= 6 && var.queue.visibility_timeout_multiplier <= 48
    error_message = "queue.visibility_timeout_multiplier must be between 6 and 48: the visibility timeout must be at least 6 x sender.timeout (and at most 12 hours)."
  }

  validation {
    condition     = var.queue.max_receive_count >= 1 && var.queue.max_receive_count <= 1000
    error_message = "queue.max_receive_count must be between 1 and 1000."
  }

  validation {
    condition = (
      var.queue.message_retention_seconds >= 60 && var.queue.message_retention_seconds <= 1209600 &&
      var.queue.dlq_message_retention_seconds >= 60 && var.queue.dlq_message_retention_seconds <= 1209600
    )
    error_message = "queue retention periods must be between 60 and 1209600 seconds (14 days)."
  }

  validation {
    # A redriven message keeps its original enqueue time: a shorter DLQ retention would drop it on arrival.
    condition     = var.queue.dlq_message_retention_seconds >= var.queue.message_retention_seconds
    error_message = "queue.dlq_message_retention_seconds must be at least queue.message_retention_seconds."
  }
}

################################################################################
# Webhook receiver (optional): delivery and read receipts, Marketing Messages opt-outs
################################################################################

variable "receiver" {
  description = "The Messenger webhook receiver (docs/RECEIVER.md): an HTTP API and a function that verify Meta's signed webhooks and record delivery and read receipts and opt-outs in the ledger. Off by default. `secret_arn`: a Secrets Manager secret holding `{ \"appSecret\": ..., \"verifyToken\": ... }`."
  type = object({
    create                     = optional(bool, false)
    secret_arn                 = optional(string)
    secret_kms_key_arns        = optional(list(string), [])
    memory_size                = optional(number, 256)
    timeout                    = optional(number, 10)
    reserved_concurrency       = optional(number, 10)
    throttling                 = optional(object({ rate_limit = optional(number, 50), burst_limit = optional(number, 100) }), {})
    refused_requests_threshold = optional(number, 10)
  })
  default = {}

  nullable = false
  validation {
    condition     = !var.receiver.create || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.receiver.secret_arn))
    error_message = "receiver.secret_arn must be a Secrets Manager secret ARN when receiver.create is true."
  }
}

################################################################################
# Tables
################################################################################

variable "tables" {
  description = "Config and ledger tables. The config table always has point-in-time recovery; the ledger's is off by default (its items expire within `ledger_ttl_days` and a lost ledger costs at most duplicate sends of in-flight runs, see docs/SECURITY.md), and `ledger_point_in_time_recovery = true` turns it on."
  type = object({
    deletion_protection           = optional(bool, true)
    ledger_point_in_time_recovery = optional(bool, false)
  })
  default  = {}
  nullable = false
}

################################################################################
# Security
################################################################################

variable "kms_key_arn" {
  description = "Customer managed KMS key (key ARN) for everything that stores data: the queues, tables, log groups, the functions' environment variables and the schedules' input. `null` uses AWS-managed encryption (SSE-SQS, aws/dynamodb, CloudWatch Logs default, Lambda's and Scheduler's own keys). The key policy must let CloudWatch Logs use it (see examples/complete)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or key id."
  }
}

variable "planner_secret_arns" {
  description = "Secrets Manager secret ARNs and SSM parameter ARNs only the planner may read: the database password. The sender cannot read them. Values are written outside Terraform."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.planner_secret_arns : can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:|ssm:[a-z0-9-]+:[0-9]{12}:parameter/)[^*]+$", arn))])
    error_message = "planner_secret_arns must be Secrets Manager secret ARNs or SSM parameter ARNs, without wildcards."
  }
}

variable "sender_secret_arns" {
  description = "Secrets Manager secret ARNs and SSM parameter ARNs only the sender may read: channel tokens and webhook signing secrets. The planner cannot read them. Values are written outside Terraform."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.sender_secret_arns : can(regex("^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:|ssm:[a-z0-9-]+:[0-9]{12}:parameter/)[^*]+$", arn))])
    error_message = "sender_secret_arns must be Secrets Manager secret ARNs or SSM parameter ARNs, without wildcards."
  }
}

variable "secret_kms_key_arns" {
  description = "Customer managed KMS keys (key ARNs) the secrets are encrypted with, when other than `kms_key_arn` (which is included by itself). Each function that reads secrets gets `kms:Decrypt` on them only through Secrets Manager and SSM in the region (`kms:ViaService`), so a key grants no more than the secrets the function may read. Secrets under the AWS-managed keys need nothing here."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for arn in var.secret_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "secret_kms_key_arns must be KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>), not aliases or key ids."
  }
}

variable "role_path" {
  description = "Path of the created IAM roles."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path))
    error_message = "role_path must start and end with \"/\"."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary attached to every created role."
  type        = string
  default     = null
}

variable "existing_role_arns" {
  description = "Bring your own roles instead of the created ones (the module then attaches no policy to them)."
  type = object({
    planner   = optional(string)
    sender    = optional(string)
    scheduler = optional(string)
  })
  default = {}

  nullable = false
  validation {
    condition     = alltrue([for arn in values(var.existing_role_arns) : arn == null ? true : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", arn))])
    error_message = "existing_role_arns values must be IAM role ARNs."
  }
}

################################################################################
# Observability
################################################################################

variable "metric_namespace" {
  description = "CloudWatch namespace the handlers write their metrics to."
  type        = string
  default     = "Notifier"
}

variable "create_alarms" {
  description = "Create the CloudWatch alarms."
  type        = bool
  default     = true
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic the alarms notify (on ALARM and OK). `null` creates the alarms without actions."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null ? true : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be an SNS topic ARN."
  }
}

variable "alarm_thresholds" {
  description = "Alarm thresholds and the period they are evaluated over."
  type = object({
    period_seconds             = optional(number, 300)
    dlq_depth                  = optional(number, 1)
    oldest_message_age_seconds = optional(number, 900)
    planner_errors             = optional(number, 1)
    sender_errors              = optional(number, 1)
    throttles                  = optional(number, 1)
  })
  default = {}

  nullable = false
  validation {
    condition     = contains([10, 30], var.alarm_thresholds.period_seconds) || (var.alarm_thresholds.period_seconds >= 60 && var.alarm_thresholds.period_seconds % 60 == 0)
    error_message = "alarm_thresholds.period_seconds must be 10, 30 or a multiple of 60."
  }
}

variable "run_alarms" {
  description = <<-EOT
    Run alarms (docs/OPERATIONS.md, "Run alarms"). Every `watch_interval_minutes` a schedule invokes the planner to
    watch the open runs of the jobs in `jobs`: a run still open its job's `overdue_after_minutes` after its tick is
    overdue (alarm `<name>-run-overdue-<job>`); one still open `end_after_hours` after its tick is ended as `halted`,
    `expired-while-paused` or `expired`. A run that ends with more than its job's `failed_percent` (default this
    one) of its recipients failed raises `<name>-run-failed-<job>`; `<name>-run-watch-missing` fires when the watch
    stops. `create = false` creates neither the watch schedule nor these alarms: runs that complete still end, ended by
    the sender that counts their last outcome, but a run that sender could not end (its write cut at its invocation's
    end) and a run that never completes stay open, and their end-of-run events are not published.
  EOT
  type = object({
    create                 = optional(bool, true)
    failed_percent         = optional(number, 10)
    end_after_hours        = optional(number, 24)
    watch_interval_minutes = optional(number, 5)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.run_alarms.failed_percent >= 0 && var.run_alarms.failed_percent < 100
    error_message = "run_alarms.failed_percent must be at least 0 and below 100."
  }

  validation {
    condition     = var.run_alarms.end_after_hours >= 1 && var.run_alarms.end_after_hours <= 720 && floor(var.run_alarms.end_after_hours) == var.run_alarms.end_after_hours
    error_message = "run_alarms.end_after_hours must be a whole number between 1 and 720 (30 days)."
  }

  validation {
    condition     = var.run_alarms.watch_interval_minutes >= 1 && var.run_alarms.watch_interval_minutes <= 60 && floor(var.run_alarms.watch_interval_minutes) == var.run_alarms.watch_interval_minutes
    error_message = "run_alarms.watch_interval_minutes must be a whole number between 1 and 60."
  }
}

variable "run_events" {
  description = <<-EOT
    Where the end-of-run event goes (docs/OPERATIONS.md, "When a run ends"): by default an EventBridge bus
    `<name>-runs` created here (encrypted with `kms_key_arn` when given); `bus_arn` publishes to a bus of your own
    instead (e.g. the account's default bus, `arn:aws:events:<region>:<account>:event-bus/default`). `create_bus = false`
    without `bus_arn` publishes no event. The functions may put events on that bus only, with source `notifier`.
  EOT
  type = object({
    create_bus = optional(bool, true)
    bus_arn    = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.run_events.bus_arn == null ? true : can(regex("^arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]+$", var.run_events.bus_arn))
    error_message = "run_events.bus_arn must be an EventBridge event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)."
  }
}

variable "create_dashboard" {
  description = "Create a CloudWatch dashboard: queue depth, sends/s, failures by class, provider latency."
  type        = bool
  default     = false
}
