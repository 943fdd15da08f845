import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodePacket, encodePacket } from '../../../src/sfu/sctp/index.ts';
import { Link } from './link.ts';

interface Got {
  stream: number;
  ppid: number;
  data: Uint8Array;
}

function collect(link: Link): { a: Got[]; b: Got[] } {
  const got = { a: [] as Got[], b: [] as Got[] };
  link.a.onMessage = (stream, ppid, data) => got.a.push({ stream, ppid, data });
  link.b.onMessage = (stream, ppid, data) => got.b.push({ stream, ppid, data });
  return got;
}

/**
 * Under heavy random loss the RFC's retry limits can run out by bad luck; property runs raise
 * them so that only a protocol fault fails a run.
 */
const PATIENT = { maxInitRetransmits: 40, maxAssociationRetransmits: 200 };

const established = (l: Link) => () => l.a.state === 'established' && l.b.state === 'established';

test('one side connects, the other answers from a state cookie: both established', () => {
  const l = new Link();
  const states: string[] = [];
  l.b.onStateChange = (s) => states.push(s);
  l.a.connect(0);
  assert.ok(l.run(established(l)));
  assert.deepEqual(states, ['established']);
});

test('simultaneous INIT (both connect at once, RFC 9260 §5.2.1/§5.2.4) reaches established on both', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const l = new Link({ seed });
    l.a.connect(0);
    l.b.connect(0);
    assert.ok(l.run(established(l)), `seed ${seed}`);
    const got = collect(l);
    l.a.send(1, 53, Uint8Array.of(1, 2, 3));
    l.b.send(2, 53, Uint8Array.of(4));
    assert.ok(l.run(() => got.a.length === 1 && got.b.length === 1));
    assert.deepEqual([...got.b[0].data], [1, 2, 3]);
  }
});

test('simultaneous INIT where one INIT is lost, and where the peer connects late', () => {
  const l = new Link();
  let dropped = false;
  l.filter = (from, bytes) => {
    const p = decodePacket(bytes);
    if (!dropped && from === 'a' && p.ok && p.value.chunks[0].type === 'init') return !(dropped = true);
    return true;
  };
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  const m = new Link({ seed: 9 });
  m.a.connect(0);
  m.pump();
  m.now = 3;
  m.b.connect(3);
  assert.ok(m.run(established(m)));
});

test('a side that answered an INIT statelessly and only then connects still meets its peer', () => {
  for (const at of [6, 12, 16, 30]) {
    const l = new Link({ delayMs: 5 });
    l.a.connect(0);
    // b answers a's INIT at 5 ms with a cookie of its own, then starts its own handshake
    l.run(() => false, at);
    l.now = at;
    l.b.connect(at);
    assert.ok(l.run(established(l)), `connect at ${at} ms`);
    const got = collect(l);
    l.b.send(0, 51, Uint8Array.of(1));
    assert.ok(l.run(() => got.a.length === 1));
  }
});

test('messages of every size arrive whole and in order; unordered ones arrive too', () => {
  const l = new Link();
  const got = collect(l);
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  const sizes = [1, 100, 1163, 1164, 5000, 65536, 262144];
  for (const [k, n] of sizes.entries()) assert.deepEqual(l.a.send(0, 53, Uint8Array.from({ length: n }, (_, i) => (i + k) & 0xff)), { ok: true });
  assert.deepEqual(l.a.send(0, 53, new Uint8Array(262145)), { ok: false, reason: 'too-large' });
  assert.deepEqual(l.a.send(0, 53, new Uint8Array(0)), { ok: false, reason: 'empty' });
  l.a.send(3, 51, new TextEncoder().encode('u'), { ordered: false });
  assert.ok(l.run(() => got.b.length === sizes.length + 1));
  const ordered = got.b.filter((g) => g.stream === 0);
  assert.deepEqual(ordered.map((g) => g.data.length), sizes);
  for (const [k, g] of ordered.entries()) assert.ok(g.data.every((x, i) => x === ((i + k) & 0xff)));
  for (const p of [...l.sent.a, ...l.sent.b]) assert.ok(p.length <= 1191);
});

test('over loss, duplication and reordering every reliable message arrives exactly once, in order per stream', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e6 }),
      fc.double({ min: 0, max: 0.3, noNaN: true }),
      fc.double({ min: 0, max: 0.2, noNaN: true }),
      fc.array(fc.record({ stream: fc.integer({ min: 0, max: 3 }), size: fc.integer({ min: 1, max: 4000 }), unordered: fc.boolean() }), { minLength: 1, maxLength: 40 }),
      (seed, loss, duplicate, msgs) => {
        const l = new Link({ seed, loss, duplicate, jitterMs: 20, sctp: PATIENT });
        const got = collect(l);
        l.a.connect(0);
        l.b.connect(0);
        assert.ok(l.run(established(l), 3_600_000));
        msgs.forEach((m, k) => {
          const data = new Uint8Array(m.size).fill(k & 0xff);
          data[0] = k & 0xff;
          assert.deepEqual(l.a.send(m.stream, k, data, { ordered: !m.unordered }), { ok: true });
        });
        assert.ok(l.run(() => got.b.length >= msgs.length, 3_600_000), `delivered ${got.b.length}/${msgs.length}`);
        l.run(() => false, 10_000);
        assert.equal(got.b.length, msgs.length);
        const ids = got.b.map((g) => g.ppid);
        assert.deepEqual([...ids].sort((x, y) => x - y), msgs.map((_, k) => k));
        for (const g of got.b) assert.equal(g.data.length, msgs[g.ppid].size);
        for (let s = 0; s < 4; s++) {
          const order = got.b.filter((g) => g.stream === s && !msgs[g.ppid].unordered).map((g) => g.ppid);
          assert.deepEqual(order, [...order].sort((x, y) => x - y));
        }
        return true;
      },
    ),
    { numRuns: 25 },
  );
});

test('partial reliability abandons messages; FORWARD-TSN lets the receiver move on', () => {
  const l = new Link({ seed: 3 });
  const got = collect(l);
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  // Drop every first transmission of DATA from a for a while: with maxRetransmits 0 all is lost.
  let blackhole = true;
  l.filter = (from, bytes) => {
    const p = decodePacket(bytes);
    return !(blackhole && from === 'a' && p.ok && p.value.chunks.some((c) => c.type === 'data'));
  };
  for (let k = 0; k < 5; k++) l.a.send(1, k, new Uint8Array(3000).fill(k), { ordered: true, maxRetransmits: 0 });
  l.run(() => l.a.counters().abandonedMessages === 5, 60_000);
  assert.equal(l.a.counters().abandonedMessages, 5);
  blackhole = false;
  l.a.send(1, 99, Uint8Array.of(7), { ordered: true, maxRetransmits: 0 });
  l.a.send(1, 100, Uint8Array.of(8), { ordered: true, maxLifetimeMs: 10_000 });
  assert.ok(l.run(() => got.b.length === 2, 60_000));
  assert.deepEqual(got.b.map((g) => g.ppid), [99, 100]);
});

test('partial reliability by lifetime abandons an expired message', () => {
  const l = new Link({ seed: 4 });
  const got = collect(l);
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  let blackhole = true;
  l.filter = (from, bytes) => !(blackhole && from === 'a' && decodePacket(bytes).ok && bytes.length > 100);
  l.a.send(2, 1, new Uint8Array(500), { ordered: true, maxLifetimeMs: 300 });
  l.run(() => l.a.counters().abandonedMessages === 1, 30_000);
  blackhole = false;
  l.a.send(2, 2, new Uint8Array(500), { ordered: true });
  assert.ok(l.run(() => got.b.length === 1, 60_000));
  assert.equal(got.b[0].ppid, 2);
});

test('ABORT closes the association on both sides', () => {
  const l = new Link();
  const states: string[] = [];
  l.b.onStateChange = (s) => states.push(s);
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  l.a.abort();
  assert.equal(l.a.state, 'closed');
  assert.ok(l.run(() => l.b.state === 'closed'));
  assert.deepEqual(states, ['connecting', 'established', 'closed']);
  assert.equal(l.b.nextDeadline(), undefined);
});

test('SHUTDOWN closes gracefully after pending data is delivered', () => {
  const l = new Link({ seed: 6, loss: 0.1 });
  const got = collect(l);
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  for (let k = 0; k < 10; k++) l.a.send(0, 53, new Uint8Array(2000).fill(k));
  l.a.close();
  assert.ok(l.run(() => l.a.state === 'closed' && l.b.state === 'closed'));
  assert.equal(got.b.length, 10);
});

test('garbage, bad checksums and wrong tags are counted and ignored', () => {
  const l = new Link();
  const got = collect(l);
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      l.b.handlePacket(bytes, l.now);
    }),
    { numRuns: 300 },
  );
  const good = l.sent.a[l.sent.a.length - 1];
  const bad = good.slice();
  bad[bad.length - 1] ^= 1;
  const before = l.b.counters();
  l.b.handlePacket(bad, l.now);
  const wrongTag = decodePacket(good);
  assert.ok(wrongTag.ok);
  l.b.handlePacket(encodePacket({ ...wrongTag.value, verificationTag: wrongTag.value.verificationTag ^ 1 }), l.now);
  const after = l.b.counters();
  assert.equal(after.badChecksum, before.badChecksum + 1);
  assert.equal(after.badTag, before.badTag + 1);
  assert.ok(after.badChecksum + after.malformed + after.badTag >= 300 - 5);
  l.a.send(0, 51, Uint8Array.of(65));
  assert.ok(l.run(() => got.b.length === 1));
  assert.equal(l.b.state, 'established');
});

test('a stream reset is requested, answered and reported on both sides (RFC 6525)', () => {
  const l = new Link();
  const got = collect(l);
  const events: string[] = [];
  l.a.onStreamReset = (ids, dir) => events.push(`a ${dir} ${ids}`);
  l.b.onStreamReset = (ids, dir) => events.push(`b ${dir} ${ids}`);
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  l.a.send(4, 53, Uint8Array.of(1));
  l.a.send(4, 53, Uint8Array.of(2));
  l.a.resetStreams([4]);
  assert.deepEqual(l.a.send(4, 53, Uint8Array.of(3)), { ok: false, reason: 'stream-resetting' });
  assert.ok(l.run(() => events.length === 2));
  assert.deepEqual(events.sort(), ['a outgoing 4', 'b incoming 4']);
  // The stream starts again at SSN 0 on both sides.
  l.a.send(4, 53, Uint8Array.of(5));
  assert.ok(l.run(() => got.b.length === 3));
  assert.deepEqual(got.b.map((g) => g.data[0]), [1, 2, 5]);
});

test('SACK is delayed for one packet, sent for every second packet, and at once on a gap', () => {
  const l = new Link();
  l.a.connect(0);
  l.b.connect(0);
  assert.ok(l.run(established(l)));
  l.run(() => false, 1000); // let the handshake's delayed acknowledgements go out
  const sacks = () => l.b.pollTransmit(l.now).flatMap((b) => {
    const p = decodePacket(b);
    return p.ok ? p.value.chunks.filter((c) => c.type === 'sack') : [];
  });
  const data = () => {
    l.a.send(0, 53, new Uint8Array(10));
    const [p] = l.a.pollTransmit(l.now);
    return p;
  };
  const t = l.now;
  l.b.handlePacket(data(), t);
  assert.deepEqual(sacks(), []);
  assert.equal(l.b.nextDeadline(), t + 200);
  l.b.handlePacket(data(), t);
  assert.equal(sacks().length, 1, 'second packet');
  const skipped = data();
  l.b.handlePacket(data(), t);
  const gap = sacks();
  assert.equal(gap.length, 1, 'gap');
  assert.ok(gap[0].type === 'sack' && gap[0].gapBlocks.length === 1);
  l.b.handlePacket(skipped, t);
  assert.equal(sacks().length, 1, 'gap filled');
  l.b.handlePacket(data(), t);
  l.b.handleTimeout(t + 200);
  assert.equal(sacks().length, 1, 'timer');
});

test('a stale cookie is refused with a Stale Cookie error and the handshake starts again (RFC 9260 §5.2.6)', () => {
  const l = new Link({ sctp: { rtoInitialMs: 40_000 } });
  let held = true;
  l.filter = (from, bytes) => {
    const p = decodePacket(bytes);
    return !(held && from === 'a' && p.ok && p.value.chunks[0].type === 'cookie-echo');
  };
  l.a.connect(0);
  l.run(() => l.a.state === 'cookie-echoed');
  l.run(() => false, 65_000); // the COOKIE-ECHO is held past the cookie's 60 s lifetime
  held = false;
  assert.ok(l.run(established(l)));
  assert.equal(l.b.counters().staleCookie, 1);
});

test('a forged cookie is counted and changes nothing', () => {
  const l = new Link();
  l.a.connect(0);
  l.run(() => l.a.state === 'cookie-echoed');
  const echo = l.sent.a.map((b) => decodePacket(b)).find((p) => p.ok && p.value.chunks[0].type === 'cookie-echo');
  assert.ok(echo?.ok);
  const c = echo.value.chunks[0];
  assert.ok(c.type === 'cookie-echo');
  const forged = c.cookie.slice();
  forged[20] ^= 1;
  const b = new Link();
  b.b.handlePacket(encodePacket({ ...echo.value, chunks: [{ type: 'cookie-echo', cookie: forged }] }), 0);
  l.b.handlePacket(encodePacket({ ...echo.value, chunks: [{ type: 'cookie-echo', cookie: forged }] }), l.now);
  assert.equal(l.b.counters().badCookie, 1);
  assert.equal(b.b.counters().badCookie, 1);
  assert.equal(l.b.state, 'closed');
});

test('mixed reliable and partially reliable messages both ways: reliable ones all arrive once, in order; none twice', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1e9 }),
      fc.double({ min: 0, max: 0.3, noNaN: true }),
      fc.double({ min: 0, max: 0.2, noNaN: true }),
      fc.array(
        fc.record({ fromA: fc.boolean(), stream: fc.integer({ min: 0, max: 2 }), size: fc.integer({ min: 1, max: 30000 }), unordered: fc.boolean(), maxRetransmits: fc.constantFrom(undefined, 0, 2) }),
        { minLength: 1, maxLength: 20 },
      ),
      (seed, loss, duplicate, msgs) => {
        const l = new Link({ seed, loss, duplicate, jitterMs: 30, sctp: PATIENT });
        const got = collect(l);
        l.a.connect(0);
        l.b.connect(0);
        assert.ok(l.run(established(l), 3_600_000));
        msgs.forEach((m, k) => {
          const r = (m.fromA ? l.a : l.b).send(m.stream, k, new Uint8Array(m.size), { ordered: !m.unordered, maxRetransmits: m.maxRetransmits });
          assert.deepEqual(r, { ok: true });
        });
        const settled = () =>
          msgs.every((m, k) => m.maxRetransmits !== undefined || (m.fromA ? got.b : got.a).some((g) => g.ppid === k)) &&
          l.a.bufferedAmount() + l.b.bufferedAmount() === 0;
        assert.ok(l.run(settled, 3_600_000));
        l.run(() => false, 120_000);
        for (const [list, toB] of [[got.b, true], [got.a, false]] as const) {
          const ids = list.map((g) => g.ppid);
          assert.equal(new Set(ids).size, ids.length, 'delivered twice');
          msgs.forEach((m, k) => {
            if (m.fromA === toB && m.maxRetransmits === undefined) assert.ok(ids.includes(k), `reliable message ${k} missing`);
          });
          for (let s = 0; s < 3; s++) {
            const order = ids.filter((k) => msgs[k].stream === s && !msgs[k].unordered);
            assert.deepEqual(order, [...order].sort((x, y) => x - y));
          }
        }
        assert.deepEqual([l.a.state, l.b.state], ['established', 'established']);
      },
    ),
    { numRuns: 20 },
  );
});
