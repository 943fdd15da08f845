/**
 * The driver of fleet balancing (`fleet-redirect-at`): every heartbeat it reads the member
 * registry (members.ts) and hands the TURN core the other live, healthy members with their
 * advertised addresses and loads (src/turn/fleet-redirect.ts), where each first Allocate is
 * decided (RFC 8489 §10). A member whose heartbeat stopped has dropped out of the registry by
 * then; when Redis does not answer, the core is left with no target (it serves every Allocate
 * itself) rather than with a list that may name dead members.
 */
import type { Logger } from '../log/logger.ts';
import type { AlternateTarget } from '../turn/alternate-servers.ts';
import type { FleetTarget } from '../turn/fleet-redirect.ts';
import { listMembers, type MemberRecord } from './members.ts';
import type { RedisLink } from './redis-link.ts';

/** `ip:port` or `[ipv6]:port`, as members advertise themselves; undefined for '' or anything else. */
export function parseAdvertised(text: string | undefined): AlternateTarget | undefined {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text ?? '') ?? /^([^:\s]+):(\d+)$/.exec(text ?? '');
  if (m === null) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { ip: m[1], port } : undefined;
}

/** The members `self` may send clients to: the others that are healthy and advertise an address. */
export function redirectTargets(members: readonly MemberRecord[], self: string): FleetTarget[] {
  const out: FleetTarget[] = [];
  for (const m of members) {
    if (m.name === self || !m.health.ok) continue;
    const plain = parseAdvertised(m.advertise);
    const secure = parseAdvertised(m.advertiseTls);
    if (plain === undefined && secure === undefined) continue;
    out.push({ name: m.name, plain, secure, allocations: m.load.allocations, heartbeatAt: m.heartbeatAt });
  }
  return out;
}

/** Refreshes the core's targets now and every `heartbeatSeconds`; resolves with the stop function. */
export async function startRedirectTargets(link: RedisLink, self: string, heartbeatSeconds: number, apply: (targets: FleetTarget[]) => void, log: Logger): Promise<() => void> {
  let stopped = false;
  let failing = false;
  const refresh = async (): Promise<void> => {
    let targets: FleetTarget[] = [];
    try {
      if (link.up()) targets = redirectTargets(await listMembers(link), self);
      failing = false;
    } catch (e) {
      if (!failing) log.warn('fleet.redirect_targets_unread', { error: e instanceof Error ? e.message : String(e) });
      failing = true;
    }
    if (!stopped) apply(targets);
  };
  await refresh();
  const timer = setInterval(() => void refresh(), heartbeatSeconds * 1000);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
