/**
 * DTLS sessions end cleanly (src/server/dtls-server.ts), with a real DTLS client (`openssl
 * s_client -dtls`) and an injected clock for the timeouts:
 *
 * - an allocation made over DTLS belongs to a 'dtls' transport, and goes when the client
 *   sends close_notify (as a TCP connection's allocations go when it closes, RFC 8656 §3.1);
 * - a session with no allocation is closed after its idle period, with close_notify (the
 *   client sees the session end and exits);
 * - a handshake that never finishes is dropped after its timeout, and its half-open slot freed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeUdpTcpPort } from '../../harness/ports.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { DEFAULT_DTLS_LIMITS } from '../../src/server/dtls-server.ts';
import { dropsOf, dropsSince, eventually, startServer, type TestServer } from './wire.ts';
import { captureClientHello, closeOpened, halfOpen, opensslMissing, SClientTurnClient, socketOn } from './dtls-wire.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));

/** Waits for the server's 1-second housekeeping to have seen `what` (the clock is injected). */
const swept = (what: string, done: () => boolean): Promise<true> => eventually(what, () => (done() ? true : undefined));

describe('DTLS session teardown', { skip: opensslMissing }, () => {
  let t: TestServer;
  let clock = Date.now();
  const clients: SClientTurnClient[] = [];
  before(async () => {
    const tlsPort = await freeUdpTcpPort();
    t = await startServer(['--tls-listening-port', String(tlsPort), '--cert', fixture('localhost-cert.pem'), '--pkey', fixture('localhost-key.pem')], 8, { now: () => clock });
  });
  after(async () => {
    for (const c of clients) c.kill();
    closeOpened();
    await t?.server.close();
  });

  it("an allocation over DTLS is the session's, and goes with the client's close_notify", async () => {
    const c = new SClientTurnClient(t.port);
    clients.push(c);
    assert.equal((await c.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }])).class, MessageClass.ErrorResponse);
    const ok = await c.request(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }]);
    assert.equal(ok.class, MessageClass.SuccessResponse);
    const [alloc] = [...t.server.core.allocations()];
    assert.equal(alloc.transport.protocol, 'dtls');
    assert.equal(t.server.dtls!.stats().established, 1);
    const before = dropsOf(t.server);
    await c.end();
    await swept('the allocation deleted', () => [...t.server.core.allocations()].length === 0);
    assert.equal(dropsSince(t.server, before, 'dtls-closed-by-client'), 1);
    assert.equal(t.server.dtls!.stats().established, 0);
  });

  it('a session without an allocation is closed after the idle period, with close_notify', async () => {
    const c = new SClientTurnClient(t.port);
    clients.push(c);
    assert.equal((await c.request(Method.Binding)).class, MessageClass.SuccessResponse);
    const before = dropsOf(t.server);
    clock += DEFAULT_DTLS_LIMITS.idleWithoutAllocationMs + 1000;
    await swept('the idle session closed', () => dropsSince(t.server, before, 'dtls-idle-timeout') === 1);
    // s_client leaves when the server's close_notify arrives.
    await c.exited;
    assert.equal(t.server.dtls!.stats().established, 0);
  });

  it('a handshake that never finishes times out and frees its half-open slot', async () => {
    const hello = await captureClientHello();
    await halfOpen(await socketOn('127.0.0.5'), hello, t.port);
    assert.equal(t.server.dtls!.stats().halfOpen, 1);
    const before = dropsOf(t.server);
    clock += DEFAULT_DTLS_LIMITS.handshakeTimeoutMs + 1000;
    await swept('the handshake timed out', () => dropsSince(t.server, before, 'dtls-handshake-timeout') === 1);
    assert.equal(t.server.dtls!.stats().halfOpen, 0);
  });
});
