/**
 * The node-to-node relay messages: every kind round-trips through encode and decode, and
 * malformed messages come back as reasons, never as exceptions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRelay, encodeRelay, type RelayMessage } from '../../src/sfu/cluster/relay-protocol.ts';

const valid: RelayMessage[] = [
  { kind: 'call', from: 'node-a', ref: 'r1', req: 1, method: 'join', params: { sid: 'room', uid: 'u', offer: { type: 'offer', sdp: 'v=0' } } },
  { kind: 'call', from: 'node-a', ref: 'r1', req: null, method: 'trickle', params: { target: 0, candidate: { candidate: 'candidate:1' } } },
  { kind: 'leave', from: 'node-a', ref: 'r1' },
  { kind: 'reply', ref: 'r1', req: 1, ok: true, sdp: 'v=0' },
  { kind: 'reply', ref: 'r1', req: 2, ok: true, sdp: null },
  { kind: 'reply', ref: 'r1', req: 3, ok: false, error: 'no rtc transport exists for this Peer' },
  { kind: 'moved', ref: 'r1', req: 4 },
  { kind: 'notify', ref: 'r1', method: 'offer', params: { type: 'offer', sdp: 'v=0' } },
  { kind: 'ended', ref: 'r1', reason: 'the room moved to another node' },
];

test('every relay message survives encode → decode', () => {
  for (const m of valid) assert.deepEqual(decodeRelay(encodeRelay(m)), { ok: true, msg: m });
});

test('malformed relay messages are refused with a reason', () => {
  const bad = [
    'not json',
    '[]',
    'null',
    '{"kind":"call","from":"n","ref":"r","req":1,"method":"subscribe"}',
    '{"kind":"call","ref":"r","req":1,"method":"join"}',
    '{"kind":"call","from":"n","ref":"r","req":-1,"method":"join"}',
    '{"kind":"reply","ref":"r","req":1,"ok":true,"sdp":5}',
    '{"kind":"reply","ref":"r","req":1,"ok":false}',
    '{"kind":"notify","ref":"r","method":"join"}',
    '{"kind":"moved","ref":"r"}',
    '{"kind":"leave","ref":""}',
    '{"kind":"whatever","ref":"r"}',
  ];
  for (const text of bad) {
    const d = decodeRelay(text);
    assert.equal(d.ok, false, text);
    assert.ok(!d.ok && d.error.length > 0);
  }
});
