#!/usr/bin/env bash
# Synthesis of the whole app, ours against the AWS CDK, side by side on this machine:
# whole-process wall time with hyperfine (warm-up runs, then medians),
# CPU time, and peak memory (max RSS, /usr/bin/time -v).
#
#   scripts/bench-synth.sh
#
# The two commands, each writing a cloud assembly into its own directory:
#
#   ours  $CARGO_TARGET_DIR/release/infra synth --quiet -o DIR
#         (release build; the default context, -c env=dev, no pipeline)
#   cdk   CDK_OUTDIR=DIR node scripts/bench/cdk-app/bin/app.js
#         the same application written with aws-cdk-lib 2.276.0 L2 constructs
#         (scripts/bench/cdk-app; its header lists how the two apps differ)
#
# and a third row, ours writing into a directory removed before each run (`infra synth`
# rewrites only the files that changed; the CDK rewrites every file on every run).
#
# The CDK app runs in its fastest HONEST setting, each setting in bin/app.js:
#   - `node bin/app.js` directly, as the `cdk` CLI would run it but without the CLI (its
#     start-up, notices and version check are not synthesis).
#   - stack traces off (`stackTraces: false`, i.e. the `aws:cdk:disable-stack-trace`
#     context key, as CDK_DISABLE_STACK_TRACE=1): no per-construct stack trace captured.
#     Ours records none.
#   - validation off: `builtinCloudFormationValidation: false` (the built-in template
#     validation plugin), no policy validation plugins, `app.synth({ skipValidation:
#     true })` (construct validation). Ours still validates every template: this
#     favours the CDK.
#   - `analyticsReporting: false` and no BootstrapVersion rule: no AWS::CDK::Metadata
#     resource, parameter or rule that our templates do not have either.
#   - tree.json kept (`treeMetadata: true`): ours writes it too.
#   - path and asset metadata on (`aws:cdk:enable-path-metadata`,
#     `aws:cdk:enable-asset-metadata`, what the CLI sets): our templates carry both.
#   - asset hashing on (`Code.fromAsset(functions/<crate>)`), staging off
#     (`aws:cdk:disable-asset-staging`): the CDK hashes each function's directory and
#     does not copy it into the assembly. Ours hashes the sources and copies nothing
#     (`infra build` makes the zips). Ours also hashes the crates each function depends
#     on and Cargo.lock (about 3× the bytes): this favours the CDK.
# Before timing, scripts/bench/count-resources.js checks that both assemblies have the
# same stacks and the same number of resources of each type (and prints the table).
#
# Installs what it needs: aws-cdk-lib into $TOOLS_DIR/bench-cdk with `npm ci` from
# scripts/bench/cdk-app/package-lock.json, again only when the lock or node changes (as
# scripts/tools.sh installs the node tools); hyperfine with apt-get only when running as
# root with CI=true, otherwise it says how to install it.
#
# Environment: CARGO_TARGET_DIR (default <repo>/target), TOOLS_DIR (default
# <repo>/.tools), BENCH_OUT (default <repo>/target/bench-synth: the assemblies,
# hyperfine.json, rss.txt), BENCH_WARMUP (5), BENCH_RUNS (20), BENCH_RSS_RUNS (5).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TOOLS_DIR="${TOOLS_DIR:-$ROOT/.tools}"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR
BENCH_OUT="${BENCH_OUT:-$ROOT/target/bench-synth}"
WARMUP="${BENCH_WARMUP:-5}"
RUNS="${BENCH_RUNS:-20}"
RSS_RUNS="${BENCH_RSS_RUNS:-5}"
APP_SRC="$ROOT/scripts/bench/cdk-app"
CDK_DIR="$TOOLS_DIR/bench-cdk"

# npm ci of the CDK app's lock into $CDK_DIR, when the lock (or node) changed.
install_cdk() {
  local key stamp
  key="$({ node --version; cat "$APP_SRC/package.json" "$APP_SRC/package-lock.json"; } | sha256sum | cut -c1-16)"
  stamp="$TOOLS_DIR/stamps/bench-cdk.$key"
  [[ -f "$stamp" ]] && return 0
  mkdir -p "$TOOLS_DIR/stamps"
  # The same lock as scripts/tools.sh: two installers never run at once.
  exec 9>"$TOOLS_DIR/.lock"
  flock 9
  if [[ ! -f "$stamp" ]]; then
    echo "bench-synth: installing aws-cdk-lib into $CDK_DIR (npm ci from scripts/bench/cdk-app/package-lock.json)" >&2
    rm -rf "$CDK_DIR" "$TOOLS_DIR/stamps/bench-cdk".*
    mkdir -p "$CDK_DIR"
    cp "$APP_SRC/package.json" "$APP_SRC/package-lock.json" "$CDK_DIR/"
    (cd "$CDK_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
      echo "bench-synth: npm ci failed in $CDK_DIR" >&2; exit 1; }
    echo "aws-cdk-lib $(node -p 'require(process.argv[1]).version' "$CDK_DIR/node_modules/aws-cdk-lib/package.json")" > "$stamp"
  fi
  flock -u 9
  exec 9>&-
}

require_hyperfine() {
  command -v hyperfine >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" = 0 && "${CI:-}" = true ]]; then
    echo "bench-synth: installing hyperfine (apt-get)" >&2
    apt-get install -y --no-install-recommends hyperfine >&2 || {
      echo "bench-synth: apt-get install hyperfine failed; run apt-get update first" >&2; exit 1; }
  else
    echo "bench-synth: hyperfine is not on PATH; install it with" >&2
    echo "  sudo apt-get install hyperfine      (or: cargo install --locked hyperfine)" >&2
    exit 1
  fi
}

machine() {
  echo "machine: $(uname -n), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | sort -u | head -n1)), $(uname -sr)"
  echo "load:    $(uptime)"
}

command -v node >/dev/null 2>&1 || { echo "bench-synth: node (20+) is needed for the CDK app" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "bench-synth: /usr/bin/time is needed for peak memory (apt-get install time)" >&2; exit 1; }
require_hyperfine
install_cdk
cargo build --release -p infra
INFRA="$CARGO_TARGET_DIR/release/infra"
export NODE_PATH="$CDK_DIR/node_modules"

OURS_OUT="$BENCH_OUT/ours.out" FRESH_OUT="$BENCH_OUT/fresh.out" CDK_OUT="$BENCH_OUT/cdk.out"
rm -rf "$OURS_OUT" "$FRESH_OUT" "$CDK_OUT"
mkdir -p "$BENCH_OUT"
OURS=("$INFRA" synth --quiet -o "$OURS_OUT")
FRESH=("$INFRA" synth --quiet -o "$FRESH_OUT")
CDK=(node "$APP_SRC/bin/app.js")
# The CDK app writes its assembly to CDK_OUTDIR (ours ignores it).
export CDK_OUTDIR="$CDK_OUT"

echo "== same application? (resources by stack and type)"
"${OURS[@]}"
"${CDK[@]}"
node scripts/bench/count-resources.js "$OURS_OUT" "$CDK_OUT"

echo
echo "== versions"
echo "infra $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- infra || echo ' (infra/ modified)'), release profile"
echo "node $(node --version), aws-cdk-lib $(node -p 'require(process.argv[1]).version' "$NODE_PATH/aws-cdk-lib/package.json"), $(hyperfine --version)"
machine

echo
echo "== wall time: hyperfine --warmup $WARMUP --runs $RUNS -N"
# -N: no shell in between; the environment (CDK_OUTDIR, NODE_PATH) is hyperfine's own.
# Commands are word-split by hyperfine: the paths must hold no spaces.
hyperfine --warmup "$WARMUP" --runs "$RUNS" -N \
  --export-json "$BENCH_OUT/hyperfine.json" \
  --prepare true --prepare "rm -rf $FRESH_OUT" --prepare true \
  -n infra "${OURS[*]}" \
  -n infra-fresh-dir "${FRESH[*]}" \
  -n cdk "${CDK[*]}"

echo
echo "== peak memory: /usr/bin/time -v, $RSS_RUNS runs each"
# rss NAME FRESH_DIR CMD...: one "NAME KiB" line per run; FRESH_DIR (if not empty) is
# removed before each run.
rss() {
  local name="$1" fresh="$2" i kib
  shift 2
  for ((i = 0; i < RSS_RUNS; i++)); do
    [[ -z "$fresh" ]] || rm -rf "$fresh"
    kib="$(/usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/^\s*Maximum resident set size (kbytes): //p')"
    [[ -n "$kib" ]] || { echo "bench-synth: no max RSS for $name" >&2; exit 1; }
    echo "$name $kib"
  done
}
{
  rss infra "" "${OURS[@]}"
  rss infra-fresh-dir "$FRESH_OUT" "${FRESH[@]}"
  rss cdk "" "${CDK[@]}"
} > "$BENCH_OUT/rss.txt"

echo
echo "== results"
node scripts/bench/synth-report.js "$BENCH_OUT/hyperfine.json" "$BENCH_OUT/rss.txt"
machine
echo "(raw: $BENCH_OUT/hyperfine.json, $BENCH_OUT/rss.txt)"
