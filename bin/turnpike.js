#!/usr/bin/env node
// The CLI entry point. Plain JavaScript on purpose: Node strips TypeScript with a WebAssembly
// compiler that stays in memory once loaded, and the compile cache below can only serve the
// modules imported after it is on, so this one file must need no stripping.
import { enableCompileCache } from 'node:module';
import { setFlagsFromString } from 'node:v8';

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

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), { serving: releaseTiers });
