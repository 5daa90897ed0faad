#!/usr/bin/env bash
# Every Terraform check, sequentially, with one PASS/FAIL line each and a final "N passed, M failed" line
# (terraform test runs count one each). Exits non-zero on any failure. Offline-capable: see init.sh.
#
#   bash scripts/terraform/test-all.sh
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${repo}"
# shellcheck source=init.sh
source "${repo}/scripts/terraform/init.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/notifier-tf-checks.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
started=$SECONDS
passed=0
failed=0

pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$1"; }
fail() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$1"
  [[ -f "$2" ]] && sed -e 's/^/     /' "$2" | tail -n 60
}

# check <name> <command...>: runs the command with its output in a log, shown only on failure.
check() {
  local name="$1" log
  shift
  log="${work}/$(printf '%s' "${name}" | tr -c 'A-Za-z0-9' '_').log"
  if "$@" >"${log}" 2>&1; then pass "${name}"; else fail "${name}" "${log}"; fi
}

tf_files() {
  find . \( -name node_modules -o -name .terraform -o -name .local -o -name .git -o -name cdktf.out \) -prune -o \
    -type f \( -name '*.tf' -o -name '*.tftest.hcl' -o -name '*.tfmock.hcl' -o -name '*.tfvars' \) -print | sort
}

init_and_validate() {
  notifier_tf_init "$1" "${@:2}" && terraform -chdir="$1" validate -no-color
}

# Synthesized as `cdktf synth` would, then the registry source pointed at this checkout (the module is not published
# where these checks run).
synth_and_validate_cdktf() {
  local stack
  stack="$(node scripts/terraform/cdktf-synth.mjs examples/cdktf "${work}/cdktf.out" --local "acme/notifier/aws=${repo}")" &&
    init_and_validate "${stack}"
}

for f in dist/planner.zip dist/sender.zip dist/receiver.zip; do
  [[ -f "${f}" ]] || echo "note: ${f} is missing; validate, tests and plans of the root module need it (npm run build)" >&2
done

notifier_tf_resolve_source || {
  echo "FAIL provider installation (see above)"
  echo "0 passed, 1 failed"
  exit 1
}
echo "providers: ${NOTIFIER_TF_INIT_MODE}${NOTIFIER_TF_PLUGIN_DIR:+ (${NOTIFIER_TF_PLUGIN_DIR})}"

# 1. Formatting of every Terraform file outside dependencies and generated output.
mapfile -t files < <(tf_files)
check "terraform fmt -check (${#files[@]} files)" terraform fmt -check -diff -no-color "${files[@]}"

# 2. Validate the root module, every example and the synthesized CDKTF stack.
check "terraform validate: root module" init_and_validate . -test-directory=test/terraform
check "terraform validate: examples/basic" init_and_validate examples/basic
check "terraform validate: examples/complete" init_and_validate examples/complete
check "cdktf synth + terraform validate: examples/cdktf" synth_and_validate_cdktf

# 3. terraform test: every run counts.
test_log="${work}/terraform-test.log"
terraform test -test-directory=test/terraform -no-color >"${test_log}" 2>&1
test_status=$?
while IFS= read -r line; do
  if [[ "${line}" =~ ^[[:space:]]+run\ \"([^\"]+)\"\.\.\.\ (pass|fail|skip) ]]; then
    if [[ "${BASH_REMATCH[2]}" == pass ]]; then pass "terraform test: ${BASH_REMATCH[1]}"; else fail "terraform test: ${BASH_REMATCH[1]}" /dev/null; fi
  fi
done <"${test_log}"
if [[ ${test_status} -ne 0 ]]; then fail "terraform test (exit ${test_status})" "${test_log}"; fi

# 4. Offline plans with fake credentials and resource-count assertions.
check "offline plan + counts: examples/basic" bash scripts/terraform/offline-plan.sh basic
check "offline plan + counts: examples/complete" bash scripts/terraform/offline-plan.sh complete

# 5. Apply, re-plan, operate with the CLI and destroy each example against moto, an AWS API emulator
#    (emulator-apply.mjs). The examples run side by side: most of their time is the provider's waits, not CPU.
#    The provider cache is filled by the steps above, so their inits only read it. Skipped, and said so, only
#    where python3 cannot import moto's server.
emulator_checks() {
  local example i pids=() examples=(basic complete)
  for example in "${examples[@]}"; do
    node scripts/terraform/emulator-apply.mjs "${example}" >"${work}/emulator-${example}.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!examples[@]}"; do
    example="${examples[$i]}"
    if wait "${pids[$i]}"; then
      pass "emulator apply + CLI + destroy: examples/${example}"
      sed -n 's/^summary: /     /p' "${work}/emulator-${example}.log"
    else
      fail "emulator apply + CLI + destroy: examples/${example}" "${work}/emulator-${example}.log"
    fi
  done
}
if python3 -c 'import moto.server' >/dev/null 2>&1; then
  emulator_checks
else
  echo "SKIP emulator apply: python3 cannot import moto.server (pip install 'moto[server]'); the examples were not applied"
fi

# 6. Generated docs are current.
check "READMEs (terraform-docs tables) and the CDKTF binding up to date (docs.mjs --check)" node scripts/terraform/docs.mjs --check

echo "terraform checks took $((SECONDS - started))s"
echo "${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
