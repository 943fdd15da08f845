/**
 * Channel numbers: `turnutils_uclient` binds channels in 0x4000–0x7FFF as RFC 5766 allowed;
 * Turnpike follows RFC 8656 (0x4000–0x4FFF) unless started with --rfc5766-channel-numbers.
 * Without the flag its channel binds are refused with 400, while Send indications (-s),
 * which need no channel, relay with no loss. `turnpike uclient --rfc5766-channels` shows the
 * same refusal, and default channel numbers work.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCoturn, runTurnpike, type Launched } from '../../harness/servers.ts';
import { startTurnpike, startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

describe('turnpike turnserver without --rfc5766-channel-numbers', { skip: turnutilsMissing, concurrency: true }, () => {
  let server: Launched;
  let peer: Launched;
  before(async () => {
    server = await startTurnpike({ rfc5766Channels: false, relayPorts: 80 });
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
  });

  const args = (extra: string[]): string[] => [
    '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port), ...extra, '-l', '170', '-p', String(server.port), '127.0.0.1',
  ];

  test("refuses turnutils_uclient's channel binds with 400", async () => {
    // It picks random numbers in 0x4000-0x7FFF; among ten clients' binds one above 0x4FFF is all but certain.
    const r = await runCoturn('uclient', args(['-m', '10', '-n', '200']));
    assert.match(r.stdout, /channel bind: error 400/, r.stdout);
    assert.doesNotMatch(r.stdout, /Total lost packets/);
  });

  test('relays turnutils_uclient -s (Send indications) with no loss', async () => {
    assertRelayed(await runCoturn('uclient', args(['-s', '-m', '10', '-n', '200'])), 2000, server.output);
  });

  test('refuses turnpike uclient --rfc5766-channels the same way, and relays its default channel numbers', async () => {
    const old = await runTurnpike(['uclient', '--rfc5766-channels', ...args(['-m', '2', '-n', '5'])]);
    assert.equal(old.code, 1, old.stdout + old.stderr);
    assert.match(old.stdout, /channel-bind failed: channel 0x5\w+: 400/);
    const current = await runTurnpike(['uclient', ...args(['-m', '2', '-n', '20', '-z', '0'])]);
    assert.equal(current.code, 0, current.stdout + current.stderr);
    assert.match(current.stdout, /Total lost packets 0 \(/);
  });
});
