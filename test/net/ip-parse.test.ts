/**
 * The one IP text parser: strict dotted quads and RFC 4291 §2.2 IPv6 text to bytes, zone ids
 * (RFC 4007 §11) only for callers that ask.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIpAddress, parseIpInto } from '../../src/net/ip-parse.ts';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'));

describe('parseIpAddress', () => {
  it('gives 4 bytes for IPv4 text and 16 for IPv6 text, embedded dotted quads included', () => {
    assert.deepEqual(parseIpAddress('192.0.2.1'), { family: 'IPv4', bytes: Uint8Array.of(192, 0, 2, 1) });
    assert.deepEqual(parseIpAddress('::ffff:1.2.3.4'), { family: 'IPv6', bytes: hex('0000 0000 0000 0000 0000 ffff 0102 0304') });
    assert.deepEqual(parseIpAddress('::FFFF:102:304'), { family: 'IPv6', bytes: hex('0000 0000 0000 0000 0000 ffff 0102 0304') });
    assert.deepEqual(parseIpAddress('64:ff9b::192.0.2.33'), { family: 'IPv6', bytes: hex('0064 ff9b 0000 0000 0000 0000 c000 0221') });
    assert.deepEqual(parseIpAddress('2001:db8::8:800:200c:417a'), { family: 'IPv6', bytes: hex('2001 0db8 0000 0000 0008 0800 200c 417a') });
    assert.deepEqual(parseIpAddress('1::'), { family: 'IPv6', bytes: hex('0001 0000 0000 0000 0000 0000 0000 0000') });
  });

  it('refuses shorthand, octal-looking, hex and out-of-range IPv4, alone or as an IPv6 tail', () => {
    for (const text of ['127.1', '10.1.1', '2130706433', '0x7f.0.0.1', '010.0.0.1', '1.2.3.04', '256.0.0.1', '1.2.3.4.5', '::ffff:127.1', '::ffff:01.2.3.4', '1.2.3.4::']) {
      assert.equal(parseIpAddress(text), undefined, text);
    }
  });

  it('refuses malformed IPv6 text', () => {
    for (const text of ['', ':', ':::', '1::2::3', ':1::2', '1::2:', '00001::1', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '1:2:3:4:5:6:7:1.2.3.4', '[::1]', ' ::1', '::1 ']) {
      assert.equal(parseIpAddress(text), undefined, JSON.stringify(text));
    }
  });

  it('refuses zone ids unless the caller asks, and then only on IPv6', () => {
    assert.equal(parseIpAddress('fe80::1%eth0'), undefined);
    assert.deepEqual(parseIpAddress('fe80::1%eth0', { zone: true }), { family: 'IPv6', bytes: hex('fe80 0000 0000 0000 0000 0000 0000 0001'), zone: 'eth0' });
    assert.equal(parseIpAddress('fe80::1%2', { zone: true })?.zone, '2');
    for (const text of ['127.0.0.1%eth0', 'fe80::1%', 'fe80::1%eth0%1', 'fe80::1%eth 0', '%eth0', '127.1%eth0']) {
      assert.equal(parseIpAddress(text, { zone: true }), undefined, text);
    }
  });
});

describe('parseIpInto', () => {
  it('writes at the offset and leaves the buffer untouched when the text is not an address', () => {
    const out = new Uint8Array(20).fill(0xee);
    assert.equal(parseIpInto('10.20.30.40', out, 2), 'IPv4');
    assert.deepEqual([...out.subarray(0, 8)], [0xee, 0xee, 10, 20, 30, 40, 0xee, 0xee]);
    const before = Uint8Array.from(out);
    for (const text of ['fe80::1%eth0', '1.2.3', '::g']) assert.equal(parseIpInto(text, out, 2), undefined, text);
    assert.deepEqual(out, before);
    assert.equal(parseIpInto('::1', out, 4), 'IPv6');
    assert.deepEqual(out.subarray(4), hex('0000 0000 0000 0000 0000 0000 0000 0001'));
  });
});
