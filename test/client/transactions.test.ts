import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage } from '../../src/stun/index.ts';
import { Attr, Method, MessageClass } from '../../src/stun/types.ts';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';
import { ClientTransactions, newTransactionId } from '../../src/client/transactions.ts';

function bindingRequest(id: Uint8Array) {
  return { method: Method.Binding, class: MessageClass.Request, transactionId: id, attributes: [] };
}

function successFor(id: Uint8Array): Buffer {
  return encodeMessage({
    method: Method.Binding,
    class: MessageClass.SuccessResponse,
    transactionId: id,
    attributes: [{ type: Attr.XorMappedAddress, value: { family: 'IPv4', address: '127.0.0.1', port: 4000 } }],
  });
}

test('an answer with the transaction id resolves the request; other datagrams are not taken', async () => {
  const table = new ClientTransactions(false);
  const id = newTransactionId();
  const sent: Buffer[] = [];
  const answer = table.request(bindingRequest(id), (b) => sent.push(b));
  assert.equal(sent.length, 1);
  assert.equal(table.size, 1);
  assert.equal(table.handle(successFor(newTransactionId())), false, 'another transaction');
  assert.equal(table.handle(Buffer.from([0x40, 0x00, 0x00, 0x00])), false, 'ChannelData');
  assert.equal(table.handle(sent[0]), false, 'a request is not an answer');
  assert.equal(table.handle(successFor(id)), true);
  const m = await answer;
  assert.equal(m.class, MessageClass.SuccessResponse);
  assert.equal(table.size, 0);
  assert.equal(table.handle(successFor(id)), false, 'a retransmitted answer finds nobody waiting');
});

test('over UDP a request is retransmitted with a doubling timeout, then times out', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const table = new ClientTransactions(false);
  let sends = 0;
  const answer = table.request(bindingRequest(newTransactionId()), () => sends++, {}, { rto: 100, tries: 3 });
  assert.equal(sends, 1);
  t.mock.timers.tick(99);
  assert.equal(sends, 1);
  t.mock.timers.tick(1);
  assert.equal(sends, 2);
  t.mock.timers.tick(199);
  assert.equal(sends, 2);
  t.mock.timers.tick(1);
  assert.equal(sends, 3);
  t.mock.timers.tick(400);
  await assert.rejects(answer, (e: unknown) => e instanceof TurnpikeError && e.code === ErrorCode.TIMEOUT);
  assert.equal(sends, 3);
  assert.equal(table.size, 0);
});

test('over TCP a request is sent once and waits as long as the UDP schedule would', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const table = new ClientTransactions(true);
  let sends = 0;
  const answer = table.request(bindingRequest(newTransactionId()), () => sends++, {}, { rto: 100, tries: 3 });
  t.mock.timers.tick(699);
  assert.equal(sends, 1);
  t.mock.timers.tick(1);
  await assert.rejects(answer, (e: unknown) => e instanceof TurnpikeError && e.code === ErrorCode.TIMEOUT);
  assert.equal(sends, 1);
});

test('close rejects every waiting request', async () => {
  const table = new ClientTransactions(false);
  const a = table.request(bindingRequest(newTransactionId()), () => {});
  const b = table.request(bindingRequest(newTransactionId()), () => {});
  table.close();
  await assert.rejects(a, TurnpikeError);
  await assert.rejects(b, TurnpikeError);
  assert.equal(table.size, 0);
});
