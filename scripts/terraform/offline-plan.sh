#!/usr/bin/env bash
# Offline `terraform plan` of an example with fake credentials, then resource-count assertions on `terraform show -json`.
#
#   bash scripts/terraform/offline-plan.sh basic|complete
#
# The example is copied with the module into a temporary directory and given a provider override that skips every
# call AWS would answer (credentials, account id, metadata, region), so nothing here needs network or an account.
set -euo pipefail

example="${1:?usage: offline-plan.sh <example>}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=init.sh
source "${repo}/scripts/terraform/init.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/notifier-plan-${example}.XXXXXX")"
trap 'rm -rf "${work}"' EXIT

mkdir -p "${work}/repo/examples"
cp "${repo}"/*.tf "${work}/repo/"
cp -R "${repo}/modules" "${repo}/dist" "${work}/repo/"
cp -R "${repo}/examples/${example}" "${work}/repo/examples/"
rm -rf "${work}/repo/examples/${example}/.terraform" "${work}/repo/examples/${example}/.terraform.lock.hcl"

dir="${work}/repo/examples/${example}"
cat >"${dir}/offline_override.tf" <<'HCL'
provider "aws" {
  access_key                  = "fake"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
HCL

export AWS_ACCESS_KEY_ID=fake AWS_SECRET_ACCESS_KEY=fake AWS_EC2_METADATA_DISABLED=true
# The database host examples/basic asks for; an example that declares no such variable ignores it.
export TF_VAR_database_host=db.example.com
unset AWS_PROFILE AWS_SESSION_TOKEN

notifier_tf_init "${dir}" >/dev/null
terraform -chdir="${dir}" plan -input=false -no-color -lock=false -refresh=false -out=plan.tfplan >"${work}/plan.log" || {
  cat "${work}/plan.log" >&2
  exit 1
}
terraform -chdir="${dir}" show -json plan.tfplan >"${work}/plan.json"
node "${repo}/scripts/terraform/assert-plan.mjs" "${work}/plan.json" "${example}"
