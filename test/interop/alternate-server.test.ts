/**
 * Load balancing with 300 Try Alternate (RFC 8489 §10) and coturn's client, which follows
 * ALTERNATE-SERVER: three Turnpike servers on loopback, a front one whose `alternate-server`
 * names the two others. `turnutils_uclient` against the front relays every message through the
 * alternates (the front allocates nothing) in turn; an alternate that stops answering is taken
 * out of rotation by the health checker and comes back when it answers again; and
 * `udp-self-balance` spreads UDP clients over a server's own `aux-server` listeners.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import type { Config } from '../../src/config/types.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { captureLogger } from '../helpers/capture-logger.ts';
import { decodeMessage, encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

const HOST = '127.0.0.1';

interface Started {
  server: RunningTurnServer;
  port: number;
  log: ReturnType<typeof captureLogger>;
}

/**
 * A Turnpike on loopback (user ling:ling1234, realm demo), `shape` adjusting its config; the
 * health checker probes every 100 ms and gives each probe a second (a server under the
 * sanitizers' build can take more than 100 ms to answer, and one miss takes it out).
 */
async function start(shape: (c: Config) => void = () => {}, port?: number): Promise<Started> {
  port ??= await freeUdpTcpPort();
  const range = await freeRange(40);
  const { config } = loadTurnserverConfig([
    '-n', '-L', HOST, '-p', String(port), '--min-port', String(range.min), '--max-port', String(range.max),
    '-a', '-u', 'ling:ling1234', '-r', 'demo', '--allow-loopback-peers', '--rfc5766-channel-numbers',
  ]);
  shape(config);
  const log = captureLogger();
  const server = await startTurnServer(config, { logger: log, alternateHealth: { intervalMs: 100, failuresToDown: 1, timeoutMs: 1000 } });
  return { server, port, log };
}

/** Resolves when `log` has (or gets) an event named `event` about `server`. */
function logged(log: Started['log'], event: string, server: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (log.events.some((e) => e.event === event && e.fields.server === server)) resolve();
      else setImmediate(check);
    };
    check();
  });
}

/** The port an unauthenticated Allocate to `port` is sent on to with 300 Try Alternate. */
async function redirectedTo(port: number): Promise<number | undefined> {
  const socket = createSocket('udp4');
  const tid = randomBytes(12);
  const answer = new Promise<Buffer>((resolve) => socket.on('message', (m) => resolve(m)));
  socket.send(encodeMessage({ method: Method.Allocate, class: MessageClass.Request, transactionId: tid, attributes: [{ type: Attr.RequestedTransport, value: 17 }] }), port, HOST);
  const d = decodeMessage(await answer);
  socket.close();
  assert.ok(d.ok);
  return getAttribute(d.value, Attr.AlternateServer)?.port;
}

function created(s: Started): number {
  return s.server.core.counters.allocationsCreated;
}

describe('300 Try Alternate with turnutils_uclient', { skip: turnutilsMissing }, () => {
  let peer: Launched;
  let a: Started;
  let b: Started;
  let front: Started;
  /**
   * `runs` uclients at once against `port`, 2 clients × 1 message each (the redirection is what counts here), every message relayed.
   * A uclient sends one probing Allocate, follows its 300, and takes all its clients there.
   */
  const uclients = async (port: number, runs: number): Promise<void> => {
    const args = ['-u', 'ling', '-w', 'ling1234', '-e', HOST, '-r', String(peer.port), '-m', '2', '-n', '1', '-l', '120', '-p', String(port), HOST];
    const results = await Promise.all(Array.from({ length: runs }, () => runCoturn('uclient', args)));
    for (const r of results) assertRelayed(r, 2, () => '');
  };

  before(async () => {
    peer = await startTurnutilsPeer([HOST]);
    a = await start();
    b = await start();
    front = await start((c) => {
      c.alternateServers = [{ ip: HOST, port: a.port }, { ip: HOST, port: b.port }];
    });
  });
  after(async () => {
    await peer?.stop();
    for (const s of [front, a, b]) await s?.server.close();
  });

  test('uclient follows ALTERNATE-SERVER: the front allocates nothing, the two alternates in turn do', async () => {
    await uclients(front.port, 2);
    assert.equal(created(front), 0);
    assert.ok(created(a) > 0 && created(b) > 0, `allocations on A: ${created(a)}, on B: ${created(b)}`);
    assert.deepEqual(front.server.core.alternates?.servers().map((s) => s.redirected), [1, 1], 'round-robin');
  });

  test('an alternate that stops answering leaves the rotation; back when it answers again', async () => {
    const bServer = `${HOST}:${b.port}`;
    await b.server.close();
    await logged(front.log, 'alternate-server-down', bServer);
    const before = front.server.core.alternates!.servers().map((s) => s.redirected);
    // Both runs go to A (one sent to the closed B would fail).
    await uclients(front.port, 2);
    assert.deepEqual(front.server.core.alternates!.servers().map((s) => s.redirected), [before[0] + 2, before[1]]);
    assert.equal(created(front), 0);
    b = await start(() => {}, b.port);
    await logged(front.log, 'alternate-server-up', bServer);
    const next = [await redirectedTo(front.port), await redirectedTo(front.port)];
    assert.deepEqual(next.sort(), [a.port, b.port].sort(), 'B is in rotation again');
  });

  test('udp-self-balance: UDP Allocates on the main listener go to the aux-server listeners', async () => {
    const aux1 = await freeUdpTcpPort();
    const aux2 = await freeUdpTcpPort();
    const s = await start((c) => {
      c.auxServers = [{ ip: HOST, port: aux1 }, { ip: '127.0.0.2', port: aux2 }];
      c.udpSelfBalance = true;
    });
    try {
      const listening = s.server.listeners.map((l) => `${l.protocol} ${l.ip}:${l.port}`);
      for (const want of [`udp ${HOST}:${aux1}`, `tcp ${HOST}:${aux1}`, `udp 127.0.0.2:${aux2}`, `tcp 127.0.0.2:${aux2}`]) assert.ok(listening.includes(want), want);
      await uclients(s.port, 2);
      assert.deepEqual(s.server.core.alternates?.servers().map((x) => x.redirected), [1, 1]);
      assert.ok(created(s) >= 2);
    } finally {
      await s.server.close();
    }
  });
});
