/**
 * `turnutils_uclient -T`: coturn's client with TCP relaying (RFC 6062) against `turnpike
 * turnserver`, over TCP and over TLS. `-T` pairs its clients: each makes a TCP allocation and
 * a permission for its partner's relayed address, one Connects to the other's relayed address,
 * the other hears a ConnectionAttempt, and both ConnectionBind a new connection; then every
 * message goes client → relay → relay → client as raw bytes over the joined connections.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { startTlsTurnpike, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

describe('turnutils_uclient -T (RFC 6062 TCP relay) against turnpike turnserver', { skip: turnutilsMissing }, () => {
  let server: Launched;
  let tlsPort: number;
  before(async () => {
    ({ server, tlsPort } = await startTlsTurnpike());
  });
  after(async () => {
    await server?.stop();
  });

  test('10 clients × 50 messages over TCP relays, every one delivered', async () => {
    const r = await runCoturn('uclient', ['-T', '-u', 'ling', '-w', 'ling1234', '-m', '10', '-n', '50', '-l', '170', '-p', String(server.port), '127.0.0.1']);
    assertRelayed(r, 500, server.output);
    // Both kinds of peer data connection were made: by Connect (§5.2) and from a peer (§5.3).
    assert.ok((server.output().match(/tcp-connection-bound/g) ?? []).length >= 10, server.output().slice(-3000));
  });

  test('over TLS control and data connections (-T -S), every message delivered', async () => {
    const r = await runCoturn('uclient', ['-T', '-S', '-u', 'ling', '-w', 'ling1234', '-m', '4', '-n', '50', '-l', '170', '-p', String(tlsPort), '127.0.0.1']);
    assertRelayed(r, 200, server.output);
  });
});
