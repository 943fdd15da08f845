#!/usr/bin/env bash
# Runs the tests that drive the native data plane over real sockets (the addon's own, the
# robustness and server tests, and the coturn interop runs) against an AddressSanitizer +
# UndefinedBehaviorSanitizer build of it. Not part of every `npm test` (it takes a few
# minutes); run it after any change under native/:
#
#   bash scripts/native-sanitize.sh            # the default set
#   bash scripts/native-sanitize.sh test/x.ts  # other test files
#
# Node itself is not built with ASan, so the runtime is preloaded; leak checking is off because
# a Node process exits without freeing what it holds, and that is not the addon's leak.
# alloc_dealloc_mismatch is off: node-datachannel's prebuilt library (the SFU tests' clients)
# frees with free() what libstdc++ allocated with new, which is not the addon's either.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
node scripts/build-native.mjs --sanitize
asan="$(gcc -print-file-name=libasan.so)"
ubsan="$(gcc -print-file-name=libubsan.so)"
[ -f "$asan" ] || { echo "no libasan.so from gcc (apt-get install libasan8)" >&2; exit 2; }
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/dataplane/native-addon.test.ts 'test/server/*.test.ts' 'test/interop/*.test.ts')
start=$(date +%s)
LD_PRELOAD="$asan $ubsan" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_odr_violation=0:alloc_dealloc_mismatch=0" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
TURNPIKE_NATIVE_ADDON="$PWD/native/build-sanitize/turnpike_dataplane.node" \
TURNPIKE_DATA_PLANE=native \
  node --test --test-concurrency=1 --test-timeout=300000 "${files[@]}"
echo "sanitizer run: $(( $(date +%s) - start )) s"
