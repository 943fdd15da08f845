/**
 * The Prometheus endpoint of `turnpike turnserver --prometheus`, scraped over real sockets
 * while coturn's `turnutils_uclient` relays through it to `turnutils_peer`: the exposition
 * format parses, coturn's traffic counters rise during the run and end equal to what the
 * client sent and got back, live allocations show in `turn_total_allocations`, failed
 * authentications are counted by reason, and the path, port and address options hold (404
 * elsewhere). Both data planes: the native plane counts relayed traffic in its threads, the
 * js plane in the core.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { freeTcpPort } from '../../harness/ports.ts';
import { runCoturn, type Launched } from '../../harness/servers.ts';
import { startTurnpike, startTurnutilsPeer, turnutilsMissing } from '../interop/processes.ts';
import { finalCounts } from '../interop/uclient-output.ts';
import { parseExposition, sampleValue, type Family } from './exposition.ts';

// TURNPIKE_DATA_PLANE (set by scripts/test.sh) would override --data-plane in the servers started
// here, which inherit this environment: each suite below asks for its plane by option.
delete process.env.TURNPIKE_DATA_PLANE;

/** Payload bytes per message the uclient sends (`-l`). */
const LENGTH = 170;

interface Got {
  status: number;
  type: string;
  body: string;
}

function get(host: string, port: number, path: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
      })
      .on('error', reject);
  });
}

async function scrape(host: string, port: number, path: string): Promise<Map<string, Family>> {
  const got = await get(host, port, path);
  assert.equal(got.status, 200, got.body);
  return parseExposition(got.body);
}

const value = (m: Map<string, Family>, name: string, labels: Record<string, string> = {}): number => {
  const v = sampleValue(m, name, labels);
  assert.notEqual(v, undefined, `no sample ${name}${JSON.stringify(labels)}`);
  return v as number;
};

for (const plane of ['auto', 'js'] as const) {
  describe(`turnserver --prometheus (data-plane=${plane})`, { skip: turnutilsMissing }, () => {
    const PATH = '/custom/metrics';
    let metricsPort: number;
    let server: Launched;
    let peer: Launched;
    before(async () => {
      metricsPort = await freeTcpPort();
      server = await startTurnpike({
        relayPorts: 40,
        extraArgs: ['--prometheus', `--prometheus-port=${metricsPort}`, '--prometheus-address=127.0.0.1', `--prometheus-path=${PATH}`, `--data-plane=${plane}`],
      });
      peer = await startTurnutilsPeer(['127.0.0.1']);
    });
    after(async () => {
      await peer?.stop();
      await server?.stop();
    });

    test('serves the text format on its path and port, says where, and 404 elsewhere', async () => {
      const got = await get('127.0.0.1', metricsPort, PATH);
      assert.equal(got.status, 200);
      assert.match(got.type, /^text\/plain; version=0\.0\.4/);
      const m = parseExposition(got.body);
      for (const name of ['turn_traffic_rcvp', 'turn_total_traffic_sentb', 'turn_traffic_peer_sentp', 'turn_total_traffic_peer_rcvb', 'turnpike_drops_total']) {
        assert.equal(m.get(name)?.type, 'counter', name);
      }
      assert.equal(m.get('turn_total_allocations')?.type, 'gauge');
      assert.equal(m.get('turnpike_allocation_setup_seconds')?.type, 'histogram');
      assert.ok(value(m, 'process_cpu_seconds_total') > 0);
      assert.ok(value(m, 'process_open_fds') > 0);
      assert.equal(value(m, 'turn_total_traffic_rcvp'), 0);
      assert.equal((await get('127.0.0.1', metricsPort, '/metrics')).status, 404);
      assert.equal((await get('127.0.0.1', metricsPort, '/custom')).status, 404);
      assert.equal((await get('127.0.0.1', metricsPort, '/')).body, 'ok');
      assert.match(server.output(), new RegExp(`prometheus url=http://127\\.0\\.0\\.1:${metricsPort}/custom/metrics`));
    });

    test('coturn traffic counters rise during a uclient run and end equal to what it sent', async () => {
      let running = true;
      const run = runCoturn('uclient', ['-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port), '-m', '2', '-n', '100', '-l', String(LENGTH), '-p', String(server.port), '127.0.0.1']).finally(() => {
        running = false;
      });
      // Scrapes taken while the client still runs.
      const during: { rcvp: number; allocations: number }[] = [];
      while (running) {
        const m = await scrape('127.0.0.1', metricsPort, PATH);
        if (running) during.push({ rcvp: value(m, 'turn_total_traffic_rcvp'), allocations: value(m, 'turn_total_allocations', { type: 'UDP' }) });
        await new Promise((r) => setTimeout(r, 100));
      }
      const r = await run;
      assert.equal(r.code, 0, r.stdout.slice(-2000));
      const counts = finalCounts(r.stdout);
      assert.ok(counts && counts.sent > 0, r.stdout.slice(-2000));
      assert.equal(counts.received, counts.sent);

      const m = await scrape('127.0.0.1', metricsPort, PATH);
      const final = value(m, 'turn_total_traffic_rcvp');
      assert.ok(during.some((d) => d.rcvp > 0 && d.rcvp < final), `no scrape saw the counters rise: ${JSON.stringify(during)}`);
      assert.ok(during.some((d) => d.allocations > 0), 'no scrape saw a live allocation');
      // Client → peer: what the client sent; peer → client: what came back.
      const realm = { realm: 'demo' };
      assert.equal(final, counts.sent);
      assert.equal(value(m, 'turn_traffic_rcvp', realm), counts.sent);
      assert.equal(value(m, 'turn_traffic_rcvb', realm), counts.sent * LENGTH);
      assert.equal(value(m, 'turn_total_traffic_peer_sentp'), counts.sent);
      assert.equal(value(m, 'turn_traffic_peer_sentb', realm), counts.sent * LENGTH);
      assert.equal(value(m, 'turn_traffic_peer_rcvp', realm), counts.received);
      assert.equal(value(m, 'turn_total_traffic_peer_rcvb'), counts.received * LENGTH);
      assert.equal(value(m, 'turn_traffic_sentp', realm), counts.received);
      assert.equal(value(m, 'turn_total_traffic_sentb'), counts.received * LENGTH);
      assert.equal(sampleValue(m, 'turn_traffic_rcvp', { user: 'ling' }), undefined, 'no user label without prometheus-username-labels');
      assert.ok(value(m, 'turnpike_relayed_messages_total', { kind: 'channel-data-from-client' }) >= counts.sent);

      const created = value(m, 'turnpike_allocations_created_total');
      assert.ok(created >= 2);
      assert.equal(value(m, 'turnpike_allocation_setup_seconds_count'), created);
      assert.equal(value(m, 'turnpike_allocations', { state: 'active' }), value(m, 'turn_total_allocations', { type: 'UDP' }));
      // Every client's first Allocate is challenged (401 without credentials).
      assert.ok(value(m, 'turnpike_auth_failures_total', { reason: 'no-credentials' }) >= 2);
      assert.ok(value(m, 'turn_unauthenticated_401_requests') >= 2);
      assert.ok(value(m, 'turn_unauthenticated_401_responses') >= 2, 'the challenges were sent');
      assert.equal(value(m, 'turn_unauthenticated_401_dropped_responses'), 0);
      // turnutils_uclient asks a Binding first; the readiness probe did too.
      assert.ok(value(m, 'stun_binding_request') >= 1);
      assert.equal(value(m, 'stun_binding_response'), value(m, 'stun_binding_request'));
      if (plane === 'js') assert.equal(value(m, 'turnpike_dataplane_threads', { kind: 'js' }), 1);
    });

    test('a wrong password is counted as bad-integrity', async () => {
      const before = value(await scrape('127.0.0.1', metricsPort, PATH), 'turnpike_auth_failures_total', { reason: 'bad-integrity' });
      const r = await runCoturn('uclient', ['-u', 'ling', '-w', 'wrong', '-e', '127.0.0.1', '-r', String(peer.port), '-m', '1', '-n', '5', '-p', String(server.port), '127.0.0.1']);
      assert.notEqual(r.code, 0);
      const m = await scrape('127.0.0.1', metricsPort, PATH);
      assert.ok(value(m, 'turnpike_auth_failures_total', { reason: 'bad-integrity' }) > before);
      assert.ok(value(m, 'turnpike_drops_total', { reason: 'auth-bad-integrity' }) > before);
    });
  });
}

describe('turnserver --prometheus-username-labels on an IPv6 address', { skip: turnutilsMissing }, () => {
  let metricsPort: number;
  let server: Launched;
  let peer: Launched;
  before(async () => {
    metricsPort = await freeTcpPort();
    server = await startTurnpike({ relayPorts: 20, extraArgs: ['--prometheus', `--prometheus-port=${metricsPort}`, '--prometheus-address=::1', '--prometheus-username-labels'] });
    peer = await startTurnutilsPeer(['127.0.0.1']);
  });
  after(async () => {
    await peer?.stop();
    await server?.stop();
  });

  test('traffic is labelled by realm and user, at the default path', async () => {
    const r = await runCoturn('uclient', ['-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port), '-m', '1', '-n', '20', '-l', String(LENGTH), '-p', String(server.port), '127.0.0.1']);
    assert.equal(r.code, 0, r.stdout.slice(-2000));
    const counts = finalCounts(r.stdout);
    assert.ok(counts);
    const m = await scrape('::1', metricsPort, '/metrics');
    assert.equal(value(m, 'turn_traffic_rcvp', { realm: 'demo', user: 'ling' }), counts.sent);
    assert.equal(value(m, 'turn_traffic_peer_rcvb', { realm: 'demo', user: 'ling' }), counts.received * LENGTH);
    assert.match(server.output(), new RegExp(`prometheus url=http://\\[::1\\]:${metricsPort}/metrics`));
  });
});
