/**
 * The realms a user database adds (coturn's `turn_origin_to_realm`, `turn_realm_option`,
 * `allowed_peer_ip`, `denied_peer_ip`), as a `RealmDirectory` the TURN core reads without
 * waiting: a snapshot re-read every few seconds (coturn re-reads every 5 s), so an edit shows
 * within one period and no request ever waits on the database for it.
 *
 * Database peer ranges never weaken the configured peer policy: a realm's denied ranges refuse
 * more, and its allowed ranges only make holes in its own denied ranges, never in the built-in
 * refusals (loopback, private, …) or in `denied-peer-ip`. Bad rows are skipped and named once
 * in the log. While the database is down the last snapshot stays in force.
 */
import { createPeerPolicy, type PeerPolicy, type PeerPolicyOptions } from '../turn/peer-policy.ts';
import { PeerRefusal } from '../turn/peer-policy-rules.ts';
import { canonicalOrigin, type RealmDirectory, type RealmLimits } from '../turn/realms.ts';
import { parseIpRange } from '../net/ip-range.ts';
import type { Logger } from '../log/logger.ts';
import type { DatabaseHealth } from './health.ts';
import type { RealmOptionName, UserDatabase } from './types.ts';

/** How often the snapshot is re-read (ms), as coturn does. */
export const REALM_REFRESH_MS = 5000;

/** What the directory is built from. */
export interface DatabaseRealmOptions {
  db: UserDatabase;
  health: DatabaseHealth;
  log: Logger;
  realm: string;
  limits: RealmLimits;
  peerOptions: PeerPolicyOptions;
  /** `no-dynamic-realms`: origins and realm options are not read */
  noDynamicRealms: boolean;
  /** `no-dynamic-ip-list`: peer ranges are not read */
  noDynamicIpList: boolean;
}

interface Snapshot {
  origins: Map<string, string>;
  limits: Map<string, RealmLimits>;
  policies: Map<string, PeerPolicy>;
  /** the policy of realms with no ranges of their own: the configured one, plus rows of realm '' */
  fallback: PeerPolicy;
}

/** A realm directory fed by the database, and the refresh that feeds it. */
export interface DatabaseRealmDirectory extends RealmDirectory {
  /** Reads the database now; resolves when the snapshot is replaced (or the read failed). */
  refresh(): Promise<void>;
  /** Re-reads every `REALM_REFRESH_MS` until `close`. */
  start(): void;
  close(): void;
  /** A reload: the configured realm, limits and peer policy change; the database is read again. */
  reconfigure(realm: string, limits: RealmLimits, peerOptions: PeerPolicyOptions): Promise<void>;
}

const OPTION_FIELD: Record<RealmOptionName, keyof RealmLimits> = { 'max-bps': 'maxBps', 'user-quota': 'userQuota', 'total-quota': 'totalQuota' };

/** See the module comment. */
export function createDatabaseRealmDirectory(opts: DatabaseRealmOptions): DatabaseRealmDirectory {
  let base = createPeerPolicy(opts.peerOptions);
  let defaults = Object.freeze({ ...opts.limits });
  let defaultRealm = opts.realm;
  const reported = new Set<string>();
  let snap: Snapshot = { origins: new Map(), limits: new Map(), policies: new Map(), fallback: base };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const badRow = (table: string, row: string, problem: string): void => {
    if (reported.has(`${table}\n${row}`) || reported.size > 1000) return;
    reported.add(`${table}\n${row}`);
    opts.log.warn('user-database-bad-row', { backend: opts.db.description, table, row, problem, effect: 'skipped' });
  };

  async function read(): Promise<Snapshot> {
    const next: Snapshot = { origins: new Map(), limits: new Map(), policies: new Map(), fallback: base };
    const realms = new Set([defaultRealm]);
    if (!opts.noDynamicRealms) {
      for (const { origin, realm } of await opts.db.listOrigins()) {
        next.origins.set(canonicalOrigin(origin), realm);
        realms.add(realm);
      }
      for (const { realm, option, value } of await opts.db.listRealmOptions()) {
        if (!Number.isSafeInteger(value) || value < 0) {
          badRow('turn_realm_option', `realm=${realm} opt=${option}`, `value ${value} is not a whole number`);
          continue;
        }
        const limits = next.limits.get(realm) ?? { ...defaults };
        limits[OPTION_FIELD[option]] = value;
        next.limits.set(realm, limits);
        realms.add(realm);
      }
    }
    if (!opts.noDynamicIpList) {
      // Rows of realm '' apply to every realm, as in coturn.
      const global = await opts.db.peerRanges('');
      const globalAllowed = usable('allowed_peer_ip', '', global.allowed);
      const globalDenied = usable('denied_peer_ip', '', global.denied);
      next.fallback = realmPolicy(base, globalAllowed, globalDenied);
      realms.delete('');
      for (const realm of realms) {
        const ranges = await opts.db.peerRanges(realm);
        const allowed = [...globalAllowed, ...usable('allowed_peer_ip', realm, ranges.allowed)];
        const denied = [...globalDenied, ...usable('denied_peer_ip', realm, ranges.denied)];
        const policy = realmPolicy(base, allowed, denied);
        if (policy !== base) next.policies.set(realm, policy);
      }
    }
    return next;
  }

  function usable(table: string, realm: string, texts: string[]): string[] {
    return texts.filter((text) => {
      if (parseIpRange(text.trim()) !== undefined) return true;
      badRow(table, `realm=${realm} ip_range=${text}`, 'not an IP address or range ip1-ip2');
      return false;
    }).map((t) => t.trim());
  }

  const directory: DatabaseRealmDirectory = {
    get defaultRealm() {
      return defaultRealm;
    },
    realmOf: (origin) => (origin === undefined ? defaultRealm : snap.origins.get(origin) ?? defaultRealm),
    limits: (realm) => snap.limits.get(realm) ?? defaults,
    policy: (realm) => snap.policies.get(realm) ?? snap.fallback,
    refresh() {
      running ??= (async () => {
        if (opts.health.holdingOff(Date.now())) return;
        try {
          snap = await read();
          opts.health.succeeded(Date.now());
        } catch (err) {
          opts.health.failed(err, Date.now());
        }
      })().finally(() => {
        running = undefined;
      });
      return running;
    },
    start() {
      timer ??= setInterval(() => void directory.refresh(), REALM_REFRESH_MS);
      timer.unref();
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    async reconfigure(realm, limits, peerOptions) {
      base = createPeerPolicy(peerOptions);
      defaults = Object.freeze({ ...limits });
      defaultRealm = realm;
      // Until the database answers, the new configuration alone (no stale realm-specific rows).
      snap = { origins: snap.origins, limits: new Map(), policies: new Map(), fallback: base };
      await running;
      await directory.refresh();
    },
  };
  return directory;
}

/** The configured policy, narrowed by a realm's database ranges (see the module comment). */
function realmPolicy(base: PeerPolicy, allowed: string[], denied: string[]): PeerPolicy {
  if (denied.length === 0) return base;
  const narrowing = createPeerPolicy({ allowedPeerIps: allowed, deniedPeerIps: denied, allowLoopbackPeers: true, noMulticastPeers: false });
  return {
    check(ip) {
      const decision = base.check(ip);
      if (!decision.allowed) return decision;
      const extra = narrowing.check(ip);
      // Only the realm's own denied ranges count here; built-in refusals were the base's to make.
      return !extra.allowed && extra.reason === PeerRefusal.DeniedPeerIp ? extra : decision;
    },
  };
}
