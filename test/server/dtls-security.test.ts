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
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeUdpTcpPort } from '../../harness/ports.ts';
import { encodeMessage } from '../../src/stun/index.ts';
import { MessageClass, Method } from '../../src/stun/types.ts';
import { dropsOf, dropsSince, eventually, HOST, startServer, type TestServer } from './wire.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));
const missing = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0 ? false : 'the openssl command is not installed';

/** A UDP socket on `ip` that collects what it receives. */
async function socketOn(ip: string): Promise<{ socket: dgram.Socket; got: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, ip, resolve));
  return { socket, got };
}

/** The first datagram `openssl s_client -dtls1_2` sends: a ClientHello without a cookie. */
async function captureClientHello(): Promise<Buffer> {
  const { socket, got } = await socketOn(HOST);
  const child = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `${HOST}:${socket.address().port}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    return await eventually('a ClientHello', () => got[0]);
  } finally {
    child.kill();
    socket.close();
  }
}

/**
 * The hello again, echoing `cookie` (RFC 6347 §4.2.1): the cookie replaces the empty one
 * after client_version, random and session_id; lengths, message_seq and sequence grow.
 */
function withCookie(hello: Buffer, cookie: Buffer): Buffer {
  const body = hello.subarray(25);
  const cookieAt = 34 + 1 + body[34];
  const rest = body.subarray(cookieAt + 1 + body[cookieAt]);
  const nextBody = Buffer.concat([body.subarray(0, cookieAt), Buffer.from([cookie.length]), cookie, rest]);
  const head = Buffer.from(hello.subarray(0, 25));
  head.writeUIntBE(1, 5, 6); // record sequence number
  head.writeUInt16BE(12 + nextBody.length, 11); // record length
  head.writeUIntBE(nextBody.length, 14, 3); // handshake length
  head.writeUInt16BE(1, 17); // message_seq
  head.writeUIntBE(nextBody.length, 22, 3); // fragment_length
  return Buffer.concat([head, nextBody]);
}

/** The cookie of a HelloVerifyRequest (RFC 6347 §4.2.1: server_version, then the cookie). */
function cookieOf(hvr: Buffer): Buffer {
  assert.equal(hvr[0], 22);
  assert.equal(hvr[13], 3, 'a HelloVerifyRequest');
  return hvr.subarray(28, 28 + hvr[27]);
}

/** Whether a datagram holds a ServerHelloDone (handshake type 14), the end of the server's first flight. */
function endsFlight(d: Buffer): boolean {
  for (let o = 0; o + 13 <= d.length; o += 13 + d.readUInt16BE(o + 11)) if (d[o] === 22 && d[o + 13] === 14) return true;
  return false;
}

const sum = (ds: Buffer[]): number => ds.reduce((n, d) => n + d.length, 0);

describe('DTLS listener defences', { skip: missing }, () => {
  let t: TestServer;
  let hello: Buffer;
  before(async () => {
    const tlsPort = await freeUdpTcpPort();
    t = await startServer(['--tls-listening-port', String(tlsPort), '--cert', fixture('localhost-cert.pem'), '--pkey', fixture('localhost-key.pem')]);
    hello = await captureClientHello();
  });
  after(async () => {
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
    const second = withCookie(hello, cookieOf(await eventually('a HelloVerifyRequest', () => got[0])));
    got.length = 0;
    socket.send(second, t.port, HOST);
    await eventually('the server flight', () => (got.some(endsFlight) ? true : undefined));
    assert.equal(t.server.dtls!.stats().halfOpen, 1);
    const factor = sum(got) / second.length;
    process.stdout.write(`# valid cookie: ClientHello ${second.length} B in, ${got.length} datagrams ${sum(got)} B out, factor ${factor.toFixed(2)}\n`);
    assert.ok(factor < 6, `amplification ${factor}`);
    // The cookie is bound to the address and port: from another port it is refused.
    const other = await socketOn('127.0.0.4');
    const before = dropsOf(t.server);
    other.socket.send(second, t.port, HOST);
    await eventually('the refusal counted', () => (dropsSince(t.server, before, 'dtls-cookie-refused') === 1 ? true : undefined));
    assert.equal(t.server.dtls!.stats().halfOpen, 1);
    socket.close();
    other.socket.close();
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
