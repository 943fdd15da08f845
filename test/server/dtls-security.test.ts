/**
 * The DTLS listener's defences (src/server/dtls-server.ts; docs/security.md "DTLS"), over real
 * sockets with real ClientHellos (captured from `openssl s_client -dtls1_2`):
 *
 * - a ClientHello without a cookie, from a source that never answers (as a spoofed one), gets a
 *   HelloVerifyRequest only, smaller than the hello, and leaves no state (RFC 6347 §4.2.1);
 * - the same hello echoing the cookie starts a handshake (one half-open session), and the
 *   server's flight to it is measured against the hello (the amplification factor, in bytes);
 * - half-open handshakes from one source IP are capped;
 * - garbage in the DTLS range of first bytes is counted, and the server keeps answering.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeUdpTcpPort } from '../../harness/ports.ts';
import { encodeMessage } from '../../src/stun/index.ts';
import { MessageClass, Method } from '../../src/stun/types.ts';
import { dropsOf, dropsSince, eventually, HOST, startServer, type TestServer } from './wire.ts';
import { captureClientHello, closeOpened, cookieOf, endsFlight, opensslMissing, socketOn, withCookie } from './dtls-wire.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));

const sum = (ds: Buffer[]): number => ds.reduce((n, d) => n + d.length, 0);

describe('DTLS listener defences', { skip: opensslMissing }, () => {
  let t: TestServer;
  let hello: Buffer;
  before(async () => {
    const tlsPort = await freeUdpTcpPort();
    t = await startServer(['--tls-listening-port', String(tlsPort), '--cert', fixture('localhost-cert.pem'), '--pkey', fixture('localhost-key.pem')]);
    hello = await captureClientHello();
  });
  after(async () => {
    closeOpened();
    await t?.server.close();
  });

  it('a ClientHello without a cookie gets a HelloVerifyRequest only, smaller than itself, and no state', async () => {
    const { socket, got } = await socketOn('127.0.0.2');
    socket.send(hello, t.port, HOST);
    const hvr = await eventually('a HelloVerifyRequest', () => got[0]);
    assert.equal(cookieOf(hvr).length, 32);
    const stats = t.server.dtls!.stats();
    assert.equal(stats.halfOpen, 0);
    assert.equal(stats.established, 0);
    assert.ok(stats.helloVerifySent >= 1);
    const factor = hvr.length / hello.length;
    process.stdout.write(`# no cookie: ClientHello ${hello.length} B in, HelloVerifyRequest ${hvr.length} B out, factor ${factor.toFixed(2)}\n`);
    assert.ok(factor < 1, `amplification ${factor}`);
    socket.close();
  });

  it('echoing the cookie starts one half-open handshake; the flight is a bounded multiple of the hello', async () => {
    const { socket, got } = await socketOn('127.0.0.4');
    socket.send(hello, t.port, HOST);
    const cookie = cookieOf(await eventually('a HelloVerifyRequest', () => got[0]));
    const second = withCookie(hello, cookie);
    got.length = 0;
    socket.send(second, t.port, HOST);
    await eventually('the server flight', () => (got.some(endsFlight) ? true : undefined));
    assert.equal(t.server.dtls!.stats().halfOpen, 1);
    const factor = sum(got) / second.length;
    process.stdout.write(`# valid cookie: ClientHello ${second.length} B in, ${got.length} datagrams ${sum(got)} B out, factor ${factor.toFixed(2)}\n`);
    assert.ok(factor < 6, `amplification ${factor}`);
    // The cookie is bound to the address and port: from another port it only earns a new one.
    const other = await socketOn('127.0.0.4');
    try {
      other.socket.send(second, t.port, HOST);
      const again = await eventually('a new HelloVerifyRequest', () => other.got[0]);
      assert.notDeepEqual(cookieOf(again), cookie);
      assert.equal(t.server.dtls!.stats().halfOpen, 1);
    } finally {
      socket.close();
      other.socket.close();
    }
  });

  it('half-open handshakes from one source IP are capped (16)', async () => {
    const sockets = await Promise.all(Array.from({ length: 17 }, () => socketOn('127.0.0.3')));
    const before = dropsOf(t.server);
    const start = t.server.dtls!.stats().halfOpen;
    for (const [i, s] of sockets.entries()) {
      s.socket.send(hello, t.port, HOST);
      if (i === 16) break;
      const cookie = cookieOf(await eventually('a HelloVerifyRequest', () => s.got[0]));
      s.socket.send(withCookie(hello, cookie), t.port, HOST);
      await eventually('the half-open session', () => (t.server.dtls!.stats().halfOpen === start + i + 1 ? true : undefined));
    }
    await eventually('the 17th refused', () => (dropsSince(t.server, before, 'dtls-half-open-per-ip-limit') === 1 ? true : undefined));
    assert.equal(t.server.dtls!.stats().halfOpen, start + 16);
    assert.equal(sockets[16].got.length, 0);
    for (const s of sockets) s.socket.close();
  });

  it('garbage in the DTLS range is counted, and STUN is still answered', async () => {
    const { socket, got } = await socketOn(HOST);
    const before = dropsOf(t.server);
    const appData = Buffer.from([23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4]);
    const garbage = [Buffer.from([22, 1, 2]), Buffer.from([0x30, 0xfe, 0xfd, ...new Array(30).fill(0)]), Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1])];
    for (const g of [...garbage, appData]) socket.send(g, t.port, HOST);
    await eventually('the garbage counted', () => (dropsSince(t.server, before, 'dtls-malformed') === 3 && dropsSince(t.server, before, 'dtls-no-session') === 1 ? true : undefined));
    socket.send(encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: new Uint8Array(12).fill(1), attributes: [] }), t.port, HOST);
    const answer = await eventually('a Binding answer', () => got[0]);
    assert.equal(answer.readUInt16BE(0), 0x0101);
    assert.equal(got.length, 1, 'nothing answered the garbage');
    socket.close();
  });
});
