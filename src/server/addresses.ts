/**
 * Which addresses to listen on and relay from, as coturn decides them: `listening-ip` (all
 * addresses when absent), `relay-ip` (the listening IPs, or the host's addresses, when
 * absent) and `external-ip` (`PUBLIC` or `PUBLIC/PRIVATE`) for what XOR-RELAYED-ADDRESS says.
 */
import { networkInterfaces } from 'node:os';
import type { Config } from '../config/types.ts';
import type { AddressFamily } from '../stun/types.ts';
import type { RelayAddress } from '../turn/relay-plan.ts';

const WILDCARDS = new Set(['0.0.0.0', '::']);

function familyOf(ip: string): AddressFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** Listening IPs: the configured ones, or every IPv4 and IPv6 address. */
export function resolveListeningIps(config: Pick<Config, 'listeningIps'>): { ip: string; optional: boolean }[] {
  if (config.listeningIps.length > 0) return config.listeningIps.map((ip) => ({ ip, optional: false }));
  // A host without IPv6 still serves IPv4.
  return [
    { ip: '0.0.0.0', optional: false },
    { ip: '::', optional: true },
  ];
}

/** The host's own addresses, first non-internal IPv4 and global IPv6 (the relay default). */
function hostAddresses(): string[] {
  const out: string[] = [];
  let v4: string | undefined;
  let v6: string | undefined;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4' && v4 === undefined) v4 = a.address;
      if (a.family === 'IPv6' && v6 === undefined && !a.address.toLowerCase().startsWith('fe80')) v6 = a.address;
    }
  }
  out.push(v4 ?? '127.0.0.1');
  if (v6 !== undefined) out.push(v6);
  return out;
}

/** What `external-ip` makes of a relay IP. */
export function advertisedFor(ip: string, externalIps: Config['externalIps']): string {
  for (const e of externalIps) if (e.private === ip) return e.public;
  for (const e of externalIps) if (e.private === undefined && familyOf(e.public) === familyOf(ip)) return e.public;
  return ip;
}

/** Relay addresses with their advertised IPs. */
export function resolveRelayAddresses(config: Pick<Config, 'relayIps' | 'listeningIps' | 'externalIps'>): RelayAddress[] {
  let ips = config.relayIps;
  if (ips.length === 0) ips = config.listeningIps.filter((ip) => !WILDCARDS.has(ip));
  if (ips.length === 0) {
    // `external-ip=PUBLIC/PRIVATE` names the private relay address coturn would use.
    const privates = config.externalIps.map((e) => e.private).filter((p): p is string => p !== undefined);
    ips = privates.length > 0 ? privates : hostAddresses();
  }
  return ips.map((ip) => ({ family: familyOf(ip), ip, advertisedIp: advertisedFor(ip, config.externalIps) }));
}
