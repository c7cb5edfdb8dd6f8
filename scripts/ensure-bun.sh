#!/usr/bin/env bash
# Makes sure a working `bun` is on PATH, installing it from npm when missing.
# Sourced by install.sh and scripts/test.sh: it must not change the caller's shell
# options (no `set -e` here — scripts/test.sh has to survive failing tests to
# print its summary), so every step checks its own result.
BUN_VERSION="${BUN_VERSION:-1.4.5}"
if ! command -v bun >/dev/null 2>&1 || ! bun --version >/dev/null 2>&1; then
  command -v npm >/dev/null 2>&1 || { echo "install: npm is required to install bun" >&2; return 1 2>/dev/null || exit 1; }
  echo "==> installing bun ${BUN_VERSION} from npm"
  prefix_args=()
  [ "$(id -u)" = "0" ] || prefix_args=(--prefix "$HOME/.local")
  if [ "$(id -u)" = "0" ]; then
    npm install -g --no-fund --no-audit "bun@${BUN_VERSION}" >/dev/null || { echo "install: npm install bun failed" >&2; return 1 2>/dev/null || exit 1; }
  else
    npm install -g --prefix "$HOME/.local" --no-fund --no-audit "bun@${BUN_VERSION}" >/dev/null || { echo "install: npm install bun failed" >&2; return 1 2>/dev/null || exit 1; }
    export PATH="$HOME/.local/bin:$PATH"
  fi
  # npm may skip install scripts; the package's installer puts the real binary in place.
  if ! bun --version >/dev/null 2>&1; then
    node "$(npm root -g "${prefix_args[@]}")/bun/install.js" || true
  fi
  bun --version >/dev/null 2>&1 || { echo "install: bun could not be installed" >&2; return 1 2>/dev/null || exit 1; }
fi
