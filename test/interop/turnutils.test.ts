/**
 * coturn's own clients against Turnpike: `turnutils_uclient` relays through `turnpike
 * turnserver` (started with the README command line) to `turnutils_peer` with no loss over
 * channels, Send indications, client to client and an IPv6 relay; a wrong password fails;
 * `turnutils_stunclient` gets its reflexive address. The uclient runs go in parallel. TCP,
 * REST API secrets and RFC 5766 channel numbers have their own files and servers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ToolResult } from '../../harness/children.ts';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { startTurnpike, startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

describe('turnutils_uclient and turnutils_stunclient against turnpike turnserver', { skip: turnutilsMissing, concurrency: true }, () => {
  let server: Launched;
  let peer: Launched;
  before(async () => {
    server = await startTurnpike();
    peer = await startTurnutilsPeer(['127.0.0.1', '::1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
  });

  const uclient = (extra: string[]): Promise<ToolResult> =>
    runCoturn('uclient', ['-u', 'ling', '-w', 'ling1234', ...extra, '-m', '10', '-n', '200', '-l', '170', '-p', String(server.port), '127.0.0.1']);
  const toPeer = (ip = '127.0.0.1'): string[] => ['-e', ip, '-r', String(peer.port)];

  test('over channels: 10 clients × 200 messages, all echoed', async () => {
    assertRelayed(await uclient(toPeer()), 2000, server.output);
  });

  test('with Send indications (-s)', async () => {
    assertRelayed(await uclient(['-s', ...toPeer()]), 2000, server.output);
  });

  test('client to client (-y), no peer', async () => {
    // turnutils_uclient rounds -y clients up to whole groups of four, so it sends more than 2000.
    assertRelayed(await uclient(['-y']), 'all', server.output);
  });

  test('through an IPv6 relay (-x) to an IPv6 peer', async () => {
    assertRelayed(await uclient(['-x', ...toPeer('::1')]), 2000, server.output);
  });

  test('a wrong password gets no relay', async () => {
    const r = await runCoturn('uclient', ['-u', 'ling', '-w', 'wrong', ...toPeer(), '-m', '1', '-n', '5', '-p', String(server.port), '127.0.0.1']);
    assert.notEqual(r.code, 0, r.stdout);
    assert.doesNotMatch(r.stdout, /Total lost packets/);
  });

  test('turnutils_stunclient prints the reflexive address', async () => {
    const r = await runCoturn('stunclient', ['-p', String(server.port), '127.0.0.1']);
    assert.match(r.stdout + r.stderr, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });
});
