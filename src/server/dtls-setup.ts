/**
 * Whether this server serves DTLS, and the DTLS server when it does. As coturn: DTLS is on when
 * `cert` and `pkey` are set and `no-dtls` is not; it is served on the plain UDP listening port
 * (the first byte tells DTLS from STUN, RFC 7983) and on UDP `tls-listening-port` (and
 * `alt-tls-listening-port` where the alternate ports listen). When the native addon that
 * carries the DTLS engine cannot be had, the server says so and why, and goes on without it.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import { DTLS_SECRET_BYTES, loadDtlsEngine } from './dtls-engine.ts';
import { DtlsServer, type DtlsLimits } from './dtls-server.ts';
import type { Ingress } from './ingress.ts';

/** Whether `config` asks for DTLS (coturn: a certificate, and not `no-dtls`). */
export function dtlsWanted(config: Pick<Config, 'noDtls' | 'tls'>): boolean {
  return !config.noDtls && config.tls.cert !== undefined && config.tls.pkey !== undefined;
}

/**
 * The DTLS server for `config`, wired into `ing` (ingress hands it DTLS datagrams), or
 * undefined: not wanted, or unavailable (logged as `dtls-unavailable` with the reason).
 * Throws `TurnpikeError` CONFIG_INVALID when OpenSSL refuses the certificate or an option.
 */
export function startDtls(config: Config, ing: Ingress, log: Logger, limits: Partial<DtlsLimits> = {}): DtlsServer | undefined {
  if (!dtlsWanted(config)) return undefined;
  if (config.tls.minVersion === 'TLSv1.3') {
    // coturn's no-tlsv1_2 leaves DTLS 1.0 for DTLS; Turnpike refuses DTLS 1.0, and OpenSSL has no DTLS 1.3.
    log.warn('dtls-unavailable', { reason: 'no-tlsv1_2 leaves no DTLS version: DTLS 1.0 is refused and there is no DTLS 1.3', message: 'DTLS listeners are not started (set no-dtls to silence this)' });
    return undefined;
  }
  const loaded = loadDtlsEngine(config.tls, randomBytes(DTLS_SECRET_BYTES));
  if (!loaded.ok) {
    log.warn('dtls-unavailable', { reason: loaded.reason, message: 'DTLS listeners are not started (set no-dtls to silence this)' });
    return undefined;
  }
  const server = new DtlsServer(loaded.engine, ing, (n) => randomBytes(n), {
    // Sessions are capped by what the allocation quota allows, with room for handshakes.
    ...(config.totalQuota > 0 ? { maxSessions: config.totalQuota + 1024 } : {}),
    ...limits,
  });
  ing.dtls = (transport, ip, port, buf) => server.handle(transport, ip, port, buf);
  log.info('dtls', { versions: 'DTLS 1.2', clientCertificates: config.tls.caFile !== undefined });
  return server;
}

/** The UDP ports DTLS adds beside the plain listening port(s). */
export function dtlsPorts(config: Pick<Config, 'tlsListeningPort' | 'altTlsListeningPort'>, withAlternate: boolean): number[] {
  return withAlternate ? [config.tlsListeningPort, config.altTlsListeningPort || config.tlsListeningPort + 1] : [config.tlsListeningPort];
}
