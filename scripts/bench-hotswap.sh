#!/usr/bin/env bash
# Save-to-answer time of `infra watch --local`: with the app running on
# `infra local up`, save a one-line change to functions/orders-api (the message of its
# "empty body" answer) and time until the API answers with the new text, N times.
#
#   infra local up -c …  &&  scripts/bench-hotswap.sh [N]      # N: runs, default 5
#
# Each run writes a new message (a new asset hash), so each run rebuilds orders-api for
# this machine (the `local` profile, incremental), hotswaps it (UpdateFunctionCode) and
# waits for the answer: what a developer waits for after saving. Prints every time, the
# median, and the machine's load. The source file is restored and `infra watch` stopped
# on every exit path; the restored code is hotswapped back before the script ends.
#
# Environment: INFRA (default target/debug/infra), INFRA_LOCAL_DIR (the engine's folder,
# as for `infra local up`), E2E_CONTEXT (the context `infra local up` was given; default
# the end-to-end suite's).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
INFRA="$(realpath "${INFRA:-target/debug/infra}")"
RUNS="${1:-5}"
read -r -a CONTEXT <<<"${E2E_CONTEXT:--c auction.waitSeconds=1 -c auction.maxAttempts=3 -c auction.rateMinutes=1 -c oauth.providers=e2e/good,e2e/bad}"
SOURCE=functions/orders-api/src/handler.rs
MESSAGE="a JSON array of orders is required"
LOG="$(mktemp -t bench-hotswap.XXXXXX)"
ORIGINAL="$(mktemp -t bench-hotswap-source.XXXXXX)"
cp "$SOURCE" "$ORIGINAL"
grep -q "\"$MESSAGE\"" "$SOURCE" || { echo "bench-hotswap: '$MESSAGE' is not in $SOURCE" >&2; exit 1; }

WATCH=""
cleanup() {
  local rc=$?
  cmp -s "$ORIGINAL" "$SOURCE" || cp "$ORIGINAL" "$SOURCE"
  if [[ -n "$WATCH" ]]; then
    kill -INT "$WATCH" 2>/dev/null || true
    wait "$WATCH" 2>/dev/null || true
  fi
  rm -f "$ORIGINAL"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

STATUS="$("$INFRA" local status --format json)" \
  || { echo "bench-hotswap: start the app first: infra local up ${CONTEXT[*]}" >&2; exit 1; }
URL="$(jq -r '.apis[] | select(.stack == "Dev/Orders") | .url' <<<"$STATUS")orders"
eval "$("$INFRA" local env)"
TOKEN="$("$INFRA" token)"

answer() { curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary '' "$URL"; }
wait_for() { # wait_for TEXT TIMEOUT_S: until the API's answer contains TEXT
  local deadline=$((SECONDS + $2))
  until answer | grep -qF "$1"; do
    ((SECONDS < deadline)) || { echo "bench-hotswap: no answer with '$1' after $2 s; infra watch said:" >&2; cat "$LOG" >&2; return 1; }
    sleep 0.05
  done
}

echo "==> infra watch --local Dev/Orders (log: $LOG)"
"$INFRA" watch --local Dev/Orders "${CONTEXT[@]}" >"$LOG" 2>&1 &
WATCH=$!
until grep -q '^watch: [0-9:]* ' "$LOG"; do
  kill -0 "$WATCH" 2>/dev/null || { cat "$LOG" >&2; echo "bench-hotswap: infra watch ended" >&2; exit 1; }
  sleep 0.2
done
wait_for "$MESSAGE" 60

TIMES=()
for i in $(seq 1 "$RUNS"); do
  marker="$MESSAGE (bench $i $RANDOM)"
  t0="$EPOCHREALTIME"
  sed "s/\"$MESSAGE\"/\"$marker\"/" "$ORIGINAL" >"$SOURCE"
  wait_for "$marker" 300
  TIMES+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')")
  echo "run $i: ${TIMES[-1]} s (save to answer)"
done

cp "$ORIGINAL" "$SOURCE"
wait_for "\"$MESSAGE\"" 120
echo "==> infra watch's cycles"
grep '^watch: ' "$LOG" | sed 's/^/    /'
median="$(printf '%s\n' "${TIMES[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
echo "==> save to answer: median ${median} s of ${RUNS} runs (${TIMES[*]}); load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
