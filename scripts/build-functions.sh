#!/usr/bin/env bash
# Builds every Lambda function with cargo-lambda (profile `lambda`) as a zip for arm64 (Graviton), or
# for x86_64 when the aarch64 target cannot be added on this machine, and prints each zip's
# size in bytes. Fails if a zip reaches MAX_ZIP_BYTES (default 2,000,000: each arm64 zip is
# to stay under 2 MB, the smallest way to count it).
#
# Needs cargo-lambda on PATH, and zig through `python3 -m ziglang` (its venv's bin/ first).
# Output: target/lambda/<function>/bootstrap.zip (under CARGO_TARGET_DIR when set).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FUNCTIONS=(authorizer orders-api results-generator order-processor oauth-collector otp-create otp-verify)
MAX_ZIP_BYTES="${MAX_ZIP_BYTES:-2000000}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"

command -v cargo-lambda >/dev/null || { echo "build-functions: cargo-lambda is not on PATH" >&2; exit 1; }

arch=(--arm64)
if ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
  if ! rustup target add aarch64-unknown-linux-gnu >/dev/null 2>&1; then
    echo "build-functions: cannot add aarch64-unknown-linux-gnu; building for x86_64 instead" >&2
    arch=(--x86-64)
  fi
fi

packages=()
for f in "${FUNCTIONS[@]}"; do packages+=(--package "$f"); done
cargo lambda build --profile lambda --locked "${arch[@]}" --output-format zip "${packages[@]}"

status=0
printf '%-20s %12s  %s\n' function bytes zip
for f in "${FUNCTIONS[@]}"; do
  zip="$TARGET_DIR/lambda/$f/bootstrap.zip"
  if [[ ! -f "$zip" ]]; then
    echo "build-functions: $zip was not produced" >&2
    status=1
    continue
  fi
  size=$(stat -c %s "$zip")
  printf '%-20s %12d  %s\n' "$f" "$size" "$zip"
  if (( size >= MAX_ZIP_BYTES )); then
    echo "build-functions: $f is $size bytes, not under $MAX_ZIP_BYTES" >&2
    status=1
  fi
done
exit "$status"
