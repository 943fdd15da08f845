import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyPacket, type PacketKind } from '../../src/stun/index.ts';

test('classifyPacket follows the RFC 7983 / RFC 9443 first-byte ranges', () => {
  const expected = (b: number): PacketKind => {
    if (b <= 3) return 'stun';
    if (b <= 15) return 'unknown';
    if (b <= 19) return 'zrtp';
    if (b <= 63) return 'dtls';
    if (b <= 79) return 'channel-data';
    if (b <= 127) return 'quic';
    if (b <= 191) return 'rtp-rtcp';
    return 'quic';
  };
  for (let b = 0; b < 256; b++) assert.equal(classifyPacket(Uint8Array.of(b, 0, 0, 0)), expected(b), `first byte ${b}`);
});

test('classifyPacket answers unknown for an empty packet and reads only the first byte', () => {
  assert.equal(classifyPacket(new Uint8Array(0)), 'unknown');
  assert.equal(classifyPacket(Uint8Array.of(0x00)), 'stun');
  assert.equal(classifyPacket(Uint8Array.of(0x16)), 'dtls');
  assert.equal(classifyPacket(Uint8Array.of(0x80)), 'rtp-rtcp');
});
