################################################################################
# The operator's policy: what the `notifier` CLI needs against this deployment, and nothing more
################################################################################

# One statement per resource and purpose, named after the commands that need it (tools/cli/). A command that
# comes later adds its statement here, and test/terraform/operator.tftest.hcl lists it.
locals {
  operator_statements = concat(
    [
      {
        # config put / get / list / delete, pause / resume (the job's pause item); secrets check and preview read the
        # items the same way (Scan, GetItem).
        Sid      = "ConfigItems"
        Action   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Scan"]
        Resource = [module.tables.config_table_arn]
      },
      {
        # status and dlq inspect read runs and groups by key; runs lists a job's runs through the by-job index;
        # outcomes queries a run's own partitions (docs/adr/0008-ledger-keys-by-run.md).
        Sid      = "ReadLedger"
        Action   = ["dynamodb:GetItem", "dynamodb:Query"]
        Resource = [module.tables.ledger_table_arn, module.tables.ledger_by_job_index_arn]
      },
      {
        # send-test records its one send apart from the job's runs (run <job>@test-<time>).
        Sid      = "RecordTestSends"
        Action   = ["dynamodb:PutItem"]
        Resource = [module.tables.ledger_table_arn]
      },
      {
        # suppressions remove deletes an entry of a channel's suppression list, and nothing else of the ledger;
        # list and export read a channel's list with ReadLedger's Query, add writes with RecordTestSends' PutItem.
        Sid       = "RemoveSuppressions"
        Action    = ["dynamodb:DeleteItem"]
        Resource  = [module.tables.ledger_table_arn]
        Condition = { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["suppression#*"] } }
      },
      {
        # suppressions list and export without --channel read every channel's list with a Scan of the ledger table.
        Sid      = "ListAllSuppressions"
        Action   = ["dynamodb:Scan"]
        Resource = [module.tables.ledger_table_arn]
      },
      {
        # run and ticks replay invoke the planner asynchronously, as the schedule does.
        Sid      = "StartRuns"
        Action   = ["lambda:InvokeFunction"]
        Resource = [module.planner.function_arn]
      },
      {
        # dlq inspect counts and samples the DLQ; dlq redrive moves its messages back (StartMessageMoveTask,
        # which also needs ReceiveMessage, DeleteMessage and GetQueueAttributes on the source, or the paced
        # receive/send/delete move).
        Sid = "InspectAndRedriveDlq"
        Action = [
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:ListMessageMoveTasks",
          "sqs:ReceiveMessage",
          "sqs:StartMessageMoveTask",
        ]
        Resource = [module.queue.dlq_arn]
      },
      {
        # dlq redrive: the destination of the move (its ARN is read from the queue).
        Sid      = "RedriveToDeliveryQueue"
        Action   = ["sqs:GetQueueAttributes", "sqs:SendMessage"]
        Resource = [module.queue.queue_arn]
      },
      {
        # ticks lists failed planner invocations while holding them invisible; ticks replay deletes what it re-ran.
        Sid      = "FailedTicks"
        Action   = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"]
        Resource = [module.planner_failures.queue_arn]
      },
    ],
    # outcomes --receipts and status --receipts read the webhook receiver's receipts, and only those (docs/RECEIVER.md).
    var.receiver.create ? [{
      Sid       = "ReadReceipts"
      Action    = ["dynamodb:BatchGetItem"]
      Resource  = [module.tables.ledger_table_arn]
      Condition = { "ForAllValues:StringLike" = { "dynamodb:LeadingKeys" = ["receipt#*"] } }
    }] : [],
    # secrets check resolves every secret the jobs reference, as the functions do.
    [for st in local.secret_statements.operator : merge(
      { Sid = st.sid, Action = st.actions, Resource = st.resources },
      st.conditions == null ? {} : { Condition = st.conditions },
    )],
    # The queues and tables under the customer key: only as SQS and DynamoDB use it on the operator's behalf.
    var.kms_key_arn == null ? [] : [{
      Sid       = "UseCustomerKey"
      Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource  = [var.kms_key_arn]
      Condition = local.customer_key_conditions
    }],
  )

  operator_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [for s in local.operator_statements : merge({ Effect = "Allow" }, s)]
  })
}

################################################################################
# The operator's environment: every variable the `notifier` CLI reads, from this deployment
################################################################################

# test/cli-environment.test.ts holds this list to the NOTIFIER_* variables tools/cli/ reads; the local runtime's own
# (`notifier start`, from a checkout) are not the deployment's.
locals {
  cli_environment = {
    AWS_REGION                    = local.region
    NOTIFIER_CONFIG_TABLE         = module.tables.config_table_name
    NOTIFIER_LEDGER_TABLE         = module.tables.ledger_table_name
    NOTIFIER_QUEUE_URL            = module.queue.queue_url
    NOTIFIER_DLQ_URL              = module.queue.dlq_url
    NOTIFIER_PLANNER_FUNCTION     = module.planner.function_name
    NOTIFIER_PLANNER_FAILURES_URL = module.planner_failures.queue_url
    # preview connects to the database as the planner does, to these hosts only; send-test to these channel hosts.
    NOTIFIER_DATABASE_HOSTS = join(",", var.database_hosts)
    NOTIFIER_CHANNEL_HOSTS  = local.channel_hosts
    # suppressions add: how long an entry lasts, as the sender's.
    NOTIFIER_SUPPRESSION_DAYS = tostring(var.suppressions.expire_after_days)
  }
}
