/**
 * Reload without dropping anyone: a `turnutils_uclient` run spans a SIGHUP that adds a user
 * and replaces the certificate, and loses nothing; the new user allocates at once; a new TLS
 * connection sees the new certificate; SIGUSR2 reloads certificates alone. A configuration
 * with an error is refused with its file:line, and the running one stays; an option that
 * needs a restart is named and left.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { launchTurnServer, runCoturn, type Launched } from '../../harness/servers.ts';
import { eventually } from '../server/wire.ts';
import { startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

/** A self-signed certificate for 127.0.0.1 with `cn`, written to `dir`. */
function makeCertificate(dir: string, cn: string): { cert: string; key: string } {
  const cert = join(dir, `${cn}.crt`);
  const key = join(dir, `${cn}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

/** The CN of the certificate a new TLS connection to `port` is shown. */
function servedCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      resolve(new X509Certificate(raw!.raw).subject.replace(/^CN=/, ''));
    });
    socket.on('error', reject);
  });
}

describe('SIGHUP and SIGUSR2 reload turnpike turnserver', { skip: turnutilsMissing || undefined }, () => {
  let dir: string;
  let server: Launched;
  let peer: Launched;
  let tlsPort: number;
  let lines: string[];
  const conf = (): string => join(dir, 'turnserver.conf');
  const write = (extra: string[] = []): void => writeFileSync(conf(), [...lines, ...extra, ''].join('\n'));
  const signal = async (sig: NodeJS.Signals, needle: string): Promise<string> => {
    const before = server.output().length;
    process.kill(server.pid, sig);
    return eventually(`'${needle}' in the server's log`, () => {
      const fresh = server.output().slice(before);
      return fresh.includes(needle) ? fresh : undefined;
    });
  };
  const uclient = (user: string, password: string, n = 20) =>
    runCoturn('uclient', ['-u', user, '-w', password, '-e', '127.0.0.1', '-r', String(peer.port), '-m', '2', '-n', String(n), '-l', '120', '-z', '20', '-p', String(server.port), '127.0.0.1'], 60_000);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'turnpike-reload-'));
    const a = makeCertificate(dir, 'first');
    writeFileSync(join(dir, 'server.crt'), a.cert);
    writeFileSync(join(dir, 'server.key'), a.key);
    const port = await freeUdpTcpPort();
    tlsPort = await freeTcpPort();
    const { min, max } = await freeRange(60);
    lines = [
      'listening-ip=127.0.0.1', `listening-port=${port}`, `tls-listening-port=${tlsPort}`, 'relay-ip=127.0.0.1',
      `min-port=${min}`, `max-port=${max}`, 'allow-loopback-peers', 'rfc5766-channel-numbers', 'no-dtls',
      'lt-cred-mech', 'realm=demo', 'user=ling:ling1234',
      `cert=${join(dir, 'server.crt')}`, `pkey=${join(dir, 'server.key')}`, 'log-file=stdout',
    ];
    write();
    server = await launchTurnServer('turnpike', ['-c', conf()], { port, keep: 100_000 });
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a run spans a reload that adds a user and replaces the certificate, and loses nothing', async () => {
    assert.equal(await servedCommonName(tlsPort), 'first');
    assert.notEqual((await uclient('newbie', 'fresh')).code, 0, 'not a user yet');
    const run = uclient('ling', 'ling1234', 300);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const b = makeCertificate(dir, 'second');
    writeFileSync(join(dir, 'server.crt'), b.cert);
    writeFileSync(join(dir, 'server.key'), b.key);
    write(['user=newbie:fresh']);
    const logged = await signal('SIGHUP', 'reloaded');
    assert.match(logged, /applied=user\b/);
    assertRelayed(await run, 600, server.output);
    assertRelayed(await uclient('newbie', 'fresh'), 40, server.output);
    assert.equal(await servedCommonName(tlsPort), 'second', 'a new TLS connection sees the new certificate');
  });

  test('SIGUSR2 reloads the certificate alone', async () => {
    const c = makeCertificate(dir, 'third');
    writeFileSync(join(dir, 'server.crt'), c.cert);
    writeFileSync(join(dir, 'server.key'), c.key);
    await signal('SIGUSR2', 'reload-certificates');
    assert.equal(await servedCommonName(tlsPort), 'third');
  });

  test('a configuration with an error is refused with its file:line, and the running one stays', async () => {
    write(['user=newbie:fresh', 'min-port=abc']);
    const logged = await signal('SIGHUP', 'reload-refused');
    assert.match(logged, new RegExp(`${conf().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${lines.length + 2}: option 'min-port'`));
    assertRelayed(await uclient('newbie', 'fresh'), 40, server.output);
  });

  test('options that need a restart are named and left alone; users removed are refused', async () => {
    const changed = lines.map((l) => (l.startsWith('listening-port=') ? 'listening-port=1' : l));
    writeFileSync(conf(), [...changed, ''].join('\n'));
    const logged = await signal('SIGHUP', 'reloaded');
    assert.match(logged, /needs-restart=listening-port/);
    assert.match(logged, /applied=user\b/, 'newbie is gone');
    assert.notEqual((await uclient('newbie', 'fresh')).code, 0, 'a removed user is refused');
    assertRelayed(await uclient('ling', 'ling1234'), 40, server.output);
  });
});
