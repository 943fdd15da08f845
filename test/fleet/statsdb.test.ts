/**
 * redis-statsdb against a real Redis: the status key appears with coturn's value and an
 * expiry, is rewritten on Refresh and deleted at the end; a PSUBSCRIBE sees coturn's messages
 * (status, traffic, traffic/peer, total_traffic, total_traffic/peer) in coturn's format.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { EchoPeer, HOST, peerAt, startServer, UdpClient, type TestServer } from '../server/wire.ts';
import { CONN, TAG, Recorder, cleanUp, redisClient, skipRedis, until } from './fleet-fixtures.ts';
import { parseStatusKey, parseTrafficValue } from '../../src/fleet/statsdb-format.ts';

const realm = `stats-${TAG}.example`;

describe('redis-statsdb', { skip: skipRedis }, () => {
  const redis = redisClient();
  after(async () => {
    await cleanUp();
    redis.disconnect();
  });

  it('publishes an allocation\'s life in coturn\'s layout', async () => {
    const rec = await new Recorder().start(`turn/realm/${realm}/user/*/allocation/*`);
    let t: TestServer | undefined;
    const peer = await new EchoPeer().start();
    const client = new UdpClient();
    try {
      t = await startServer(['--realm', realm, '--redis-statsdb', CONN, '--max-allocate-lifetime=900', '--allow-loopback-peers']);
      await client.connect(t.port);
      assert.equal((await client.allocate()).class, MessageClass.SuccessResponse);
      const key = await until('the status key', async () => (await redis.keys(`turn/realm/${realm}/user/alice/allocation/*/status`))[0]);
      const where = parseStatusKey(key)!;
      assert.match(where.id, /^\d{18}$/);
      assert.equal(where.id, t.server.fleet!.statsdb!.sessionIdOf(t.server.core.allocations()[0].id));
      const clientPort = client.socket.address().port;
      const created = `new lifetime=600, type=UDP, local=${HOST}:${t.port}, remote=${HOST}:${clientPort}, ssl=NONE, cipher=NONE`;
      assert.equal(await redis.get(key), created);
      const ttl = await redis.ttl(key);
      assert.ok(ttl > 590 && ttl <= 600, `expires with the allocation (${ttl})`);
      await until('the new status published', () => (rec.on('/status').includes(created) ? true : undefined));

      const answer = await client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 800 }]);
      assert.equal(answer.class, MessageClass.SuccessResponse);
      const granted = getAttribute(answer, Attr.Lifetime)!;
      assert.ok(granted > 600);
      const refreshed = created.replace('new lifetime=600', `refreshed lifetime=${granted}`);
      await until('the refreshed status', async () => ((await redis.get(key)) === refreshed ? true : undefined));
      assert.ok((await redis.ttl(key)) > 600, 'the expiry moved');

      // Relayed traffic: 2100 datagrams each way, more than coturn's 4096-packet report step.
      assert.equal((await client.request(Method.CreatePermission, [{ type: Attr.XorPeerAddress, value: peerAt(peer.port) }])).class, MessageClass.SuccessResponse);
      assert.equal((await client.request(Method.ChannelBind, [{ type: Attr.ChannelNumber, value: 0x4001 }, { type: Attr.XorPeerAddress, value: peerAt(peer.port) }])).class, MessageClass.SuccessResponse);
      for (let sent = 0; sent < 2100; sent += 100) {
        for (let i = 0; i < 100; i++) client.sendRaw(Buffer.from([0x40, 0x01, 0x00, 0x04, 0x70, 0x69, 0x6e, 0x67]));
        await until('the echoes', () => (client.other.length >= sent + 100 ? true : undefined));
      }
      t.server.fleet!.statsdb!.reportTraffic();
      const traffic = await until('a traffic report', () => rec.on('/traffic')[0]);
      assert.deepEqual(parseTrafficValue(traffic), { rcvp: 2100, rcvb: 8400, sentp: 2100, sentb: 8400 });
      assert.deepEqual(parseTrafficValue((await until('a peer traffic report', () => rec.on('/traffic/peer')[0]))), { rcvp: 2100, rcvb: 8400, sentp: 2100, sentb: 8400 });

      client.sendRaw(Buffer.from([0x40, 0x01, 0x00, 0x04, 0x70, 0x69, 0x6e, 0x67]));
      await until('one more echo', () => (client.other.length >= 2101 ? true : undefined));
      assert.equal((await client.request(Method.Refresh, [{ type: Attr.Lifetime, value: 0 }])).class, MessageClass.SuccessResponse);
      await until('the deleted status', () => (rec.on('/status').includes('deleted') ? true : undefined));
      await until('the total traffic', () => rec.on('/total_traffic/peer')[0]);
      assert.equal(await redis.exists(key), 0, 'the status key is gone');
      const base = key.slice(0, -'status'.length);
      const order = rec.messages.filter((m) => m.channel.startsWith(base)).map((m) => `${m.channel.slice(base.length)} ${m.message.split(' ')[0]}`);
      assert.deepEqual(order, [
        'status new', 'status refreshed', 'traffic rcvp=2100,', 'traffic/peer rcvp=2100,',
        'traffic rcvp=1,', 'traffic/peer rcvp=1,', 'status deleted', 'total_traffic rcvp=2101,', 'total_traffic/peer rcvp=2101,',
      ]);
      assert.equal(rec.on('/total_traffic')[0], 'rcvp=2101, rcvb=8404, sentp=2101, sentb=8404');
    } finally {
      rec.close();
      await client.close();
      await peer.close();
      await t?.server.close();
    }
  });
});
