/**
 * `turnutils_uclient -t -S`: coturn's client over TLS to `turnpike turnserver` with coturn's
 * `cert`/`pkey` options — on `tls-listening-port`, and on the plain listening port, where coturn
 * also accepts TLS (the first byte of a connection tells TLS from STUN).
 */
import { after, before, describe, test } from 'node:test';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { startTlsTurnpike, startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

describe('turnutils_uclient over TLS against turnpike turnserver', { skip: turnutilsMissing }, () => {
  let server: Launched;
  let peer: Launched;
  let tlsPort: number;
  before(async () => {
    ({ server, tlsPort } = await startTlsTurnpike());
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
  });

  test('5 clients × 100 messages over TLS on tls-listening-port, all echoed', async () => {
    const r = await runCoturn('uclient', [
      '-t', '-S', '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port),
      '-m', '5', '-n', '100', '-l', '170', '-p', String(tlsPort), '127.0.0.1',
    ]);
    assertRelayed(r, 'all', server.output);
  });

  test('TLS on the plain listening port works too, and plain TCP still does', async () => {
    for (const tls of [['-S'], []]) {
      const r = await runCoturn('uclient', [
        '-t', ...tls, '-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port),
        '-m', '5', '-n', '100', '-l', '170', '-p', String(server.port), '127.0.0.1',
      ]);
      assertRelayed(r, 'all', server.output);
    }
  });
});
