#!/usr/bin/env bash
# Installs everything the test suite needs (bun, deps, git, Elixir, Chromium),
# builds the binary, runs every suite, and ends with ONE line:
#   tests: N passed, N failed
set -uo pipefail # deliberately no -e: a failing suite must still reach the summary line
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
root="$(pwd)"

need=()
command -v git >/dev/null 2>&1 || need+=(git)
command -v mix >/dev/null 2>&1 || need+=(elixir)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# strace proves in a test that a CLI command never opens the catalog while the daemon runs.
command -v strace >/dev/null 2>&1 || need+=(strace)
# bubblewrap is the agent sandbox; the suite runs real agents inside it (sandbox: required).
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
# ssh-keygen verifies signed registries (git verify-commit with gpg.format=ssh); the tests make keys with it.
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
# zsh and fish load the `opensentience completion` scripts in the completion tests.
command -v zsh >/dev/null 2>&1 || need+=(zsh)
command -v fish >/dev/null 2>&1 || need+=(fish)
# The official Prometheus Python client's text parser checks /metrics in the metrics tests.
/usr/bin/python3 -c 'import prometheus_client.parser' >/dev/null 2>&1 || need+=(python3-prometheus-client)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> apt-get install ${need[*]}"
  if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null || { echo "setup: apt-get install failed"; echo "tests: 0 passed, 1 failed"; exit 1; }
fi
. scripts/ensure-bun.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }
set +e # in case anything sourced turned it on

echo "==> bun install"
bun install --frozen-lockfile >/dev/null || { echo "tests: 0 passed, 1 failed"; exit 1; }
echo "==> typecheck"
typecheck_failed=0
bunx tsc --noEmit -p . || typecheck_failed=1
echo "==> build"
bun run build || { echo "tests: 0 passed, 1 failed"; exit 1; }

# Hermetic tool caches: nothing the suite does writes into the real HOME.
export MIX_HOME="$root/.test-tmp/mix-home" HEX_HOME="$root/.test-tmp/hex-home" HEX_OFFLINE=1
export XDG_CONFIG_HOME="$root/.test-tmp/xdg-config" XDG_CACHE_HOME="$root/.test-tmp/xdg-cache"
export OPENSENTIENCE_SDK_PATH="$root/sdk/elixir"
mkdir -p "$MIX_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" test-results

passed=0; failed=0

# Runs one Mix project's ExUnit suite and adds its counts to passed/failed. A run
# with no summary line (missing project, compile error, crash) or no tests at all,
# or a non-zero exit without a failing test, counts as one failure.
exunit() {
  local dir="$1" out rc line total bad skip
  echo "==> ExUnit ($dir)"
  if [ ! -f "$dir/mix.exs" ]; then echo "$dir/mix.exs is missing"; failed=$((failed + 1)); return; fi
  out="$( (cd "$dir" && MIX_ENV=test mix test 2>&1) )"; rc=$?
  echo "$out" | tail -n 15
  # e.g. "1 doctest, 5 tests, 1 failure, 1 excluded, 1 invalid, 1 skipped": excluded,
  # skipped and invalid (setup_all failed) tests are inside the test count; invalid
  # ones are not in the failure count.
  line="$(echo "$out" | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^([0-9]+ [a-z]+, )*[0-9]+ failures?(, [0-9]+ [a-z]+)*$' | tail -n 1)"
  read -r total bad skip < <(echo "$line" | awk -F', ' '{
    for (i = 1; i <= NF; i++) { split($i, a, " ")
      if (a[2] ~ /^(doctests?|tests?|property|properties)$/) t += a[1]
      else if (a[2] ~ /^(failures?|invalid)$/) b += a[1]
      else if (a[2] ~ /^(excluded|skipped)$/) s += a[1] }
  } END { print t + 0, b + 0, s + 0 }')
  if [ -z "$line" ] || [ "$total" -eq 0 ]; then echo "$dir: no ExUnit results (counted as one failure)"; failed=$((failed + 1)); return; fi
  passed=$((passed + total - bad - skip)); failed=$((failed + bad))
  if [ $rc -ne 0 ] && [ "$bad" -eq 0 ]; then echo "$dir: mix test exited $rc (counted as one failure)"; failed=$((failed + 1)); fi
}
# The SDK and every example agent the binary ships (each builds against the SDK by
# path through OPENSENTIENCE_SDK_PATH; their _build/ is git- and bundle-ignored).
for dir in sdk/elixir examples/*/; do exunit "${dir%/}"; done

echo "==> bun test"
rm -f test-results/junit.xml
# In its own session: some tests drive pseudo-terminals (the y/N install prompt) and
# signal process groups; none of that may reach this script and its summary line.
if command -v setsid >/dev/null 2>&1; then isolate=(setsid --wait); else isolate=(); fi
"${isolate[@]}" bun test --timeout 120000 --reporter=junit --reporter-outfile=test-results/junit.xml "$@" </dev/null
bun_rc=$?
if [ -f test-results/junit.xml ]; then
  read -r t f e s < <(bun -e '
    const x = await Bun.file("test-results/junit.xml").text();
    const m = x.match(/<testsuites[^>]*>/)?.[0] ?? "";
    const g = (k) => Number(m.match(new RegExp(`\\b${k}="(\\d+)"`))?.[1] ?? 0);
    console.log(g("tests"), g("failures"), g("errors"), g("skipped"));')
  passed=$((passed + t - f - e - s)); failed=$((failed + f + e))
  [ $bun_rc -ne 0 ] && [ $((f + e)) -eq 0 ] && failed=$((failed + 1))
else
  failed=$((failed + 1))
fi
[ $typecheck_failed -ne 0 ] && failed=$((failed + 1)) && echo "typecheck failed (counted as one failure)"

echo "tests: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
