import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChannelType, decodeDcep, encodeDcep } from '../../../src/sfu/sctp/dcep.ts';

test('DATA_CHANNEL_OPEN and DATA_CHANNEL_ACK survive encode then decode', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.values(ChannelType)),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.string(),
      fc.string(),
      (channelType, priority, reliability, label, protocol) => {
        const m = { type: 'open' as const, channelType, priority, reliability, label, protocol };
        assert.deepEqual(decodeDcep(encodeDcep(m)), { ok: true, value: m });
      },
    ),
  );
  assert.deepEqual(decodeDcep(encodeDcep({ type: 'ack' })), { ok: true, value: { type: 'ack' } });
});

test('the RFC 8832 §5.1 layout: type, channel type, priority, reliability, lengths, label, protocol', () => {
  const b = encodeDcep({ type: 'open', channelType: 0x81, priority: 256, reliability: 3, label: 'ab', protocol: 'c' });
  assert.deepEqual([...b], [3, 0x81, 1, 0, 0, 0, 0, 3, 0, 2, 0, 1, 97, 98, 99]);
});

test('malformed DCEP messages are refused, never thrown', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => void decodeDcep(b)));
  assert.equal(decodeDcep(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0)).ok, false); // label longer than the message
  assert.equal(decodeDcep(Uint8Array.of(3, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).ok, false); // unknown channel type
  assert.equal(decodeDcep(Uint8Array.of(2, 0)).ok, false);
  assert.equal(decodeDcep(new Uint8Array(0)).ok, false);
});
