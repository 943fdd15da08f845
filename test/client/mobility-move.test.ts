/**
 * RFC 8016 with Turnpike's own client, moving further than `turnutils_uclient -M` does: from
 * 127.0.0.1 to another address, 127.0.0.2 (so the nonce, tied to the client's IP, is
 * challenged again with 438 on the way). After the move the peer hears the client from the
 * same relayed address through the same channel, the client hears the peer on its new socket,
 * and what the old socket sends goes nowhere. On both data planes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectUdp, type ServerConnection } from '../../src/client/server-connection.ts';
import { TurnClient } from '../../src/client/turn-client.ts';
import { decodeChannelData, encodeChannelData } from '../../src/stun/index.ts';
import { EchoPeer, eventually, HOST, startServer } from '../server/wire.ts';

/** The next ChannelData payload `conn` receives, as text. */
function nextChannelData(conn: ServerConnection): Promise<string> {
  return new Promise((resolve) => {
    conn.onPacket = (packet) => {
      const cd = decodeChannelData(packet, 0x4fff);
      if (cd.ok) resolve(Buffer.from(cd.value.data).toString());
    };
  });
}

for (const plane of ['native', 'js'] as const) {
  describe(`a move to another client address with TurnClient.moveTo (${plane} data plane)`, () => {
    it('keeps the relayed address and channel; the old socket is cut off', async () => {
      const previous = process.env.TURNPIKE_DATA_PLANE;
      if (plane === 'js') process.env.TURNPIKE_DATA_PLANE = 'js';
      const t = await startServer(['--mobility', '--allow-loopback-peers']);
      if (plane === 'js') process.env.TURNPIKE_DATA_PLANE = previous;
      const peer = await new EchoPeer().start();
      const oldConn = await connectUdp({ ip: HOST, port: t.port, family: 4, localIp: '127.0.0.1' });
      const newConn = await connectUdp({ ip: HOST, port: t.port, family: 4, localIp: '127.0.0.2' });
      try {
        const client = new TurnClient(oldConn, { username: 'alice', password: 'secret' });
        const allocated = await client.allocate({ mobility: true });
        assert.ok(allocated.ok, JSON.stringify(allocated));
        const ticket = allocated.value.mobilityTicket;
        assert.ok(ticket !== undefined && ticket.length > 0, 'a MOBILITY-TICKET in the Allocate answer');
        const peerAddress = { family: 'IPv4' as const, address: HOST, port: peer.port };
        assert.ok((await client.channelBind(0x4001, peerAddress)).ok);
        const echoed = nextChannelData(oldConn);
        oldConn.send(encodeChannelData(0x4001, Buffer.from('before')));
        assert.equal(await echoed, 'before');

        const moved = await client.moveTo(newConn, ticket);
        assert.ok(moved.ok, JSON.stringify(moved));
        assert.ok(moved.value !== undefined && !Buffer.from(moved.value).equals(Buffer.from(ticket)), 'a new ticket');
        assert.equal(t.server.core.allocations()[0].clientIp, '127.0.0.2');

        // The old socket's ChannelData reaches no one (the server drops it: no allocation there);
        // the new one's comes back to the new socket.
        const drops = () => t.server.core.counters.drops.get('channel-data-no-allocation') ?? 0;
        const dropped = drops();
        oldConn.onPacket = () => assert.fail('nothing more for the old 5-tuple');
        oldConn.send(encodeChannelData(0x4001, Buffer.from('old path')));
        await eventually('the old path dropped', () => (drops() > dropped ? true : undefined));
        const after = nextChannelData(newConn);
        newConn.send(encodeChannelData(0x4001, Buffer.from('after')));
        assert.equal(await after, 'after');
        assert.deepEqual(peer.received.map((b) => b.toString()), ['before', 'after']);
        // A replay of the spent ticket, from yet another socket, is refused.
        const third = await connectUdp({ ip: HOST, port: t.port, family: 4, localIp: '127.0.0.3' });
        const thief = new TurnClient(third, { username: 'alice', password: 'secret' });
        const replay = await thief.moveTo(third, ticket);
        await third.close();
        assert.equal(replay.ok ? 0 : replay.code, 437);
        assert.equal(t.server.core.allocations()[0].clientIp, '127.0.0.2');
      } finally {
        await oldConn.close();
        await newConn.close();
        await peer.close();
        await t.server.close();
      }
    });
  });
}
