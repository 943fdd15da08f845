/**
 * The SFU's Prometheus endpoint, as ion-sfu's json-rpc binary serves it on `-m` (default
 * `:8100`): `GET /metrics` on its own listener, always with the process metrics (ion-sfu serves
 * Go's default collectors; here the process_* and nodejs_* equivalents), and with
 * `[sfu] withstats = true` also ion-sfu's `sfu_*` gauges and those of its `rtp_*` metrics the
 * SFU can fill honestly. ion-sfu's metrics carry no labels; neither do these.
 *
 * Filled: sfu_sessions, sfu_audio_tracks, sfu_video_tracks, sfu_peers (defined by ion-sfu but
 * never registered there), rtp_packets, rtp_bytes. Not served: rtp_drift_millis,
 * rtp_expected, rtp_received, rtp_expected_minus_received, rtp_lost_rate, rtp_jitter (see
 * docs/metrics.md, "SFU").
 *
 * Beyond ion-sfu, for bandwidth-aware forwarding (docs/sfu.md): each subscriber connection's
 * estimate (labelled by peer), video down-tracks by the layer they send, and counters of layer
 * cap changes, paused-layer packets and dropped padding; and on the native media path the
 * histogram of the latency the SFU adds to RTP, `sfu_media_residence_seconds`.
 */
import http from 'node:http';
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import { processMetrics } from '../metrics/process-metrics.ts';
import type { RoomStats } from './room/sfu.ts';
import type { SfuLog } from './signal/ws-endpoint.ts';

/** The registry of the SFU's metrics; `stats` is read at each scrape. */
export function sfuMetricsRegistry(withStats: boolean, stats: () => RoomStats): Registry {
  const registry = new Registry();
  processMetrics(registry);
  if (!withStats) return registry;
  const registers = [registry];
  // One reading per scrape, shared by every metric of that scrape.
  let reading: { at: number; value: RoomStats } | undefined;
  const read = (): RoomStats => {
    const now = performance.now();
    if (!reading || now - reading.at > 50) reading = { at: now, value: stats() };
    return reading.value;
  };
  const gauge = (name: string, help: string, pick: (s: RoomStats) => number): void => {
    new Gauge({ name, help, registers, collect() { this.set(pick(read())); } });
  };
  gauge('sfu_sessions', 'Current number of sessions', (s) => s.sessions);
  gauge('sfu_peers', 'Current number of peers connected', (s) => s.peers);
  gauge('sfu_audio_tracks', 'Current number of audio tracks', (s) => s.audioTracks);
  gauge('sfu_video_tracks', 'Current number of video tracks', (s) => s.videoTracks);
  const counter = (name: string, help: string, pick: (s: RoomStats) => number): void => {
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(pick(read())); } });
  };
  counter('rtp_packets', 'RTP packets received from publishers.', (s) => s.media.rtpIn);
  counter('rtp_bytes', 'Bytes of RTP packets received from publishers.', (s) => s.media.rtpBytesIn);
  bandwidthMetrics(registers, read);
  residenceMetric(registry, read);
  return registry;
}

/** Options of {@link startSfuMetrics}. */
export interface SfuMetricsOptions {
  /** '' for every address, as ion-sfu's `-m :8100` */
  readonly host: string;
  /** 0 for any free port */
  readonly port: number;
  readonly withStats: boolean;
  readonly stats: () => RoomStats;
  readonly log?: SfuLog;
}

/** A running metrics endpoint. */
export interface SfuMetricsServer {
  /** e.g. http://127.0.0.1:8100/metrics */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the endpoint; rejects if the address cannot be bound. */
export async function startSfuMetrics(o: SfuMetricsOptions): Promise<SfuMetricsServer> {
  const registry = sfuMetricsRegistry(o.withStats, o.stats);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' }).end('method not allowed\n');
    } else {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
        (err: unknown) => {
          o.log?.error('sfu.metrics.scrape_failed', { error: err instanceof Error ? err.message : String(err) });
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('scrape failed\n');
        },
      );
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    // Go's ":8100" is every address, IPv6 included: Node's listen without a host does the same.
    if (o.host === '') server.listen(o.port, done);
    else server.listen(o.port, o.host, done);
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : o.port;
  const host = o.host === '' ? 'localhost' : o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const LAYER_LABELS = ['q', 'h', 'f'];

/** Per-subscriber estimates, layers sent, and the bandwidth counters (docs/sfu.md, "Bandwidth-aware forwarding"). */
function bandwidthMetrics(registers: Registry[], read: () => RoomStats): void {
  new Gauge({
    name: 'sfu_subscriber_estimate_bps',
    help: 'Bandwidth estimate of each subscriber connection (REMB or transport-wide feedback), bit/s.',
    labelNames: ['peer', 'source'],
    registers,
    collect() {
      this.reset();
      for (const b of read().bandwidth) if (b.estimateBps !== undefined) this.set({ peer: b.peer, source: b.source }, Math.round(b.estimateBps));
    },
  });
  new Gauge({
    name: 'sfu_video_down_tracks_by_layer',
    help: 'Video down-tracks by the simulcast layer they send now (none: waiting for a keyframe or paused).',
    labelNames: ['layer'],
    registers,
    collect() {
      const counts = new Map<string, number>([['none', 0], ...LAYER_LABELS.map((l): [string, number] => [l, 0])]);
      for (const b of read().bandwidth) for (const l of b.layers) {
        const key = LAYER_LABELS[l] ?? 'none';
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const [layer, n] of counts) this.set({ layer }, n);
    },
  });
  const counter = (name: string, help: string, pick: (s: RoomStats) => number): void => {
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(pick(read())); } });
  };
  counter('sfu_bandwidth_layer_downs', 'Times a subscriber bandwidth estimate lowered a video layer cap.', (s) => s.media.bandwidthLayerDowns);
  counter('sfu_bandwidth_layer_ups', 'Times a subscriber bandwidth estimate raised a video layer cap (trials included).', (s) => s.media.bandwidthLayerUps);
  counter('sfu_paused_layer_packets', 'Packets of simulcast layers no subscriber received, not forwarded.', (s) => s.media.pausedLayerPackets);
  counter('sfu_temporal_layer_packets', 'VP8 packets above a subscriber\'s chosen frame rate (preferFramerate), not sent to it.', (s) => s.media.temporalLayerPackets);
  counter('sfu_padding_dropped_packets', 'Padding-only packets from publishers, not forwarded.', (s) => s.media.paddingDropped);
  counter('sfu_publisher_feedback_messages', 'Transport-wide feedback messages sent to publishers (native path).', (s) => s.media.feedbackToPublishers);
}

/**
 * `sfu_media_residence_seconds`: how long RTP spends in the SFU, from its receive time to the
 * end of the send that forwards it (`media/residence.ts`). The native media worker keeps the
 * buckets; this serves them as a Prometheus histogram (cumulative `le` buckets, `_sum`,
 * `_count`), so `histogram_quantile(0.99, rate(sfu_media_residence_seconds_bucket[1m]))` is the
 * p99 the SFU adds. Absent on the WebRTC-stack path, which cannot see receive times.
 */
function residenceMetric(registry: Registry, read: () => RoomStats): void {
  const name = 'sfu_media_residence_seconds';
  const metric = {
    name,
    help: 'Time RTP spends in the SFU, from its receive time to the end of the send that forwards it (native media path).',
    type: 'histogram',
    aggregator: 'sum',
    reset() {},
    get() {
      const h = read().residence;
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      if (h) {
        let cumulative = 0;
        h.counts.forEach((c, i) => {
          cumulative += c;
          const bound = h.boundsUs[i];
          values.push({ metricName: `${name}_bucket`, labels: { le: bound === undefined ? '+Inf' : bound / 1e6 }, value: cumulative });
        });
        values.push({ metricName: `${name}_sum`, labels: {}, value: h.sumUs / 1e6 });
        values.push({ metricName: `${name}_count`, labels: {}, value: h.count });
      }
      return { name, help: metric.help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  registry.registerMetric(metric as unknown as Metric);
}
