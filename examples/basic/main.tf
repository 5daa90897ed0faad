# The fewest inputs that work: a name, one job, the host of the database the job reads, and one secret per function
# (the database password for the planner, the page token for the sender). Everything else has a safe default:
# SSE on queues and tables, arm64 + nodejs22.x, alarms (without actions), no VPC. Without a VPC the planner reaches
# the database over the internet, so it must accept TLS connections from Lambda's public addresses; for a private
# database set the module's `vpc` as examples/complete does. The tables keep deletion protection unless
# protect_data = false (for an example that should be easy to destroy).

provider "aws" {
  region = var.region
}

# Tagged as the module tags its own resources.
locals {
  tags = { Module = "terraform-aws-notifier", Service = "notifier-basic" }
}

# Empty secret containers: their values are written after apply, outside Terraform (README.md, "Getting started").
resource "aws_secretsmanager_secret" "db_reader" {
  name_prefix             = "notifier-basic-db-reader-"
  description             = "Password of the database role the notifier's planner reads the audience with."
  recovery_window_in_days = var.protect_data ? 30 : 0
  tags                    = local.tags
}

resource "aws_secretsmanager_secret" "page_token" {
  name_prefix             = "notifier-basic-page-token-"
  description             = "Messenger Page access token the notifier's sender sends with."
  recovery_window_in_days = var.protect_data ? 30 : 0
  tags                    = local.tags
}

module "notifier" {
  source = "../.."

  name = "notifier-basic"

  jobs = {
    daily-digest = {
      schedule_expression = "cron(0 9 * * ? *)"
      timezone            = "Europe/Berlin"
    }
  }

  database_hosts      = [var.database_host]                        # the only host the planner sends the password to
  planner_secret_arns = [aws_secretsmanager_secret.db_reader.arn]  # the planner may read the password, and only it
  sender_secret_arns  = [aws_secretsmanager_secret.page_token.arn] # the sender may read the page token, and only it

  tables = {
    deletion_protection = var.protect_data
  }
}
