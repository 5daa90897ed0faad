#!/usr/bin/env bash
# Terraform init that works online and air-gapped.
#
#   bash scripts/terraform/init.sh <dir> [extra terraform init args]    # run directly
#   source scripts/terraform/init.sh; notifier_tf_init <dir> [args]     # or from another script
#
# Where providers come from, in order:
#   1. NOTIFIER_TF_PLUGIN_DIR: a filesystem mirror (<dir>/registry.terraform.io/hashicorp/aws/...),
#      passed to `terraform init -plugin-dir`.
#   2. TF_CLI_CONFIG_FILE naming an existing CLI config with a provider_installation block
#      (e.g. a filesystem_mirror): plain `terraform init` honours it. A TF_CLI_CONFIG_FILE that
#      points at a missing file is ignored (unset for these scripts).
#   3. The public registry, when reachable.
#   4. Otherwise a mirror discovered in the conventional places (see notifier_tf_candidate_dirs).
# Providers are cached across directories in TF_PLUGIN_CACHE_DIR (default: <repo>/.local/terraform-plugin-cache).

NOTIFIER_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "${TF_CLI_CONFIG_FILE}" ]]; then
  echo "init: TF_CLI_CONFIG_FILE=${TF_CLI_CONFIG_FILE} does not exist; ignoring it" >&2
  unset TF_CLI_CONFIG_FILE
fi
export TF_PLUGIN_CACHE_DIR="${TF_PLUGIN_CACHE_DIR:-${NOTIFIER_REPO_ROOT}/.local/terraform-plugin-cache}"
mkdir -p "${TF_PLUGIN_CACHE_DIR}"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1

# Conventional places for a provider mirror. Generic on purpose: no path of any one machine.
notifier_tf_candidate_dirs() {
  local d
  for d in \
    "${HOME:-/nonexistent}/.terraform.d/plugins" \
    "${XDG_DATA_HOME:-${HOME:-/nonexistent}/.local/share}/terraform/plugins" \
    /usr/local/share/terraform/plugins \
    /usr/share/terraform/plugins \
    /opt/terraform/plugins \
    /opt/* /opt/*/* /srv/* /usr/local/lib/*; do
    [[ -d "$d" ]] && printf '%s\n' "$d"
  done
}

notifier_tf_discover_mirror() {
  local d
  while IFS= read -r d; do
    if compgen -G "$d/registry.terraform.io/hashicorp/aws/*" >/dev/null; then
      printf '%s\n' "$d"
      return 0
    fi
  done < <(notifier_tf_candidate_dirs)
  return 1
}

notifier_tf_cli_config_has_mirror() {
  [[ -n "${TF_CLI_CONFIG_FILE:-}" && -f "${TF_CLI_CONFIG_FILE}" ]] && grep -q 'provider_installation' "${TF_CLI_CONFIG_FILE}"
}

notifier_tf_registry_reachable() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 5 -o /dev/null https://registry.terraform.io/.well-known/terraform.json 2>/dev/null
  else
    timeout 5 bash -c 'exec 3<>/dev/tcp/registry.terraform.io/443' 2>/dev/null
  fi
}

# Decide once per shell and remember: NOTIFIER_TF_INIT_MODE = plugin-dir | cli-config | registry.
notifier_tf_resolve_source() {
  [[ -n "${NOTIFIER_TF_INIT_MODE:-}" ]] && return 0
  if [[ -n "${NOTIFIER_TF_PLUGIN_DIR:-}" ]]; then
    if [[ ! -d "${NOTIFIER_TF_PLUGIN_DIR}" ]]; then
      echo "init: NOTIFIER_TF_PLUGIN_DIR=${NOTIFIER_TF_PLUGIN_DIR} is not a directory" >&2
      return 1
    fi
    NOTIFIER_TF_INIT_MODE=plugin-dir
  elif notifier_tf_cli_config_has_mirror; then
    NOTIFIER_TF_INIT_MODE=cli-config
  elif notifier_tf_registry_reachable; then
    NOTIFIER_TF_INIT_MODE=registry
  elif NOTIFIER_TF_PLUGIN_DIR="$(notifier_tf_discover_mirror)"; then
    NOTIFIER_TF_INIT_MODE=plugin-dir
    echo "init: registry unreachable; using the provider mirror found at ${NOTIFIER_TF_PLUGIN_DIR}" >&2
  else
    echo "init: the registry is unreachable and no provider mirror was found." >&2
    echo "init: set NOTIFIER_TF_PLUGIN_DIR to a directory holding registry.terraform.io/hashicorp/aws/<version>/<os_arch>/" >&2
    return 1
  fi
  export NOTIFIER_TF_INIT_MODE NOTIFIER_TF_PLUGIN_DIR
}

# notifier_tf_init <dir> [extra init args]
notifier_tf_init() {
  local dir="$1"
  shift
  notifier_tf_resolve_source || return 1
  local args=(-input=false -no-color "$@")
  [[ "${NOTIFIER_TF_INIT_MODE}" == plugin-dir ]] && args+=("-plugin-dir=${NOTIFIER_TF_PLUGIN_DIR}")
  terraform -chdir="$dir" init "${args[@]}"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  notifier_tf_init "${1:-.}" "${@:2}"
fi
