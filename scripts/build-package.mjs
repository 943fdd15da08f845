#!/usr/bin/env node
// Builds what the npm package ships in place of the TypeScript sources (`prepack` runs it):
// dist/ holds src/ compiled to JavaScript, with declarations, in the same layout, so every
// path a module finds relative to itself (public/, native/build/) resolves alike from src/
// and dist/. Node does not strip types under node_modules, so an installed Turnpike runs
// dist/; a checkout runs src/ (bin/turnpike.js picks).
//
//   node scripts/build-package.mjs          build dist/ (fails on any type error)
//
// Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

function fail(message) {
  process.stderr.write(`build-package: ${message}\n`);
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  fail('TypeScript is not installed (npm install, in the checkout, installs the dev dependencies)');
}
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  fail('tsc failed; dist/ not built');
}

// The /demo page serves the signalling schema as a browser module: src/sfu/demo-assets.ts reads
// signal/schema.ts in a checkout and, in the package (no .ts files there), tsc's schema.js.
if (!existsSync(path.join(dist, 'sfu', 'signal', 'schema.js'))) fail('dist/sfu/signal/schema.js is missing');

// Static files that live beside the modules that serve them (the admin page): copied as they are.
for (const entry of readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.(html|css|js|svg|png)$/.test(entry.name)) continue;
  const from = path.join(entry.parentPath, entry.name);
  cpSync(from, path.join(dist, path.relative(path.join(root, 'src'), from)));
}
if (!existsSync(path.join(dist, 'admin', 'page', 'index.html'))) fail('dist/admin/page/index.html was not copied');

// The entry points the package's `exports` and `bin` name.
for (const f of ['index.js', 'index.d.ts', 'cli/main.js', 'stun/index.js', 'sfu/index.js']) {
  if (!existsSync(path.join(dist, f))) fail(`dist/${f} was not built`);
}
process.stdout.write(`build-package: dist/ built\n`);
