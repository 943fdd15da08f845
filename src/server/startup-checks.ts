/**
 * The usual deployment mistakes, said at start-up before a client meets them (warnings; the
 * server starts anyway): an `external-ip` that is no local address while no `relay-ip` says
 * which local address it maps; a relay port range smaller than `total-quota`; a TLS
 * certificate that names neither the realm nor a listening address; a `listening-ip` this
 * machine does not have.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Config } from '../config/types.ts';

/** One warning, by option. */
export interface StartupWarning {
  option: string;
  message: string;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Linux answers for all of 127.0.0.0/8 on the loopback interface, though it lists only 127.0.0.1. */
function isLocal(ip: string, local: Set<string>): boolean {
  return local.has(ip) || (local.has('127.0.0.1') && /^127\.\d+\.\d+\.\d+$/.test(ip));
}

/** The machine's addresses (injected in tests). */
export function localAddresses(): Set<string> {
  const all = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) all.add(a.address.replace(/%.*$/, ''));
  return all;
}

/** See the module comment. */
export function startupWarnings(config: Config, local: Set<string> = localAddresses()): StartupWarning[] {
  const out: StartupWarning[] = [];
  for (const ip of config.listeningIps) {
    if (!WILDCARDS.has(ip) && !isLocal(ip, local)) {
      out.push({ option: 'listening-ip', message: `${ip} is not an address of this machine: binding it will fail (behind NAT, listen on the private address and give the public one as external-ip)` });
    }
  }
  if (config.relayIps.length === 0) {
    for (const e of config.externalIps) {
      if (e.private === undefined && !local.has(e.public)) {
        out.push({ option: 'external-ip', message: `${e.public} is not a local address and no relay-ip is set: relays bind every address and all of them are advertised as ${e.public}; write external-ip=${e.public}/<private address> or set relay-ip` });
      }
    }
  }
  const range = config.maxPort - config.minPort + 1;
  if (config.totalQuota > range) {
    out.push({ option: 'total-quota', message: `total-quota (${config.totalQuota}) is larger than the relay port range (${range} ports, ${config.minPort}-${config.maxPort}): allocations will fail with 508 before the quota is reached` });
  }
  const cert = certificateWarning(config);
  if (cert !== undefined) out.push(cert);
  return out;
}

function certificateWarning(config: Config): StartupWarning | undefined {
  if (config.tls.cert === undefined || config.noTls) return undefined;
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(readFileSync(config.tls.cert));
  } catch {
    return undefined; // an unreadable certificate stops start-up with its own message
  }
  if (new Date(x509.validTo).getTime() < Date.now()) {
    return { option: 'cert', message: `the certificate expired on ${x509.validTo}: TLS clients will refuse it` };
  }
  const names = [config.realm, ...config.externalIps.map((e) => e.public), ...config.listeningIps.filter((ip) => !WILDCARDS.has(ip))].filter(Boolean);
  const matches = names.some((n) => (/^[0-9.]+$|:/.test(n) ? x509.checkIP(n) !== undefined : x509.checkHost(n) !== undefined));
  if (names.length > 0 && !matches) {
    return { option: 'cert', message: `the certificate (${x509.subject.replace(/\n/g, ', ')}) names neither the realm nor a listening or external address (${names.join(', ')}): clients that check the name will refuse TLS` };
  }
  return undefined;
}
