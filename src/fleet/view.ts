/**
 * The fleet as an operator sees it: the live members (src/fleet/members.ts) and every
 * allocation published in `redis-statsdb` (src/fleet/statsdb.ts), each tied to the member whose
 * session-id prefix it carries. Sessions of servers that are not fleet members (coturn, or a
 * Turnpike without `fleet-redis`, writing to the same statsdb) are listed with no member.
 */
import type { RedisLink } from './redis-link.ts';
import { listMembers, type MemberRecord } from './members.ts';
import { parseSessionId, parseStatusKey, parseStatusValue } from './statsdb-format.ts';

/** One allocation as the statsdb shows it. */
export interface FleetSession {
  /** coturn's session id (18 digits) */
  id: string;
  realm: string;
  user: string;
  /** the member that owns it; null when no live member has its prefix */
  member: string | null;
  /** the allocation's id on that member */
  localId: number | null;
  status: string;
  lifetime: number | undefined;
  type: string | undefined;
  local: string | undefined;
  remote: string | undefined;
  /** seconds until the status key expires (-1: no expiry, as coturn writes them) */
  expiresIn: number;
}

const BATCH = 500;

/** Every status key in `statsdb`, read with SCAN, then GET and TTL per key, pipelined. */
export async function listSessions(statsdb: RedisLink, members: readonly MemberRecord[]): Promise<FleetSession[]> {
  const byPrefix = new Map(members.map((m) => [m.prefix, m.name]));
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await statsdb.redis.scan(cursor, 'MATCH', 'turn/*/allocation/*/status', 'COUNT', 1000);
    for (const k of batch) keys.add(k);
    cursor = next;
  } while (cursor !== '0');
  const list = [...keys];
  const out: FleetSession[] = [];
  for (let i = 0; i < list.length; i += BATCH) {
    const slice = list.slice(i, i + BATCH);
    const p = statsdb.redis.pipeline();
    for (const k of slice) p.get(k).ttl(k);
    const replies = (await p.exec()) ?? [];
    slice.forEach((key, j) => {
      const [[e1, value], [, ttl]] = [replies[2 * j], replies[2 * j + 1]];
      const where = parseStatusKey(key);
      if (e1 || typeof value !== 'string' || where === undefined) return;
      const status = parseStatusValue(value);
      const owner = parseSessionId(where.id);
      const member = owner === undefined ? undefined : byPrefix.get(owner.prefix);
      out.push({
        id: where.id, realm: where.realm, user: where.user,
        member: member ?? null, localId: member === undefined || owner === undefined ? null : owner.localId,
        status: status?.status ?? value, lifetime: status?.lifetime, type: status?.type, local: status?.local, remote: status?.remote,
        expiresIn: typeof ttl === 'number' ? ttl : -1,
      });
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The members and, when a statsdb is there to read, their sessions. */
export async function fleetView(fleet: RedisLink, statsdb: RedisLink | undefined): Promise<{ members: MemberRecord[]; sessions: FleetSession[] | null }> {
  const members = await listMembers(fleet);
  return { members, sessions: statsdb ? await listSessions(statsdb, members) : null };
}
