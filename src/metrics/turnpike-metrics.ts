/**
 * Turnpike's own metrics, prefixed `turnpike_`: drops and authentication failures by reason
 * (bounded sets), allocation set-up latency, what is open now, the data plane, relay ports
 * and the user database. See docs/metrics.md.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RunningTurnServer } from '../server/turn-server.ts';
import { ALL_DROP_REASONS, AUTH_FAILURES } from '../turn/drop-reason.ts';
import type { Scrape } from './scrape.ts';

/** Seconds: a local database answers in under a millisecond, a remote one in tens. */
const SETUP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Relayed-message counters of the core (and the native plane, merged) → `kind` label. */
const RELAYED: [counter: string, kind: string][] = [
  ['channelDataIn', 'channel-data-from-client'],
  ['channelDataOut', 'channel-data-to-client'],
  ['sendIndicationsIn', 'send-indication-from-client'],
  ['dataIndicationsOut', 'data-indication-to-client'],
];

/** Native data-plane counters that are not coturn's (those are in coturn-metrics.ts). */
const PLANE: [name: string, help: string, counter: string][] = [
  ['turnpike_dataplane_handed_up_total', 'Datagrams the data-plane threads handed up to the TURN core (STUN requests, what the table cannot decide)', 'handedUp'],
  ['turnpike_dataplane_up_queue_full_total', 'Datagrams dropped because the queue from the data-plane threads to the core was full', 'upQueueFull'],
  ['turnpike_dataplane_gso_sends_total', 'UDP-GSO sends of the data-plane threads', 'gsoSends'],
];

/** Registers Turnpike's metrics; returns the function that sets them from a scrape, and a stop. */
export function turnpikeMetrics(registry: Registry, server: RunningTurnServer): { update: (s: Scrape) => void; close: () => void } {
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[] = []): Counter<string> => new Counter({ name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[] = []): Gauge<string> => new Gauge({ name, help, labelNames, registers });

  const drops = counter('turnpike_drops_total', 'Datagrams, frames and requests dropped or refused, by reason (a closed set)', ['reason']);
  const authFailures = counter('turnpike_auth_failures_total', 'Requests whose credentials were not accepted, by reason; quota = 486 Allocation Quota Reached', ['reason']);
  const setup = new Histogram({
    name: 'turnpike_allocation_setup_seconds',
    help: 'From an accepted Allocate to its success answer (relay sockets bound)',
    buckets: SETUP_BUCKETS,
    registers,
  });
  const allocations = gauge('turnpike_allocations', 'Allocations open now, by state', ['state']);
  const permissions = gauge('turnpike_permissions', 'Unexpired permissions of active allocations');
  const channels = gauge('turnpike_channels', 'Bound channels of active allocations');
  const created = counter('turnpike_allocations_created_total', 'Allocations that became active');
  const deleted = counter('turnpike_allocations_deleted_total', 'Allocations deleted (expired, refreshed to 0, closed, shut down)');
  const requests = counter('turnpike_requests_total', 'STUN/TURN requests received');
  const responses = counter('turnpike_responses_total', 'Answers sent to requests, by result', ['result']);
  const keepalives = counter('turnpike_keepalives_total', 'Binding indications (keepalives) received');
  const relayed = counter('turnpike_relayed_messages_total', 'Messages relayed, by kind', ['kind']);
  const threads = gauge('turnpike_dataplane_threads', 'Threads relaying UDP (1 for the js data plane), by data-plane kind', ['kind']);
  const plane = PLANE.map(([name, help, c]) => [counter(name, help), c] as const);
  const relayPorts = gauge('turnpike_relay_ports', 'Relay ports: held by allocations (in-use), found held by other processes (busy), reserved by RESERVATION-TOKEN', ['state']);
  const tcpConnections = counter('turnpike_tcp_connections_total', 'RFC 6062 peer data connections, by event: opened (Connect established or peer accepted), bound (ConnectionBind), closed', ['event']);
  const tcpOpen = gauge('turnpike_tcp_connections', 'RFC 6062 peer data connections open now (connecting, waiting for ConnectionBind, or bound)');
  const sources = gauge('turnpike_unauthenticated_sources', 'Source addresses whose unauthenticated-answer budget is tracked');
  const health = server.dbHealth;
  const db = health === undefined
    ? undefined
    : {
        up: gauge('turnpike_database_up', '1 when the user database answers, 0 during an outage'),
        calls: counter('turnpike_database_calls_total', 'Round trips to the user database (key look-ups, realm and option reads)'),
        failures: counter('turnpike_database_failures_total', 'Round trips to the user database that failed'),
      };

  const unsubscribe = server.onEvent((name, fields) => {
    if (name === 'allocation-created' && typeof fields.setupMs === 'number') setup.observe(fields.setupMs / 1000);
  });

  /** A counter's value is the server's own count, read at the scrape. */
  const set = (c: Counter<string>, v: number): void => {
    c.reset();
    c.inc(v);
  };

  const update = (s: Scrape): void => {
    drops.reset();
    for (const reason of ALL_DROP_REASONS) drops.inc({ reason }, s.drops.get(reason) ?? 0);
    authFailures.reset();
    for (const reason of AUTH_FAILURES) authFailures.inc({ reason }, s.drops.get(`auth-${reason}`) ?? 0);
    authFailures.inc({ reason: 'quota' }, s.drops.get('refused-486') ?? 0);
    allocations.set({ state: 'opening' }, s.live.opening);
    allocations.set({ state: 'active' }, s.live.active);
    permissions.set(s.live.permissions);
    channels.set(s.live.channels);
    const c = s.counters;
    set(created, c.allocationsCreated ?? 0);
    set(deleted, c.allocationsDeleted ?? 0);
    set(requests, c.requests ?? 0);
    responses.reset();
    responses.inc({ result: 'success' }, c.successResponses ?? 0);
    responses.inc({ result: 'error' }, c.errorResponses ?? 0);
    set(keepalives, c.keepalives ?? 0);
    relayed.reset();
    for (const [name, kind] of RELAYED) relayed.inc({ kind }, c[name] ?? 0);
    threads.reset();
    threads.set({ kind: s.plane.kind }, s.plane.threads);
    for (const [m, name] of plane) set(m, s.plane.counters[name] ?? 0);
    relayPorts.set({ state: 'in-use' }, s.relayPorts.inUse);
    relayPorts.set({ state: 'busy' }, s.relayPorts.busy);
    relayPorts.set({ state: 'reserved' }, s.relayPorts.reserved);
    sources.set(server.core.sourceBudgets.size);
    tcpConnections.reset();
    tcpConnections.inc({ event: 'opened' }, c.tcpConnectionsOpened ?? 0);
    tcpConnections.inc({ event: 'bound' }, c.tcpConnectionsBound ?? 0);
    tcpConnections.inc({ event: 'closed' }, c.tcpConnectionsClosed ?? 0);
    tcpOpen.set(server.core.tcpConnectionCount);
    if (db !== undefined && health !== undefined) {
      db.up.set(health.down ? 0 : 1);
      set(db.calls, health.calls);
      set(db.failures, health.callFailures);
    }
  };
  return { update, close: unsubscribe };
}
