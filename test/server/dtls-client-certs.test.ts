/**
 * `CA-file` with DTLS, as coturn: a client must present a certificate that chains to one of
 * the file's (OpenSSL's SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT). Without one the
 * handshake fails and is counted; with one the session carries STUN.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeUdpTcpPort } from '../../harness/ports.ts';
import { MessageClass, Method } from '../../src/stun/types.ts';
import { dropsOf, dropsSince, eventually, startServer, type TestServer } from './wire.ts';
import { opensslMissing, SClientTurnClient } from './dtls-wire.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));

describe('DTLS with CA-file: client certificates', { skip: opensslMissing }, () => {
  let t: TestServer;
  const clients: SClientTurnClient[] = [];
  before(async () => {
    const tlsPort = await freeUdpTcpPort();
    const cert = fixture('localhost-cert.pem');
    t = await startServer(['--tls-listening-port', String(tlsPort), '--cert', cert, '--pkey', fixture('localhost-key.pem'), '--CA-file', cert]);
  });
  after(async () => {
    for (const c of clients) c.kill();
    await t?.server.close();
  });

  it('a client without a certificate fails its handshake, counted', async () => {
    const before = dropsOf(t.server);
    const c = new SClientTurnClient(t.port);
    clients.push(c);
    assert.notEqual(await c.exited, 0);
    await eventually('the failure counted', () => (dropsSince(t.server, before, 'dtls-handshake-failed') >= 1 ? true : undefined));
    assert.equal(t.server.dtls!.stats().halfOpen, 0);
  });

  it('a client with a certificate signed by the CA file gets its Binding answered', async () => {
    const c = new SClientTurnClient(t.port, ['-cert', fixture('localhost-cert.pem'), '-key', fixture('localhost-key.pem')]);
    clients.push(c);
    assert.equal((await c.request(Method.Binding)).class, MessageClass.SuccessResponse);
  });
});
