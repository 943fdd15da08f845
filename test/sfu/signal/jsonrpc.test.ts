import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeError, encodeNotification, encodeResult, RpcErrorCode } from '../../../src/sfu/signal/jsonrpc.ts';

test('requests, notifications and responses are told apart by id and method', () => {
  assert.deepEqual(decodeFrame('{"method":"join","params":{"sid":"a"},"id":"u-1"}'), { kind: 'request', id: 'u-1', method: 'join', params: { sid: 'a' } });
  assert.deepEqual(decodeFrame('{"jsonrpc":"2.0","method":"join","params":{},"id":7}'), { kind: 'request', id: 7, method: 'join', params: {} });
  assert.deepEqual(decodeFrame('{"method":"trickle","params":{"target":0}}'), { kind: 'notification', method: 'trickle', params: { target: 0 } });
  assert.deepEqual(decodeFrame('{"method":"answer","params":{},"id":null}'), { kind: 'notification', method: 'answer', params: {} });
  assert.equal(decodeFrame('{"id":1,"result":null}').kind, 'response');
});

test('malformed frames become error values with JSON-RPC codes', () => {
  const cases: [string, number, string | number | null][] = [
    ['{not json', RpcErrorCode.parseError, null],
    ['[1,2]', RpcErrorCode.invalidRequest, null],
    ['"join"', RpcErrorCode.invalidRequest, null],
    ['{"method":5,"id":3}', RpcErrorCode.invalidRequest, 3],
    ['{"method":"join","id":{"x":1}}', RpcErrorCode.invalidRequest, null],
    ['{"jsonrpc":"1.0","method":"join","id":2}', RpcErrorCode.invalidRequest, 2],
  ];
  for (const [text, code, id] of cases) {
    const m = decodeFrame(text);
    assert.equal(m.kind, 'invalid', text);
    if (m.kind === 'invalid') {
      assert.equal(m.error.code, code, text);
      assert.equal(m.id, id, text);
    }
  }
});

test('outgoing frames have ion-sfu shapes', () => {
  assert.deepEqual(JSON.parse(encodeResult('x', { type: 'answer', sdp: 'v=0' })), { id: 'x', result: { type: 'answer', sdp: 'v=0' }, jsonrpc: '2.0' });
  assert.deepEqual(JSON.parse(encodeError('x', { code: 500, message: 'boom' })), { id: 'x', error: { code: 500, message: 'boom', data: null }, jsonrpc: '2.0' });
  assert.deepEqual(JSON.parse(encodeNotification('offer', { type: 'offer', sdp: 'v=0' })), { method: 'offer', params: { type: 'offer', sdp: 'v=0' }, jsonrpc: '2.0' });
});

test('decodeFrame never throws', () => {
  fc.assert(fc.property(fc.string(), (s) => void decodeFrame(s)));
  fc.assert(fc.property(fc.json(), (s) => void decodeFrame(s)));
});
