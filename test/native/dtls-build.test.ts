/**
 * How the native addon carries DTLS (native/src/dtls*.c, scripts/build-native.mjs):
 *
 * - the strict build links no OpenSSL of its own (no libssl/libcrypto in its NEEDED entries):
 *   the OpenSSL symbols resolve against the node binary, so one OpenSSL is in the process;
 * - built without OpenSSL's headers (`--no-dtls`, as without libssl-dev), the addon still
 *   builds and loads, and a server whose config asks for DTLS says DTLS is unavailable and
 *   why (install libssl-dev, rebuild) — and still serves STUN on its UDP port.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { addonPath } from '../../src/dataplane/native/addon.ts';
import { startTurnServer } from '../../src/server/turn-server.ts';
import { captureLogger } from '../helpers/capture-logger.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string): string => path.join(root, 'test', 'http', 'fixtures', name);
const noCompiler = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'no C compiler';

describe('the native addon and DTLS', { skip: process.platform !== 'linux' || noCompiler }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-nodtls-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('links no OpenSSL of its own: the symbols come from node', { skip: spawnSync('readelf', ['--version']).status !== 0 && 'no readelf' }, () => {
    const needed = execFileSync('readelf', ['-d', addonPath()], { encoding: 'utf8' });
    assert.doesNotMatch(needed, /libssl|libcrypto/);
  });

  it('built without OpenSSL headers, it loads, and a server asking for DTLS says why there is none', async () => {
    execFileSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs'), '--strict', '--no-dtls', `--out=${dir}`, '--quiet']);
    process.env.TURNPIKE_NATIVE_ADDON = path.join(dir, 'turnpike_dataplane.node');
    const port = await freeUdpTcpPort();
    const tlsPort = await freeUdpTcpPort();
    const range = await freeRange(4);
    const { config } = loadTurnserverConfig([
      '-n', '--listening-ip', '127.0.0.1', '--listening-port', String(port), '--tls-listening-port', String(tlsPort),
      '--min-port', String(range.min), '--max-port', String(range.max), '--lt-cred-mech', '--user', 'alice:secret', '--realm', 'example.org', '--cert', fixture('localhost-cert.pem'), '--pkey', fixture('localhost-key.pem'),
    ]);
    const logger = captureLogger();
    const server = await startTurnServer(config, { logger });
    try {
      const said = logger.events.find((e) => e.event === 'dtls-unavailable');
      assert.ok(said, 'dtls-unavailable logged');
      assert.equal(said.level, 'warn');
      assert.match(String(said.fields.reason), /libssl-dev/);
      assert.equal(server.dtls, undefined);
      // No DTLS listener on UDP tls-listening-port; the plain port is there.
      assert.ok(server.listeners.some((l) => l.protocol === 'udp' && l.port === port));
      assert.ok(!server.listeners.some((l) => l.protocol === 'udp' && l.port === tlsPort));
    } finally {
      await server.close();
      delete process.env.TURNPIKE_NATIVE_ADDON;
    }
  });
});
