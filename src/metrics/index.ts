/**
 * Prometheus metrics (`prometheus`, `prometheus-port`, `prometheus-address`, `prometheus-path`,
 * `prometheus-username-labels`): coturn's metric names and labels, plus Turnpike's own, served
 * in the text exposition format from a registry of their own (not prom-client's global one).
 * Every value is read from the server when Prometheus scrapes, so it is never older than the
 * scrape. See docs/metrics.md.
 */
import http from 'node:http';
import https from 'node:https';
import { Registry } from 'prom-client';
import { processMetrics } from './process-metrics.ts';
import type { Config } from '../config/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { RunningTurnServer } from '../server/turn-server.ts';
import type { Service } from '../server/services.ts';
import { coturnMetrics } from './coturn-metrics.ts';
import { LiveState } from './live-state.ts';
import { stateMetrics } from './state-metrics.ts';
import { takeScrape } from './scrape.ts';
import { turnpikeMetrics } from './turnpike-metrics.ts';
import { tlsServerOptions } from '../server/tls-context.ts';

/** The metrics of one server, rendered on demand. */
export interface TurnMetrics {
  readonly registry: Registry;
  /** Reads the server and renders the exposition text. */
  render(): Promise<string>;
  close(): void;
}

/** Builds the registry for `server` (no HTTP: see `startMetrics`). */
export function createTurnMetrics(config: Pick<Config, 'prometheusUsernameLabels' | 'realm'>, server: RunningTurnServer, now: () => number = Date.now): TurnMetrics {
  const registry = new Registry();
  processMetrics(registry);
  const live = new LiveState(server, { usernames: config.prometheusUsernameLabels, defaultRealm: config.realm });
  const coturn = coturnMetrics(registry, config.prometheusUsernameLabels);
  const own = turnpikeMetrics(registry, server);
  const state = stateMetrics(registry, server);
  // Deleted allocations are labelled with the realm seen here (their deletion event lacks it).
  const learner = setInterval(() => live.learn(), 1000);
  learner.unref();
  return {
    registry,
    async render() {
      const scrape = takeScrape(server, live, now());
      coturn(scrape);
      own.update(scrape);
      state(scrape);
      return registry.metrics();
    },
    close() {
      clearInterval(learner);
      live.close();
      own.close();
    },
  };
}

/** The URL a scraper uses, for the log. */
function metricsUrl(address: string, port: number, path: string, secure = false): string {
  return `${secure ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${port}${path}`;
}

/**
 * `prometheus-tls` (coturn 4.7+): https with `prometheus-cert`/`prometheus-key`, which default to
 * `cert`/`pkey`; never a client certificate. Throws TurnpikeError CONFIG_INVALID when a file cannot be read.
 */
function metricsServer(config: Config, handler: http.RequestListener): http.Server {
  if (!config.prometheusTls) return http.createServer(handler);
  const cert = config.prometheusCert ?? config.tls.cert;
  const pkey = config.prometheusKey ?? config.tls.pkey;
  const options = tlsServerOptions({ ...config.tls, cert, pkey, caFile: undefined });
  if (options === undefined) throw new TurnpikeError(ErrorCode.CONFIG_INVALID, "option 'prometheus-tls' needs prometheus-cert and prometheus-key, or cert and pkey");
  return https.createServer(options, handler);
}

/** Starts the metrics endpoint when `prometheus` is set; undefined otherwise. */
export async function startMetrics(config: Config, server: RunningTurnServer, log: Logger): Promise<Service | undefined> {
  if (!config.prometheus) return undefined;
  const metrics = createTurnMetrics(config, server);
  const path = config.prometheusPath.startsWith('/') ? config.prometheusPath : `/${config.prometheusPath}`;
  const httpServer = metricsServer(config, (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' }).end('method not allowed\n');
    } else if (url === path) {
      metrics.render().then(
        (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
        (err: unknown) => {
          log.error('prometheus-scrape-failed', { error: err instanceof Error ? err.message : String(err) });
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('scrape failed\n');
        },
      );
    } else if (url === '/') {
      // coturn answers "ok" at the root as a health check.
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  });
  httpServer.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.prometheusPort, config.prometheusAddress, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    metrics.close();
    throw new TurnpikeError(ErrorCode.LISTEN_FAILED, `cannot listen on ${metricsUrl(config.prometheusAddress, config.prometheusPort, '')} for prometheus: ${(err as Error).message}`, { cause: err });
  }
  const bound = httpServer.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : config.prometheusPort;
  log.info('prometheus', { url: metricsUrl(config.prometheusAddress, port, path, config.prometheusTls) });
  return {
    name: 'prometheus',
    close: () =>
      new Promise<void>((resolve) => {
        metrics.close();
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}
