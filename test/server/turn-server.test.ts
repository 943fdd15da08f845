/**
 * Server wiring: a coturn-style command line becomes running UDP and TCP listeners and a relay
 * on 127.0.0.1; a port already taken is a `TurnpikeError` with a stable code; `close()` ends
 * every allocation and frees every socket.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer } from '../../src/server/turn-server.ts';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { HOST, startServer, UdpClient } from './wire.ts';

function bindable(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, HOST, () => s.close(() => resolve(true)));
  });
}

describe('startTurnServer', () => {
  it('listens on UDP and TCP at the configured address and relays from it', async () => {
    const t = await startServer();
    try {
      assert.deepEqual(
        t.server.listeners.map((l) => `${l.protocol} ${l.ip}:${l.port}`).sort(),
        [`tcp ${HOST}:${t.port}`, `udp ${HOST}:${t.port}`],
      );
      assert.deepEqual(t.server.relays, [{ ip: HOST, advertisedIp: HOST }]);
    } finally {
      await t.server.close();
    }
  });

  it('advertises external-ip in XOR-RELAYED-ADDRESS', async () => {
    const t = await startServer(['--external-ip', `203.0.113.9/${HOST}`]);
    const client = await new UdpClient().connect(t.port);
    try {
      const answer = await client.allocate();
      assert.equal(getAttribute(answer, Attr.XorRelayedAddress)?.address, '203.0.113.9');
    } finally {
      await client.close();
      await t.server.close();
    }
  });

  it('fails with TURNPIKE_ERR_LISTEN_FAILED when the port is taken, leaving nothing bound', async () => {
    const t = await startServer();
    try {
      const { config } = loadTurnserverConfig(['-n', '-L', HOST, '-p', String(t.port), '--user', 'alice:secret', '-r', 'example.org']);
      await assert.rejects(startTurnServer(config, { logger: silentLogger }), (err: unknown) => {
        assert.ok(err instanceof TurnpikeError);
        assert.equal(err.code, ErrorCode.LISTEN_FAILED);
        assert.match(err.message, new RegExp(`${HOST}:${t.port}`));
        return true;
      });
    } finally {
      await t.server.close();
    }
  });

  it('close() ends every allocation and frees the listening and relay ports', async () => {
    const t = await startServer();
    const client = await new UdpClient().connect(t.port);
    const answer = await client.allocate();
    assert.equal(answer.class, MessageClass.SuccessResponse);
    const relayPort = getAttribute(answer, Attr.XorRelayedAddress)!.port;
    assert.equal(await bindable(relayPort), false, 'the relay socket is bound while the allocation lives');
    await t.server.close();
    assert.equal(t.server.core.allocationCount, 0);
    assert.equal(t.server.core.counters.allocationsDeleted, 1);
    assert.equal(await bindable(relayPort), true);
    assert.equal(await bindable(t.port), true);
    await client.close();
  });

  it('answers Binding with the SOFTWARE name only when asked, and not at all with no-software-attribute', async () => {
    for (const [extra, expected] of [[[], 'Turnpike'], [['--no-software-attribute'], undefined]] as const) {
      const t = await startServer([...extra]);
      const client = await new UdpClient().connect(t.port);
      try {
        const plain = await client.request(Method.Binding, [], false);
        assert.equal(getAttribute(plain, Attr.Software), undefined);
        const asked = await client.request(Method.Binding, [{ type: Attr.Software, value: 'test client' }], false);
        const software = getAttribute(asked, Attr.Software);
        if (expected === undefined) assert.equal(software, undefined);
        else assert.match(software ?? '', new RegExp(`^${expected}`));
      } finally {
        await client.close();
        await t.server.close();
      }
    }
  });
});
