/**
 * classifyPacket against the first-byte table of RFC 7983 §7 as updated by RFC 9443 §3,
 * written out here by hand from the RFCs' figures (not derived from src/stun/demux.ts):
 *
 *   [0..3] STUN   [16..19] ZRTP   [20..63] DTLS   [64..79] TURN Channel
 *   [80..127] QUIC   [128..191] RTP/RTCP   [192..255] QUIC   anything else: drop
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyPacket, type PacketKind } from '../../src/stun/index.ts';

/** Both ends of every range, and so the first byte on each side of every border. */
const BOUNDARIES: [number, PacketKind][] = [
  [0, 'stun'],
  [3, 'stun'],
  [4, 'unknown'], // 4..15: assigned to nothing, dropped
  [15, 'unknown'],
  [16, 'zrtp'],
  [19, 'zrtp'],
  [20, 'dtls'],
  [63, 'dtls'],
  [64, 'channel-data'],
  [79, 'channel-data'],
  [80, 'quic'], // RFC 9443: QUIC short header, once TURN channels end at 0x4FFF (RFC 8656 §12)
  [127, 'quic'],
  [128, 'rtp-rtcp'],
  [191, 'rtp-rtcp'],
  [192, 'quic'], // RFC 9443: QUIC long header
  [255, 'quic'],
];

test('classifyPacket puts both ends of every RFC 7983 / RFC 9443 range where the RFCs do', () => {
  for (const [byte, kind] of BOUNDARIES) assert.equal(classifyPacket(Uint8Array.of(byte, 0, 0, 0)), kind, `first byte ${byte}`);
});

/**
 * All 256 first bytes, one row of 16 per line: S STUN, . drop, Z ZRTP, D DTLS, C TURN
 * ChannelData, Q QUIC, R RTP/RTCP.
 */
const TABLE = [
  'SSSS............', // 0x00
  'ZZZZDDDDDDDDDDDD', // 0x10
  'DDDDDDDDDDDDDDDD', // 0x20
  'DDDDDDDDDDDDDDDD', // 0x30
  'CCCCCCCCCCCCCCCC', // 0x40
  'QQQQQQQQQQQQQQQQ', // 0x50
  'QQQQQQQQQQQQQQQQ', // 0x60
  'QQQQQQQQQQQQQQQQ', // 0x70
  'RRRRRRRRRRRRRRRR', // 0x80
  'RRRRRRRRRRRRRRRR', // 0x90
  'RRRRRRRRRRRRRRRR', // 0xA0
  'RRRRRRRRRRRRRRRR', // 0xB0
  'QQQQQQQQQQQQQQQQ', // 0xC0
  'QQQQQQQQQQQQQQQQ', // 0xD0
  'QQQQQQQQQQQQQQQQ', // 0xE0
  'QQQQQQQQQQQQQQQQ', // 0xF0
].join('');

const LETTER: Record<string, PacketKind> = {
  S: 'stun', '.': 'unknown', Z: 'zrtp', D: 'dtls', C: 'channel-data', Q: 'quic', R: 'rtp-rtcp',
};

test('classifyPacket agrees with the whole first-byte table', () => {
  assert.equal(TABLE.length, 256);
  for (let b = 0; b < 256; b++) {
    assert.equal(classifyPacket(Uint8Array.of(b)), LETTER[TABLE[b]], `first byte 0x${b.toString(16).padStart(2, '0')}`);
  }
});

test('the first bytes of real packets of each protocol', () => {
  const packets: [string, number[], PacketKind][] = [
    ['STUN Binding request (RFC 5769 §2.1)', [0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42], 'stun'],
    ['STUN Binding success response', [0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42], 'stun'],
    ['ZRTP packet (RFC 6189 §5: 0x10 0x00)', [0x10, 0x00, 0x00, 0x01], 'zrtp'],
    ['DTLS 1.2 handshake record (content type 22)', [0x16, 0xfe, 0xfd, 0x00], 'dtls'],
    ['DTLS application data record (content type 23)', [0x17, 0xfe, 0xfd, 0x00], 'dtls'],
    ['ChannelData on the first channel, 0x4000', [0x40, 0x00, 0x00, 0x04], 'channel-data'],
    ['ChannelData on the last RFC 8656 channel, 0x4FFF', [0x4f, 0xff, 0x00, 0x04], 'channel-data'],
    ['RTP version 2, payload type 111', [0x80, 0x6f, 0x00, 0x01], 'rtp-rtcp'],
    ['RTCP sender report (packet type 200)', [0x80, 0xc8, 0x00, 0x06], 'rtp-rtcp'],
    ['RTP with padding, extension and 15 CSRCs', [0xbf, 0x60, 0x00, 0x01], 'rtp-rtcp'],
    ['QUIC v1 Initial (long header)', [0xc3, 0x00, 0x00, 0x00, 0x01], 'quic'],
  ];
  for (const [what, bytes, kind] of packets) assert.equal(classifyPacket(Uint8Array.from(bytes)), kind, what);
});

test('classifyPacket answers unknown for an empty packet and reads only the first byte', () => {
  assert.equal(classifyPacket(new Uint8Array(0)), 'unknown');
  assert.equal(classifyPacket(Uint8Array.of(0x00)), 'stun');
  assert.equal(classifyPacket(Uint8Array.of(0x16)), 'dtls');
  assert.equal(classifyPacket(Uint8Array.of(0x80)), 'rtp-rtcp');
  // What follows the first byte does not matter: a STUN-looking tail after an RTP byte is RTP.
  assert.equal(classifyPacket(Uint8Array.of(0x80, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42)), 'rtp-rtcp');
});
