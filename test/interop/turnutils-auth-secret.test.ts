/**
 * `turnutils_uclient -W SECRET`: TURN REST API credentials (a user name carrying its expiry,
 * a password derived from the shared secret) against `turnpike turnserver --use-auth-secret
 * --static-auth-secret=SECRET`, no loss; a client with another secret gets no relay.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ToolResult } from '../../harness/children.ts';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { startTurnpike, startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

describe('turnutils_uclient -W against turnpike turnserver --use-auth-secret', { skip: turnutilsMissing, concurrency: true }, () => {
  let server: Launched;
  let peer: Launched;
  before(async () => {
    server = await startTurnpike({ authSecret: 'logen', relayPorts: 80 });
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
  });

  const uclient = (secret: string, clients: number): Promise<ToolResult> =>
    runCoturn('uclient', [
      '-W', secret, '-u', 'ling', '-e', '127.0.0.1', '-r', String(peer.port),
      '-m', String(clients), '-n', '200', '-l', '170', '-p', String(server.port), '127.0.0.1',
    ]);

  test('REST API credentials from the shared secret: 10 clients × 200 messages, all echoed', async () => {
    assertRelayed(await uclient('logen', 10), 2000, server.output);
  });

  test('the wrong secret gets no relay', async () => {
    const r = await uclient('ninefingers', 1);
    assert.notEqual(r.code, 0, r.stdout);
    assert.doesNotMatch(r.stdout, /Total lost packets/);
  });
});
