/**
 * coturn 4.7+ options whose effect on Turnpike's settings must not depend on where they stand
 * among the others: `log-min-level` against `-v`/`-V`, `cpus` against `relay-threads`, and
 * `unauthorized-ratelimit` against `unauthorized-ratelimit-rps`. Applied once every option is read.
 */

import { COMMAND_LINE, invalid } from './messages.ts';
import type { ResolveState } from './resolve.ts';

/** coturn's `unauthorized-ratelimit-rps` default: 401 answers per second to one source IP. */
const COTURN_UNAUTHORIZED_RPS = 10;

/** Folds the order-independent coturn 4.7+ options into the Config, warning where Turnpike differs. */
export function finishNewerOptions(state: ResolveState, warn: (option: string, message: string) => void): void {
  const target = state.target;
  const { config } = target;
  if (target.logMinLevel !== undefined && target.logMinLevel !== 'debug') {
    // coturn's verbose lines are info lines; Turnpike's are debug and trace lines.
    config.log.verbose = 0;
    if (target.logMinLevel !== 'info') {
      warn('log-min-level', `log-min-level=${target.logMinLevel}: Turnpike still writes its info lines (start-up, listeners, allocations); only -v and -V lines are left out`);
    }
  }
  if (target.cpus !== undefined && !state.seen.has('relay-threads')) config.relayThreads = target.cpus;
  if (target.unauthorizedRatelimit === false) {
    config.unauthenticatedRateLimit = 0;
    warn('unauthorized-ratelimit', 'unauthorized-ratelimit=off: unauthenticated requests are answered without a per-source limit');
  } else if (target.unauthorizedRatelimit === true || target.unauthorizedRatelimitRps !== undefined) {
    config.unauthenticatedRateLimit = target.unauthorizedRatelimitRps ?? COTURN_UNAUTHORIZED_RPS;
  }
  const metricsCert = config.prometheusCert ?? config.tls.cert;
  const metricsKey = config.prometheusKey ?? config.tls.pkey;
  if (config.prometheusTls && (metricsCert === undefined || metricsKey === undefined)) {
    const where = state.seen.get('prometheus-tls') ?? COMMAND_LINE;
    state.problems.push(invalid(where, "option 'prometheus-tls' needs a certificate and its key: prometheus-cert and prometheus-key, or cert and pkey"));
  }
}
