# modules/schedule on its own: one on-time schedule per enabled job, retries, DLQ, a role that only invokes the planner.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name       = "acme"
  target_arn = "arn:aws:lambda:eu-west-1:123456789012:function:acme-planner"
  tags       = { Team = "growth" }
  jobs = {
    digest = { schedule_expression = "cron(0 9 * * ? *)", timezone = "Europe/Berlin", enabled = true }
    recap  = { schedule_expression = "cron(0 18 ? * FRI *)", timezone = "America/New_York", enabled = true }
    paused = { schedule_expression = "rate(1 hour)", timezone = "UTC", enabled = false }
  }
}

run "each_enabled_job_gets_one_schedule_and_a_disabled_job_none" {
  command = plan

  module {
    source = "./modules/schedule"
  }

  assert {
    condition     = toset(keys(aws_scheduler_schedule.this)) == toset(["digest", "recap"])
    error_message = "Expected schedules for digest and recap only."
  }

  assert {
    condition     = aws_scheduler_schedule.this["digest"].name == "acme-digest" && aws_scheduler_schedule.this["digest"].group_name == "acme-scheduler"
    error_message = "Schedules are <name>-<job> in the <name>-scheduler group."
  }
}

run "a_schedule_fires_on_time_in_its_job_s_zone_with_job_and_scheduled_time" {
  command = plan

  module {
    source = "./modules/schedule"
  }

  assert {
    condition     = aws_scheduler_schedule.this["recap"].schedule_expression == "cron(0 18 ? * FRI *)" && aws_scheduler_schedule.this["recap"].schedule_expression_timezone == "America/New_York"
    error_message = "Expression and time zone must come from the job."
  }

  assert {
    condition     = alltrue([for s in aws_scheduler_schedule.this : s.flexible_time_window[0].mode == "OFF"])
    error_message = "The flexible time window must be OFF."
  }

  assert {
    condition     = jsondecode(aws_scheduler_schedule.this["digest"].target[0].input) == { job = "digest", scheduledTime = "<aws.scheduler.scheduled-time>" }
    error_message = "The planner's input must be { job, scheduledTime } with the scheduler's context attribute."
  }

  assert {
    condition     = aws_scheduler_schedule.this["digest"].target[0].arn == var.target_arn
    error_message = "Schedules must target the planner."
  }
}

run "a_failed_invocation_is_retried_then_dead_lettered" {
  module {
    source = "./modules/schedule"
  }

  variables {
    retry = { maximum_retry_attempts = 5, maximum_event_age_in_seconds = 900 }
  }

  assert {
    condition = alltrue([for s in aws_scheduler_schedule.this :
      s.target[0].retry_policy[0].maximum_retry_attempts == 5 &&
      s.target[0].retry_policy[0].maximum_event_age_in_seconds == 900 &&
      s.target[0].dead_letter_config[0].arn == module.dlq.queue_arn
    ])
    error_message = "Every schedule needs the retry policy and the DLQ."
  }

  assert {
    condition     = module.dlq.queue_name == "acme-scheduler-dlq" && jsondecode(module.dlq.queue_policy).Statement[0].Condition == { Bool = { "aws:SecureTransport" = "false" } }
    error_message = "The scheduler DLQ must be TLS-only."
  }
}

run "the_scheduler_role_may_invoke_the_planner_and_nothing_else" {
  module {
    source = "./modules/schedule"
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.this[0].policy).Statement == [
      { Sid = "InvokePlanner", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = [var.target_arn] },
      { Sid = "DeadLetterFailedInvocations", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = [module.dlq.queue_arn] },
    ]
    error_message = "The scheduler role may only invoke the planner (and dead-letter to its own DLQ)."
  }

  assert {
    condition = jsondecode(aws_iam_role.this[0].assume_role_policy).Statement[0] == {
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = {
          "aws:SourceAccount" = "123456789012"
          "aws:SourceArn"     = aws_scheduler_schedule_group.this[0].arn
        }
      }
    }
    error_message = "Only EventBridge Scheduler, for the schedules of this group in this account, may assume the role."
  }

  assert {
    condition     = startswith(aws_scheduler_schedule_group.this[0].arn, "arn:aws:scheduler:eu-west-1:123456789012:schedule-group/")
    error_message = "aws:SourceArn must be the schedule group's ARN (arn:aws:scheduler:<region>:<account>:schedule-group/<name>)."
  }

  assert {
    condition     = alltrue([for s in aws_scheduler_schedule.this : s.target[0].role_arn == aws_iam_role.this[0].arn])
    error_message = "Schedules must use the created role."
  }
}

run "with_a_customer_key_the_scheduler_dlq_is_kms_encrypted_and_the_role_may_use_the_key" {
  module {
    source = "./modules/schedule"
  }

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = module.dlq.kms_key_arn == var.kms_key_arn
    error_message = "The scheduler DLQ must use the customer key."
  }

  assert {
    condition = slice(jsondecode(aws_iam_role_policy.this[0].policy).Statement, 2, 4) == [
      {
        Sid       = "EncryptDeadLetters", Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = [var.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = ["sqs.eu-west-1.amazonaws.com"] } }
      },
      { Sid = "DecryptScheduleInput", Effect = "Allow", Action = ["kms:Decrypt"], Resource = [var.kms_key_arn] },
    ]
    error_message = "The role needs Decrypt and GenerateDataKey on the key through SQS only (the DLQ), and Decrypt for the schedules' input."
  }

  assert {
    condition     = length(aws_scheduler_schedule.this) == 2 && alltrue([for s in aws_scheduler_schedule.this : s.kms_key_arn == var.kms_key_arn])
    error_message = "Every schedule must encrypt its target input with the customer key."
  }
}

run "the_schedule_group_role_and_dlq_carry_the_tags" {
  command = plan

  module {
    source = "./modules/schedule"
  }

  assert {
    condition     = aws_scheduler_schedule_group.this[0].tags["Team"] == "growth" && module.dlq.tags["Team"] == "growth" && aws_iam_role.this[0].tags["Team"] == "growth"
    error_message = "Every taggable scheduler resource must carry the tags."
  }
}

run "the_watch_schedule_invokes_the_target_with_its_input_through_the_same_role_and_dlq" {
  command = plan

  module {
    source = "./modules/schedule"
  }

  variables {
    watch = {
      schedule_expression = "rate(5 minutes)"
      input               = "{\"watch\":{\"jobs\":{\"digest\":{\"endAfterSeconds\":86400,\"overdueAfterSeconds\":10800}}}}"
    }
  }

  assert {
    condition = (
      aws_scheduler_schedule.watch[0].name == "acme.watch" &&
      aws_scheduler_schedule.watch[0].group_name == "acme-scheduler" &&
      aws_scheduler_schedule.watch[0].schedule_expression == "rate(5 minutes)" &&
      aws_scheduler_schedule.watch[0].target[0].arn == var.target_arn &&
      aws_scheduler_schedule.watch[0].target[0].input == var.watch.input &&
      aws_scheduler_schedule.watch[0].target[0].dead_letter_config[0].arn == module.dlq.queue_arn
    )
    error_message = "The watch is <name>.watch (a job id holds no dot), invokes the target with its input, dead-letters like the ticks."
  }
}

run "no_watch_schedule_without_a_watch" {
  command = plan

  module {
    source = "./modules/schedule"
  }

  assert {
    condition     = length(aws_scheduler_schedule.watch) == 0
    error_message = "No watch expected."
  }
}
