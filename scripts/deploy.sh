#!/usr/bin/env bash
# A new user's single command: deploy the application to the current AWS account.
#
#   scripts/deploy.sh [-c env=dev] [--profile NAME] [--region REGION] [--endpoint-url URL]
#
# 1. bootstraps the account/region (CDKToolkit stack, staging bucket; idempotent),
# 2. builds the functions with cargo-lambda (arm64 zips; unchanged ones are reused),
# 3. deploys every stack (IAM changes approved: this is the deploying user's own command);
#    the Orders stack creates the JWT signing key (secret orders/<env>/jwt-signing-key),
# 4. prints the API URL (a stack output named like ApiUrl) and a curl command with a token
#    signed with that key.
#
# Needs cargo, cargo-lambda and zig (source scripts/tools.sh installs both) and AWS
# credentials (any profile the AWS CLI accepts). Safe to run again. INFRA=<path> uses an
# infra binary built earlier instead of building a release one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ENV_NAME=dev
CONTEXT=()   # -c key=value, for every command
AWS=()       # --profile/--region/--endpoint-url, for the commands that talk to AWS
while [[ $# -gt 0 ]]; do
  case "$1" in
    -c|--context)
      [[ $# -ge 2 ]] || { echo "deploy.sh: $1 needs KEY=VALUE" >&2; exit 2; }
      CONTEXT+=(-c "$2"); [[ "$2" == env=* ]] && ENV_NAME="${2#env=}"; shift 2 ;;
    --profile|--region|--endpoint-url)
      [[ $# -ge 2 ]] || { echo "deploy.sh: $1 needs a value" >&2; exit 2; }
      AWS+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "deploy.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
SECRET_ID="${JWT_SECRET_ID:-orders/$ENV_NAME/jwt-signing-key}"

if ! cargo lambda --version >/dev/null 2>&1 && [[ -f scripts/tools.sh ]]; then
  # shellcheck source=scripts/tools.sh
  source scripts/tools.sh
fi

if [[ -z "${INFRA:-}" ]]; then
  echo "==> building the infra CLI"
  cargo build -q --release -p infra
  INFRA="${CARGO_TARGET_DIR:-$ROOT/target}/release/infra"
fi

echo "==> bootstrap"
"$INFRA" bootstrap "${AWS[@]}"

echo "==> build functions"
"$INFRA" "${CONTEXT[@]}" build

echo "==> deploy"
OUTPUTS="$(mktemp)"
trap 'rm -f "$OUTPUTS"' EXIT
"$INFRA" "${CONTEXT[@]}" deploy --all --require-approval never "${AWS[@]}" | tee "$OUTPUTS"

API_URL="$(sed -nE 's/^[^ ]+\.[A-Za-z0-9]*ApiUrl[A-Za-z0-9]* = (.*)$/\1/p' "$OUTPUTS" | head -n 1)"
if [[ -z "$API_URL" ]]; then
  echo "Deployed. No stack output named like ApiUrl, so there is no API to call yet."
  exit 0
fi
TOKEN="$("$INFRA" "${CONTEXT[@]}" token --secret-id "$SECRET_ID" "${AWS[@]}" 2>/dev/null)"
echo
echo "API: $API_URL"
echo "Try it (the token is valid for 15 minutes; 'infra token' makes another):"
echo "  curl -sS -X POST '${API_URL%/}/orders' \\"
echo "    -H 'Authorization: Bearer $TOKEN' -H 'Content-Type: application/json' \\"
echo "    -d '[{\"record_id\": \"r-1\", \"parameter_1\": \"a\", \"parameter_2\": 1.5}]'"
