locals {
  create_role = var.create && var.role_arn == null
  role_arn    = local.create_role ? aws_iam_role.this[0].arn : var.role_arn

  prefix       = "${var.name}-scheduler"
  enabled_jobs = { for id, job in var.jobs : id => job if var.create && job.enabled }

  # Partition, region and account from the group's ARN: no lookup, so plans work offline.
  group_arn  = var.create ? split(":", aws_scheduler_schedule_group.this[0].arn) : ["arn", "aws", "", "", ""]
  account_id = local.group_arn[4]
  sqs_via    = "sqs.${local.group_arn[3]}.${local.group_arn[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"}"
}

################################################################################
# Schedule group and a DLQ for invocations the scheduler could not deliver
################################################################################

resource "aws_scheduler_schedule_group" "this" {
  count = var.create ? 1 : 0

  name = local.prefix

  tags = var.tags
}

# Ticks the scheduler could not hand to the planner: an encrypted, TLS-only queue like the planner's failures queue.
module "dlq" {
  source = "../failure-queue"

  create                    = var.create
  name                      = "${local.prefix}-dlq"
  message_retention_seconds = var.dlq_message_retention_seconds
  kms_key_arn               = var.kms_key_arn

  tags = var.tags
}

moved {
  from = aws_sqs_queue.dlq
  to   = module.dlq.aws_sqs_queue.this[0]
}

moved {
  from = aws_sqs_queue_policy.dlq
  to   = module.dlq.aws_sqs_queue_policy.this[0]
}

################################################################################
# Role: invoke the planner, and nothing else (plus dead-lettering what fails)
################################################################################

resource "aws_iam_role" "this" {
  count = local.create_role ? 1 : 0

  name                 = local.prefix
  path                 = var.role_path
  permissions_boundary = var.permissions_boundary_arn
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Confused-deputy guard: only the schedules of this group, in this account, may use the role. Scheduler
      # sets aws:SourceArn to the schedule group's ARN (not the schedule's), as its documentation requires.
      Condition = {
        StringEquals = {
          "aws:SourceAccount" = local.account_id
          "aws:SourceArn"     = aws_scheduler_schedule_group.this[0].arn
        }
      }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  count = local.create_role ? 1 : 0

  name = local.prefix
  role = aws_iam_role.this[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "InvokePlanner"
          Effect   = "Allow"
          Action   = ["lambda:InvokeFunction"]
          Resource = [var.target_arn]
        },
        {
          Sid      = "DeadLetterFailedInvocations"
          Effect   = "Allow"
          Action   = ["sqs:SendMessage"]
          Resource = [module.dlq.queue_arn]
        },
      ],
      # SendMessage to the SSE-KMS DLQ: SQS calls KMS on the role's behalf, and only SQS may.
      var.kms_key_arn == null ? [] : [{
        Sid       = "EncryptDeadLetters"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = [var.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = [local.sqs_via] } }
      }],
      # The schedules' target input is encrypted with the key and decrypted when a schedule invokes the planner,
      # with this role as the key's user. No kms:ViaService condition: AWS does not document that Scheduler's use
      # carries one, and a condition it did not meet would stop every tick.
      var.kms_key_arn == null ? [] : [{
        Sid      = "DecryptScheduleInput"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.kms_key_arn]
      }],
    )
  })
}

################################################################################
# One schedule per enabled job
################################################################################

resource "aws_scheduler_schedule" "this" {
  for_each = local.enabled_jobs

  name                         = "${var.name}-${each.key}"
  group_name                   = aws_scheduler_schedule_group.this[0].name
  description                  = each.value.description
  schedule_expression          = each.value.schedule_expression
  schedule_expression_timezone = each.value.timezone
  state                        = "ENABLED"
  # The target input at rest: the customer key when given, else an AWS-owned key.
  kms_key_arn = var.kms_key_arn

  # Fire at the exact time: a tick's runId is job + scheduledTime, so it must be the scheduled one.
  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.target_arn
    role_arn = local.role_arn
    input = jsonencode({
      job           = each.key
      scheduledTime = "<aws.scheduler.scheduled-time>"
    })

    retry_policy {
      maximum_retry_attempts       = var.retry.maximum_retry_attempts
      maximum_event_age_in_seconds = var.retry.maximum_event_age_in_seconds
    }

    dead_letter_config {
      arn = module.dlq.queue_arn
    }
  }

  # The policy must exist before the first tick.
  depends_on = [aws_iam_role_policy.this]
}

################################################################################
# The watch: every few minutes, the target looks at the jobs' open runs
################################################################################

# A missed or repeated watch tick is harmless (the next one sees the same runs), so it gets the same retry policy and
# DLQ as the ticks, and no exact time.
resource "aws_scheduler_schedule" "watch" {
  count = var.create && var.watch != null ? 1 : 0

  # A job id holds no dot: this name never meets a job's schedule, `<name>-<job>`.
  name                = "${var.name}.watch"
  group_name          = aws_scheduler_schedule_group.this[0].name
  description         = "Watches the open runs: overdue ones, ones past their end, end-of-run events still pending."
  schedule_expression = var.watch.schedule_expression
  state               = "ENABLED"
  kms_key_arn         = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.target_arn
    role_arn = local.role_arn
    input    = var.watch.input

    retry_policy {
      maximum_retry_attempts       = var.retry.maximum_retry_attempts
      maximum_event_age_in_seconds = var.retry.maximum_event_age_in_seconds
    }

    dead_letter_config {
      arn = module.dlq.queue_arn
    }
  }

  depends_on = [aws_iam_role_policy.this]
}
