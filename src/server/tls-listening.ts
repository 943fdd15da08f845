/**
 * Server wiring, TLS's part: `node:tls` loaded only with a certificate (OpenSSL's TLS state
 * costs memory a plain server never uses), one secure context shared by the plain ports that
 * detect TLS, a TLS server per TLS port, and new certificates put in use by every TLS and
 * DTLS listener at once on a reload or SIGUSR2.
 */
import type { Server as TlsServer } from 'node:tls';
import type { Config } from '../config/types.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import type { DtlsServer } from './dtls-server.ts';
import type { TlsDetection } from './stream-listener.ts';
import { tlsServerOptions } from './tls-context.ts';

/** The TLS side of a server's listeners. */
export interface TlsListening {
  /** what the plain TCP ports need to accept TLS too; undefined without a certificate */
  readonly detectTls: TlsDetection | undefined;
  /** A TLS server for one TLS port, its failed handshakes counted; undefined without a certificate or under `no-tls`. */
  createServer(core: TurnCore): TlsServer | undefined;
  /** New certificates into every TLS and DTLS listener; nothing changes when they cannot be read. */
  applyCertificates(tlsConfig: Config['tls']): void;
}

/** TLS for the server options `tlsOptions` (undefined: no TLS) beside the DTLS server `dtls`. */
export async function prepareTls(tlsOptions: ReturnType<typeof tlsServerOptions>, dtls: DtlsServer | undefined): Promise<TlsListening> {
  const tls = tlsOptions ? await import('node:tls') : undefined;
  // One context for every connection of the plain port: building one parses the certificate and key.
  const detectTls = tls && tlsOptions ? { context: tls.createSecureContext(tlsOptions), TLSSocket: tls.TLSSocket } : undefined;
  const servers: TlsServer[] = [];
  return {
    detectTls,
    createServer(core) {
      if (!tls || !tlsOptions) return undefined;
      const server = tls.createServer(tlsOptions);
      servers.push(server);
      // A client that fails its handshake is counted and forgotten.
      server.on('tlsClientError', () => core.counters.drop('tls-handshake-failed'));
      return server;
    },
    applyCertificates(tlsConfig) {
      // DTLS's context is made first, put in use last: a certificate that cannot be used changes nothing.
      const useDtls = dtls?.prepareCertificates(tlsConfig);
      if (!tls || !detectTls) return useDtls?.();
      const next = tlsServerOptions(tlsConfig);
      if (next === undefined) return;
      const context = tls.createSecureContext(next);
      for (const s of servers) s.setSecureContext(next);
      detectTls.context = context;
      useDtls?.();
    },
  };
}
