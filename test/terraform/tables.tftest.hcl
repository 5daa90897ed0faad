# modules/tables on its own: keys, index, TTL, encryption, recovery, inline job items.

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

variables {
  name = "acme"
  tags = { Team = "growth" }
}

run "config_and_ledger_tables_use_the_keys_of_adr_0001" {
  command = plan

  module {
    source = "./modules/tables"
  }

  assert {
    condition     = aws_dynamodb_table.config[0].name == "acme-config" && aws_dynamodb_table.config[0].hash_key == "pk" && aws_dynamodb_table.config[0].range_key == null
    error_message = "The config table is <name>-config with partition key pk only."
  }

  assert {
    condition     = aws_dynamodb_table.ledger[0].name == "acme-ledger" && aws_dynamodb_table.ledger[0].hash_key == "pk" && aws_dynamodb_table.ledger[0].range_key == "sk" && [for a in aws_dynamodb_table.ledger[0].attribute : a.name if a.name == "sk" && a.type == "S"] == ["sk"]
    error_message = "The ledger table is <name>-ledger keyed by run: partition key pk, sort key sk (a string), as handlers/aws/ledger/keys.ts writes them."
  }

  assert {
    condition = [for i in aws_dynamodb_table.ledger[0].global_secondary_index : [i.name, i.hash_key, i.range_key, i.projection_type]] == [
      ["by-job", "gsi1pk", "gsi1sk", "ALL"]
    ]
    error_message = "The ledger needs the sparse by-job index (gsi1pk, gsi1sk, projection ALL)."
  }

  assert {
    condition     = aws_dynamodb_table.ledger[0].ttl[0].enabled && aws_dynamodb_table.ledger[0].ttl[0].attribute_name == "expiresAt"
    error_message = "Ledger TTL must be on, on expiresAt."
  }
}

run "the_config_table_has_point_in_time_recovery_and_both_have_deletion_protection_by_default" {
  command = plan

  module {
    source = "./modules/tables"
  }

  assert {
    condition     = aws_dynamodb_table.config[0].point_in_time_recovery[0].enabled
    error_message = "PITR must be on for the config table."
  }

  assert {
    condition     = aws_dynamodb_table.config[0].deletion_protection_enabled && aws_dynamodb_table.ledger[0].deletion_protection_enabled
    error_message = "Deletion protection must default to on."
  }
}

run "a_customer_key_encrypts_both_tables" {
  command = plan

  module {
    source = "./modules/tables"
  }

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = alltrue([
      for t in [aws_dynamodb_table.config[0], aws_dynamodb_table.ledger[0]] :
      t.server_side_encryption[0].enabled && t.server_side_encryption[0].kms_key_arn == var.kms_key_arn
    ])
    error_message = "Both tables must use the customer key."
  }
}

run "without_a_customer_key_tables_still_encrypt_with_aws_dynamodb" {
  command = plan

  module {
    source = "./modules/tables"
  }

  assert {
    condition     = aws_dynamodb_table.config[0].server_side_encryption[0].enabled && aws_dynamodb_table.ledger[0].server_side_encryption[0].enabled
    error_message = "SSE must be explicitly enabled (AWS-managed key)."
  }
}

run "an_inline_job_definition_becomes_a_config_item_holding_its_json_document" {
  module {
    source = "./modules/tables"
  }

  variables {
    job_documents = { daily = "{\"kind\":\"job\",\"id\":\"daily\"}" }
  }

  assert {
    condition = jsondecode(aws_dynamodb_table_item.job["daily"].item) == {
      pk       = { S = "job#daily" }
      document = { S = "{\"kind\":\"job\",\"id\":\"daily\"}" }
    }
    error_message = "The item must be { pk = job#<id>, document = <json> }."
  }

  assert {
    condition     = aws_dynamodb_table.config[0].tags["Team"] == "growth" && aws_dynamodb_table.ledger[0].tags["Team"] == "growth"
    error_message = "Both tables must carry the tags."
  }
}
