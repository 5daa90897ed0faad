# modules/failure-queue on its own: retention, encryption, TLS-only access.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name = "acme-planner-failures"
  tags = { Team = "growth" }
}

run "records_stay_14_days_encrypted_with_sqs_managed_keys_and_tagged" {
  module {
    source = "./modules/failure-queue"
  }

  assert {
    condition = (
      aws_sqs_queue.this[0].name == "acme-planner-failures" &&
      aws_sqs_queue.this[0].message_retention_seconds == 1209600 &&
      aws_sqs_queue.this[0].sqs_managed_sse_enabled == true &&
      aws_sqs_queue.this[0].kms_master_key_id == null &&
      aws_sqs_queue.this[0].tags["Team"] == "growth"
    )
    error_message = "Expected 14 days of retention, SSE-SQS and the tags."
  }
}

run "the_queue_denies_every_request_made_without_tls" {
  module {
    source = "./modules/failure-queue"
  }

  assert {
    condition = jsondecode(aws_sqs_queue_policy.this[0].policy).Statement == [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = aws_sqs_queue.this[0].arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "The queue must deny every request without TLS."
  }
}

run "a_customer_key_switches_the_queue_to_sse_kms" {
  command = plan

  module {
    source = "./modules/failure-queue"
  }

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = aws_sqs_queue.this[0].kms_master_key_id == var.kms_key_arn && aws_sqs_queue.this[0].kms_data_key_reuse_period_seconds == 300
    error_message = "The queue must use the customer key."
  }
}
