/**
 * Which addresses RFC 5780 NAT behaviour discovery uses, from the coturn-style options:
 * `rfc5780` on, two `listening-ip`s of a family (RFC 5780 §6: a server needs two IP addresses
 * and two ports), `listening-port` paired with `alt-listening-port` and `tls-listening-port`
 * with `alt-tls-listening-port` (each default: the port + 1, as coturn's).
 */
import type { Config } from '../config/types.ts';
import type { Rfc5780Plan } from '../turn/rfc5780.ts';
import { alternateIp } from '../turn/rfc5780.ts';

const WILDCARDS = new Set(['0.0.0.0', '::']);

type PlanConfig = Pick<Config, 'rfc5780' | 'listeningIps' | 'listeningPort' | 'altListeningPort' | 'tlsListeningPort' | 'altTlsListeningPort' | 'noTls'>;

/** `alt-listening-port`, or listening-port + 1 when 0. */
export function altListeningPort(config: Pick<Config, 'listeningPort' | 'altListeningPort'>): number {
  return config.altListeningPort || config.listeningPort + 1;
}

/** `alt-tls-listening-port`, or tls-listening-port + 1 when 0. */
export function altTlsListeningPort(config: Pick<Config, 'tlsListeningPort' | 'altTlsListeningPort'>): number {
  return config.altTlsListeningPort || config.tlsListeningPort + 1;
}

/** Why RFC 5780 was asked for and cannot be done, or undefined. */
export function rfc5780Unavailable(config: PlanConfig): string | undefined {
  if (!config.rfc5780) return undefined;
  const ips = config.listeningIps.filter((ip) => !WILDCARDS.has(ip));
  if (ips.some((ip) => alternateIp({ ips, ports: [] }, ip) !== undefined)) return undefined;
  return 'RFC 5780 needs two listening-ip addresses of one family; Binding requests are answered without it';
}

/** The plan the TURN core answers RFC 5780 requests from, or undefined when it is off or impossible. */
export function rfc5780Plan(config: PlanConfig): Rfc5780Plan | undefined {
  if (!config.rfc5780 || rfc5780Unavailable(config) !== undefined) return undefined;
  const ports: [number, number][] = [[config.listeningPort, altListeningPort(config)]];
  if (!config.noTls) ports.push([config.tlsListeningPort, altTlsListeningPort(config)]);
  return { ips: config.listeningIps.filter((ip) => !WILDCARDS.has(ip)), ports };
}
