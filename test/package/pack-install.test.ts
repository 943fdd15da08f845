/**
 * The npm package works where Node strips no types (node_modules): `npm pack` (whose `prepack`
 * builds dist/), an install of the tarball into a temporary prefix with no network, then the
 * installed `turnpike --help`, `turnpike turnserver` answering a Binding, and a program that
 * imports the library API (`import { startTurnServer } from 'turnpike'`) and allocates through
 * it with an authHandler and a permissionHandler; its types check with `tsc`.
 *
 * No network: the prefix gets a lockfile made from the checkout's (production packages only,
 * each with its registry tarball URL), so npm resolves nothing and takes every tarball from its
 * cache by integrity. A plain `npm install --offline <tarball>` needs the packuments too, which
 * the cache of a checkout's `npm install` need not hold in the form npm asks for.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { launch } from '../../harness/children.ts';
import { freeUdpPort } from '../../harness/ports.ts';
import { answersBinding } from '../../harness/ready.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
  [k: string]: unknown;
}

function run(command: string, args: string[], cwd: string, timeout = 60_000, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout });
}

/** The prefix's package.json and a lockfile that pins every production package of the checkout. */
function writePrefix(prefix: string, tarball: string): void {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string>; bin: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { dependencies: { turnpike: spec } },
    'node_modules/turnpike': { version: manifest.version, resolved: spec, license: manifest.license, dependencies: manifest.dependencies, bin: manifest.bin, hasInstallScript: true },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev === true || entry.link === true) continue;
    const { devOptional: _d, ...rest } = entry;
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    rest.resolved ??= `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[path] = rest;
  }
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'turnpike-install-check', private: true, dependencies: { turnpike: spec } }, null, 2));
  writeFileSync(join(prefix, 'package-lock.json'), JSON.stringify({ name: 'turnpike-install-check', lockfileVersion: 3, requires: true, packages }, null, 2));
}

/** Embeds the installed package: allocates as a user the authHandler knows, and asks for two peers. */
const LIBRARY_PROGRAM = (client: string, connection: string) => `
import { startTurnServer, TurnpikeError } from 'turnpike';
import { decodeMessage, Method } from 'turnpike/stun';
import { TurnClient } from ${JSON.stringify(client)};
import { connectUdp } from ${JSON.stringify(connection)};

const asked = [];
const sessions = new Map([['alice', 'session-token-1']]);
const server = await startTurnServer({
  realm: 'example.org',
  listeningIps: ['127.0.0.1'],
  relayIps: ['127.0.0.1'],
  port: 0,
  tcp: false,
  dataPlane: 'js',
  allowLoopbackPeers: true,
  authHandler: async (username, realm, source) => {
    asked.push({ username, realm, ip: source.ip });
    await new Promise((r) => setTimeout(r, 5));
    return sessions.get(username);
  },
  permissionHandler: async (source, peer) => peer.ip !== '127.0.0.2',
});
const port = server.listeners[0].port;
const connect = () => connectUdp({ ip: '127.0.0.1', port, family: 4 });
const alice = new TurnClient(await connect(), { username: 'alice', password: 'session-token-1' }, { rto: 200, tries: 5 });
const allocated = await alice.allocate({});
const allowed = await alice.createPermission([{ family: 'IPv4', address: '127.0.0.1', port: 9 }]);
const denied = await alice.createPermission([{ family: 'IPv4', address: '127.0.0.2', port: 9 }]);
const mallory = new TurnClient(await connect(), { username: 'mallory', password: 'guess' }, { rto: 200, tries: 5 });
const refused = await mallory.allocate({});
let badOptions = '';
try { await startTurnServer({ realm: 'x' }); } catch (err) { badOptions = err instanceof TurnpikeError ? err.code : String(err); }
await server.close();
console.log(JSON.stringify({
  allocated: allocated.ok,
  allowed: allowed.ok,
  denied: denied.ok ? 0 : denied.code,
  refused: refused.ok ? 0 : refused.code,
  asked,
  badOptions,
  codec: typeof decodeMessage === 'function' && Method.Allocate === 3,
}));
process.exit(0);
`;

/** Type-checks a consumer of the installed package's declarations. */
const TYPED_PROGRAM = `
import { startTurnServer, attachSfu, decodeMessage, type AuthHandler, type TurnServer } from 'turnpike';
import { encodeMessage } from 'turnpike/stun';
const auth: AuthHandler = async (username, realm, source) => (source.ip === '127.0.0.1' ? username + realm : undefined);
const server: Promise<TurnServer> = startTurnServer({ realm: 'r', authHandler: auth, permissionHandler: (_s, peer) => peer.port > 1024 });
void server; void attachSfu; void decodeMessage; void encodeMessage;
`;

test('npm pack, an offline install, and the installed CLI and library', { timeout: 180_000 }, async (t) => {
  if (run('npm', ['--version'], ROOT).status !== 0) return t.skip('npm is not available: the package cannot be packed here');
  const tmp = mkdtempSync(join(tmpdir(), 'turnpike-pack-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));

  const packed = run('npm', ['pack', '--json', '--pack-destination', tmp], ROOT, 120_000);
  assert.equal(packed.status, 0, `npm pack failed:\n${packed.stdout}\n${packed.stderr}`);
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const shipped = info[0].files.map((f) => f.path);
  for (const f of ['bin/turnpike.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/stun/index.d.ts', 'native/src/addon.c', 'scripts/build-native.mjs', 'public/trickle-ice/index.html', 'public/demo/index.html', 'docs/library.md', 'README.md']) {
    assert.ok(shipped.includes(f), `the package lacks ${f}`);
  }
  assert.ok(!shipped.some((f) => f.startsWith('test/') || f.startsWith('src/')), 'the package ships tests or TypeScript sources');

  const prefix = join(tmp, 'prefix');
  run('mkdir', ['-p', prefix], tmp);
  writePrefix(prefix, join(tmp, info[0].filename));
  // npm_config_offline reaches the npm that the `node` package's install script runs, too.
  const installed = run('npm', ['install', '--offline', '--no-audit', '--no-fund'], prefix, 120_000, { ...process.env, npm_config_offline: 'true' });
  if (installed.status !== 0 && /ENOTCACHED/.test(installed.stderr)) {
    return t.skip(`npm's cache lacks a dependency and the install may not use the network: ${installed.stderr.split('\n').find((l) => l.includes('ENOTCACHED') || l.includes('request to')) ?? ''}`);
  }
  assert.equal(installed.status, 0, `npm install failed:\n${installed.stdout}\n${installed.stderr}`);

  const turnpike = join(prefix, 'node_modules', '.bin', 'turnpike');
  const help = run(turnpike, ['--help'], prefix);
  assert.equal(help.status, 0, `turnpike --help: ${help.stderr}`);
  assert.match(help.stdout, /Usage: turnpike <command>/);
  assert.doesNotMatch(help.stderr, /TYPE_STRIPPING/);

  const port = await freeUdpPort();
  const server = await launch(
    { command: turnpike, args: ['turnserver', '--listening-ip', '127.0.0.1', '--listening-port', String(port), '--stun-only', '--no-tcp', '--no-tls', '--no-dtls'] },
    answersBinding(port),
  );
  await server.stop();

  const programPath = join(prefix, 'embed.mjs');
  const client = pathToFileURL(join(ROOT, 'src/client/turn-client.ts')).href;
  const connection = pathToFileURL(join(ROOT, 'src/client/server-connection.ts')).href;
  writeFileSync(programPath, LIBRARY_PROGRAM(client, connection));
  const embedded = run(process.execPath, ['--no-warnings', programPath], prefix);
  assert.equal(embedded.status, 0, `the library program failed:\n${embedded.stdout}\n${embedded.stderr}`);
  const result = JSON.parse(embedded.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.deepEqual(result, {
    allocated: true,
    allowed: true,
    denied: 403,
    refused: 401,
    asked: [
      { username: 'alice', realm: 'example.org', ip: '127.0.0.1' },
      { username: 'mallory', realm: 'example.org', ip: '127.0.0.1' },
    ],
    badOptions: 'TURNPIKE_ERR_CONFIG_INVALID',
    codec: true,
  });

  writeFileSync(join(prefix, 'typed.ts'), TYPED_PROGRAM);
  writeFileSync(join(prefix, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'esnext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] }, files: ['typed.ts'] }));
  const tsc = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', prefix], prefix);
  assert.equal(tsc.status, 0, `the declarations do not type-check in a consumer:\n${tsc.stdout}\n${tsc.stderr}`);
});
