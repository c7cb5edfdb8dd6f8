#!/usr/bin/env bash
# Makes sure a working `bun` is on PATH, installing it from npm when missing.
# Sourced by install.sh and scripts/test.sh.
set -euo pipefail
BUN_VERSION="${BUN_VERSION:-1.4.5}"
if ! command -v bun >/dev/null 2>&1 || ! bun --version >/dev/null 2>&1; then
  command -v npm >/dev/null 2>&1 || { echo "install: npm is required to install bun" >&2; exit 1; }
  echo "==> installing bun ${BUN_VERSION} from npm"
  if [ "$(id -u)" = "0" ]; then
    npm install -g --no-fund --no-audit "bun@${BUN_VERSION}" >/dev/null
  else
    npm install -g --prefix "$HOME/.local" --no-fund --no-audit "bun@${BUN_VERSION}" >/dev/null
    export PATH="$HOME/.local/bin:$PATH"
  fi
  # npm may skip install scripts; the package's installer puts the real binary in place.
  if ! bun --version >/dev/null 2>&1; then
    node "$(npm root -g ${HOME:+--prefix "$HOME/.local"} 2>/dev/null || npm root -g)/bun/install.js" || true
  fi
  bun --version >/dev/null 2>&1 || { echo "install: bun could not be installed" >&2; exit 1; }
fi
