################################################################################
# Plan-time warnings: a configuration that plans but whose first tick would fail
################################################################################

# A job's planner reads its audience from a database item whose host must be in database_hosts, with a password from a
# secret the planner may read; its sender sends with a token or signing secret it may read. Without them the module
# still deploys, but every tick fails (docs/adr/0007-channel-and-database-allowlists.md). These are warnings, not
# errors: a module with no jobs yet, or roles brought through existing_role_arns, is a valid plan. Terraform >= 1.5.

locals {
  # Nothing is scheduled when the module creates nothing (create = false).
  scheduled_jobs = var.create ? length([for job in values(var.jobs) : job if job.enabled]) : 0
}
check "jobs_can_reach_a_database" {
  assert {
    condition     = local.scheduled_jobs == 0 || length(var.database_hosts) > 0
    error_message = "jobs are scheduled but database_hosts is empty, so the planner refuses every database item and each tick fails: set database_hosts to the host of the database the jobs read (e.g. [aws_db_instance.app.address]); for a private database also set vpc."
  }
}

check "the_planner_can_read_a_database_password" {
  assert {
    condition     = local.scheduled_jobs == 0 || length(var.planner_secret_arns) > 0 || var.existing_role_arns.planner != null
    error_message = "jobs are scheduled but planner_secret_arns is empty, so the planner can read no database password and each tick fails: list the Secrets Manager secret or SSM parameter ARN of the password (e.g. [aws_secretsmanager_secret.db_password.arn])."
  }
}

check "the_sender_can_read_a_channel_secret" {
  assert {
    condition     = local.scheduled_jobs == 0 || length(var.sender_secret_arns) > 0 || var.existing_role_arns.sender != null
    error_message = "jobs are scheduled but sender_secret_arns is empty, so the sender can read no page token or webhook signing secret and no message is sent: list the secret or SSM parameter ARN of each channel's token (e.g. [aws_secretsmanager_secret.page_token.arn])."
  }
}
