#!/usr/bin/env bash
# The real app, end to end, on `infra local`: what scripts/test.sh runs as its step
# "end to end (infra local)". Every command is one a user runs.
#
#   source scripts/tools.sh && scripts/local-e2e.sh
#
#  1. `infra local up` (engine started, functions built for this machine, every stack
#     deployed); each asset zip is checked to hold its own function's binary;
#  2. scripts/e2e.py: two-factor → JWT → orders, the auction with the real functions,
#     its schedule, the token collector against a local OAuth endpoint, a failing deploy,
#     `infra deploy --hotswap` of a code change and its fallback to a change set;
#  3. a second `infra local up` changes nothing (every stack "no changes");
#  4. `infra destroy` removes the app;
#  5. the AWS CDK CLI bootstraps and deploys the same assembly, `infra deploy` on top finds
#     no changes, the orders flow works on it, `cdk destroy` removes it;
#  6. scripts/deploy.sh (a new user's command: bootstrap, arm64 build, deploy, token)
#     deploys the app and prints a token read from the secret its stack created;
#  7. `infra local down` (also on every failure).
#
# Environment: INFRA (default target/debug/infra, built by the caller), INFRA_LOCAL_DIR
# (default target/e2e/infra-local: apart from a developer's own .infra-local), E2E_PORT
# (default: a free port). Prints the timings and the engine's memory at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
INFRA="$(realpath "${INFRA:-target/debug/infra}")"
export INFRA
export INFRA_LOCAL_DIR="${INFRA_LOCAL_DIR:-$ROOT/target/e2e/infra-local}"
PORT="${E2E_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
CONTEXT=(-c auction.waitSeconds=1 -c auction.maxAttempts=3 -c auction.rateMinutes=1
  -c oauth.providers=e2e/good,e2e/bad)
export E2E_CONTEXT="${CONTEXT[*]}" # for scripts/e2e.py's commands that synthesize
ASSEMBLY="$INFRA_LOCAL_DIR/cdk.out"
LOGS="$ROOT/target/e2e"
mkdir -p "$LOGS"

[[ -x "$INFRA" ]] || { echo "local-e2e: $INFRA is not built (cargo build -p infra)" >&2; exit 1; }
command -v cdk >/dev/null || { echo "local-e2e: cdk is not on PATH (source scripts/tools.sh)" >&2; exit 1; }

stop() {
  local rc=$?
  "$INFRA" local down >/dev/null 2>&1 || true
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TIMES=()
timed() { # timed LABEL COMMAND…: runs it, records its duration
  local label="$1" t0="$EPOCHREALTIME"
  shift
  "$@"
  TIMES+=("$(awk -v l="$label" -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%-44s %7.1f s", l, b - a }')")
}

# Fails unless every stack line of a deploy's stderr says "no changes".
expect_no_changes() {
  local log="$1" stacks="$2" n
  n="$(grep -c ': no changes$' "$log" || true)"
  if [[ "$n" -lt "$stacks" ]] || grep -qE '(CREATE|UPDATE|DELETE)_COMPLETE ✓' "$log"; then
    cat "$log" >&2
    echo "local-e2e: expected $stacks stacks with no changes, got $n" >&2
    return 1
  fi
}

echo "==> infra local up (port $PORT, state in $INFRA_LOCAL_DIR)"
"$INFRA" local down >/dev/null 2>&1 || true
timed "infra local up (first)" "$INFRA" local up --port "$PORT" "${CONTEXT[@]}"
python3 scripts/check-assets.py "$ASSEMBLY"

echo "==> end-to-end tests (scripts/e2e.py)"
timed "scripts/e2e.py" python3 scripts/e2e.py

echo "==> infra local up again: nothing to change"
timed "infra local up (again, unchanged)" "$INFRA" local up "${CONTEXT[@]}" 2>"$LOGS/up-again.log" >/dev/null
expect_no_changes "$LOGS/up-again.log" 5 # the four stacks and CDKToolkit

eval "$("$INFRA" local env)"
echo "==> infra destroy"
timed "infra destroy --all" "$INFRA" destroy --app "$ASSEMBLY" --all --force

echo "==> the AWS CDK CLI deploys the same assembly"
# `cdk bootstrap` cannot update the CDKToolkit stack `infra bootstrap` made on this engine:
# the engine replaces its SSM parameter instead of updating it (ParameterAlreadyExists,
# then a rollback that loses the parameter). On AWS the update is in place. So the CDK
# bootstraps afresh here.
python3 - <<'PY'
import boto3, time
cfn = boto3.client("cloudformation")
cfn.delete_stack(StackName="CDKToolkit")
for _ in range(120):
    if not [s for s in cfn.describe_stacks()["Stacks"] if s["StackName"] == "CDKToolkit" and s["StackStatus"] != "DELETE_COMPLETE"]:
        break
    time.sleep(0.5)
PY
# From the log folder: no cdk.json or cdk.context.json of the repository is picked up.
pushd "$LOGS" >/dev/null
CDK=(--no-notices --no-version-reporting)
timed "cdk bootstrap" cdk bootstrap "aws://000000000000/$AWS_REGION" "${CDK[@]}" >cdk-bootstrap.log 2>&1 \
  || { cat cdk-bootstrap.log >&2; exit 1; }
timed "cdk deploy --all" cdk deploy --app "$ASSEMBLY" --all --require-approval never "${CDK[@]}" >cdk-deploy.log 2>&1 \
  || { cat cdk-deploy.log >&2; exit 1; }
popd >/dev/null
"$INFRA" deploy --app "$ASSEMBLY" --all --require-approval never 2>"$LOGS/infra-on-cdk.log" >/dev/null
expect_no_changes "$LOGS/infra-on-cdk.log" 4
python3 scripts/e2e.py TwoFactorThenOrders
pushd "$LOGS" >/dev/null
cdk destroy --app "$ASSEMBLY" --all --force "${CDK[@]}" >cdk-destroy.log 2>&1 || { cat cdk-destroy.log >&2; exit 1; }
popd >/dev/null

echo "==> scripts/deploy.sh"
timed "scripts/deploy.sh" scripts/deploy.sh --endpoint-url "$AWS_ENDPOINT_URL" --region "$AWS_REGION" >"$LOGS/deploy-sh.log" 2>&1 \
  || { cat "$LOGS/deploy-sh.log" >&2; exit 1; }
grep -qE '^API: ' "$LOGS/deploy-sh.log" && grep -qE "Authorization: Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+" "$LOGS/deploy-sh.log" \
  || { cat "$LOGS/deploy-sh.log" >&2; echo "local-e2e: deploy.sh printed no API URL and token" >&2; exit 1; }
python3 scripts/check-assets.py cdk.out

pid="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pid"])' "$INFRA_LOCAL_DIR/engine.json")"
engine_kib="$(ps -o rss= -p "$pid" | tr -d ' ')"
group_kib="$(ps -e -o pgid=,rss= | awk -v g="$pid" '$1 == g { s += $2 } END { print s + 0 }')"

echo "==> timings"
printf '    %s\n' "${TIMES[@]}"
printf '    engine memory: %s MiB (with its function processes: %s MiB)\n' \
  "$((engine_kib / 1024))" "$((group_kib / 1024))"
