# tflint configuration (https://github.com/terraform-linters/tflint): `tflint --init` once, then
# `tflint --recursive --config "$(pwd)/.tflint.hcl"` (or the terraform_tflint pre-commit hook).
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.40.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}

# Every module and example pins its own terraform and provider versions.
rule "terraform_required_version" {
  enabled = true
}

rule "terraform_required_providers" {
  enabled = true
}

rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}
