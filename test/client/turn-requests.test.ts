import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { restApiPassword } from '../../src/auth/rest-api.ts';
import { decodeMessage, encodeMessage, getAttribute, verifyMessageIntegrity } from '../../src/stun/index.ts';
import { Attr, Method, MessageClass, type StunAttribute, type StunMessage } from '../../src/stun/types.ts';
import {
  allocateAttributes,
  channelBindAttributes,
  channelNumberFor,
  createPermissionAttributes,
  decideAuth,
  describeError,
  initialAuth,
  readAllocateSuccess,
  refreshAttributes,
  restCredentials,
  signedRequest,
  transportAddress,
} from '../../src/client/turn-requests.ts';

const ID = new Uint8Array(12).fill(7);
const ling = { username: 'ling', password: 'ling1234' };

function errorAnswer(code: number, reason: string, extra: StunAttribute[] = []): StunMessage {
  return { method: Method.Allocate, class: MessageClass.ErrorResponse, transactionId: ID, attributes: [{ type: Attr.ErrorCode, value: { code, reason } }, ...extra] };
}

const challenge = errorAnswer(401, 'Unauthorized', [
  { type: Attr.Realm, value: 'demo' },
  { type: Attr.Nonce, value: 'n-1' },
]);

test('REST API credentials are "<expiry>:<user>" and base64 HMAC-SHA1 of it under the secret', () => {
  const c = restCredentials('north', 'bob', ':', 1_700_000_000_000, 3600);
  assert.equal(c.username, '1700003600:bob');
  assert.equal(c.password, restApiPassword('north', '1700003600:bob'));
  assert.equal(restCredentials('north', undefined, ':', 1_700_000_000_500, 60).username, '1700000060');
  assert.equal(restCredentials('north', 'bob', '-', 0, 10).username, '10-bob');
});

test('before the first challenge a request goes without credentials; after it with USERNAME, REALM, NONCE and a valid MESSAGE-INTEGRITY', () => {
  const first = signedRequest(Method.Allocate, allocateAttributes({}), initialAuth(ling), ID);
  assert.equal(first.opts.integrityKey, undefined);
  assert.equal(getAttribute(first.msg, Attr.Username), undefined);
  const d = decideAuth(challenge, initialAuth(ling), 1);
  assert.equal(d.kind, 'retry');
  if (d.kind !== 'retry') return;
  assert.deepEqual(d.auth.key, longTermKey('ling', 'demo', 'ling1234'));
  const second = signedRequest(Method.Allocate, allocateAttributes({}), d.auth, ID);
  const bytes = encodeMessage(second.msg, second.opts);
  const decoded = decodeMessage(bytes);
  assert.ok(decoded.ok);
  if (!decoded.ok) return;
  assert.equal(getAttribute(decoded.value, Attr.Username), 'ling');
  assert.equal(getAttribute(decoded.value, Attr.Realm), 'demo');
  assert.equal(getAttribute(decoded.value, Attr.Nonce), 'n-1');
  assert.ok(verifyMessageIntegrity(decoded.value, longTermKey('ling', 'demo', 'ling1234')));
});

test('a 401 to a request that carried credentials means they are wrong; without credentials the client says what to pass', () => {
  const d = decideAuth(challenge, initialAuth(ling), 1);
  assert.equal(d.kind, 'retry');
  if (d.kind !== 'retry') return;
  const again = decideAuth(challenge, d.auth, 2);
  assert.equal(again.kind, 'fail');
  assert.equal(again.kind === 'fail' && again.code, 401);
  const none = decideAuth(challenge, initialAuth(undefined), 1);
  assert.ok(none.kind === 'fail' && /-u and -w, or -W/.test(none.reason));
});

test('a 438 Stale Nonce is retried with the new nonce a few times, then taken as the answer', () => {
  const first = decideAuth(challenge, initialAuth(ling), 1);
  assert.equal(first.kind, 'retry');
  if (first.kind !== 'retry') return;
  const stale = errorAnswer(438, 'Stale Nonce', [{ type: Attr.Nonce, value: 'n-2' }, { type: Attr.Realm, value: 'demo' }]);
  const d = decideAuth(stale, first.auth, 2);
  assert.equal(d.kind, 'retry');
  assert.equal(d.kind === 'retry' && d.auth.nonce, 'n-2');
  assert.equal(decideAuth(stale, first.auth, 4).kind, 'answer');
});

test('successes and other errors are answers for the caller', () => {
  const ok: StunMessage = { method: Method.Allocate, class: MessageClass.SuccessResponse, transactionId: ID, attributes: [] };
  assert.equal(decideAuth(ok, initialAuth(ling), 1).kind, 'answer');
  assert.equal(decideAuth(errorAnswer(486, 'Allocation Quota Reached'), initialAuth(ling), 1).kind, 'answer');
  assert.equal(describeError(errorAnswer(400, 'Bad Request')), '400 Bad Request');
});

test('Allocate asks for a UDP relay; a RESERVATION-TOKEN excludes EVEN-PORT and REQUESTED-ADDRESS-FAMILY (RFC 8656 §7.1)', () => {
  assert.deepEqual(allocateAttributes({}), [{ type: Attr.RequestedTransport, value: 17 }]);
  const rtp = allocateAttributes({ family: 'IPv6', reserveNextPort: true, dontFragment: true, lifetime: 300 });
  assert.deepEqual(rtp.map((a) => a.type), [Attr.RequestedTransport, Attr.Lifetime, Attr.EvenPort, Attr.RequestedAddressFamily, Attr.DontFragment]);
  const token = new Uint8Array(8).fill(1);
  const rtcp = allocateAttributes({ family: 'IPv6', reserveNextPort: true, reservationToken: token });
  assert.deepEqual(rtcp.map((a) => a.type), [Attr.RequestedTransport, Attr.ReservationToken]);
});

test('Refresh, CreatePermission and ChannelBind carry what RFC 8656 §7.2, §9.1 and §11.1 ask for', () => {
  const peer = transportAddress('127.0.0.1', 3480)!;
  assert.deepEqual(refreshAttributes(0), [{ type: Attr.Lifetime, value: 0 }]);
  assert.deepEqual(createPermissionAttributes([peer]), [{ type: Attr.XorPeerAddress, value: peer }]);
  assert.deepEqual(channelBindAttributes(0x4001, peer), [{ type: Attr.ChannelNumber, value: 0x4001 }, { type: Attr.XorPeerAddress, value: peer }]);
  assert.deepEqual(transportAddress('::0001', 5), { family: 'IPv6', address: '::1', port: 5 });
  assert.equal(transportAddress('localhost', 5), undefined);
});

test('an Allocate success gives the relayed address, the token and the lifetime', () => {
  const relayed = { family: 'IPv4' as const, address: '127.0.0.1', port: 50000 };
  const token = new Uint8Array(8).fill(9);
  const answer: StunMessage = {
    method: Method.Allocate, class: MessageClass.SuccessResponse, transactionId: ID,
    attributes: [{ type: Attr.XorRelayedAddress, value: relayed }, { type: Attr.Lifetime, value: 600 }, { type: Attr.ReservationToken, value: token }],
  };
  assert.deepEqual(readAllocateSuccess(answer), { relayed, mapped: undefined, lifetime: 600, reservationToken: token });
  assert.equal(readAllocateSuccess({ ...answer, attributes: [] }), undefined);
});

test('channel numbers stay in RFC 8656 range by default, and above it with --rfc5766-channels', () => {
  for (let i = 0; i < 20000; i += 97) {
    const n = channelNumberFor(i, false);
    assert.ok(n >= 0x4000 && n <= 0x4fff);
    const old = channelNumberFor(i, true);
    assert.ok(old >= 0x5000 && old <= 0x7fff);
  }
  assert.notEqual(channelNumberFor(0, false), channelNumberFor(1, false));
});
