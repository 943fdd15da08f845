/**
 * coturn's TLS options (`cert`, `pkey`, `pkey-pwd`, `cipher-list`, `ec-curve-name`,
 * `no-tlsv1_2`) as Node.js TLS server options, shared by the TURN TLS listener and the web server.
 */
import { readFileSync } from 'node:fs';
import type { TlsOptions as NodeTlsOptions } from 'node:tls';
import type { TlsOptions } from '../config/types.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';

function readPem(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `option '${option}': cannot read '${path}': ${(err as Error).message}`, { cause: err });
  }
}

/** Node.js TLS server options, or undefined when no certificate is configured. */
export function tlsServerOptions(tls: TlsOptions): NodeTlsOptions | undefined {
  if (tls.cert === undefined || tls.pkey === undefined) return undefined;
  return {
    cert: readPem('cert', tls.cert),
    key: readPem('pkey', tls.pkey),
    passphrase: tls.pkeyPwd,
    ciphers: tls.cipherList,
    ecdhCurve: tls.ecCurveName,
    minVersion: tls.minVersion,
  };
}
