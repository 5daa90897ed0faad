# Wrong values fail at plan with a message, not at apply.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name     = "acme"
  packages = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
}

run "a_name_with_capitals_is_rejected" {
  command = plan
  variables {
    name = "Acme_Notifier"
  }
  expect_failures = [var.name]
}

run "a_maximum_concurrency_below_two_is_rejected" {
  command = plan
  variables {
    sender = { maximum_concurrency = 1 }
  }
  expect_failures = [var.sender]
}

run "a_sender_parallelism_of_zero_is_rejected" {
  command = plan
  variables {
    sender = { parallelism = 0 }
  }
  expect_failures = [var.sender]
}

run "a_rate_share_other_than_live_or_static_is_rejected" {
  command = plan
  variables {
    sender = { rate_share = "dynamic" }
  }
  expect_failures = [var.sender]
}

run "a_batch_above_ten_without_a_batching_window_is_rejected" {
  command = plan
  variables {
    sender = { batch_size = 100, maximum_batching_window_in_seconds = 0 }
  }
  expect_failures = [var.sender]
}

run "reserved_concurrency_below_the_mapping_s_maximum_concurrency_is_rejected" {
  command = plan
  variables {
    sender = { reserved_concurrency = 5, maximum_concurrency = 10 }
  }
  expect_failures = [var.sender]
}

run "a_visibility_timeout_below_six_times_the_sender_timeout_is_rejected" {
  command = plan
  variables {
    queue = { visibility_timeout_multiplier = 3 }
  }
  expect_failures = [var.queue]
}

run "a_dlq_retention_shorter_than_the_queue_s_is_rejected" {
  command = plan
  variables {
    queue = { message_retention_seconds = 86400, dlq_message_retention_seconds = 3600 }
  }
  expect_failures = [var.queue]
}

run "a_kms_alias_instead_of_a_key_arn_is_rejected" {
  command = plan
  variables {
    kms_key_arn = "alias/notifier"
  }
  expect_failures = [var.kms_key_arn]
}

run "a_wildcard_secret_arn_is_rejected_for_either_function" {
  command = plan
  variables {
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"]
    sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/acme/*"]
  }
  expect_failures = [var.planner_secret_arns, var.sender_secret_arns]
}

run "a_secret_key_given_as_an_alias_is_rejected" {
  command = plan
  variables {
    secret_kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:alias/secrets"]
  }
  expect_failures = [var.secret_kms_key_arns]
}

run "a_tracing_mode_or_code_signing_config_lambda_does_not_know_is_rejected" {
  command = plan
  variables {
    tracing_mode            = "On"
    code_signing_config_arn = "arn:aws:signer:eu-west-1:123456789012:/signing-profiles/notifier"
  }
  expect_failures = [var.tracing_mode, var.code_signing_config_arn]
}

run "a_job_with_an_invalid_schedule_expression_or_time_zone_is_rejected" {
  command = plan
  variables {
    jobs = { digest = { schedule_expression = "0 9 * * *", timezone = "berlin" } }
  }
  expect_failures = [var.jobs]
}

run "a_job_definition_with_an_inline_secret_is_rejected" {
  command = plan
  variables {
    jobs = { digest = { schedule_expression = "rate(1 day)", definition = "{\"token\":{\"inline\":\"EAAB...\"}}" } }
  }
  expect_failures = [var.jobs]
}

run "an_unsupported_runtime_is_rejected" {
  command = plan
  variables {
    runtime = "nodejs18.x"
  }
  expect_failures = [var.runtime]
}

run "vpc_ids_that_are_not_subnets_and_security_groups_are_rejected" {
  command = plan
  variables {
    vpc = { subnet_ids = ["vpc-0123"], security_group_ids = [] }
  }
  expect_failures = [var.vpc]
}

run "a_log_retention_cloudwatch_does_not_accept_is_rejected" {
  command = plan
  variables {
    log_retention_days = 42
  }
  expect_failures = [var.log_retention_days]
}

run "a_planner_timeout_too_short_to_hand_over_is_rejected" {
  command = plan
  variables {
    planner = { timeout = 10 }
  }
  expect_failures = [var.planner]
}

run "a_host_allowlist_entry_with_a_scheme_or_wildcard_is_rejected" {
  command = plan
  variables {
    channel_hosts  = { webhook = ["https://hooks.example.com"] }
    database_hosts = ["*.rds.amazonaws.com"]
  }
  expect_failures = [var.channel_hosts, var.database_hosts]
}

run "a_messenger_host_with_a_port_is_rejected" {
  command = plan
  variables {
    channel_hosts = { messenger = ["graph.facebook.com:443"], webhook = ["hooks.example.com"] }
  }
  expect_failures = [var.channel_hosts]
}

run "a_webhook_host_with_a_wildcard_is_rejected" {
  command = plan
  variables {
    channel_hosts = { webhook = ["*.example.com"] }
  }
  expect_failures = [var.channel_hosts]
}

run "a_suppression_expiry_of_zero_days_is_rejected" {
  command = plan
  variables {
    suppressions = { expire_after_days = 0 }
  }
  expect_failures = [var.suppressions]
}

run "a_suppression_expiry_of_half_a_day_is_rejected" {
  command = plan
  variables {
    suppressions = { expire_after_days = 0.5 }
  }
  expect_failures = [var.suppressions]
}
