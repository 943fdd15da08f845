/**
 * TurnClient's credential dance against a scripted server: 401 then 438 then success, a
 * borrowed nonce the server does not take, answers whose integrity does not match, silence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longTermKey } from '../../src/auth/long-term-key.ts';
import { decodeMessage, encodeMessage, getAttribute, verifyMessageIntegrity, type DecodedStunMessage } from '../../src/stun/index.ts';
import { Attr, MessageClass, type StunAttribute } from '../../src/stun/types.ts';
import { ClientTransactions } from '../../src/client/transactions.ts';
import { TurnClient, type AuthCache } from '../../src/client/turn-client.ts';
import type { ServerConnection } from '../../src/client/server-connection.ts';

const KEY = longTermKey('ling', 'demo', 'ling1234');
const RELAYED = { family: 'IPv4' as const, address: '127.0.0.1', port: 50000 };

type Reply = { error: number; nonce?: string } | { success: StunAttribute[]; key?: Uint8Array } | 'silence';

/** A connection whose server answers each request with the next scripted reply. */
function scripted(replies: Reply[]): { conn: ServerConnection; requests: DecodedStunMessage[] } {
  const requests: DecodedStunMessage[] = [];
  const conn: ServerConnection = {
    reliable: false,
    transactions: new ClientTransactions(false),
    onPacket: () => {},
    onSendError: () => {},
    send(bytes) {
      const d = decodeMessage(Buffer.from(bytes));
      assert.ok(d.ok);
      if (!d.ok) return;
      requests.push(d.value);
      const reply = replies.shift() ?? 'silence';
      if (reply === 'silence') return;
      const base = { method: d.value.method, transactionId: d.value.transactionId };
      const answer = 'error' in reply
        ? encodeMessage({
          ...base, class: MessageClass.ErrorResponse,
          attributes: [
            { type: Attr.ErrorCode, value: { code: reply.error, reason: reply.error === 401 ? 'Unauthorized' : 'Stale Nonce' } },
            { type: Attr.Realm, value: 'demo' },
            ...(reply.nonce ? [{ type: Attr.Nonce, value: reply.nonce } as const] : []),
          ],
        })
        : encodeMessage({ ...base, class: MessageClass.SuccessResponse, attributes: reply.success }, { integrityKey: reply.key ?? KEY });
      queueMicrotask(() => conn.transactions.handle(answer));
    },
    close: async () => conn.transactions.close(),
  };
  return { conn, requests };
}

const allocated: StunAttribute[] = [{ type: Attr.XorRelayedAddress, value: RELAYED }, { type: Attr.Lifetime, value: 600 }];

test('401 is answered with credentials, 438 with the new nonce, and the allocation goes through', async () => {
  const { conn, requests } = scripted([{ error: 401, nonce: 'n1' }, { error: 438, nonce: 'n2' }, { success: allocated }]);
  const cache: AuthCache = { auth: undefined };
  const r = await new TurnClient(conn, { username: 'ling', password: 'ling1234' }, {}, cache).allocate({});
  assert.ok(r.ok);
  assert.deepEqual(r.ok && r.value.relayed, RELAYED);
  assert.deepEqual(requests.map((q) => getAttribute(q, Attr.Nonce)), [undefined, 'n1', 'n2']);
  assert.ok(verifyMessageIntegrity(requests[2], KEY));
  assert.equal(cache.auth?.nonce, 'n2', 'later clients start from what this one learnt');
});

test('a borrowed nonce the server refuses with 401 is replaced by its own challenge', async () => {
  const cache: AuthCache = { auth: { credentials: { username: 'ling', password: 'ling1234' }, realm: 'demo', nonce: 'someone-elses', key: KEY } };
  const { conn, requests } = scripted([{ error: 401, nonce: 'mine' }, { success: allocated }]);
  const r = await new TurnClient(conn, { username: 'ling', password: 'ling1234' }, {}, cache).allocate({});
  assert.ok(r.ok);
  assert.deepEqual(requests.map((q) => getAttribute(q, Attr.Nonce)), ['someone-elses', 'mine']);
});

test('a wrong password ends in a 401 failure after one retry', async () => {
  const { conn, requests } = scripted([{ error: 401, nonce: 'n1' }, { error: 401, nonce: 'n1' }]);
  const r = await new TurnClient(conn, { username: 'ling', password: 'nope' }).allocate({});
  assert.deepEqual(r.ok ? undefined : [r.code, /Unauthorized/.test(r.reason)], [401, true]);
  assert.equal(requests.length, 2);
});

test('an answer whose MESSAGE-INTEGRITY does not match the key is not believed', async () => {
  const { conn } = scripted([{ error: 401, nonce: 'n1' }, { success: allocated, key: longTermKey('ling', 'demo', 'other') }]);
  const r = await new TurnClient(conn, { username: 'ling', password: 'ling1234' }).allocate({});
  assert.ok(!r.ok && /MESSAGE-INTEGRITY/.test(r.reason));
});

test('a success without XOR-RELAYED-ADDRESS, an error, and silence are failures with reasons', async () => {
  const noRelay = scripted([{ success: [] }]);
  const a = await new TurnClient(noRelay.conn, undefined).allocate({});
  assert.ok(!a.ok && /XOR-RELAYED-ADDRESS/.test(a.reason));
  const silent = scripted(['silence']);
  const b = await new TurnClient(silent.conn, undefined, { rto: 1, tries: 2 }).refresh(0);
  assert.ok(!b.ok && b.code === 0 && /no answer/.test(b.reason));
  assert.equal(silent.requests.length, 2, 'sent twice');
  const refused = scripted([{ error: 438 }]);
  const c = await new TurnClient(refused.conn, undefined).createPermission([RELAYED]);
  assert.ok(!c.ok && c.code === 438);
});
