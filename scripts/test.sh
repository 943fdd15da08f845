#!/usr/bin/env bash
# The one test command (npm test): installs what the tests need, checks types, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the interop and browser tests drive: coturn's turnutils_* and Chromium.
need=()
command -v turnutils_uclient >/dev/null 2>&1 || need+=(coturn)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${need[*]} with apt-get ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "Missing system packages: ${need[*]}. Install them with: sudo apt-get install ${need[*]}" >&2
    echo "Tests that need them will be skipped." >&2
  fi
fi

# A fresh clone has no node_modules yet.
[ -x node_modules/.bin/node ] || npm install --no-audit --no-fund

# Run everything with the pinned Node, whatever node is first on PATH.
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"
tsc --noEmit -p .
# One test file at a time: the interop, browser and benchmark tests load both cores, and
# media tests sharing the machine with an unpaced relay load would measure the contention.
exec node --test --test-concurrency=1 --test-timeout=300000 ${TEST_FILES:-'test/**/*.test.ts'}
