#!/usr/bin/env node
// The CLI entry point. Plain JavaScript on purpose: Node strips TypeScript with a WebAssembly
// compiler that stays in memory once loaded, and the compile cache below can only serve the
// modules imported after it is on, so this one file must need no stripping.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { setFlagsFromString } from 'node:v8';

// A server's heap is sized for a long life of short-lived objects (one or more per datagram).
// V8 sizes the young generation from the machine's memory (64 MB a semi-space on a 24 GB
// host) and lets the old one grow up to fourfold between full collections; the pages it grew
// stay resident after the burst is over, 100 MB after one busy minute (bench/soak.ts). With a
// 4 MB semi-space and 30% growth, a collection runs a little more often and memory returns
// to its level. The flags only take effect at start-up, so the process replaces itself once,
// keeping its pid; flags the user set win.
const SERVERS = new Set(['serve', 'turnserver', 'sfu']);
const HEAP_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=30'];
const setByUser = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('semi-space') || a.includes('heap-growing'));
if (SERVERS.has(process.argv[2]) && !setByUser && typeof process.execve === 'function') {
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...HEAP_FLAGS, ...process.argv.slice(1)], process.env);
  } catch {
    // Not replaceable here: run with V8's default sizing.
  }
}

// Cache compiled modules (and a checkout's stripped TypeScript) across runs: a server that
// starts from the cache never loads the stripper, and holds some 30 MB less.
enableCompileCache?.();

// Start-up code (resolving a hundred modules, reading the configuration) runs once, yet it is
// hot enough for V8 to optimise, which brings the optimising compilers' code into memory for
// good: some 8 MB of an idle server. They are held back until the command is serving.
const TIERS = ['maglev', 'turbofan'];
let held = false;
try {
  for (const t of TIERS) setFlagsFromString(`--no-${t}`);
  held = true;
} catch {
  // A runtime that refuses the flags simply optimises start-up as usual.
}
const releaseTiers = () => {
  if (!held) return;
  held = false;
  for (const t of TIERS) setFlagsFromString(`--${t}`);
};
// Whatever happens, a command never runs long without its optimising compilers.
setTimeout(releaseTiers, 5000).unref();

// A checkout runs its TypeScript sources (Node strips the types). Node strips nothing under
// node_modules, so an installed package runs the JavaScript that `prepack` built into dist/
// (scripts/build-package.mjs); a checkout that has a dist/ from packing still runs src/.
const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);
const installed = import.meta.url.includes('/node_modules/');
const entry = existsSync(built) && (installed || !existsSync(source)) ? built : source;
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), { serving: releaseTiers });
