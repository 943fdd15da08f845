/**
 * redis-statsdb side by side with coturn's own: the same client (Allocate, Refresh, a few
 * relayed datagrams, Refresh 0) against coturn 4.6 and against Turnpike, each publishing to
 * the same Redis; the status values and the channel names and message shapes must match, with
 * ids, ports and counts taken out. The one difference on purpose: Turnpike's status key expires.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { coturnAvailable, startTurnServer, type TurnServerKind } from '../helpers/coturn.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { EchoPeer, peerAt, UdpClient } from '../server/wire.ts';
import { CONN, TAG, Recorder, cleanUp, redisClient, skipRedis, until } from './fleet-fixtures.ts';

/** What one server published and kept, numbers replaced by N. */
interface Seen {
  statusValue: string;
  ttl: number;
  shapes: string[];
}

const shape = (channel: string, message: string, realm: string): string =>
  `${channel.replace(realm, 'R').replace(/\/allocation\/\d{18}\//, '/allocation/ID/')} ${message.replace(/\d+/g, 'N')}`;

async function lifeOn(kind: TurnServerKind): Promise<Seen> {
  const realm = `${kind}-${TAG}.example`;
  const redis = redisClient();
  const rec = await new Recorder().start(`turn/realm/${realm}/user/*/allocation/*`);
  const server = await startTurnServer(kind, { realm, users: ['alice:secret'], extraArgs: [`--redis-statsdb=${CONN}`] });
  const peer = await new EchoPeer().start();
  const client = await new UdpClient().connect(server.port);
  try {
    assert.equal((await client.allocate()).class, MessageClass.SuccessResponse, server.output());
    const key = await until('the status key', async () => (await redis.keys(`turn/realm/${realm}/user/alice/allocation/*/status`))[0]);
    const statusValue = (await redis.get(key))!;
    const ttl = await redis.ttl(key);
    assert.equal((await client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }])).class, MessageClass.SuccessResponse);
    assert.equal((await client.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(peer.port) }])).class, MessageClass.SuccessResponse);
    assert.equal((await client.request(Method.ChannelBind, [{ type: Attr.ChannelNumber, value: 0x4001 }, { type: Attr.XorPeerAddress, value: peerAt(peer.port) }])).class, MessageClass.SuccessResponse);
    for (let i = 0; i < 3; i++) client.sendRaw(Buffer.from([0x40, 0x01, 0x00, 0x04, 0x70, 0x69, 0x6e, 0x67]));
    await until('the echoes', () => (client.other.length >= 3 ? true : undefined));
    assert.equal((await client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }])).class, MessageClass.SuccessResponse);
    await until('the end of the allocation', () => (rec.on('/total_traffic/peer').length > 0 ? true : undefined));
    await until('the key deleted', async () => ((await redis.exists(key)) === 0 ? true : undefined));
    return { statusValue: statusValue.replace(/\d+/g, 'N'), ttl, shapes: [...new Set(rec.messages.map((m) => shape(m.channel, m.message, realm)))].sort() };
  } finally {
    rec.close();
    redis.disconnect();
    await client.close();
    await peer.close();
    await server.stop();
  }
}

describe('redis-statsdb beside coturn\'s', { skip: skipRedis || (coturnAvailable ? false : 'coturn is not installed') }, () => {
  after(cleanUp);

  it('the same keys, values and messages', async () => {
    const coturn = await lifeOn('coturn');
    const turnpike = await lifeOn('turnpike');
    assert.equal(turnpike.statusValue, coturn.statusValue);
    assert.equal(coturn.statusValue, 'new lifetime=N, type=UDP, local=N.N.N.N:N, remote=N.N.N.N:N, ssl=NONE, cipher=NONE');
    assert.deepEqual(turnpike.shapes, coturn.shapes);
    assert.equal(coturn.shapes.length, 7, 'status new, refreshed, deleted; traffic, traffic/peer; total_traffic, total_traffic/peer');
    assert.equal(coturn.ttl, -1, 'coturn sets no expiry');
    assert.ok(turnpike.ttl > 0, 'Turnpike\'s key expires with the allocation');
  });
});
