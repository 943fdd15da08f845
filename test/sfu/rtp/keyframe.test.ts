import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isVp8Keyframe, isVp9Keyframe, isH264Keyframe } from '../../../src/sfu/rtp/keyframe.ts';

test('VP8: start of partition 0 with P=0 is a keyframe (RFC 7741)', () => {
  // X=1,S=1 | I=1 | M=1 picture id 15 bits | payload header P=0
  assert.equal(isVp8Keyframe(Uint8Array.of(0x90, 0x80, 0x80 | 0x12, 0x34, 0x10)), true);
  assert.equal(isVp8Keyframe(Uint8Array.of(0x90, 0x80, 0x80 | 0x12, 0x34, 0x11)), false, 'P=1 interframe');
  assert.equal(isVp8Keyframe(Uint8Array.of(0x80, 0x80, 0x12, 0x10)), false, 'not the start of a partition');
  assert.equal(isVp8Keyframe(Uint8Array.of(0x10, 0x9d)), false);
  assert.equal(isVp8Keyframe(Uint8Array.of(0x10, 0x9c)), true, 'no extension byte');
  assert.equal(isVp8Keyframe(Uint8Array.of(0x90)), false, 'truncated');
});

test('VP9: B=1, P=0, spatial layer 0 (RFC 9628 §4.2)', () => {
  assert.equal(isVp9Keyframe(Uint8Array.of(0x08)), true);
  assert.equal(isVp9Keyframe(Uint8Array.of(0x48)), false, 'inter-predicted');
  assert.equal(isVp9Keyframe(Uint8Array.of(0x00)), false, 'not the beginning of a frame');
  assert.equal(isVp9Keyframe(Uint8Array.of(0xa8, 0x85, 0x00, 0x00)), true, 'I + L, SID 0');
  assert.equal(isVp9Keyframe(Uint8Array.of(0xa8, 0x05, 0x02)), false, 'SID 1');
});

test('H.264: IDR/SPS alone, in STAP-A, or starting an FU-A (RFC 6184)', () => {
  assert.equal(isH264Keyframe(Uint8Array.of(0x65, 0)), true);
  assert.equal(isH264Keyframe(Uint8Array.of(0x67, 0)), true);
  assert.equal(isH264Keyframe(Uint8Array.of(0x41, 0)), false);
  assert.equal(isH264Keyframe(Uint8Array.of(0x78, 0, 2, 0x67, 0, 0, 2, 0x68, 0)), true);
  assert.equal(isH264Keyframe(Uint8Array.of(0x78, 0, 2, 0x41, 0)), false);
  assert.equal(isH264Keyframe(Uint8Array.of(0x7c, 0x85, 0)), true);
  assert.equal(isH264Keyframe(Uint8Array.of(0x7c, 0x05, 0)), false, 'FU-A continuation');
});
