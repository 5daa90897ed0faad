# Everything switched on: a VPC with private subnets only, a private RDS PostgreSQL, secrets in Secrets Manager
# (containers only: values are written with the CLI after apply, never through Terraform state), a customer KMS key
# for queues, tables, logs, secrets and the alarm topic, alarms to SNS, a dashboard, and two jobs in two time zones.

provider "aws" {
  region = var.region
}

locals {
  name = var.name
  tags = {
    Environment = "example"
    Project     = "notifier-complete"
  }

  # Derived from resources rather than looked up, so planning needs no AWS call (and works offline).
  key_arn_parts = split(":", aws_kms_key.this.arn)
  partition     = local.key_arn_parts[1]
  region        = local.key_arn_parts[3]
  account_id    = local.key_arn_parts[4]
}

################################################################################
# Customer managed KMS key
################################################################################

resource "aws_kms_key" "this" {
  description             = "${local.name}: queues, tables, logs, secrets, database and alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  tags = local.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_kms_key_policy" "this" {
  key_id = aws_kms_key.this.key_id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # The default key policy statement: the account (and so IAM policies) controls the key. Without it the key
        # becomes unmanageable; the module's roles get their kms: actions through their own IAM policies.
        Sid       = "EnableIamPolicies"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # CloudWatch Logs encrypts the functions' log groups (and only the notifier's log groups).
        Sid       = "AllowCloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action = [
          "kms:Decrypt",
          "kms:DescribeKey",
          "kms:Encrypt",
          "kms:GenerateDataKey",
          "kms:GenerateDataKeyWithoutPlaintext",
          "kms:ReEncryptFrom",
          "kms:ReEncryptTo",
        ]
        Resource = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${local.name}-*"
          }
        }
      },
      {
        # CloudWatch alarms publish to the encrypted SNS topic.
        Sid       = "AllowCloudWatchAlarmsToPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
      },
      {
        # EventBridge encrypts the end-of-run events on the module's bus, `<name>-runs`, and only there.
        # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html
        Sid       = "AllowEventBridgeRunsBus"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = {
            "aws:SourceAccount" = local.account_id
            "aws:SourceArn"     = "arn:${local.partition}:events:${local.region}:${local.account_id}:event-bus/${local.name}-runs"
          }
        }
      },
    ]
  })
}

################################################################################
# Network: private subnets only; VPC endpoints instead of a NAT gateway for the planner
################################################################################

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(local.tags, { Name = local.name })
}

resource "aws_subnet" "private" {
  count = length(var.availability_zones)

  vpc_id            = aws_vpc.this.id
  availability_zone = var.availability_zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, count.index)

  tags = merge(local.tags, { Name = "${local.name}-private-${var.availability_zones[count.index]}" })
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id

  tags = merge(local.tags, { Name = "${local.name}-private" })
}

resource "aws_route_table_association" "private" {
  count = length(aws_subnet.private)

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_security_group" "planner" {
  name        = "${local.name}-planner"
  description = "Planner: to PostgreSQL and the VPC endpoints"
  vpc_id      = aws_vpc.this.id

  tags = local.tags
}

resource "aws_security_group" "database" {
  name        = "${local.name}-database"
  description = "PostgreSQL: from the planner only"
  vpc_id      = aws_vpc.this.id

  tags = local.tags
}

resource "aws_security_group" "endpoints" {
  name        = "${local.name}-endpoints"
  description = "Interface endpoints: HTTPS from the planner"
  vpc_id      = aws_vpc.this.id

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "planner_to_database" {
  security_group_id            = aws_security_group.planner.id
  referenced_security_group_id = aws_security_group.database.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "planner_to_endpoints" {
  security_group_id            = aws_security_group.planner.id
  referenced_security_group_id = aws_security_group.endpoints.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443

  tags = local.tags
}

resource "aws_vpc_security_group_egress_rule" "planner_to_dynamodb" {
  security_group_id = aws_security_group.planner.id
  prefix_list_id    = aws_vpc_endpoint.dynamodb.prefix_list_id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "database_from_planner" {
  security_group_id            = aws_security_group.database.id
  referenced_security_group_id = aws_security_group.planner.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432

  tags = local.tags
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_planner" {
  security_group_id            = aws_security_group.endpoints.id
  referenced_security_group_id = aws_security_group.planner.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443

  tags = local.tags
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  tags = merge(local.tags, { Name = "${local.name}-dynamodb" })
}

# What the planner calls from inside the VPC: enqueue (SQS), read secrets, invoke itself (continuations).
resource "aws_vpc_endpoint" "interface" {
  for_each = toset(["sqs", "secretsmanager", "lambda"])

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true

  tags = merge(local.tags, { Name = "${local.name}-${each.key}" })
}

################################################################################
# Private PostgreSQL (master password managed by RDS in Secrets Manager)
################################################################################

resource "aws_db_subnet_group" "this" {
  name       = local.name
  subnet_ids = aws_subnet.private[*].id

  tags = local.tags
}

resource "aws_db_parameter_group" "this" {
  name   = "${local.name}-postgres16"
  family = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  tags = local.tags
}

resource "aws_db_instance" "this" {
  identifier     = local.name
  engine         = "postgres"
  engine_version = "16"
  instance_class = var.db_instance_class

  allocated_storage = 20
  storage_type      = "gp3"
  storage_encrypted = true
  kms_key_id        = aws_kms_key.this.arn

  db_name  = "app"
  username = "notifier_admin"
  # RDS generates and rotates the master password in Secrets Manager: it never enters Terraform state.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.this.arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  parameter_group_name   = aws_db_parameter_group.this.name
  vpc_security_group_ids = [aws_security_group.database.id]
  publicly_accessible    = false

  backup_retention_period   = 7
  deletion_protection       = var.protect_data
  skip_final_snapshot       = !var.protect_data
  final_snapshot_identifier = var.protect_data ? "${local.name}-final" : null

  tags = local.tags
}

################################################################################
# Secrets the handlers read by reference. Containers only: write the values with the CLI after apply.
################################################################################

resource "aws_secretsmanager_secret" "db_reader" {
  name        = "${local.name}/db-reader-password"
  description = "Password of the read-only PostgreSQL role the planner uses (value written after apply)."
  kms_key_id  = aws_kms_key.this.arn

  tags = local.tags
}

resource "aws_secretsmanager_secret" "page_token" {
  name        = "${local.name}/messenger-page-token"
  description = "Messenger page access token (value written after apply)."
  kms_key_id  = aws_kms_key.this.arn

  tags = local.tags
}

################################################################################
# Alarm topic
################################################################################

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.this.arn

  tags = local.tags
}

################################################################################
# The notifier
################################################################################

module "notifier" {
  source = "../.."

  name = local.name

  jobs = {
    morning-digest = {
      description         = "Daily digest at 09:00 Berlin time"
      schedule_expression = "cron(0 9 * * ? *)"
      timezone            = "Europe/Berlin"
    }
    weekly-recap = {
      description         = "Friday recap at 18:00 New York time"
      schedule_expression = "cron(0 18 ? * FRI *)"
      timezone            = "America/New_York"
    }
  }

  vpc = {
    subnet_ids         = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.planner.id]
  }

  # The planner sends the reader's password to this database and no other.
  database_hosts = [aws_db_instance.this.address]
  # By kind of channel: the Page token goes only to the Graph API, and a webhook's signing secret only to a host listed
  # under webhook (none here, e.g. ["hooks.example.com"]); neither kind's secret reaches the other's hosts.
  channel_hosts = { messenger = ["graph.facebook.com"], webhook = [] }

  planner = {
    memory_size = 1024
    timeout     = 600
  }

  sender = {
    memory_size                        = 512
    timeout                            = 30
    batch_size                         = 25
    maximum_batching_window_in_seconds = 2
    maximum_concurrency                = 50
    reserved_concurrency               = 50
  }

  queue = {
    max_receive_count = 4
  }

  tables = {
    deletion_protection           = var.protect_data
    ledger_point_in_time_recovery = true
  }

  # Everything that stores data uses the key: queues, tables, logs, the functions' environment, the schedules.
  kms_key_arn = aws_kms_key.this.arn
  # Each function reads only its own secret: the planner the database password, the sender the page token. Both
  # are encrypted with the same key; a secret under another key would add it to `secret_kms_key_arns`.
  planner_secret_arns = [aws_secretsmanager_secret.db_reader.arn]
  sender_secret_arns  = [aws_secretsmanager_secret.page_token.arn]

  alarm_sns_topic_arn = aws_sns_topic.alarms.arn
  create_dashboard    = true
  log_retention_days  = 90

  tags = local.tags

  # The log groups need the key policy's CloudWatch Logs statement before they are created.
  depends_on = [aws_kms_key_policy.this]
}
