#!/usr/bin/env bash
# OpenSentience installer.
#   bash install.sh                 build from this checkout and put `opensentience` on PATH
#   bash install.sh --serve         ... then start the daemon (127.0.0.1:6767)
#   OPENSENTIENCE_RELEASE_URL=https://…/opensentience-linux-x64 bash install.sh
#                                   download a release binary instead (checked against URL.sha256 when published)
#   PREFIX=/usr/local bash install.sh   system-wide (needs root); default: ~/.local as a user, /usr/local as root
set -euo pipefail
cd "$(dirname "$0")"
serve=0
for a in "$@"; do
  case "$a" in
    --serve) serve=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install: unknown option $a" >&2; exit 2 ;;
  esac
done

if [ -z "${PREFIX:-}" ]; then
  if [ "$(id -u)" = "0" ]; then PREFIX=/usr/local; else PREFIX="$HOME/.local"; fi
fi
bindir="$PREFIX/bin"
mkdir -p "$bindir"

if [ -n "${OPENSENTIENCE_RELEASE_URL:-}" ]; then
  tmp="$(mktemp)"
  echo "==> downloading ${OPENSENTIENCE_RELEASE_URL}"
  curl -fsSL "$OPENSENTIENCE_RELEASE_URL" -o "$tmp"
  if curl -fsSL "${OPENSENTIENCE_RELEASE_URL}.sha256" -o "$tmp.sha256" 2>/dev/null; then
    want="$(cut -d' ' -f1 < "$tmp.sha256")"; got="$(sha256sum "$tmp" | cut -d' ' -f1)"
    [ "$want" = "$got" ] || { echo "install: checksum mismatch ($got != $want)" >&2; exit 1; }
    echo "==> checksum verified"
  else
    echo "==> no published checksum; skipping verification"
  fi
  install -m 0755 "$tmp" "$bindir/opensentience"
else
  . scripts/ensure-bun.sh
  echo "==> installing dependencies"
  bun install --frozen-lockfile >/dev/null
  echo "==> building dist/opensentience"
  bun run build
  install -m 0755 dist/opensentience "$bindir/opensentience"
fi
echo "==> installed $bindir/opensentience ($("$bindir/opensentience" --version))"
case ":$PATH:" in *":$bindir:"*) ;; *) echo "    note: $bindir is not on your PATH; add it, or run $bindir/opensentience";; esac

if ! command -v mix >/dev/null 2>&1; then
  echo "    note: Elixir (mix) is needed to build and run agents: sudo apt-get install -y elixir"
fi
if [ "$serve" = 1 ]; then
  echo "==> starting the daemon (Ctrl-C stops it)"
  exec "$bindir/opensentience" serve
fi
echo "Next: opensentience serve   (then open the login URL it prints)"
