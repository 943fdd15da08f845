/**
 * STUN Binding on the TURN core (RFC 8489 §6.3, RFC 5389, RFC 3489 §11): the mapped address
 * in both spellings, FINGERPRINT and SOFTWARE only when they belong, 420 for unknown
 * comprehension-required attributes, and classic RFC 3489 requests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, Method } from '../../src/stun/types.ts';
import { errorCode, TurnHarness } from '../helpers/turn-harness.ts';

describe('Binding (RFC 8489 §6.3.1)', () => {
  it('answers XOR-MAPPED-ADDRESS and MAPPED-ADDRESS with the client\'s transport address', () => {
    const bench = new TurnHarness();
    const client = bench.client({ ip: '198.51.100.30', port: 45_678 });
    const answer = client.request(Method.Binding, [], { sign: false })!;
    assert.equal(errorCode(answer), 0);
    const mapped = { family: 'IPv4', address: '198.51.100.30', port: 45_678 };
    assert.deepEqual(getAttribute(answer, Attr.XorMappedAddress), mapped);
    assert.deepEqual(getAttribute(answer, Attr.MappedAddress), mapped);
    assert.equal(answer.integrityOffset, -1);
    assert.equal(bench.core.counters.successResponses, 1);
  });

  it('answers an IPv6 client with its IPv6 address', () => {
    const bench = new TurnHarness();
    const client = bench.client({ ip: '2001:db8::77', port: 1234 });
    const answer = client.request(Method.Binding, [], { sign: false })!;
    assert.deepEqual(getAttribute(answer, Attr.XorMappedAddress), { family: 'IPv6', address: '2001:db8::77', port: 1234 });
  });

  it('leaves MAPPED-ADDRESS out with no-stun-backward-compatibility', () => {
    const bench = new TurnHarness({ core: { stunBackwardCompatibility: false } });
    const answer = bench.client().request(Method.Binding, [], { sign: false })!;
    assert.ok(getAttribute(answer, Attr.XorMappedAddress));
    assert.equal(getAttribute(answer, Attr.MappedAddress), undefined);
  });

  it('adds FINGERPRINT when the request had one, and only then', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    assert.equal(client.request(Method.Binding, [], { sign: false, fingerprint: true })!.hasFingerprint, true);
    assert.equal(client.request(Method.Binding, [], { sign: false })!.hasFingerprint, false);
  });

  it('adds FINGERPRINT to every answer with the fingerprint option', () => {
    const bench = new TurnHarness({ core: { fingerprint: true } });
    assert.equal(bench.client().request(Method.Binding, [], { sign: false })!.hasFingerprint, true);
  });

  it('adds SOFTWARE only when the request carried SOFTWARE', () => {
    const bench = new TurnHarness({ core: { software: 'Turnpike test' } });
    const client = bench.client();
    const plain = client.request(Method.Binding, [], { sign: false })!;
    assert.equal(getAttribute(plain, Attr.Software), undefined);
    const asked = client.request(Method.Binding, [{ type: Attr.Software, value: 'a client' }], { sign: false })!;
    assert.equal(getAttribute(asked, Attr.Software), 'Turnpike test');
  });

  it('never adds SOFTWARE with no-software-attribute, even when asked', () => {
    const bench = new TurnHarness({ core: { software: undefined } });
    const answer = bench.client().request(Method.Binding, [{ type: Attr.Software, value: 'a client' }], { sign: false })!;
    assert.equal(getAttribute(answer, Attr.Software), undefined);
  });

  it('420 with UNKNOWN-ATTRIBUTES listing each unknown comprehension-required attribute once', () => {
    const bench = new TurnHarness();
    const answer = bench.client().request(
      Method.Binding,
      [
        { type: 0x0099, value: new Uint8Array(4), unknown: true },
        { type: 0x7ffe, value: new Uint8Array(0), unknown: true },
        { type: 0x0099, value: new Uint8Array(4), unknown: true },
      ],
      { sign: false },
    )!;
    assert.equal(errorCode(answer), 420);
    assert.deepEqual(getAttribute(answer, Attr.UnknownAttributes), [0x0099, 0x7ffe]);
  });

  it('ignores unknown comprehension-optional attributes (0x8000 and above)', () => {
    const bench = new TurnHarness();
    const answer = bench.client().request(Method.Binding, [{ type: 0x8099, value: new Uint8Array(4), unknown: true }], { sign: false })!;
    assert.equal(errorCode(answer), 0);
  });

  it('answers nothing with no-stun, and counts it', () => {
    const bench = new TurnHarness({ core: { noStun: true } });
    assert.equal(bench.client().request(Method.Binding, [], { sign: false }), undefined);
    assert.equal(bench.drops('stun-disabled'), 1);
  });

  it('with secure-stun, challenges an unsigned Binding and answers a signed one, signed', () => {
    const bench = new TurnHarness({ core: { secureStun: true } });
    const client = bench.client();
    const challenge = client.request(Method.Binding, [], { sign: false })!;
    assert.equal(errorCode(challenge), 401);
    const answer = client.request(Method.Binding)!;
    assert.equal(errorCode(answer), 0);
    assert.ok(client.verifies(answer));
  });
});

/** A classic RFC 3489 Binding request: no magic cookie, a 16-byte transaction id. */
function legacyRequest(): Buffer {
  const out = Buffer.alloc(20);
  out.writeUInt16BE(0x0001, 0);
  for (let i = 4; i < 20; i++) out[i] = i * 7;
  return out;
}

describe('RFC 3489 Binding (no magic cookie)', () => {
  it('is answered with MAPPED-ADDRESS and the whole 16-byte transaction id echoed', () => {
    const bench = new TurnHarness();
    const client = bench.client({ ip: '198.51.100.31', port: 40_001 });
    const req = legacyRequest();
    client.sendRaw(req);
    const [answer] = client.inbox();
    assert.ok(answer);
    const buf = Buffer.from(answer);
    assert.equal(buf.readUInt16BE(0), 0x0101, 'Binding success response');
    assert.equal(buf.readUInt16BE(2), buf.length - 20);
    assert.deepEqual(buf.subarray(4, 20), req.subarray(4, 20));
    assert.equal(buf.readUInt16BE(20), Attr.MappedAddress);
    assert.equal(buf[25], 1, 'IPv4');
    assert.equal(buf.readUInt16BE(26), 40_001);
    assert.deepEqual([...buf.subarray(28, 32)], [198, 51, 100, 31]);
  });

  it('gives an IPv6 client its 16 address bytes, an IPv4-mapped spelling included', () => {
    const cases: [string, string][] = [
      ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
      ['::ffff:c000:221', '00000000000000000000ffffc0000221'],
      ['2001:db8::77', '20010db8000000000000000000000077'],
      ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
      // A link-local client arrives with a zone id: the zone is the server's, the bytes are the client's.
      ['fe80::1%eth0', 'fe800000000000000000000000000001'],
    ];
    for (const [ip, bytes] of cases) {
      const bench = new TurnHarness();
      const client = bench.client({ ip, port: 40_002 });
      const req = legacyRequest();
      client.sendRaw(req);
      const [answer] = client.inbox();
      assert.ok(answer, ip);
      const buf = Buffer.from(answer);
      assert.equal(buf.length, 20 + 4 + 20, ip);
      assert.equal(buf.readUInt16BE(2), 24, ip);
      assert.deepEqual(buf.subarray(4, 20), req.subarray(4, 20), ip);
      assert.equal(buf.readUInt16BE(20), Attr.MappedAddress, ip);
      assert.equal(buf.readUInt16BE(22), 20, ip);
      assert.equal(buf[25], 2, `${ip}: IPv6`);
      assert.equal(buf.readUInt16BE(26), 40_002, ip);
      assert.equal(buf.subarray(28, 44).toString('hex'), bytes, ip);
    }
  });

  it('is refused (dropped and counted) with no-stun-backward-compatibility', () => {
    const bench = new TurnHarness({ core: { stunBackwardCompatibility: false } });
    const client = bench.client();
    client.sendRaw(legacyRequest());
    assert.deepEqual(client.inbox(), []);
    assert.equal(bench.drops('legacy-stun-refused'), 1);
  });

  it('drops a cookie-less message that is not a Binding request', () => {
    const bench = new TurnHarness();
    const client = bench.client();
    const req = legacyRequest();
    req.writeUInt16BE(0x0003, 0);
    client.sendRaw(req);
    assert.deepEqual(client.inbox(), []);
    assert.equal(bench.drops('legacy-stun-not-binding'), 1);
  });
});

describe('a link-local client whose address carries a zone id', () => {
  it('gets XOR-MAPPED-ADDRESS (Binding and Allocate) without the zone, which STUN cannot spell', () => {
    const bench = new TurnHarness();
    const client = bench.client({ ip: 'fe80::1%eth0', port: 40_003 });
    const answer = client.request(Method.Binding, [], { sign: false });
    assert.ok(answer, 'answered, not thrown on');
    assert.deepEqual(getAttribute(answer, Attr.XorMappedAddress), { family: 'IPv6', address: 'fe80::1', port: 40_003 });
    const ok = client.allocate()!;
    assert.deepEqual(getAttribute(ok, Attr.XorMappedAddress), { family: 'IPv6', address: 'fe80::1', port: 40_003 });
  });
});
