import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attr, getAttribute, getAttributes, MessageClass, Method, unknownComprehensionRequired, type StunMessage } from '../../src/stun/index.ts';
import { TID } from './helpers.ts';

const peer = (port: number) => ({ family: 'IPv4' as const, address: '192.0.2.7', port });

const msg: StunMessage = {
  method: Method.CreatePermission,
  class: MessageClass.Request,
  transactionId: TID,
  attributes: [
    { type: Attr.XorPeerAddress, value: peer(1) },
    { type: 0x7001, value: Uint8Array.of(1), unknown: true },
    { type: Attr.XorPeerAddress, value: peer(2) },
    { type: 0x8123, value: Uint8Array.of(2), unknown: true },
    { type: 0x7001, value: Uint8Array.of(3), unknown: true },
    { type: 0x0002, value: Uint8Array.of(4), unknown: true },
    { type: Attr.Username, value: Uint8Array.of(0x61), unknown: true },
  ],
};

test('getAttribute returns the first value of a type, undefined when absent', () => {
  assert.deepEqual(getAttribute(msg, Attr.XorPeerAddress), peer(1));
  assert.equal(getAttribute(msg, Attr.Lifetime), undefined);
});

test('getAttributes returns every value of a type in wire order', () => {
  assert.deepEqual(getAttributes(msg, Attr.XorPeerAddress), [peer(1), peer(2)]);
  assert.deepEqual(getAttributes(msg, Attr.Realm), []);
});

test('raw attributes are never returned as typed values', () => {
  assert.equal(getAttribute(msg, Attr.Username), undefined);
});

test('unknownComprehensionRequired lists unknown types below 0x8000 once each, in order', () => {
  assert.deepEqual(unknownComprehensionRequired(msg), [0x7001, 0x0002]);
  assert.deepEqual(unknownComprehensionRequired({ ...msg, attributes: [] }), []);
});
