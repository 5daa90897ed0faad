# A configuration that plans but whose first tick would fail is named at plan: jobs without a database host the
# planner may use, or without a secret the planner (database password) or the sender (channel token) may read.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name     = "acme"
  packages = { planner = "./test/terraform/fixtures/package.zip", sender = "./test/terraform/fixtures/package.zip" }
  jobs     = { digest = { schedule_expression = "cron(0 9 * * ? *)" } }
}

run "a_job_without_database_hosts_or_secrets_is_named_by_each_check" {
  command = plan
  expect_failures = [
    check.jobs_can_reach_a_database,
    check.the_planner_can_read_a_database_password,
    check.the_sender_can_read_a_channel_secret,
  ]
}

run "a_job_without_database_hosts_is_named" {
  command = plan
  variables {
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf"]
    sender_secret_arns  = ["arn:aws:ssm:eu-west-1:123456789012:parameter/notifier/page-token"]
  }
  expect_failures = [check.jobs_can_reach_a_database]
}

run "a_job_whose_sender_may_read_no_secret_is_named" {
  command = plan
  variables {
    database_hosts      = ["db.example.com"]
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf"]
  }
  expect_failures = [check.the_sender_can_read_a_channel_secret]
}

run "the_smallest_working_configuration_passes_every_check" {
  command = plan
  variables {
    database_hosts      = ["db.example.com"]
    planner_secret_arns = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf"]
    sender_secret_arns  = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:page-token-AbCdEf"]
  }
}

run "no_job_yet_and_disabled_jobs_need_neither" {
  command = plan
  variables {
    jobs = { later = { schedule_expression = "rate(1 day)", enabled = false } }
  }
}

run "roles_brought_along_may_hold_the_secret_grants" {
  command = plan
  variables {
    database_hosts = ["db.example.com"]
    existing_role_arns = {
      planner = "arn:aws:iam::123456789012:role/own-planner"
      sender  = "arn:aws:iam::123456789012:role/own-sender"
    }
  }
}
