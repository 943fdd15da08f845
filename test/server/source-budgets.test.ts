/**
 * Limits that tell an office from an attack, over real sockets on loopback with the default
 * configuration: 2,000 clients behind one address (200 in flight) all allocate, because the
 * address authenticates at once and earns the larger budget; a flood of unauthenticated
 * Allocates from one address that never authenticates is answered at the configured burst and
 * rate, no more. And nonces that recover: a Refresh with a nonce the server did not issue gets
 * 438 with a fresh nonce (never 401, which ends a browser's allocation), and the next Refresh
 * with that nonce succeeds.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { eventually, startServer, UdpClient, type TestServer } from './wire.ts';

const CLIENTS = 2_000;
const IN_FLIGHT = 200;

describe('2,000 clients behind one address', () => {
  let t: TestServer;

  before(async () => {
    t = await startServer([], CLIENTS + 16);
  });

  after(async () => {
    await t.server.close();
  });

  it('all allocate, 200 at a time, with the default budgets', async () => {
    let next = 0;
    let ok = 0;
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      while (next < CLIENTS) {
        next++;
        const client = await new UdpClient().connect(t.port);
        try {
          const answer = await client.allocate();
          if (answer.class === MessageClass.SuccessResponse) ok++;
          else failures.push(String(getAttribute(answer, Attr.ErrorCode)?.code));
          await client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }]);
        } catch (err) {
          failures.push((err as Error).message);
        } finally {
          await client.close();
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    assert.deepEqual(failures.slice(0, 5), []);
    assert.equal(ok, CLIENTS);
    assert.equal(t.server.core.allocationCount, 0);
  });
});

describe('a flood of unauthenticated Allocates from one address', () => {
  let t: TestServer;
  let offset = 0;
  const sockets: dgram.Socket[] = [];
  let answers = 0;

  before(async () => {
    t = await startServer([], 8, { now: () => 1_800_000_000_000 + offset });
    // Spoofed sources look like many ports of one address that never completes a handshake.
    for (let i = 0; i < 10; i++) {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.2', () => resolve()));
      s.on('message', () => answers++);
      sockets.push(s);
    }
  });

  after(async () => {
    for (const s of sockets) s.close();
    await t.server.close();
  });

  async function flood(n: number): Promise<number> {
    const before = answers;
    const dropsBefore = t.server.core.counters.drops.get('unauthenticated-rate-limit') ?? 0;
    for (let i = 0; i < n; i++) {
      const bytes = encodeMessage({ method: Method.Allocate, class: MessageClass.Request, transactionId: new Uint8Array(12).fill(i % 251), attributes: [{ type: Attr.RequestedTransport, value: 17 }] });
      sockets[i % sockets.length].send(bytes, t.port, '127.0.0.1');
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    // Every request was handled once it was either answered or counted as dropped.
    await eventually('the flood to be handled', () =>
      answers - before + (t.server.core.counters.drops.get('unauthenticated-rate-limit') ?? 0) - dropsBefore === n ? true : undefined);
    return answers - before;
  }

  it('is answered at the default burst (100), then at the default rate (20 a second)', async () => {
    assert.equal(await flood(1_000), 100, 'the burst, at one instant');
    offset += 1_000;
    assert.equal(await flood(1_000), 20, 'one second later, one second of the rate');
    offset += 500;
    assert.equal(await flood(1_000), 10);
  });
});

describe('a nonce the server did not issue', () => {
  let t: TestServer;

  before(async () => {
    t = await startServer();
  });

  after(async () => {
    await t.server.close();
  });

  it('gets 438 with a fresh nonce on Refresh, and the Refresh with it succeeds', async () => {
    const client = await new UdpClient().connect(t.port);
    assert.equal((await client.allocate()).class, MessageClass.SuccessResponse);
    // As after a secret rotation, or a load balancer whose members do not share the secret.
    client.nonce = 'obMatJos2AAAA' + Buffer.alloc(22, 9).toString('base64url').slice(0, 30);
    const forged = await client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }]);
    assert.equal(getAttribute(forged, Attr.ErrorCode)?.code, 438);
    const fresh = getAttribute(forged, Attr.Nonce);
    assert.ok(fresh !== undefined && fresh !== 'obMatJos2AAAA', 'a fresh nonce came with it');
    const again = await client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }]);
    assert.equal(again.class, MessageClass.SuccessResponse);
    assert.equal(t.server.core.allocationCount, 1, 'the allocation lived through it');
    await client.close();
  });
});
