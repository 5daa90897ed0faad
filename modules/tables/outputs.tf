output "config_table_name" {
  description = "Name of the config table."
  value       = try(aws_dynamodb_table.config[0].name, null)
}

output "config_table_arn" {
  description = "ARN of the config table."
  value       = try(aws_dynamodb_table.config[0].arn, null)
}

output "ledger_table_name" {
  description = "Name of the ledger table."
  value       = try(aws_dynamodb_table.ledger[0].name, null)
}

output "ledger_table_arn" {
  description = "ARN of the ledger table."
  value       = try(aws_dynamodb_table.ledger[0].arn, null)
}

output "ledger_by_job_index_arn" {
  description = "ARN of the ledger's `by-job` global secondary index."
  value       = try("${aws_dynamodb_table.ledger[0].arn}/index/by-job", null)
}

output "job_documents" {
  description = "The job documents written to the config table, keyed by job id."
  value       = { for id, item in aws_dynamodb_table_item.job : id => jsondecode(item.item).document.S }
}

output "kms_key_arns" {
  description = "Key of each table (`config`, `ledger`); `null` values use the AWS-managed key `aws/dynamodb`."
  value = {
    config = try(one(aws_dynamodb_table.config[0].server_side_encryption).kms_key_arn, null)
    ledger = try(one(aws_dynamodb_table.ledger[0].server_side_encryption).kms_key_arn, null)
  }
}

output "point_in_time_recovery" {
  description = "Whether point-in-time recovery is on, per table (`config`, `ledger`)."
  value = {
    config = try(one(aws_dynamodb_table.config[0].point_in_time_recovery).enabled, null)
    ledger = try(one(aws_dynamodb_table.ledger[0].point_in_time_recovery).enabled, null)
  }
}
