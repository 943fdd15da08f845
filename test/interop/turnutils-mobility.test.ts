/**
 * RFC 8016 mobility with coturn's client: `turnutils_uclient -M` asks for a MOBILITY-TICKET in
 * its Allocate, then reopens its socket (a new local port: a new 5-tuple) and sends the Refresh
 * with the ticket from there — twice, 10 ms apart, reading two answers — and relays its
 * ChannelData from the new port. Against `turnpike turnserver --mobility`, on the default data
 * plane and on the `js` one, and over TCP (where uclient may close the old connection first:
 * the allocation waits for its ticket): every allocation moves (the server logs each move),
 * every message comes back. Without `--mobility` the Allocate is refused with 405 Mobility Forbidden.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { startTurnpike, startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

const CLIENTS = 4;
const MESSAGES = 50;

function count(log: string, event: string): number {
  return log.split('\n').filter((l) => l.includes(` ${event} `)).length;
}

describe('turnutils_uclient -M (ICE mobility) against turnpike turnserver --mobility', { skip: turnutilsMissing }, () => {
  let peer: Launched;
  const servers: Launched[] = [];
  before(async () => {
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    for (const s of servers) await s.stop();
  });

  /** uclient -M with `extra` options against `server`: every message back, every allocation moved. */
  async function mobileRun(server: Launched, extra: string[]): Promise<void> {
    const r = await runCoturn('uclient', [
      ...extra, '-M', '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port),
      '-m', String(CLIENTS), '-n', String(MESSAGES), '-l', '120', '-p', String(server.port), '127.0.0.1',
    ]);
    assertRelayed(r, CLIENTS * MESSAGES, server.output);
  }

  function assertAllMoved(server: Launched): void {
    const created = count(server.output(), 'allocation-created');
    assert.ok(created >= CLIENTS * 2);
    assert.equal(count(server.output(), 'allocation-moved'), created, 'every allocation moved to its new 5-tuple');
  }

  test(`${CLIENTS} UDP clients move to a new local port, ${CLIENTS} TCP clients (-t) to a new connection (the old one closed or not); ${MESSAGES} messages each relayed`, async () => {
    const server = await startTurnpike({ relayPorts: 80, extraArgs: ['--mobility'] });
    servers.push(server);
    await Promise.all([mobileRun(server, []), mobileRun(server, ['-t'])]);
    assertAllMoved(server);
  });

  test(`the same on the js data plane (${CLIENTS} UDP and ${CLIENTS} TCP clients)`, async () => {
    const server = await startTurnpike({ relayPorts: 80, extraArgs: ['--mobility', '--data-plane=js'] });
    servers.push(server);
    await Promise.all([mobileRun(server, []), mobileRun(server, ['-t'])]);
    assertAllMoved(server);
  });

  test('without --mobility the Allocate is refused: 405 Mobility Forbidden', async () => {
    const server = await startTurnpike({ relayPorts: 20 });
    servers.push(server);
    const r = await runCoturn('uclient', ['-M', '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port), '-m', '1', '-n', '1', '-p', String(server.port), '127.0.0.1']);
    assert.match(r.stdout + r.stderr, /error 405/);
    assert.equal(count(server.output(), 'allocation-moved'), 0);
  });
});
