################################################################################
# Config table: jobs, database settings and channel settings (pk = job#<id>, ...)
################################################################################

resource "aws_dynamodb_table" "config" {
  count = var.create ? 1 : 0

  name                        = "${var.name}-config"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  # Always encrypted: with the customer key when given, else the AWS-managed key (aws/dynamodb).
  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

################################################################################
# Ledger table: a run's items in partitions named after it, so a few Queries
# read a run (ADR 0008): the run item (sk = run) and the planner's records
# (sk = delivery#<recipient>) in pk = run#<runId>, the group items
# (sk = group#<group>) spread over pk = run#<runId>#<shard> (GROUP_SHARDS,
# handlers/aws/ledger/keys.ts)
################################################################################

resource "aws_dynamodb_table" "ledger" {
  count = var.create ? 1 : 0

  name                        = "${var.name}-ledger"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "gsi1pk"
    type = "S"
  }

  attribute {
    name = "gsi1sk"
    type = "S"
  }

  # Sparse: only run items carry gsi1pk/gsi1sk, so the index lists a job's runs and nothing else.
  global_secondary_index {
    name            = "by-job"
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
  }

  ttl {
    enabled        = true
    attribute_name = "expiresAt"
  }

  point_in_time_recovery {
    enabled = var.ledger_point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

################################################################################
# Optional inline job definitions (no secrets: the item lands in Terraform state)
################################################################################

# Items hold their JSON document in the `document` attribute, as the handlers read them (ADR 0001), the
# shape `notifier config put` writes (configTableItem in handlers/aws/config-store.ts) without its `updatedAt`:
# a write time here would change on every plan.
resource "aws_dynamodb_table_item" "job" {
  for_each = var.create ? var.job_documents : {}

  table_name = aws_dynamodb_table.config[0].name
  hash_key   = aws_dynamodb_table.config[0].hash_key
  item = jsonencode({
    pk       = { S = "job#${each.key}" }
    document = { S = each.value }
  })
}
