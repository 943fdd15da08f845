import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeChannelData, decodeMessage, encodeMessage, getAttribute, RFC5766_MAX_CHANNEL_NUMBER } from '../../src/stun/index.ts';
import { Attr, Method, MessageClass } from '../../src/stun/types.ts';
import {
  channelDataTemplate,
  dataLengthAt,
  relayedDataOffset,
  sendIndicationTemplate,
  stampClient,
  stampSeq,
  stampTime,
  stampTransactionId,
  writeStamp,
  STAMP_LENGTH,
} from '../../src/client/relay-payload.ts';

const peer = { family: 'IPv4' as const, address: '127.0.0.1', port: 3480 };

test('a stamp reads back as written', () => {
  fc.assert(fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.double({ noNaN: true }), (client, seq, time) => {
    const buf = Buffer.alloc(40);
    writeStamp(buf, 7, client, seq, time);
    assert.equal(stampClient(buf, 7), client);
    assert.equal(stampSeq(buf, 7), seq);
    assert.equal(Object.is(stampTime(buf, 7), time), true);
  }));
});

test('the ChannelData template is a valid RFC 8656 §12.4 message, padded to 4 bytes for TCP', () => {
  const udp = channelDataTemplate(0x4001, 170, false);
  assert.equal(udp.bytes.length, 174);
  const d = decodeChannelData(udp.bytes);
  assert.ok(d.ok && d.value.channelNumber === 0x4001 && d.value.data.length === 170);
  const tcp = channelDataTemplate(0x7001, 170, true);
  assert.equal(tcp.bytes.length, 176);
  assert.ok(decodeChannelData(tcp.bytes, RFC5766_MAX_CHANNEL_NUMBER).ok);
  assert.equal(relayedDataOffset(tcp.bytes), 4);
  assert.equal(dataLengthAt(tcp.bytes, 4), 170);
});

test('the Send indication template decodes, with DATA last at dataOffset and the stamped transaction id', () => {
  for (const length of [16, 17, 100, 170, 1203]) {
    const t = sendIndicationTemplate(peer, length, true);
    const buf = Buffer.from(t.bytes);
    writeStamp(buf, t.dataOffset, 3, 9, 1.5);
    stampTransactionId(buf, 3, 9);
    const m = decodeMessage(buf);
    assert.ok(m.ok);
    if (!m.ok) return;
    assert.equal(m.value.method, Method.Send);
    assert.equal(m.value.class, MessageClass.Indication);
    assert.deepEqual(getAttribute(m.value, Attr.XorPeerAddress), peer);
    assert.equal(getAttribute(m.value, Attr.DontFragment), true);
    const data = getAttribute(m.value, Attr.Data)!;
    assert.equal(data.length, length);
    assert.equal(data.byteOffset - buf.byteOffset, t.dataOffset);
    assert.equal(stampSeq(buf, t.dataOffset), 9);
    assert.equal(Buffer.from(m.value.transactionId).readUInt32BE(4), 9);
  }
});

test('relayed data is found in a Data indication (RFC 8656 §10.4) after other attributes', () => {
  const data = Buffer.alloc(40, 0xab);
  const ind = encodeMessage({
    method: Method.Data, class: MessageClass.Indication, transactionId: new Uint8Array(12),
    attributes: [{ type: Attr.XorPeerAddress, value: peer }, { type: Attr.Data, value: data }],
  }, { fingerprint: true });
  const off = relayedDataOffset(ind);
  assert.ok(off > 20);
  assert.equal(dataLengthAt(ind, off), 40);
  assert.deepEqual(ind.subarray(off, off + 40), data);
});

test('anything else has no relayed data: responses, Send indications, short, truncated or foreign datagrams', () => {
  const send = sendIndicationTemplate(peer, 20, false).bytes;
  assert.equal(relayedDataOffset(send), -1, 'a Send indication is what we send, not what we receive');
  const response = encodeMessage({ method: Method.Binding, class: MessageClass.SuccessResponse, transactionId: new Uint8Array(12), attributes: [] });
  assert.equal(relayedDataOffset(response), -1);
  assert.equal(relayedDataOffset(Buffer.from([0x40, 0x00])), -1);
  assert.equal(relayedDataOffset(Buffer.from([0x40, 0x00, 0x00, 0x09, 1, 2])), -1, 'length beyond the datagram');
  assert.equal(relayedDataOffset(Buffer.from([0x80, 0x00, 0x00, 0x00])), -1, 'RTP');
});

test('relayedDataOffset never throws and never points past the datagram', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, dataIndication) => {
    const buf = Buffer.from(bytes);
    // Make a good share of inputs start like a Data indication, so the attribute walk runs.
    if (dataIndication && buf.length >= 8) buf.set([0x00, 0x17, buf[2], buf[3], 0x21, 0x12, 0xa4, 0x42]);
    const off = relayedDataOffset(buf);
    if (off >= 0) assert.ok(off + dataLengthAt(buf, off) <= buf.length);
  }), { numRuns: 2000 });
  assert.ok(STAMP_LENGTH === 16);
});
