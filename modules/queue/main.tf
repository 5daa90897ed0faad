locals {
  # SSE: the customer key when given, else SQS-managed keys (SSE-SQS). Never unencrypted.
  kms_master_key_id       = var.kms_key_arn
  sqs_managed_sse_enabled = var.kms_key_arn == null ? true : null

  # A message must stay invisible while the consumer works on it and retries within its invocation: AWS
  # recommends at least six times the function timeout for an SQS event source (the multiplier is validated >= 6).
  visibility_timeout_seconds = var.visibility_timeout_multiplier * var.consumer_timeout_seconds
}

################################################################################
# Dead-letter queue
################################################################################

resource "aws_sqs_queue" "dlq" {
  count = var.create ? 1 : 0

  name                              = "${var.name}-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = local.kms_master_key_id
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : var.kms_data_key_reuse_period_seconds
  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled

  tags = var.tags
}

################################################################################
# Delivery queue
################################################################################

resource "aws_sqs_queue" "this" {
  count = var.create ? 1 : 0

  name                              = var.name
  visibility_timeout_seconds        = local.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = local.kms_master_key_id
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : var.kms_data_key_reuse_period_seconds
  sqs_managed_sse_enabled           = local.sqs_managed_sse_enabled

  tags = var.tags
}

# Separate resources avoid the queue <-> DLQ dependency cycle.
resource "aws_sqs_queue_redrive_policy" "this" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.this[0].id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[0].arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.dlq[0].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[0].arn]
  })
}

################################################################################
# TLS-only queue policies
################################################################################

resource "aws_sqs_queue_policy" "this" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.this[0].id
  policy    = local.tls_only_policy["this"]
}

resource "aws_sqs_queue_policy" "dlq" {
  count = var.create ? 1 : 0

  queue_url = aws_sqs_queue.dlq[0].id
  policy    = local.tls_only_policy["dlq"]
}

locals {
  # Written with jsonencode rather than aws_iam_policy_document so the document is computed by
  # Terraform itself and can be asserted in `terraform test` under a mocked provider.
  tls_only_policy = {
    for key, arn in { this = one(aws_sqs_queue.this[*].arn), dlq = one(aws_sqs_queue.dlq[*].arn) } : key => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        # A Deny on every action is the point here: no request without TLS, whoever makes it.
        Action    = "sqs:*"
        Resource  = arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }]
    })
  }
}
