/**
 * The native DTLS-SRTP endpoints (native/src/sfu/dtls-srtp*.c; RFC 5763, RFC 5764): two
 * connections of the addon wired together in process (handshake, fingerprint check, SRTP keys,
 * application data both ways, a lost flight retransmitted, garbage, close_notify), and each role
 * against the `openssl` command over UDP on loopback, whose exported keying material must be
 * ours. Skipped when the addon or its OpenSSL part is missing, or (the interop part) when the
 * openssl command is.
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keyingMaterial, loadDtlsSrtp, openssl, until, Wire, type CertHandle, type ConnHandle, type DtlsSrtpAddon, type Result, type Srtp } from './dtls-srtp-wire.ts';

const loaded = loadDtlsSrtp();
const skip = typeof loaded === 'string' ? loaded : false;
const opensslMissing = skip || (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0 ? false : 'the openssl command is not installed');
const HOST = '127.0.0.1';

function addon(): DtlsSrtpAddon {
  assert.ok(typeof loaded !== 'string');
  return loaded;
}

/** One side of an in-process pair: its handle and everything its calls returned. */
interface Side {
  conn: ConnHandle;
  results: Result[];
  app: Buffer[];
}

function side(conn: ConnHandle): Side {
  return { conn, results: [], app: [] };
}

function record(s: Side, r: Result): Buffer[] {
  s.results.push(r);
  s.app.push(...r.app);
  return r.out;
}

const last = (s: Side): Result => s.results.at(-1) ?? { out: [], app: [], state: 'new' };
const keysOf = (s: Side): Srtp | undefined => s.results.find((r) => r.srtp)?.srtp;

/** Moves datagrams both ways until none is left; `drop` may lose some (true: dropped). */
function pump(a: Side, b: Side, toB: Buffer[], toA: Buffer[] = [], drop: (d: Buffer, to: Side) => boolean = () => false): void {
  for (let round = 0; round < 50 && (toA.length || toB.length); round++) {
    const nextA: Buffer[] = [];
    const nextB: Buffer[] = [];
    for (const d of toB) if (!drop(d, b)) nextA.push(...record(b, addon().dtlsSrtpFeed(b.conn, d)));
    for (const d of toA) if (!drop(d, a)) nextB.push(...record(a, addon().dtlsSrtpFeed(a.conn, d)));
    toA = nextA;
    toB = nextB;
  }
}

/** A client and a server with fresh certificates, each expecting the other's fingerprint unless told otherwise. */
function pair(fingerprints: { client?: (fp: string) => string; server?: (fp: string) => string } = {}): { client: Side; server: Side } {
  const a = addon();
  const cc = a.dtlsSrtpCertificate();
  const sc = a.dtlsSrtpCertificate();
  const client = side(a.dtlsSrtpConnection(cc.handle, 'client', (fingerprints.client ?? ((f) => f))(sc.fingerprint)));
  const server = side(a.dtlsSrtpConnection(sc.handle, 'server', (fingerprints.server ?? ((f) => f))(cc.fingerprint)));
  return { client, server };
}

function handshake(client: Side, server: Side): void {
  record(server, addon().dtlsSrtpStart(server.conn));
  pump(client, server, record(client, addon().dtlsSrtpStart(client.conn)));
}

/** Sends `data` from `from` to `to` and returns what `to` read. */
function send(from: Side, to: Side, data: Buffer): Buffer[] {
  const got: Buffer[] = [];
  for (const d of record(from, addon().dtlsSrtpWrite(from.conn, data))) {
    const r = addon().dtlsSrtpFeed(to.conn, d);
    record(to, r);
    got.push(...r.app);
  }
  return got;
}

/** A fingerprint with its last byte changed. */
function wrong(fp: string): string {
  const last2 = fp.slice(-2);
  return fp.slice(0, -2) + (last2 === '00' ? '01' : '00');
}

describe('DTLS-SRTP endpoints, in process', { skip }, () => {
  it('makes a self-signed certificate and gives its SHA-256 fingerprint as SDP writes it', () => {
    const a = addon().dtlsSrtpCertificate();
    const b = addon().dtlsSrtpCertificate();
    assert.match(a.fingerprint, /^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.notEqual(a.fingerprint, b.fingerprint);
  });

  it('connects a client and a server, and both hold the same SRTP keys, crosswise (RFC 5764 §4.2)', () => {
    const before = addon().dtlsSrtpCounters();
    const { client, server } = pair();
    handshake(client, server);
    assert.equal(last(client).state, 'connected');
    assert.equal(last(server).state, 'connected');
    const ck = keysOf(client);
    const sk = keysOf(server);
    assert.ok(ck && sk);
    assert.equal(client.results.filter((r) => r.srtp).length, 1, 'the keys come once');
    // SRTP_AEAD_AES_128_GCM is first in both lists (RFC 7714 §14.2).
    assert.equal(ck.profile, 7);
    assert.equal(sk.profile, 7);
    assert.equal(ck.localKey.length, 16);
    assert.equal(ck.localSalt.length, 12);
    assert.deepEqual(ck.localKey, sk.remoteKey);
    assert.deepEqual(ck.localSalt, sk.remoteSalt);
    assert.deepEqual(ck.remoteKey, sk.localKey);
    assert.deepEqual(ck.remoteSalt, sk.localSalt);
    assert.notDeepEqual(ck.localKey, ck.remoteKey);
    assert.equal(addon().dtlsSrtpTimeout(client.conn), -1);
    assert.ok(addon().dtlsSrtpCounters().handshakes >= before.handshakes + 2);
  });

  it('carries application data both ways (SCTP-sized records and one of 16 KiB)', () => {
    const { client, server } = pair();
    handshake(client, server);
    for (const size of [1, 100, 1100, 1100, 16384]) {
      const data = randomBytes(size);
      assert.deepEqual(Buffer.concat(send(client, server, data)), data, `client → server, ${size} bytes`);
      const back = randomBytes(size);
      assert.deepEqual(Buffer.concat(send(server, client, back)), back, `server → client, ${size} bytes`);
    }
  });

  it('fails the client when the server certificate is not the one in the SDP, and keys neither side', () => {
    const before = addon().dtlsSrtpCounters();
    const { client, server } = pair({ client: wrong });
    handshake(client, server);
    assert.equal(last(client).state, 'failed');
    assert.match(last(client).error ?? '', /fingerprint/);
    assert.equal(keysOf(client), undefined);
    // The client's bad_certificate alert ends the server's handshake too.
    assert.equal(last(server).state, 'failed');
    assert.match(last(server).error ?? '', /certificate/i);
    assert.equal(keysOf(server), undefined);
    assert.ok(addon().dtlsSrtpCounters().failures >= before.failures + 1);
  });

  it('fails the server when the client certificate is not the one in the SDP', () => {
    const { client, server } = pair({ server: wrong });
    handshake(client, server);
    assert.equal(last(server).state, 'failed');
    assert.match(last(server).error ?? '', /fingerprint/);
    assert.equal(keysOf(server), undefined);
    assert.notEqual(last(client).state, 'connected');
    assert.equal(keysOf(client), undefined);
  });

  it('retransmits a lost flight when its timer runs out (RFC 6347 §4.2.4)', async () => {
    const { client, server } = pair();
    record(server, addon().dtlsSrtpStart(server.conn));
    const hello = record(client, addon().dtlsSrtpStart(client.conn));
    assert.ok(hello.length > 0);
    // The ClientHello is lost.
    const wait = addon().dtlsSrtpTimeout(client.conn);
    assert.ok(wait > 0, `a timer runs (${wait})`);
    let again: Buffer[] = [];
    while (again.length === 0) {
      await new Promise((r) => setTimeout(r, Math.max(addon().dtlsSrtpTimeout(client.conn), 0) + 5));
      again = record(client, addon().dtlsSrtpHandleTimeout(client.conn));
    }
    pump(client, server, again);
    assert.equal(last(client).state, 'connected');
    assert.equal(last(server).state, 'connected');
    assert.deepEqual(keysOf(client)?.localKey, keysOf(server)?.remoteKey);
  });

  it("retransmits when the server's last flight is lost: the client's timer, then the server answers", async () => {
    const { client, server } = pair();
    record(server, addon().dtlsSrtpStart(server.conn));
    // The flight that completes the server (ChangeCipherSpec, Finished) never reaches the client.
    pump(client, server, record(client, addon().dtlsSrtpStart(client.conn)), [], (_d, to) => to === client && last(server).state === 'connected');
    assert.equal(last(server).state, 'connected');
    assert.equal(last(client).state, 'handshaking');
    let again: Buffer[] = [];
    while (again.length === 0) {
      const wait = addon().dtlsSrtpTimeout(client.conn);
      assert.ok(wait >= 0, 'the client has a timer running');
      await new Promise((r) => setTimeout(r, wait + 5));
      again = record(client, addon().dtlsSrtpHandleTimeout(client.conn));
    }
    pump(client, server, again);
    assert.equal(last(client).state, 'connected');
    assert.deepEqual(keysOf(client)?.localKey, keysOf(server)?.remoteKey);
  });

  it('drops garbage fed to a connected connection and stays connected', () => {
    const { client, server } = pair();
    handshake(client, server);
    const before = addon().dtlsSrtpCounters();
    const header = (type: number, epoch: number, body: Buffer): Buffer =>
      Buffer.concat([Buffer.from([type, 0xfe, 0xfd, epoch >> 8, epoch & 0xff, 0, 0, 0, 0, 0x7f, 0xff, body.length >> 8, body.length & 0xff]), body]);
    const junk = [
      Buffer.alloc(0),
      Buffer.from('not dtls at all'),
      randomBytes(200),
      header(23, 1, randomBytes(64)), // well formed, fails authentication
      header(22, 0, randomBytes(40)), // a stale epoch
      header(21, 0, Buffer.from([2, 40])), // an unauthenticated fatal alert
      header(23, 1, randomBytes(10)).subarray(0, 18), // truncated
    ];
    for (const d of junk) {
      const r = addon().dtlsSrtpFeed(server.conn, d);
      assert.equal(r.state, 'connected');
      assert.equal(r.app.length, 0);
    }
    assert.ok(addon().dtlsSrtpCounters().badRecords >= before.badRecords + 3);
    const data = randomBytes(300);
    assert.deepEqual(Buffer.concat(send(client, server, data)), data);
  });

  it('sends close_notify on close, and the peer closes too', () => {
    const { client, server } = pair();
    handshake(client, server);
    const closing = addon().dtlsSrtpClose(client.conn);
    assert.equal(closing.state, 'closed');
    assert.ok(closing.out.length > 0);
    const r = addon().dtlsSrtpFeed(server.conn, closing.out[0]);
    assert.equal(r.state, 'closed');
    assert.equal(addon().dtlsSrtpWrite(server.conn, Buffer.from('late')).out.length, 0);
    assert.equal(addon().dtlsSrtpTimeout(server.conn), -1);
  });

  it('throws TypeError for bad arguments', () => {
    const a = addon();
    const cert = a.dtlsSrtpCertificate();
    const conn = a.dtlsSrtpConnection(cert.handle, 'server', cert.fingerprint);
    assert.throws(() => a.dtlsSrtpConnection(cert.handle, 'peer' as 'client', cert.fingerprint), TypeError);
    assert.throws(() => a.dtlsSrtpConnection(cert.handle, 'client', 'sha-256 AB:CD'), TypeError);
    assert.throws(() => a.dtlsSrtpConnection(cert.handle, 'client', 'md5 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89'), TypeError);
    assert.throws(() => a.dtlsSrtpConnection(conn as unknown as CertHandle, 'client', cert.fingerprint), TypeError);
    assert.throws(() => a.dtlsSrtpFeed(cert.handle as unknown as ConnHandle, Buffer.alloc(13)), TypeError);
    assert.throws(() => a.dtlsSrtpFeed(conn, 'text' as unknown as Buffer), TypeError);
    assert.throws(() => a.dtlsSrtpWrite(conn, Buffer.alloc(16385)), TypeError);
    assert.throws(() => a.dtlsSrtpStart({} as ConnHandle), TypeError);
    // sha-1, sha-384 and sha-512 fingerprints are taken too (RFC 8122 §5).
    for (const [name, bytes] of [['sha-1', 20], ['SHA-384', 48], ['sha-512', 64]] as const) {
      const fp = `${name} ${Array.from(randomBytes(bytes), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;
      assert.doesNotThrow(() => a.dtlsSrtpConnection(cert.handle, 'client', fp));
    }
  });
});

describe('DTLS-SRTP endpoints against the openssl command', { skip: opensslMissing }, () => {
  let dir = '';
  const children: ChildProcessWithoutNullStreams[] = [];
  const wires: Wire[] = [];
  const srtpArgs = ['-dtls1_2', '-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', '60'];

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'turnpike-dtls-srtp-'));
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=openssl-peer'], { stdio: 'ignore' });
    assert.equal(r.status, 0, 'openssl req made a certificate');
  });

  after(() => {
    for (const c of children) c.kill('SIGKILL');
    for (const w of wires) w.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function peerCert(): X509Certificate {
    return new X509Certificate(spawnSync('openssl', ['x509', '-in', path.join(dir, 'cert.pem')]).stdout);
  }

  it('our client against openssl s_server: the same SRTP keying material, data both ways', async () => {
    const cert = addon().dtlsSrtpCertificate();
    const conn = addon().dtlsSrtpConnection(cert.handle, 'client', `sha-256 ${peerCert().fingerprint256}`);
    const server = openssl(['s_server', ...srtpArgs, '-cert', path.join(dir, 'cert.pem'), '-key', path.join(dir, 'key.pem'), '-accept', `${HOST}:0`, '-naccept', '1']);
    children.push(server.child);
    const port = Number(await until('s_server to listen', () => /ACCEPT [^\n]*:(\d+)/.exec(server.output())?.[1], server.output));
    const wire = new Wire(addon(), conn);
    wires.push(wire);
    await wire.bind();
    wire.peer = { port, address: HOST };
    wire.apply(addon().dtlsSrtpStart(conn));
    await until('the handshake', () => (wire.state === 'connected' ? true : wire.state === 'failed' ? assert.fail(wire.error) : undefined), server.output);
    const theirs = await until('s_server keying material', () => keyingMaterial(server.output()), server.output);
    const k = wire.srtp;
    assert.ok(k);
    assert.equal(k.profile, 1);
    // RFC 5764 §4.2: client_write_key | server_write_key | client_write_salt | server_write_salt.
    assert.equal(Buffer.concat([k.localKey, k.remoteKey, k.localSalt, k.remoteSalt]).toString('hex').toUpperCase(), theirs);
    wire.apply(addon().dtlsSrtpWrite(conn, Buffer.from('from turnpike\n')));
    await until('s_server to print our data', () => (server.output().includes('from turnpike') ? true : undefined), server.output);
    server.child.stdin.write('from openssl\n');
    await until('their data', () => (Buffer.concat(wire.app).toString().includes('from openssl') ? true : undefined), server.output);
    wire.apply(addon().dtlsSrtpClose(conn));
    assert.equal(wire.state, 'closed');
  });

  it('our server against openssl s_client: the same keying material, and s_client sees our certificate', async () => {
    const cert = addon().dtlsSrtpCertificate();
    // A sha-512 fingerprint this time (RFC 8122 §5 allows any of the listed hashes).
    const fp512 = `sha-512 ${peerCert().fingerprint512}`;
    const conn = addon().dtlsSrtpConnection(cert.handle, 'server', fp512);
    const wire = new Wire(addon(), conn);
    wires.push(wire);
    await wire.bind();
    wire.apply(addon().dtlsSrtpStart(conn));
    const client = openssl(['s_client', ...srtpArgs, '-showcerts', '-cert', path.join(dir, 'cert.pem'), '-key', path.join(dir, 'key.pem'), '-connect', `${HOST}:${wire.socket.address().port}`]);
    children.push(client.child);
    await until('the handshake', () => (wire.state === 'connected' ? true : wire.state === 'failed' ? assert.fail(wire.error) : undefined), client.output);
    const theirs = await until('s_client keying material', () => keyingMaterial(client.output()), client.output);
    const k = wire.srtp;
    assert.ok(k);
    assert.equal(k.profile, 1);
    // The server's local keys are the server_write_* halves.
    assert.equal(Buffer.concat([k.remoteKey, k.localKey, k.remoteSalt, k.localSalt]).toString('hex').toUpperCase(), theirs);
    const pem = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(client.output())?.[0];
    assert.ok(pem, 's_client showed our certificate');
    const shown = new X509Certificate(pem);
    assert.equal(`sha-256 ${shown.fingerprint256}`, cert.fingerprint);
    assert.equal(shown.subject, 'CN=turnpike');
    const days = (Date.parse(shown.validTo) - Date.parse(shown.validFrom)) / 86_400_000;
    assert.ok(Math.abs(days - 30) < 0.01, `valid for 30 days (${days})`);
    assert.ok(Date.parse(shown.validFrom) < Date.now(), 'valid already');
    wire.apply(addon().dtlsSrtpClose(conn));
    assert.equal(wire.state, 'closed');
  });
});
