#!/usr/bin/env node
// Builds the native data plane (native/src/*.c) into native/build/turnpike_dataplane.node with
// the system C compiler, against the Node-API headers of the `node-api-headers` package: no
// node-gyp, no download, a few seconds. Run by `npm install`. Without a compiler (or off
// Linux) it says so and succeeds: Turnpike then runs the `js` data plane and says why.
//
//   node scripts/build-native.mjs                 the release build
//   node scripts/build-native.mjs --sanitize      AddressSanitizer + UndefinedBehaviorSanitizer
//                                                 build in native/build-sanitize/
//   node scripts/build-native.mjs --strict        fail on any warning (-Werror), for tests
//   node scripts/build-native.mjs --no-dtls       without DTLS, as when libssl-dev is missing
//   node scripts/build-native.mjs --out=DIR       into DIR instead of native/build
//
// DTLS is built in when OpenSSL's headers are there (libssl-dev); without them the addon still
// builds, and says DTLS is unavailable and why.
//
// Plain JavaScript on purpose: it runs from npm's install step, before anything else is known
// to work. Environment: CC picks the compiler.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sanitize = process.argv.includes('--sanitize');
const strict = process.argv.includes('--strict') || sanitize;
const quiet = process.argv.includes('--quiet');
const noDtls = process.argv.includes('--no-dtls') || process.env.TURNPIKE_NATIVE_NO_DTLS === '1';
/** --out=DIR builds elsewhere (a test's build without DTLS, say) and leaves native/build alone. */
const outArg = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length);

function say(line) {
  if (!quiet) process.stdout.write(`turnpike native data plane: ${line}\n`);
}

function findCompiler() {
  const candidates = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
  for (const cc of candidates) {
    const r = spawnSync(cc, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) return cc;
  }
  return undefined;
}

function headersDir() {
  try {
    const require = createRequire(import.meta.url);
    return path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'include');
  } catch {
    return undefined;
  }
}

/** Whether `cc` finds <openssl/ssl.h> (libssl-dev); --no-dtls (or TURNPIKE_NATIVE_NO_DTLS=1) builds without DTLS. */
function opensslHeaders(cc) {
  if (noDtls) return false;
  const r = spawnSync(cc, ['-E', '-x', 'c', '-'], { input: '#include <openssl/ssl.h>\n', stdio: ['pipe', 'ignore', 'ignore'] });
  return r.status === 0;
}

function main() {
  if (process.platform !== 'linux') {
    say(`not built: it needs Linux (epoll, recvmmsg, sendmmsg); this is ${process.platform}. The js data plane will run.`);
    return 0;
  }
  const cc = findCompiler();
  if (cc === undefined) {
    say('not built: no C compiler (set CC, or install one: apt-get install gcc). The js data plane will run.');
    return 0;
  }
  const include = headersDir();
  if (include === undefined) {
    say('not built: the node-api-headers package is missing. The js data plane will run.');
    return 0;
  }
  // DTLS (native/src/dtls*.c) needs OpenSSL's headers; its symbols come from the node binary,
  // which carries OpenSSL and exports it, so nothing is linked (one OpenSSL in the process).
  const openssl = opensslHeaders(cc);
  if (!openssl) say(noDtls ? 'building without DTLS (--no-dtls).' : 'building without DTLS: no OpenSSL headers (apt-get install libssl-dev, then build again).');
  const srcDir = path.join(root, 'native', 'src');
  // native/src/*.c is the TURN data plane and DTLS; native/src/sfu/*.c the SFU's media path.
  const sources = ['', 'sfu'].flatMap((sub) => {
    const dir = path.join(srcDir, sub);
    try {
      return readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  });
  const outDir = outArg ? path.resolve(outArg) : path.join(root, 'native', sanitize ? 'build-sanitize' : 'build');
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'turnpike_dataplane.node');
  const flags = [
    '-std=gnu11', '-D_GNU_SOURCE', '-DNODE_GYP_MODULE_NAME=turnpike_dataplane',
    '-Wall', '-Wextra', '-fPIC', '-shared', '-fvisibility=hidden',
    ...(strict ? ['-Werror'] : []),
    ...(sanitize ? ['-O1', '-g', '-fno-omit-frame-pointer', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'] : ['-O2']),
    `-I${include}`,
    ...(openssl ? ['-DTP_HAVE_OPENSSL=1'] : []),
  ];
  // Built beside and renamed over: a running server keeps the file it loaded, never a half-written one.
  const partial = `${out}.${process.pid}`;
  try {
    execFileSync(cc, [...flags, '-o', partial, ...sources, '-lpthread'], { stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(partial, out);
  } catch {
    rmSync(partial, { force: true });
    if (strict) return 1;
    say(`not built: ${cc} failed (above). The js data plane will run.`);
    return 0;
  }
  say(`built ${path.relative(root, out)} with ${cc}${sanitize ? ' (AddressSanitizer + UBSan)' : ''}`);
  return 0;
}

process.exitCode = main();
