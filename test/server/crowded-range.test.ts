/**
 * A relay range that other processes crowd (RFC 8656 §7.2: 508 only when no port is left).
 * Relay ranges overlap the kernel's ephemeral range in most deployments, so some ports are
 * always held by other sockets. Here half of a 200-port range is held by sockets of this test:
 * 90 concurrent Allocates all get a port, no two the same; with EVEN-PORT every free even port
 * can be had and the next one gets 508; and once the other sockets let go, their ports come
 * back after the busy mark ends, without a restart.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass } from '../../src/stun/types.ts';
import { BUSY_MS } from '../../src/turn/relay-port-allocator.ts';
import { seededRandom } from '../helpers/turn-harness.ts';
import { freeRange } from '../../harness/ports.ts';
import { eventually, HOST, startServer, UdpClient, type TestServer } from './wire.ts';

const RANGE = 200;
const HELD = 100;

function bindAt(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, HOST, () => resolve(s));
  });
}

describe('a relay range half held by other sockets', () => {
  let t: TestServer;
  let clock = Date.now();
  let offset = 0;
  const held: dgram.Socket[] = [];
  const heldPorts = new Set<number>();
  let range: { min: number; max: number };
  const clients: UdpClient[] = [];

  before(async () => {
    range = await freeRange(RANGE);
    // 100 ports of the range, chosen by a fixed seed, bound before the server starts using them.
    const random = seededRandom(77);
    while (heldPorts.size < HELD) heldPorts.add(range.min + (((random(2)[0] << 8) | random(2)[1]) % RANGE));
    for (const p of heldPorts) held.push(await bindAt(p));
    t = await startServer([], RANGE, { relayRange: range, now: () => (clock = Date.now() + offset) });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const s of held) s.close();
    await t.server.close();
  });

  async function allocateMany(n: number, attrs = [{ type: Attr.RequestedTransport, value: 17 }] as Parameters<UdpClient['allocate']>[0]) {
    const batch = await Promise.all(Array.from({ length: n }, () => new UdpClient().connect(t.port)));
    clients.push(...batch);
    return Promise.all(batch.map(async (c) => ({ client: c, answer: await c.allocate(attrs) })));
  }

  async function releaseAll(): Promise<void> {
    const { Method } = await import('../../src/stun/types.ts');
    await Promise.all(clients.map((c) => c.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }])));
    await Promise.all(clients.splice(0).map((c) => c.close()));
  }

  it('gives 90 concurrent Allocates 90 different free ports', async () => {
    const results = await allocateMany(90);
    const ports = results.map(({ answer }) => {
      assert.equal(answer.class, MessageClass.SuccessResponse, `got ${getAttribute(answer, Attr.ErrorCode)?.code}`);
      return getAttribute(answer, Attr.XorRelayedAddress)!.port;
    });
    assert.equal(new Set(ports).size, 90, 'no port was handed out twice');
    assert.ok(ports.every((p) => p >= range.min && p <= range.max && !heldPorts.has(p)));
    assert.equal(t.server.relayPorts().inUse, 90);
    await releaseAll();
    assert.equal(t.server.relayPorts().inUse, 0, 'every port came back');
  });

  it('with EVEN-PORT, hands out every free even port, then answers 508', async () => {
    let freeEven = 0;
    for (let p = range.min; p <= range.max; p++) if (p % 2 === 0 && !heldPorts.has(p)) freeEven++;
    const even = [{ type: Attr.RequestedTransport, value: 17 }, { type: Attr.EvenPort, value: { reserveNext: false } }] as const;
    const results = await allocateMany(freeEven, [...even]);
    const ports = results.map(({ answer }) => getAttribute(answer, Attr.XorRelayedAddress)?.port);
    assert.ok(ports.every((p) => p !== undefined && p % 2 === 0 && !heldPorts.has(p)), 'all succeeded on even ports');
    assert.equal(new Set(ports).size, freeEven);
    const [extra] = await allocateMany(1, [...even]);
    assert.equal(getAttribute(extra.answer, Attr.ErrorCode)?.code, 508, 'no even port is left');
    await releaseAll();
  });

  it('gives the held ports back once their holders let go and the busy mark ends', async () => {
    assert.ok(t.server.relayPorts().busy > 0, 'the held ports were found busy');
    for (const s of held.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
    offset += BUSY_MS + 1000;
    await eventually('the busy marks to end', () => (t.server.relayPorts().busy === 0 ? true : undefined));
    const results = await allocateMany(RANGE);
    assert.ok(results.every(({ answer }) => answer.class === MessageClass.SuccessResponse), 'the whole range can be had');
    const ports = new Set(results.map(({ answer }) => getAttribute(answer, Attr.XorRelayedAddress)!.port));
    assert.equal(ports.size, RANGE);
    void clock;
    await releaseAll();
  });
});
