/**
 * What a reload (SIGHUP) changes: the options whose values differ between the running
 * configuration and the file read again, split into those applied live and those that need
 * a restart (sockets, threads, databases and services made at start-up). Pure.
 */
import type { Config } from '../config/types.ts';

/** The outcome of comparing two configurations, by coturn option name. */
export interface ConfigChanges {
  /** changed and applied without a restart */
  live: string[];
  /** changed, but only a restart applies them */
  needsRestart: string[];
}

/** Config fields a reload applies: credentials, realm, peer policy, quotas, lifetimes, answers, log level, certificates. */
const LIVE = new Set<string>([
  'users', 'ltCredMech', 'useAuthSecret', 'staticAuthSecrets', 'restApiSeparator', 'realm', 'serverName',
  'maxAllocateLifetime', 'channelLifetime', 'permissionLifetime', 'fingerprint',
  'userQuota', 'totalQuota', 'maxBps',
  'allowedPeerIps', 'deniedPeerIps', 'allowLoopbackPeers', 'noMulticastPeers',
  'secureStun', 'noStun', 'noStunBackwardCompatibility', 'noSoftwareAttribute', 'checkOriginConsistency',
  'maxPermissionsPerAllocation', 'maxChannelsPerAllocation',
  'log.verbose', 'tls.cert', 'tls.pkey', 'tls.pkeyPwd', 'tls.cipherList', 'tls.ecCurveName', 'tls.minVersion',
]);

/** Fields that are bookkeeping, not options. */
const IGNORED = new Set<string>(['sources']);

/** coturn's name for a Config field where it is not the field's kebab-case spelling. */
const OPTION_NAME: Record<string, string> = {
  users: 'user', staticAuthSecrets: 'static-auth-secret', allowedPeerIps: 'allowed-peer-ip', deniedPeerIps: 'denied-peer-ip',
  listeningIps: 'listening-ip', relayIps: 'relay-ip', externalIps: 'external-ip', apiKeys: 'api-key', pidFile: 'pidfile',
  statelessNonceSecret: 'stateless-nonce-secret', statelessNoncePreviousSecrets: 'stateless-nonce-secret',
  userDb: 'userdb/psql-userdb/mysql-userdb/redis-userdb', noRfc5780: 'no-rfc5780',
  'log.verbose': 'verbose', 'log.file': 'log-file', 'log.simpleLog': 'simple-log', 'log.noStdoutLog': 'no-stdout-log', 'log.format': 'log-format',
  'tls.cert': 'cert', 'tls.pkey': 'pkey', 'tls.pkeyPwd': 'pkey-pwd', 'tls.cipherList': 'cipher-list', 'tls.ecCurveName': 'ec-curve-name', 'tls.minVersion': 'no-tlsv1_2',
  procUser: 'proc-user', procGroup: 'proc-group', dataDir: 'data-dir', databaseUsersWithAuthSecret: 'serve',
  udpAlternateServers: 'udp-alternate-server', tcpAlternateServers: 'tcp-alternate-server',
  redisStatsDb: 'redis-statsdb',
};

const kebab = (field: string): string => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The option name of a Config field (or a `tls.`/`log.` sub-field). */
export function optionName(field: string): string {
  return OPTION_NAME[field] ?? kebab(field.replace(/^(tls|log)\./, ''));
}

/** Compares two configurations; each changed option is named once. */
export function diffConfig(before: Config, after: Config): ConfigChanges {
  const live = new Set<string>();
  const needsRestart = new Set<string>();
  const visit = (field: string, a: unknown, b: unknown): void => {
    if (IGNORED.has(field) || JSON.stringify(a) === JSON.stringify(b)) return;
    (LIVE.has(field) ? live : needsRestart).add(optionName(field));
  };
  for (const field of Object.keys({ ...before, ...after }) as (keyof Config)[]) {
    const a = before[field];
    const b = after[field];
    if (field === 'tls' || field === 'log') {
      for (const sub of Object.keys({ ...(a as object), ...(b as object) })) {
        visit(`${field}.${sub}`, (a as unknown as Record<string, unknown>)[sub], (b as unknown as Record<string, unknown>)[sub]);
      }
    } else {
      visit(field, a, b);
    }
  }
  return { live: [...live].sort(), needsRestart: [...needsRestart].sort() };
}

/**
 * The configuration a reload runs with: `before`, with the live fields taken from `after`;
 * options that need a restart keep their running values until one.
 */
export function mergeLive(before: Config, after: Config): Config {
  const merged: Config = { ...before, tls: { ...before.tls }, log: { ...before.log } };
  const target = merged as unknown as Record<string, unknown>;
  const source = after as unknown as Record<string, unknown>;
  for (const field of LIVE) {
    const [head, sub] = field.split('.');
    if (sub === undefined) target[head] = source[head];
    else (target[head] as Record<string, unknown>)[sub] = (source[head] as Record<string, unknown>)[sub];
  }
  return merged;
}
