/**
 * Turnpike metrics of the DTLS server, the alternate-server rotations (RFC 8489 §10: 300 Try
 * Alternate) and the fleet redirect, each registered only when that part of the server is on.
 * Values are read from the server at the scrape. See docs/metrics.md.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RunningTurnServer } from '../server/turn-server.ts';
import type { Scrape } from './scrape.ts';

/** Registers the metrics of the parts `server` runs; returns the function that sets them from a scrape. */
export function stateMetrics(registry: Registry, server: RunningTurnServer): (s: Scrape) => void {
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[] = []): Counter<string> => new Counter({ name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[] = []): Gauge<string> => new Gauge({ name, help, labelNames, registers });
  /** A counter's value is the server's own count, read at the scrape. */
  const set = (c: Counter<string>, v: number): void => {
    c.reset();
    c.inc(v);
  };

  const dtls = server.dtls;
  const dtlsMetrics = dtls === undefined
    ? undefined
    : {
        completed: counter('turnpike_dtls_handshakes_completed_total', 'DTLS handshakes completed'),
        failed: counter('turnpike_dtls_handshakes_failed_total', 'DTLS handshakes that failed or timed out'),
        halfOpen: gauge('turnpike_dtls_half_open_sessions', 'DTLS sessions whose handshake is in progress'),
        established: gauge('turnpike_dtls_established_sessions', 'DTLS sessions established now'),
        bytesIn: counter('turnpike_dtls_received_bytes_total', 'Bytes of DTLS datagrams received'),
        bytesOut: counter('turnpike_dtls_sent_bytes_total', 'Bytes of DTLS datagrams sent'),
      };
  const alternates = server.core.alternates;
  const alternateUp = alternates === undefined
    ? undefined
    : gauge('turnpike_alternate_server_up', 'Alternate servers: 1 when the health checker finds one up (it is in the rotation), 0 when down', ['address', 'list']);
  const tryAlternate = counter('turnpike_try_alternate_total', 'Allocates answered 300 Try Alternate (alternate-server rotations and the fleet redirect)');
  const fleet = server.core.fleetRedirect;
  const fleetRedirects = fleet === undefined ? undefined : counter('turnpike_fleet_redirects_total', 'Allocates this fleet member sent to a less-loaded member (300 Try Alternate)');

  return (s: Scrape): void => {
    set(tryAlternate, s.counters.tryAlternates ?? 0);
    if (dtls !== undefined && dtlsMetrics !== undefined) {
      const d = dtls.stats();
      set(dtlsMetrics.completed, d.handshakesCompleted);
      set(dtlsMetrics.failed, (s.drops.get('dtls-handshake-failed') ?? 0) + (s.drops.get('dtls-handshake-timeout') ?? 0));
      dtlsMetrics.halfOpen.set(d.halfOpen);
      dtlsMetrics.established.set(d.established);
      set(dtlsMetrics.bytesIn, d.bytesIn);
      set(dtlsMetrics.bytesOut, d.bytesOut);
    }
    if (alternates !== undefined && alternateUp !== undefined) {
      alternateUp.reset();
      for (const m of alternates.lists()) {
        const address = m.ip.includes(':') ? `[${m.ip}]:${m.port}` : `${m.ip}:${m.port}`;
        alternateUp.set({ address, list: m.list }, m.up ? 1 : 0);
      }
    }
    if (fleet !== undefined && fleetRedirects !== undefined) set(fleetRedirects, fleet.redirected);
  };
}
