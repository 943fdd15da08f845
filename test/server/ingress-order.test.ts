/**
 * One client's requests are handled in the order they came, even when one of them waits for
 * its credentials (src/server/ingress.ts): a Refresh carrying an access token under a kid the
 * server has not read yet (RFC 7635) waits for the key's database read, and the requests the
 * client signed with the token's new MAC key right behind it (as `turnutils_uclient -J` sends
 * them) wait behind it, instead of being checked against the allocation's old key first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { KeyLookup } from '../../src/auth/credential-store.ts';
import type { AccessTokenAuthority } from '../../src/auth/oauth-credentials.ts';
import { decodeMessage, encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type StunAttribute } from '../../src/stun/types.ts';
import { FakeTransport, TurnHarness } from '../helpers/turn-harness.ts';

const IP = '198.51.100.20';
const PORT = 40000;
const PEER = { family: 'IPv4' as const, address: '203.0.113.5', port: 5000 };

test('requests signed with a new token\'s key wait behind the Refresh that brings it, and are answered in order', async () => {
  const mac1 = randomBytes(20);
  const mac2 = randomBytes(20);
  // The key of kid "north" is known; "south"'s is read from the database when first asked for.
  let release: () => void = () => {};
  const read = new Promise<void>((resolve) => (release = resolve));
  const tokens: AccessTokenAuthority = {
    lookup(kid): KeyLookup | Promise<KeyLookup> {
      if (kid === 'north') return { keys: [mac1], username: 'north', oauth: true };
      return read.then(() => ({ keys: [mac2], username: 'south', oauth: true }));
    },
  };
  const bench = new TurnHarness({ core: { oauth: true }, tokens });
  const transport = new FakeTransport();
  let nonce = '';
  const answers = () =>
    transport.sent.map((d) => {
      const m = decodeMessage(d.data);
      assert.ok(m.ok);
      return m.value;
    });
  const send = (method: number, attrs: StunAttribute[], sign?: { kid: string; key: Uint8Array; token?: boolean }) => {
    const all = [...attrs];
    if (sign) {
      if (sign.token) all.push({ type: Attr.AccessToken, value: new Uint8Array([1, 2, 3, 4]) });
      all.push({ type: Attr.Username, value: sign.kid }, { type: Attr.Realm, value: bench.realm }, { type: Attr.Nonce, value: nonce });
    }
    const tid = randomBytes(12);
    bench.deliver(transport, IP, PORT, encodeMessage({ method, class: MessageClass.Request, transactionId: tid, attributes: all }, sign ? { integrityKey: sign.key } : {}));
    return Buffer.from(tid).toString('hex');
  };
  const codeOf = (tid: string): number | undefined => {
    const m = answers().find((a) => Buffer.from(a.transactionId).toString('hex') === tid);
    if (!m) return undefined;
    return m.class === MessageClass.SuccessResponse ? 200 : getAttribute(m, Attr.ErrorCode)?.code;
  };

  send(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }]);
  nonce = getAttribute(answers()[0]!, Attr.Nonce) ?? '';
  const allocate = send(Method.Allocate, [{ type: Attr.RequestedTransport, value: 17 }], { kid: 'north', key: mac1, token: true });
  assert.equal(codeOf(allocate), 200);

  const refresh = send(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }], { kid: 'south', key: mac2, token: true });
  const permit = send(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: PEER }], { kid: 'south', key: mac2 });
  const binding = send(Method.Binding, []);
  assert.equal(codeOf(refresh), undefined, 'the Refresh waits for its key');
  assert.equal(codeOf(permit), undefined, 'the CreatePermission waits behind it');
  assert.equal(codeOf(binding), undefined, 'so does a Binding from the same client');

  release();
  await read;
  await new Promise((r) => setImmediate(r));
  assert.equal(codeOf(refresh), 200);
  assert.equal(codeOf(permit), 200, 'checked with the new key, after the Refresh switched to it');
  assert.equal(codeOf(binding), 200);
  const order = answers().map((a) => Buffer.from(a.transactionId).toString('hex')).slice(-3);
  assert.deepEqual(order, [refresh, permit, binding], 'answered in the order sent');

  // Another client is never held up by this one's wait.
  const other = new FakeTransport();
  bench.deliver(other, IP, PORT + 1, encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: randomBytes(12), attributes: [] }));
  assert.equal(other.sent.length, 1);
});
