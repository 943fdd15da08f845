#!/usr/bin/env bash
# The one test command (npm test): installs what the tests need, checks types, runs every test,
# then runs the tests that carry TURN traffic over sockets again on the other data plane.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests drive: coturn's turnutils_*, Chromium, a C compiler and OpenSSL's
# headers for the native data plane and its DTLS engine, and clang for its libFuzzer targets.
need=()
command -v turnutils_uclient >/dev/null 2>&1 || need+=(coturn)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v clang >/dev/null 2>&1 || need+=(clang)
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-dev)
# OpenSSL's headers: the native addon's DTLS engine is built against them (the DTLS tests need it).
[ -f /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
# The fleet tests' hosts are network namespaces (ip netns); the Kubernetes manifests are read by PyYAML.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
python3 -c 'import yaml' >/dev/null 2>&1 || need+=(python3-yaml)
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

# The database servers of the user-database tests (PostgreSQL, MariaDB, Redis), when stopped.
bash scripts/services.sh

# A fresh clone has no node_modules yet (installing builds the native data plane).
[ -x node_modules/.bin/node ] || npm install --no-audit --no-fund

# Run everything with the pinned Node, whatever node is first on PATH.
export PATH="$PWD/node_modules/.bin:$PATH"
# Node keeps each module's compiled code (TypeScript's stripped types included) between the
# suite's ~250 test processes and the servers they start, keyed by the source's hash.
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$PWD/node_modules/.cache/node-compile}"
echo "node $(node --version)"
tsc --noEmit -p .

# The native data plane must build without a single warning (-Wall -Wextra -Werror).
native=js
if command -v cc >/dev/null 2>&1; then
  node scripts/build-native.mjs --strict
  native=native
fi

# One test file at a time: the interop, browser and benchmark tests load both cores, and
# media tests sharing the machine with an unpaced relay load would measure the contention.
run() { node --test --test-concurrency=1 --test-timeout=300000 "$@"; }

if [ -n "${TEST_FILES:-}" ]; then
  TURNPIKE_DATA_PLANE=$native run $TEST_FILES
  exit 0
fi
# Tests of pure code (codecs, the TURN core, SCTP, SDP, rooms on a test clock, configuration,
# credentials) open no server and time nothing: two at a time. Then the rest, one at a time.
pure='^test/(stun|turn|config|log|auth|bench/lib|sfu/(rtp|sctp|sdp|room|media|signal|transport))/'
all_files=$(find test -name '*.test.ts' ! -path 'test/native/fuzz*' | sort)
# shellcheck disable=SC2046
TURNPIKE_DATA_PLANE=$native node --test --test-concurrency=2 --test-timeout=300000 $(grep -E "$pure" <<<"$all_files")
# The libFuzzer tests each keep one core busy for a fixed time: two at once, after the rest.
# shellcheck disable=SC2046
TURNPIKE_DATA_PLANE=$native run $(grep -v -E "$pure" <<<"$all_files")
node --test --test-concurrency=2 --test-timeout=300000 test/native/fuzz*.test.ts
# Every test that carries TURN traffic over real sockets, again on the other plane.
if [ "$native" = native ]; then
  echo "The same socket tests on the js data plane:"
  # Not again: tests whose subject is a user database, the REST API or OAuth credentials,
  # reloading, privileges or start-up checks, which no data plane takes part in.
  js_files=$(ls test/server/*.test.ts test/interop/*.test.ts | grep -v -E '/(userdb-turnserver|userdb-outage|turnadmin-backends|reload|turnutils-oauth|turnutils-auth-secret|oauth|rfc8489-auth|privileges|config-diff|startup-checks)\.test\.ts$')
  # shellcheck disable=SC2086
  TURNPIKE_DATA_PLANE=js run $js_files test/browser/trickle-ice-call.test.ts
fi
