output "config_table_name" {
  description = "Name of the config table."
  value       = aws_dynamodb_table.config.name
}

output "config_table_arn" {
  description = "ARN of the config table."
  value       = aws_dynamodb_table.config.arn
}

output "ledger_table_name" {
  description = "Name of the ledger table."
  value       = aws_dynamodb_table.ledger.name
}

output "ledger_table_arn" {
  description = "ARN of the ledger table."
  value       = aws_dynamodb_table.ledger.arn
}

output "ledger_by_job_index_arn" {
  description = "ARN of the ledger's `by-job` global secondary index."
  value       = "${aws_dynamodb_table.ledger.arn}/index/by-job"
}

output "job_documents" {
  description = "The job documents written to the config table, keyed by job id."
  value       = { for id, item in aws_dynamodb_table_item.job : id => jsondecode(item.item).document.S }
}

output "kms_key_arns" {
  description = "Key of each table (`config`, `ledger`); `null` values use the AWS-managed key `aws/dynamodb`."
  value = {
    config = one(aws_dynamodb_table.config.server_side_encryption).kms_key_arn
    ledger = one(aws_dynamodb_table.ledger.server_side_encryption).kms_key_arn
  }
}

output "point_in_time_recovery" {
  description = "Whether point-in-time recovery is on, per table (`config`, `ledger`)."
  value = {
    config = one(aws_dynamodb_table.config.point_in_time_recovery).enabled
    ledger = one(aws_dynamodb_table.ledger.point_in_time_recovery).enabled
  }
}
