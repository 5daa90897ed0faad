# modules/queue on its own: visibility, redrive, encryption, TLS-only access.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name                     = "acme"
  consumer_timeout_seconds = 30
  tags                     = { Team = "growth" }
}

run "the_visibility_timeout_is_six_times_the_sender_s_timeout_by_default" {
  module {
    source = "./modules/queue"
  }

  assert {
    condition     = aws_sqs_queue.this[0].visibility_timeout_seconds == 180
    error_message = "Expected 6 x 30 = 180 seconds, got ${aws_sqs_queue.this[0].visibility_timeout_seconds}."
  }
}

run "a_larger_multiplier_lengthens_the_visibility_timeout" {
  module {
    source = "./modules/queue"
  }

  variables {
    visibility_timeout_multiplier = 10
  }

  assert {
    condition     = aws_sqs_queue.this[0].visibility_timeout_seconds == 300
    error_message = "Expected 10 x 30 = 300 seconds."
  }
}

run "a_visibility_timeout_under_six_times_the_sender_s_timeout_is_rejected" {
  command = plan

  module {
    source = "./modules/queue"
  }

  variables {
    visibility_timeout_multiplier = 5
  }

  expect_failures = [var.visibility_timeout_multiplier]
}

run "a_delivery_received_max_receive_count_times_moves_to_the_dlq" {
  module {
    source = "./modules/queue"
  }

  variables {
    max_receive_count = 3
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_policy.this[0].redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq[0].arn
    error_message = "The delivery queue must redrive to the DLQ."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_policy.this[0].redrive_policy).maxReceiveCount == 3
    error_message = "maxReceiveCount must follow max_receive_count."
  }

  assert {
    condition     = aws_sqs_queue_redrive_policy.this[0].queue_url == aws_sqs_queue.this[0].id
    error_message = "The redrive policy must be attached to the delivery queue."
  }
}

run "only_the_delivery_queue_may_redrive_into_the_dlq" {
  module {
    source = "./modules/queue"
  }

  assert {
    condition = jsondecode(aws_sqs_queue_redrive_allow_policy.dlq[0].redrive_allow_policy) == {
      redrivePermission = "byQueue"
      sourceQueueArns   = [aws_sqs_queue.this[0].arn]
    }
    error_message = "The DLQ must allow redrive from the delivery queue only."
  }
}

run "the_dlq_keeps_messages_for_14_days_and_the_delivery_queue_for_4_by_default" {
  module {
    source = "./modules/queue"
  }

  assert {
    condition     = aws_sqs_queue.dlq[0].message_retention_seconds == 1209600 && aws_sqs_queue.this[0].message_retention_seconds == 345600
    error_message = "Unexpected default retention."
  }
}

run "both_queues_deny_every_request_made_without_tls" {
  module {
    source = "./modules/queue"
  }

  assert {
    condition = alltrue([
      for pair in [[aws_sqs_queue_policy.this[0], aws_sqs_queue.this[0]], [aws_sqs_queue_policy.dlq[0], aws_sqs_queue.dlq[0]]] :
      jsondecode(pair[0].policy).Statement == [{
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = pair[1].arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }] && pair[0].queue_url == pair[1].id
    ])
    error_message = "Each queue needs exactly one statement denying aws:SecureTransport = false, on its own ARN."
  }
}

run "queues_use_sqs_managed_encryption_when_no_customer_key_is_given" {
  command = plan

  module {
    source = "./modules/queue"
  }

  assert {
    condition     = aws_sqs_queue.this[0].sqs_managed_sse_enabled == true && aws_sqs_queue.dlq[0].sqs_managed_sse_enabled == true
    error_message = "SSE-SQS must be on by default."
  }

  assert {
    condition     = aws_sqs_queue.this[0].kms_master_key_id == null && aws_sqs_queue.dlq[0].kms_master_key_id == null
    error_message = "No KMS key without kms_key_arn."
  }
}

run "a_customer_key_switches_both_queues_to_sse_kms" {
  command = plan

  module {
    source = "./modules/queue"
  }

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = alltrue([
      for q in [aws_sqs_queue.this[0], aws_sqs_queue.dlq[0]] :
      q.kms_master_key_id == var.kms_key_arn && q.kms_data_key_reuse_period_seconds == 300
    ])
    error_message = "Both queues must use the customer key instead of SSE-SQS."
  }
}

run "both_queues_are_named_after_the_prefix_and_tagged" {
  module {
    source = "./modules/queue"
  }

  assert {
    condition     = aws_sqs_queue.this[0].name == "acme" && aws_sqs_queue.dlq[0].name == "acme-dlq"
    error_message = "Queue names must derive from name."
  }

  assert {
    condition     = aws_sqs_queue.this[0].tags["Team"] == "growth" && aws_sqs_queue.dlq[0].tags["Team"] == "growth"
    error_message = "Both queues must carry the tags."
  }
}
