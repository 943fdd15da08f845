/**
 * The metrics of the DTLS server, the alternate-server rotations and the fleet redirect
 * (src/metrics/state-metrics.ts), read from servers started in this process over real sockets:
 * - with a certificate, the `turnpike_dtls_*` series exist and show no session before any client;
 *   without one they are absent;
 * - `turnpike_alternate_server_up` is 1 per configured server and list, 0 once the health
 *   checker's word is "down";
 * - an Allocate answered 300 Try Alternate counts once in `turnpike_try_alternate_total`;
 * - `turnpike_fleet_redirects_total` is absent without `fleet-redirect-at`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createTurnMetrics } from '../../src/metrics/index.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { decodeMessage, encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import { parseExposition, sampleValue, type Family } from './exposition.ts';
import { answerTo } from '../server/wire.ts';

const HOST = '127.0.0.1';
const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));

async function start(extra: string[]): Promise<{ server: RunningTurnServer; port: number }> {
  const port = await freeUdpTcpPort();
  const range = await freeRange(4);
  const { config } = loadTurnserverConfig([
    '-n', '--listening-ip', HOST, '--listening-port', String(port), '--min-port', String(range.min), '--max-port', String(range.max),
    '--realm', 'turnpike', '--lt-cred-mech', '-u', 'ling:ling1234', ...extra,
  ]);
  return { server: await startTurnServer(config, { logger: silentLogger, alternateHealth: { intervalMs: 0 } }), port };
}

async function scrape(server: RunningTurnServer): Promise<Map<string, Family>> {
  const metrics = createTurnMetrics({ prometheusUsernameLabels: false, realm: 'turnpike' }, server);
  try {
    return parseExposition(await metrics.render());
  } finally {
    metrics.close();
  }
}

/** The answer to an Allocate without credentials. */
function allocate(port: number): Promise<Buffer> {
  return answerTo(port, encodeMessage({ method: Method.Allocate, class: MessageClass.Request, transactionId: randomBytes(12), attributes: [{ type: Attr.RequestedTransport, value: 17 }] }));
}

describe('metrics of DTLS, alternate servers and the fleet redirect', () => {
  let plain: { server: RunningTurnServer; port: number };
  let dtls: { server: RunningTurnServer; port: number };
  let redirecting: { server: RunningTurnServer; port: number };
  before(async () => {
    [plain, dtls, redirecting] = await Promise.all([
      start([]),
      start(['--cert', fixture('localhost-cert.pem'), '--pkey', fixture('localhost-key.pem')]),
      start(['--alternate-server', '127.0.0.9:3478', '--tls-alternate-server', '127.0.0.9:5349']),
    ]);
  });
  after(async () => {
    await Promise.all([plain?.server.close(), dtls?.server.close(), redirecting?.server.close()]);
  });

  it('without DTLS, alternates or a fleet redirect: only turnpike_try_alternate_total, at 0', async () => {
    const m = await scrape(plain.server);
    for (const name of ['turnpike_dtls_established_sessions', 'turnpike_dtls_handshakes_completed_total', 'turnpike_alternate_server_up', 'turnpike_fleet_redirects_total']) {
      assert.equal(m.has(name), false, name);
    }
    assert.equal(sampleValue(m, 'turnpike_try_alternate_total'), 0);
  });

  it('a DTLS server before any client: every turnpike_dtls_* series at 0', async (t) => {
    if (dtls.server.dtls === undefined) return t.skip('DTLS is unavailable here (native addon not built)');
    const m = await scrape(dtls.server);
    for (const name of ['turnpike_dtls_handshakes_completed_total', 'turnpike_dtls_handshakes_failed_total', 'turnpike_dtls_half_open_sessions', 'turnpike_dtls_established_sessions', 'turnpike_dtls_received_bytes_total', 'turnpike_dtls_sent_bytes_total']) {
      assert.equal(sampleValue(m, name), 0, name);
    }
    assert.equal(m.get('turnpike_dtls_established_sessions')?.type, 'gauge');
    assert.equal(m.get('turnpike_dtls_handshakes_completed_total')?.type, 'counter');
  });

  it('alternates: 1 per list while up, 0 once down; a 300 answer counts once', async () => {
    let m = await scrape(redirecting.server);
    assert.equal(sampleValue(m, 'turnpike_alternate_server_up', { address: '127.0.0.9:3478', list: 'alternate' }), 1);
    assert.equal(sampleValue(m, 'turnpike_alternate_server_up', { address: '127.0.0.9:5349', list: 'tls-alternate' }), 1);
    assert.equal(sampleValue(m, 'turnpike_try_alternate_total'), 0);

    const answer = decodeMessage(await allocate(redirecting.port));
    assert.ok(answer.ok);
    assert.equal(getAttribute(answer.value, Attr.ErrorCode)?.code, 300);
    m = await scrape(redirecting.server);
    assert.equal(sampleValue(m, 'turnpike_try_alternate_total'), 1);

    redirecting.server.core.alternates!.setUp('127.0.0.9', 3478, false);
    m = await scrape(redirecting.server);
    assert.equal(sampleValue(m, 'turnpike_alternate_server_up', { address: '127.0.0.9:3478', list: 'alternate' }), 0);
    assert.equal(sampleValue(m, 'turnpike_alternate_server_up', { address: '127.0.0.9:5349', list: 'tls-alternate' }), 1);
  });
});
