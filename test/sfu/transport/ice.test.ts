import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteHostCandidate, toIceServers } from '../../../src/sfu/transport/ice.ts';

test('[[webrtc.iceserver]] URLs become the stack\'s server list (RFC 7064/7065)', () => {
  assert.deepEqual(
    toIceServers([
      { urls: ['stun:stun.example.org', 'stun:[2001:db8::1]:3479'] },
      { urls: ['turn:turn.example.org:3478?transport=tcp', 'turns:turn.example.org'], username: 'u', credential: 'p' },
      { urls: ['http://nope'] },
    ]),
    [
      'stun:stun.example.org:3478',
      'stun:[2001:db8::1]:3479',
      { hostname: 'turn.example.org', port: 3478, username: 'u', password: 'p', relayType: 'TurnTcp' },
      { hostname: 'turn.example.org', port: 5349, username: 'u', password: 'p', relayType: 'TurnTls' },
    ],
  );
});

test('nat1to1 rewrites host candidates to the public address of the same family', () => {
  const host = 'candidate:1 1 UDP 2114977791 10.0.0.5 5004 typ host';
  assert.deepEqual(rewriteHostCandidate(host, ['203.0.113.7', '2001:db8::7']), ['candidate:1 1 UDP 2114977791 203.0.113.7 5004 typ host']);
  assert.deepEqual(rewriteHostCandidate(host, []), [host]);
  const srflx = 'candidate:2 1 UDP 1677729535 198.51.100.1 5004 typ srflx raddr 10.0.0.5 rport 5004';
  assert.deepEqual(rewriteHostCandidate(srflx, ['203.0.113.7']), [srflx]);
});
