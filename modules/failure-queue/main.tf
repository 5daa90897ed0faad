# A queue where what could not be processed waits for an operator: encrypted (the customer key when given, else
# SSE-SQS) and TLS only. The planner's on-failure destination (Lambda sends one invocation record per event whose
# retries are exhausted, or that grew too old) and the scheduler's DLQ are both one.

resource "aws_sqs_queue" "this" {
  count = var.create ? 1 : 0

  name                              = var.name
  message_retention_seconds         = var.message_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : var.kms_data_key_reuse_period_seconds
  # SSE: the customer key when given, else SQS-managed keys (SSE-SQS). Never unencrypted.
  sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null

  tags = var.tags
}

resource "aws_sqs_queue_policy" "this" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.this[0].id
  # jsonencode rather than aws_iam_policy_document, so `terraform test` can assert it under a mocked provider.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      # A Deny on every action is the point here: no request without TLS, whoever makes it.
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.this[0].arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
