#!/usr/bin/env bash
# Builds the fuzz targets of fuzz/ (libFuzzer through libfuzzer-sys, on stable Rust) and runs
# each for a bounded time from a temporary copy of its committed corpus (fuzz/corpus/<target>).
#
#   scripts/fuzz.sh [TARGET...]        # all targets when none is named
#
#   FUZZ_SECONDS=20     time per target (libFuzzer -max_total_time)
#   FUZZ_JOBS=$(nproc)  targets run at once
#   FUZZ_MERGE=0        1: minimise the run's corpus into fuzz/corpus/<target> (a set cover
#                       of its coverage, inputs cut to FUZZ_MERGE_MAX_LEN=1024 bytes to keep
#                       the committed corpora small); for a developer after a long run,
#                       never in CI
#   FUZZ_OUT=target/fuzz-out   logs and crashing inputs
#
# Prints each target's executions (stat::number_of_executed_units) and final coverage; exits
# non-zero if a target crashed, naming the crashing input (kept under FUZZ_OUT).
set -euo pipefail

# One brace group: bash parses it whole before running it, so editing this file during a run
# cannot break that run.
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"
FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
FUZZ_MERGE="${FUZZ_MERGE:-0}"
FUZZ_OUT="${FUZZ_OUT:-$ROOT/target/fuzz-out}"
# Its own target directory: these RUSTFLAGS would otherwise rebuild the main workspace's.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/fuzz"
HOST="$(rustc -vV | sed -n 's/^host: //p')"
# Coverage instrumentation with stable flags (what cargo-fuzz passes, minus the -Z ones).
# --target keeps them off build scripts and proc macros, which run inside the compiler.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares"

targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v -e '^fuzz-targets$')
fi

cargo build --locked --release --target "$HOST" --bins >&2 \
  || { echo "fuzz.sh: building the fuzz targets failed" >&2; exit 1; }
BIN="$CARGO_TARGET_DIR/$HOST/release"

mkdir -p "$FUZZ_OUT"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fuzz_one TARGET: one bounded run from a copy of the corpus; its exit status in $work/TARGET.rc.
fuzz_one() {
  local t="$1" rc=0
  mkdir -p "$work/$t" "$FUZZ_OUT/$t"
  cp -R "corpus/$t/." "$work/$t/"
  "$BIN/$t" "$work/$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -max_len=8192 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$FUZZ_OUT/$t/" >"$FUZZ_OUT/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$work/$t.rc"
}

# The targets run FUZZ_JOBS at a time (default: one per core; each libFuzzer process uses one).
for t in "${targets[@]}"; do
  [[ -x "$BIN/$t" ]] || { echo "fuzz.sh: no target $t (targets: fuzz/Cargo.toml [[bin]])" >&2; exit 1; }
done
running=0
for t in "${targets[@]}"; do
  if ((running >= ${FUZZ_JOBS:-$(nproc)})); then wait -n || true; running=$((running - 1)); fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait

failed=()
printf '%-14s %12s %8s %8s %s\n' target executions cov corpus seconds
for t in "${targets[@]}"; do
  log="$FUZZ_OUT/$t.log"
  rc="$(cat "$work/$t.rc")"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)"
  printf '%-14s %12s %8s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" \
    "$(find "corpus/$t" -type f | wc -l)->$(find "$work/$t" -type f | wc -l)" "$FUZZ_SECONDS"
  if ((rc != 0)); then
    # The panic message and libFuzzer's summary (the backtrace stays in the log).
    grep -m1 -A3 'panicked at' "$log" >&2 || true
    grep -E '^(==[0-9]+== ERROR|SUMMARY|artifact_prefix|Base64)' "$log" >&2 || tail -n 20 "$log" >&2
    crash="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    echo "fuzz.sh: $t failed (exit $rc); input: ${crash:-none written}; log: $log" >&2
    failed+=("$t")
  elif [[ "$FUZZ_MERGE" = 1 ]]; then
    mkdir -p "$work/$t.min"
    "$BIN/$t" -set_cover_merge=1 -max_len="${FUZZ_MERGE_MAX_LEN:-1024}" "$work/$t.min" \
      "corpus/$t" "$work/$t" >>"$log" 2>&1 \
      || { echo "fuzz.sh: merging the corpus of $t failed; log: $log" >&2; exit 1; }
    rm -rf "corpus/$t" && mv "$work/$t.min" "corpus/$t"
    echo "    corpus/$t minimised: $(find "corpus/$t" -type f | wc -l) inputs, $(cat "corpus/$t"/* | wc -c) bytes"
  fi
done
if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: crashed: ${failed[*]}" >&2
  exit 1
fi
exit 0
}
