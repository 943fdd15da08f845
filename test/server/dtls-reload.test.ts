/**
 * SIGUSR2 / reload with DTLS: the certificate files are read again and new DTLS sessions get
 * the new certificate (as new TLS connections do); a certificate that cannot be used changes
 * nothing and the server goes on with the old one.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freeUdpTcpPort } from '../../harness/ports.ts';
import { HOST, startServer, type TestServer } from './wire.ts';
import { opensslMissing } from './dtls-wire.ts';

/** The subject of the certificate a DTLS handshake to `port` shows. */
function peerSubject(port: number): Promise<string> {
  const child = spawn('openssl', ['s_client', '-dtls', '-brief', '-connect', `${HOST}:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  return new Promise((resolve, reject) => {
    const look = (c: Buffer): void => {
      text += c.toString();
      const m = /Peer certificate: (.*)\n/.exec(text);
      if (m) {
        child.kill();
        resolve(m[1].trim());
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', () => reject(new Error(`no peer certificate: ${text}`)));
  });
}

function makeCert(dir: string, cn: string): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${cn}`,
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
}

describe('DTLS certificates reloaded', { skip: opensslMissing }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-dtls-reload-'));
  let t: TestServer;
  before(async () => {
    makeCert(dir, 'first.example');
    t = await startServer(['--tls-listening-port', String(await freeUdpTcpPort()), '--cert', path.join(dir, 'cert.pem'), '--pkey', path.join(dir, 'key.pem')]);
  });
  after(async () => {
    await t?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('new sessions get the new certificate; an unusable one changes nothing', async () => {
    assert.equal(await peerSubject(t.port), 'CN = first.example');
    makeCert(dir, 'second.example');
    t.server.reloadCertificates();
    assert.equal(await peerSubject(t.port), 'CN = second.example');
    writeFileSync(path.join(dir, 'key.pem'), 'not a key\n');
    assert.throws(() => t.server.reloadCertificates(), /pkey|key/i);
    assert.equal(await peerSubject(t.port), 'CN = second.example');
  });
});
