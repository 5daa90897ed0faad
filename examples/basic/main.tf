# The fewest inputs that work: a name and one job. Everything else has a safe default:
# SSE on queues and tables, arm64 + nodejs22.x, alarms (without actions), no VPC, no secrets readable by anyone
# (grant them per function with `planner_secret_arns` and `sender_secret_arns`, as examples/complete does). The
# tables keep deletion protection unless protect_data = false (for an example that should be easy to destroy).

provider "aws" {
  region = var.region
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

  tables = {
    deletion_protection = var.protect_data
  }
}
