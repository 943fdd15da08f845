/**
 * The SFU's layering, read from its import statements: arrows run one way, signal → room →
 * media/transport → rtp/sdp → types, and no two modules import each other, directly or round a
 * longer loop. Type-only imports count too: a type import upwards still ties a lower layer to
 * the vocabulary of a higher one.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../../src/sfu');

/**
 * Rank of each top-level directory or file of src/sfu; a module may import only modules of a
 * lower rank, its own directory, or a directory of the same rank.
 */
const LAYERS: Record<string, number> = {
  // wiring: configuration, HTTP, metrics, the entry point
  'index.ts': 6,
  'http-server.ts': 6,
  'metrics.ts': 6,
  'demo-assets.ts': 6,
  'config.ts': 6,
  'config-reader.ts': 6,
  // rooms placed on nodes over Redis (a room service in front of the local one)
  cluster: 5,
  // JSON-RPC over WebSocket
  signal: 4,
  // sessions, peers, negotiation, join rights
  room: 3,
  // forwarding and the WebRTC stack; the native media path (ICE-lite, SDP, the media worker's tracks)
  media: 2,
  transport: 2,
  native: 2,
  // SCTP and data channels for the native media path (sans-IO)
  sctp: 1,
  // pure codecs and estimators
  rtp: 1,
  sdp: 1,
  bwe: 1,
  // shared vocabulary: wire schema, outcomes, logger, config types
  types: 0,
  'config-types.ts': 0,
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Relative module specifiers of `import … from`, `export … from` and `import(…)`. */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3]) as string);
  return specs;
}

/** Module graph of src/sfu: file (relative to src/sfu) → files it imports inside src/sfu. */
function sfuGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(ROOT)) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .map((s) => relative(ROOT, resolve(dirname(file), s)))
      .filter((t) => !t.startsWith('..'));
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

const unitOf = (file: string): string => file.split('/')[0] as string;

/** Imports that point up the layer table, and files the table does not place. */
export function upwardImports(graph: ReadonlyMap<string, readonly string[]>, layers: Record<string, number>): string[] {
  const problems: string[] = [];
  for (const [from, targets] of graph) {
    const rank = layers[unitOf(from)];
    if (rank === undefined) {
      problems.push(`${from}: ${unitOf(from)} has no layer (add it to LAYERS)`);
      continue;
    }
    for (const to of targets) {
      const r = layers[unitOf(to)];
      if (unitOf(to) === unitOf(from) || (r !== undefined && r <= rank)) continue;
      problems.push(`${from} imports ${to} (layer ${r ?? '?'} above ${rank})`);
    }
  }
  return problems;
}

/** Every import cycle, each once, as the list of files round it. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') found.push(stack.slice(stack.indexOf(t)));
      else if (!state.has(t) && graph.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return found;
}

test('the checks see an upward import and a two-file cycle in a made-up graph', () => {
  const graph = new Map([
    ['room/peer.ts', ['room/session.ts', 'signal/connection.ts']],
    ['room/session.ts', ['room/peer.ts']],
    ['signal/connection.ts', ['room/types.ts']],
  ]);
  assert.deepEqual(upwardImports(graph, LAYERS), ['room/peer.ts imports signal/connection.ts (layer 4 above 3)']);
  assert.deepEqual(cycles(graph), [['room/peer.ts', 'room/session.ts']]);
});

test('import statements of every form are read', () => {
  const text = "import type { A } from '../x.ts';\nexport { B } from './y.ts';\nimport {\n  C,\n} from './z.ts';\nconst m = await import('./w.ts');\nimport './side.ts';\nimport ws from 'ws';";
  assert.deepEqual(importsOf(text).sort(), ['../x.ts', './side.ts', './w.ts', './y.ts', './z.ts']);
});

test('no module of src/sfu imports from a layer above its own', () => {
  const graph = sfuGraph();
  assert.ok(graph.size > 40, `read ${graph.size} files`);
  assert.ok(graph.get('room/peer.ts')?.includes('room/session.ts'), 'imports are resolved');
  assert.deepEqual(upwardImports(graph, LAYERS), []);
});

test('no import cycle in src/sfu (room/peer.ts and room/session.ts included)', () => {
  assert.deepEqual(cycles(sfuGraph()), []);
});
