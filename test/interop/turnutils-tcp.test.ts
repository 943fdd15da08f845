/**
 * `turnutils_uclient -t`: coturn's client over TCP to `turnpike turnserver` (RFC 8656 §3.1,
 * ChannelData framed as §12.5 says), 10 clients × 200 messages, no loss. A server of its own:
 * over TCP a client never retransmits, so it must not share the server's per-IP budget of
 * unauthenticated answers with other tests' bursts of 401s.
 */
import { after, before, describe, test } from 'node:test';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { startTurnpike, startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

describe('turnutils_uclient over TCP against turnpike turnserver', { skip: turnutilsMissing }, () => {
  let server: Launched;
  let peer: Launched;
  before(async () => {
    server = await startTurnpike({ relayPorts: 80 });
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
  });

  test('10 clients × 200 messages over TCP (-t), all echoed', async () => {
    const r = await runCoturn('uclient', [
      '-t', '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port),
      '-m', '10', '-n', '200', '-l', '170', '-p', String(server.port), '127.0.0.1',
    ]);
    assertRelayed(r, 2000, server.output);
  });
});
