// The trickle-ICE page's verdict logic, fed what Chromium 156 really reported against coturn
// on loopback (candidates and icecandidateerror events recorded while writing the page).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeServers, summarize, isPrivate, type SeenCandidate, type SeenError } from '../../public/trickle-ice/verdict.js';
import { parseIceUrl, iceUrlProblem } from '../../public/trickle-ice/ice-url.js';
import { splitPriority } from '../../public/trickle-ice/priority.js';

const host = (address: string, port: number, protocol = 'udp'): SeenCandidate => ({ type: 'host', address, port, protocol, url: '' });
const HOSTS = [host('127.0.0.1', 50571), host('192.0.2.2', 41666), host('127.0.0.1', 9, 'tcp')];
const TURN = { username: 'user', password: 'pass' };
const judge = (servers: { url: string; username?: string; password?: string }[], candidates: SeenCandidate[], errors: SeenError[] = [], policy: 'all' | 'relay' = 'all', complete = true) =>
  judgeServers({ servers, candidates, errors, policy, complete });

test('a srflx candidate proves STUN and says where the server sees you', () => {
  const srflx: SeenCandidate = { type: 'srflx', address: '198.51.100.7', port: 47924, protocol: 'udp', url: 'stun:stun.example.org:3478' };
  const [v] = judge([{ url: 'stun:stun.example.org' }], [...HOSTS, srflx]);
  assert.equal(v.state, 'ok');
  assert.equal(v.headline, 'STUN works (srflx from 198.51.100.7:47924)');
  assert.match(v.detail, /public address/);
});

test('on loopback STUN answers without a srflx (Chromium drops it), and the verdict says so plainly', () => {
  const [v] = judge([{ url: 'stun:127.0.0.1:3478' }], HOSTS);
  assert.equal(v.state, 'ok');
  assert.match(v.headline, /^STUN answered — no srflx because the reflexive address equals a host address/);
  assert.match(v.detail, /normal on loopback/);
  assert.equal(judge([{ url: 'stun:127.0.0.1:3478' }], HOSTS, [], 'all', false)[0].state, 'wait');
});

test('a STUN server that never answers: 701 and the usual causes', () => {
  const errors = [{ url: 'stun:127.0.0.1:42151', errorCode: 701, errorText: 'STUN binding request timed out.' }];
  const [v] = judge([{ url: 'stun:127.0.0.1:42151' }], HOSTS, errors);
  assert.equal(v.state, 'fail');
  assert.equal(v.headline, 'No answer from 127.0.0.1:42151');
  assert.match(v.detail, /UDP port 42151 is blocked by a firewall, the server is down/);
  assert.deepEqual(summarize([v], { complete: true, gathering: false }), { state: 'fail', text: 'Nothing came back from any server: its port is blocked or the server is down.' });
});

test('relay candidates prove TURN over UDP and over TCP, told apart by the URL transport', () => {
  const udp: SeenCandidate = { type: 'relay', address: '127.0.0.1', port: 21590, protocol: 'udp', url: 'turn:127.0.0.1:60665?transport=udp' };
  const tcp: SeenCandidate = { type: 'relay', address: '127.0.0.1', port: 19376, protocol: 'udp', url: 'turn:127.0.0.1:60665?transport=tcp' };
  const verdicts = judge([{ url: 'turn:127.0.0.1:60665', ...TURN }, { url: 'turn:127.0.0.1:60665?transport=tcp', ...TURN }], [...HOSTS, udp, tcp]);
  assert.deepEqual(verdicts.map((v) => [v.state, v.headline]), [
    ['ok', 'TURN works over UDP (relay 127.0.0.1:21590)'],
    ['ok', 'TURN works over TCP (relay 127.0.0.1:19376)'],
  ]);
  assert.deepEqual(summarize(verdicts, { complete: true, gathering: false }), { state: 'ok', text: 'All 2 servers work.' });
});

test('wrong credentials: the 401 verdict names the usual causes, REST timestamps included', () => {
  const errors = [{ url: 'turn:127.0.0.1:60665?transport=tcp', errorCode: 401, errorText: 'Unauthorized.' }];
  const [v] = judge([{ url: 'turn:127.0.0.1:60665?transport=tcp', username: 'user', password: 'bad' }], HOSTS, errors);
  assert.equal(v.state, 'fail');
  assert.equal(v.headline, 'TURN refused the credentials (401 Unauthorized)');
  assert.match(v.detail, /Wrong username or password/);
  assert.match(v.detail, /seconds, not milliseconds/);
  assert.match(v.detail, /The browser reported: 401 Unauthorized\.$/);
  assert.deepEqual(summarize([v], { complete: true, gathering: false }), { state: 'fail', text: 'The server failed.' });
});

test('a dead TURN server over UDP also times out as STUN; over TCP the connection fails', () => {
  const udpErrors = [
    { url: 'stun:127.0.0.1:42151', errorCode: 701, errorText: 'STUN binding request timed out.' },
    { url: 'turn:127.0.0.1:42151?transport=udp', errorCode: 701, errorText: 'TURN allocate request timed out.' },
  ];
  assert.equal(judge([{ url: 'turn:127.0.0.1:42151', ...TURN }], HOSTS, udpErrors)[0].headline, 'No answer from 127.0.0.1:42151');
  const tcpErrors = [{ url: 'turn:127.0.0.1:55812?transport=tcp', errorCode: 701, errorText: 'Failed to establish connection' }];
  const [v] = judge([{ url: 'turn:127.0.0.1:55812?transport=tcp', ...TURN }], HOSTS, tcpErrors);
  assert.equal(v.headline, 'Could not connect to 127.0.0.1:55812 over TCP');
  assert.match(v.detail, /TCP port 55812 is blocked/);
});

test('no relay and no error: relay ports or external-ip; missing credentials are caught first', () => {
  assert.match(judge([{ url: 'turn:127.0.0.1:3478', ...TURN }], HOSTS)[0].detail, /min-port\.\.max-port.*external-ip/);
  assert.equal(judge([{ url: 'turn:127.0.0.1:3478' }], HOSTS)[0].headline, 'TURN needs a username and a password');
});

test('a private relay address from a public server is a warning about external-ip', () => {
  const relay: SeenCandidate = { type: 'relay', address: '10.0.0.5', port: 50000, protocol: 'udp', url: 'turn:203.0.113.5:3478?transport=udp' };
  const [v] = judge([{ url: 'turn:203.0.113.5:3478', ...TURN }], [...HOSTS, relay]);
  assert.equal(v.state, 'warn');
  assert.match(v.detail, /external-ip/);
});

test('with transport policy relay STUN servers are marked not tested', () => {
  const [v] = judge([{ url: 'stun:127.0.0.1:3478' }], [], [], 'relay');
  assert.equal(v.state, 'skip');
  assert.deepEqual(summarize([v], { complete: true, gathering: false }).state, 'skip');
});

test('other STUN error codes get their meaning; unknown ones are reported as they came', () => {
  const [v] = judge([{ url: 'turn:127.0.0.1:3478', ...TURN }], HOSTS, [{ url: 'turn:127.0.0.1:3478?transport=udp', errorCode: 508, errorText: 'Insufficient Capacity' }]);
  assert.equal(v.headline, 'Insufficient capacity (508)');
  const [w] = judge([{ url: 'turn:127.0.0.1:3478', ...TURN }], HOSTS, [{ url: 'turn:127.0.0.1:3478?transport=udp', errorCode: 599, errorText: 'Odd' }]);
  assert.equal(w.headline, 'The server answered with error 599');
});

test('parseIceUrl applies RFC 7064/7065 defaults and refuses what is not a STUN/TURN URL', () => {
  assert.deepEqual(parseIceUrl('turns:Example.org'), { scheme: 'turns', host: 'example.org', port: 5349, transport: 'tcp', secure: true, isTurn: true });
  assert.deepEqual(parseIceUrl('stun:[::1]:3478'), { scheme: 'stun', host: '::1', port: 3478, transport: 'udp', secure: false, isTurn: false });
  assert.equal(parseIceUrl('turn:h:70000'), null);
  assert.equal(parseIceUrl('http://h'), null);
  assert.equal(parseIceUrl('stun:h?transport=tcp'), null);
  assert.match(iceUrlProblem(''), /Enter a URL/);
  assert.match(iceUrlProblem('https://x'), /must start with stun:/);
  assert.equal(iceUrlProblem('turn:127.0.0.1:3478?transport=tcp'), '');
});

test('priorities split into type preference, local preference and component (RFC 8445 §5.1.2.1)', () => {
  assert.equal(splitPriority(2113937151), '126 | 30 | 1');
  assert.equal(splitPriority(0x7e_ffff_ff), '126 | 65535 | 1');
  assert.equal(splitPriority(16785407), '1 | 31 | 1');
});

test('isPrivate knows loopback, RFC 1918, CGNAT, ULA and link-local', () => {
  for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '::1', 'fd00::2', 'fe80::1']) assert.equal(isPrivate(a), true, a);
  for (const a of ['203.0.113.5', '172.32.0.1', '2001:db8::1', '8.8.8.8']) assert.equal(isPrivate(a), false, a);
});
