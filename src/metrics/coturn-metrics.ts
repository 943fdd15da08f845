/**
 * coturn's Prometheus metrics (src/apps/relay/prom_server.c), with its names, help texts and
 * labels, so dashboards made for coturn read Turnpike. Values are set from a `LiveSnapshot`
 * at each scrape: live, where coturn adds a session's traffic only when it ends.
 *
 * Turnpike counts relayed data, not control messages: `rcvp/rcvb` are the datagrams and
 * payload bytes a client sent to be relayed (ChannelData and Send indications), `sentp/sentb`
 * those relayed to it from peers. coturn also counts the client's STUN requests and the
 * ChannelData/Send framing in the client-side counts.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DropReason } from '../turn/drop-reason.ts';
import type { Traffic } from './live-state.ts';
import type { Scrape } from './scrape.ts';

/** The authentication failures coturn answers with 401 (its `turn_unauthenticated_401_requests`). */
const ANSWERED_401: readonly DropReason[] = [
  'auth-no-credentials',
  'auth-wrong-realm',
  'auth-unknown-user',
  'auth-bad-integrity',
  'auth-rest-expired',
  'auth-rest-milliseconds',
  'auth-rest-malformed',
  'auth-database-unavailable',
];

/** Native data-plane counters under coturn's recvmmsg/sendmmsg names. */
const UDP_BATCHING: [name: string, help: string, counter: string][] = [
  ['turn_udp_recvmmsg_calls', 'recvmmsg() syscalls that returned at least one datagram', 'recvBatches'],
  ['turn_udp_recvmmsg_packets', 'Datagrams received via recvmmsg()', 'recvDatagrams'],
  ['turn_udp_sendmmsg_flushes', 'Egress batch flushes (sendmmsg/UDP-GSO)', 'sendCalls'],
  ['turn_udp_sendmmsg_datagrams', 'Datagrams sent via egress batches', 'sentDatagrams'],
  ['turn_udp_sendmmsg_gso_datagrams', 'Datagrams coalesced via a single UDP-GSO sendmsg', 'gsoSegments'],
];

type Field = keyof Traffic;
/** coturn suffix → which side of the relay it counts (client side, or peer side). */
const CLIENT_SIDE: [suffix: string, what: string, field: Field][] = [
  ['rcvp', 'received packets', 'toPeerPackets'],
  ['rcvb', 'received bytes', 'toPeerBytes'],
  ['sentp', 'sent packets', 'fromPeerPackets'],
  ['sentb', 'sent bytes', 'fromPeerBytes'],
];
const PEER_SIDE: [suffix: string, what: string, field: Field][] = [
  ['rcvp', 'received packets', 'fromPeerPackets'],
  ['rcvb', 'received bytes', 'fromPeerBytes'],
  ['sentp', 'sent packets', 'toPeerPackets'],
  ['sentb', 'sent bytes', 'toPeerBytes'],
];

/** Registers coturn's metrics in `registry`; returns the function that sets them from a scrape. */
export function coturnMetrics(registry: Registry, usernames: boolean): (scrape: Scrape) => void {
  const labelNames = usernames ? ['realm', 'user'] : ['realm'];
  const registers = [registry];
  const perLabels: [Counter<string>, Field][] = [];
  const totals: [Counter<string>, Field][] = [];
  for (const [peer, rows] of [['', CLIENT_SIDE], ['peer_', PEER_SIDE]] as const) {
    const who = peer === '' ? '' : 'peer ';
    for (const [suffix, what, field] of rows) {
      perLabels.push([new Counter({ name: `turn_traffic_${peer}${suffix}`, help: `Represents sessions ${who}${what} (live)`, labelNames, registers }), field]);
      totals.push([new Counter({ name: `turn_total_traffic_${peer}${suffix}`, help: `Represents total sessions ${who}${what} (live)`, registers }), field]);
    }
  }
  const allocations = new Gauge({ name: 'turn_total_allocations', help: 'Represents current allocations number', labelNames: ['type'], registers });
  const unauth401 = new Counter({ name: 'turn_unauthenticated_401_requests', help: 'Requests requiring a 401 Unauthorized response', registers });
  const fromCounters = ([
    ['stun_binding_request', 'STUN Binding requests', 'bindingRequests'],
    ['stun_binding_response', 'STUN Binding success responses', 'bindingResponses'],
    ['stun_binding_error', 'STUN Binding error responses', 'bindingErrors'],
    ['turn_unauthenticated_401_responses', '401 Unauthorized responses sent', 'unauthenticated401Sent'],
    ['turn_unauthenticated_401_dropped_responses', '401 Unauthorized responses held back by the unauthenticated rate limit', 'unauthenticated401Dropped'],
  ] as const).map(([name, help, field]) => [new Counter({ name, help, registers }), field] as const);
  const batching = UDP_BATCHING.map(([name, help, counter]) => [new Counter({ name, help, registers }), counter] as const);
  // coturn publishes every socket type it has seen; these are the ones Turnpike serves.
  for (const type of ['UDP', 'TCP', 'TLS/TCP', 'DTLS']) allocations.set({ type }, 0);

  return ({ live: snap, drops, plane, counters }) => {
    for (const [c, field] of fromCounters) {
      c.reset();
      c.inc(counters[field] ?? 0);
    }
    for (const [c, field] of perLabels) {
      c.reset();
      for (const { labels, traffic } of snap.traffic.values()) c.inc(labels as unknown as Record<string, string>, traffic[field]);
    }
    for (const [c, field] of totals) {
      let sum = 0;
      for (const { traffic } of snap.traffic.values()) sum += traffic[field];
      c.reset();
      c.inc(sum);
    }
    for (const type of ['UDP', 'TCP', 'TLS/TCP', 'DTLS']) allocations.set({ type }, snap.allocationsByType.get(type) ?? 0);
    let n401 = 0;
    for (const r of ANSWERED_401) n401 += drops.get(r) ?? 0;
    unauth401.reset();
    unauth401.inc(n401);
    for (const [c, name] of batching) {
      c.reset();
      c.inc(plane.counters[name] ?? 0);
    }
  };
}
