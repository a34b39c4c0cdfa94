#!/usr/bin/env bash
# Local AWS-compatible endpoint for tests: moto in server mode on 127.0.0.1.
#
#   source scripts/tools.sh   # puts moto_server on PATH
#   source scripts/moto.sh
#   moto_start                # background server on a free port; exports:
#                             #   MOTO_ENDPOINT=http://127.0.0.1:PORT, MOTO_PORT, MOTO_PID, MOTO_LOG,
#                             #   AWS_ENDPOINT_URL (= MOTO_ENDPOINT, so no SDK call can reach AWS),
#                             #   AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY=testing,
#                             #   AWS_REGION/AWS_DEFAULT_REGION=us-east-1
#   moto_stop                 # stops it (also run automatically when the shell exits)
#
# The log goes to $MOTO_LOG_DIR (default <repo>/target/moto/moto-PORT.log).

_MOTO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Prints a free TCP port on 127.0.0.1.
_moto_free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

moto_start() {
  if [[ -n "${MOTO_PID:-}" ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
    echo "moto: already running at $MOTO_ENDPOINT (pid $MOTO_PID)" >&2
    return 0
  fi
  command -v moto_server >/dev/null 2>&1 || {
    echo "moto: moto_server not on PATH (source scripts/tools.sh first)" >&2; return 1; }

  local dir="${MOTO_LOG_DIR:-$_MOTO_ROOT/target/moto}" port attempt
  mkdir -p "$dir"
  for attempt in 1 2 3; do
    port="$(_moto_free_port)" || return 1
    MOTO_LOG="$dir/moto-$port.log"
    moto_server -H 127.0.0.1 -p "$port" >"$MOTO_LOG" 2>&1 &
    MOTO_PID=$!
    export MOTO_PID MOTO_LOG MOTO_PORT="$port" MOTO_ENDPOINT="http://127.0.0.1:$port"
    _moto_register_trap
    if _moto_wait_ready "$MOTO_ENDPOINT" "$MOTO_PID"; then
      export AWS_ENDPOINT_URL="$MOTO_ENDPOINT"
      export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
      export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
      echo "moto: listening on $MOTO_ENDPOINT (pid $MOTO_PID, log $MOTO_LOG)" >&2
      return 0
    fi
    echo "moto: server did not come up on port $port (attempt $attempt); log:" >&2
    tail -n 20 "$MOTO_LOG" >&2 || true
    moto_stop
  done
  return 1
}

# _moto_wait_ready URL PID: polls the server for up to 30 s.
_moto_wait_ready() {
  python3 - "$1" "$2" <<'PY'
import os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.time() + 30
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)  # the server died
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
}

moto_stop() {
  local pid="${MOTO_PID:-}"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "moto: stopped (pid $pid)" >&2
  fi
  unset MOTO_PID MOTO_PORT MOTO_ENDPOINT
  if [[ "${AWS_ENDPOINT_URL:-}" == http://127.0.0.1:* ]]; then unset AWS_ENDPOINT_URL; fi
  return 0
}

_moto_status() { return "$1"; }

# Adds moto_stop to the shell's EXIT trap, keeping any command already there, and makes
# INT/TERM exit (so the EXIT trap runs) unless the caller has its own handlers.
_moto_register_trap() {
  local current prev
  local -a parts
  current="$(trap -p EXIT)"
  if [[ "$current" != *moto_stop* ]]; then
    if [[ -n "$current" ]]; then
      eval "parts=($current)" # -> (trap -- 'COMMAND' EXIT)
      prev="${parts[2]}"
      # Run moto_stop first, then the previous command with the original $? (the if/else
      # passes the status through without tripping `set -e`).
      # shellcheck disable=SC2064,SC2154 # expand $prev now; $_moto_st is set by the trap
      trap "_moto_st=\$?; moto_stop; if _moto_status \"\$_moto_st\"; then $prev; else $prev; fi" EXIT
    else
      trap moto_stop EXIT
    fi
  fi
  [[ -n "$(trap -p INT)" ]] || trap 'exit 130' INT
  [[ -n "$(trap -p TERM)" ]] || trap 'exit 143' TERM
}
