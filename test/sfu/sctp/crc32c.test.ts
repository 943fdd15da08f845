import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, sctpChecksum } from '../../../src/sfu/sctp/crc32c.ts';

test('CRC32c matches the RFC 3720 Appendix B.4 vectors', () => {
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
});

test('CRC32c of "123456789" is the catalogued check value', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
});

test('the SCTP checksum treats the checksum field as zero', () => {
  const p = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
  const zeroed = p.slice();
  zeroed.fill(0, 8, 12);
  assert.equal(sctpChecksum(p), crc32c(zeroed));
});
