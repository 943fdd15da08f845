/**
 * A user database that goes away and comes back, over real sockets: PostgreSQL behind a TCP
 * relay this test can cut. While it is down, allocations made before keep relaying and
 * refreshing (their key is the allocation's), new authentications get 401, and the outage is
 * logged once with the backend and the error (never the password); once it is back, service
 * resumes by itself. A row with a bad key is skipped with a log line naming it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatKeyHex, longTermKey } from '../../src/auth/long-term-key.ts';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { openUserDatabase } from '../../src/db/open.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage } from '../../src/stun/types.ts';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { databaseMissing, scratchDatabase, type ScratchDb } from '../../harness/databases.ts';
import { captureLogger } from '../helpers/capture-logger.ts';
import { EchoPeer, HOST, peerAt, REALM, UdpClient } from './wire.ts';

/** A TCP relay to PostgreSQL that can be cut (every connection dropped, the port closed) and restored. */
class Cuttable {
  readonly port: number;
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  constructor(port: number) {
    this.port = port;
  }
  async open(): Promise<void> {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.#server!.listen(this.port, '127.0.0.1', resolve));
  }
  async cut(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }
}

const code = (m: DecodedStunMessage): number => (m.class === MessageClass.SuccessResponse ? 0 : (getAttribute(m, Attr.ErrorCode)?.code ?? -1));

describe('a PostgreSQL user database that goes away and comes back', async () => {
  const missing = await databaseMissing('postgresql');
  let db: ScratchDb;
  let relay: Cuttable;
  let server: RunningTurnServer;
  let port: number;
  let peer: EchoPeer;
  const log = captureLogger();

  before(async () => {
    if (missing) return;
    db = await scratchDatabase('postgresql');
    const writer = await openUserDatabase({ kind: 'postgresql', connection: db.connection });
    await writer.setUserKey(REALM, 'alice', formatKeyHex(longTermKey('alice', REALM, 'secret')).slice(2));
    await writer.setUserKey(REALM, 'broken', 'abc123');
    await writer.close();
    relay = new Cuttable(await freeTcpPort());
    await relay.open();
    port = await freeUdpTcpPort();
    const range = await freeRange(8);
    const conn = db.connection.replace('port=5432', `port=${relay.port}`) + ' password=hunter2-never-logged';
    const { config } = loadTurnserverConfig([
      '-n', '--listening-ip', HOST, '--listening-port', String(port), '--min-port', String(range.min), '--max-port', String(range.max),
      '--realm', REALM, '--lt-cred-mech', `--psql-userdb=${conn}`, '--allow-loopback-peers',
    ]);
    server = await startTurnServer(config, { logger: log });
    peer = await new EchoPeer().start();
  });
  after(async () => {
    await server?.close();
    await peer?.close();
    await relay?.cut();
    await db?.drop();
  });

  test('allocations keep relaying and refreshing; new authentications get 401; one log line per outage; it recovers', { skip: missing }, async () => {
    const alice = await new UdpClient('alice', 'secret').connect(port);
    assert.equal(code(await alice.allocate()), 0);
    assert.equal(code(await alice.request(Method.ChannelBind, [{ type: Attr.ChannelNumber, value: 0x4001 }, { type: Attr.XorPeerAddress, value: peerAt(peer.port) }])), 0);
    const relayOnce = async (text: string): Promise<void> => {
      const payload = Buffer.from(text);
      const frame = Buffer.alloc(4 + payload.length);
      frame.writeUInt16BE(0x4001, 0);
      frame.writeUInt16BE(payload.length, 2);
      payload.copy(frame, 4);
      alice.sendRaw(frame);
      const back = await alice.nextRelayed();
      assert.equal(back.subarray(4).toString(), text);
    };
    await relayOnce('before');

    const broken = await new UdpClient('broken', 'whatever').connect(port);
    assert.equal(code(await broken.allocate()), 401);
    assert.ok(log.events.some((e) => e.event === 'user-database-bad-row' && /name=broken/.test(String(e.fields.row))), 'the bad row is named');
    await broken.close();

    await relay.cut();
    for (let i = 0; i < 3; i++) {
      const bob = await new UdpClient('alice', 'secret').connect(port);
      assert.equal(code(await bob.allocate()), 401, 'a new authentication fails while the database is down');
      await bob.close();
    }
    assert.equal(code(await alice.request(Method.Refresh, [{ type: Attr.Lifetime, value: 600 }])), 0, 'the allocation refreshes');
    await relayOnce('during');
    const down = log.events.filter((e) => e.event === 'user-database-down');
    assert.equal(down.length, 1, 'logged once per outage');
    assert.match(String(down[0].fields.backend), /^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/turnpike_/);
    assert.ok(!JSON.stringify(log.events).includes('hunter2-never-logged'), 'the password is never logged');

    await relay.open();
    let ok = false;
    for (let i = 0; i < 40 && !ok; i++) {
      const carol = await new UdpClient('alice', 'secret').connect(port);
      ok = code(await carol.allocate()) === 0;
      await carol.close();
      if (!ok) await sleep(500);
    }
    assert.ok(ok, 'service comes back by itself');
    assert.equal(log.events.filter((e) => e.event === 'user-database-up').length, 1);
    await relayOnce('after');
    await alice.close();
  });
});
