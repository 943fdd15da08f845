/**
 * `proc-user` and `proc-group`: once every socket is bound (the STUN/TURN listeners, relay
 * ports, the web, admin and metrics ports), the process becomes that user and group.
 *
 * coturn's semantics: each is a name or a numeric id; the group is switched first, the
 * supplementary groups are cleared (coturn's `setgroups(0, NULL)`), then the user. One
 * difference: with `proc-user` alone coturn keeps root's group (gid 0); Turnpike takes the
 * user's primary group, so that nothing of root stays.
 *
 * Every thread must change: the native data plane, libuv's pool and V8's workers all run in
 * this process. glibc's setuid/setgid/setgroups broadcast the change to every thread
 * (nptl's SIGSETXID), and this module checks it in /proc/self/task/<tid>/status afterwards:
 * a thread still holding root is refused as a fatal error rather than served with.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import { datedLogPath } from '../log/sinks.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';

/** A user or group looked up in the name service: its name (when known) and numeric id. */
interface Entry {
  name: string | undefined;
  id: number;
  /** a user's primary group */
  gid?: number;
}

/** `getent passwd|group KEY` (the whole name service: files, LDAP, systemd's dynamic users…), or undefined. */
function getent(db: 'passwd' | 'group', key: string): string[] | undefined {
  try {
    const line = execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
    return line ? line.split(':') : undefined;
  } catch {
    return fromFile(db, key);
  }
}

/** Falls back to /etc/passwd or /etc/group when `getent` is missing or does not know `key`. */
function fromFile(db: 'passwd' | 'group', key: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/etc/${db}`, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === key || (/^\d+$/.test(key) && f[2] === key)) return f;
  }
  return undefined;
}

/** coturn: a name if the name service knows it, else a number. */
function lookUp(db: 'passwd' | 'group', option: string, value: string): Entry {
  const f = getent(db, value);
  if (f !== undefined && f.length >= 3 && /^\d+$/.test(f[2]!)) {
    return { name: f[0], id: Number(f[2]), gid: db === 'passwd' && f[3] !== undefined && /^\d+$/.test(f[3]) ? Number(f[3]) : undefined };
  }
  if (/^\d+$/.test(value)) return { name: undefined, id: Number(value) };
  throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `${option}=${value}: no such ${db === 'passwd' ? 'user' : 'group'}`);
}

/** The real, effective, saved and filesystem ids of every thread, from /proc. */
export function threadIds(pid: number | 'self' = 'self'): { tid: number; uid: number[]; gid: number[]; groups: number[] }[] {
  const dir = `/proc/${pid}/task`;
  const out: { tid: number; uid: number[]; gid: number[]; groups: number[] }[] = [];
  for (const tid of readdirSync(dir)) {
    let status: string;
    try {
      status = readFileSync(`${dir}/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const field = (name: string): number[] =>
      (status.match(new RegExp(`^${name}:(.*)$`, 'm'))?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    out.push({ tid: Number(tid), uid: field('Uid'), gid: field('Gid'), groups: field('Groups') });
  }
  return out;
}

function describe(e: Entry): string {
  return e.name === undefined ? String(e.id) : `${e.name} (${e.id})`;
}

/** Switches group, then user, when the configuration names them. */
export function dropPrivileges(config: Config, log: Logger): void {
  if (config.procUser === undefined && config.procGroup === undefined) return;
  if (typeof process.setuid !== 'function' || typeof process.setgid !== 'function' || typeof process.setgroups !== 'function') {
    throw new TurnpikeError(ErrorCode.CONFIG_UNSUPPORTED, 'proc-user/proc-group: this platform cannot switch users');
  }
  const user = config.procUser === undefined ? undefined : lookUp('passwd', 'proc-user', config.procUser);
  const group = config.procGroup === undefined ? undefined : lookUp('group', 'proc-group', config.procGroup);
  const uid = user?.id ?? process.getuid!();
  const gid = group?.id ?? user?.gid ?? process.getgid!();
  const before = { uid: process.geteuid!(), gid: process.getegid!() };

  if (before.uid !== 0) {
    // Nothing to do when already that user and group (coturn compares too); anything else needs root.
    if (uid === process.getuid!() && uid === before.uid && gid === process.getgid!() && gid === before.gid) {
      log.info('privileges', { user: user ? describe(user) : uid, group: group ? describe(group) : gid, note: 'already running as them' });
      return;
    }
    const wanted = [config.procUser !== undefined ? `proc-user=${config.procUser}` : '', config.procGroup !== undefined ? `proc-group=${config.procGroup}` : ''].filter(Boolean).join(' ');
    throw new TurnpikeError(
      ErrorCode.CONFIG_INVALID,
      `${wanted}: switching user or group needs root, and this process runs as uid ${before.uid}. ` +
        'Start it as root, or drop these options and let the service manager choose the user ' +
        '(systemd: User= with AmbientCapabilities=CAP_NET_BIND_SERVICE for ports below 1024).',
    );
  }

  try {
    // Group first (setgid needs root), supplementary groups cleared while still root, user last.
    process.setgid(gid);
    process.setgroups([]);
    if (user !== undefined) process.setuid(uid);
  } catch (err) {
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `proc-user/proc-group: cannot switch to uid ${uid} gid ${gid}: ${(err as Error).message}`, { cause: err });
  }

  // Every thread (data plane, libuv pool, V8) must have changed: check the kernel's view of each.
  const threads = threadIds();
  const stale = threads.filter((t) => t.uid.some((u) => u !== uid) || t.gid.some((g) => g !== gid) || t.groups.length > 0);
  if (stale.length > 0) {
    throw new TurnpikeError(
      ErrorCode.CONFIG_INVALID,
      `proc-user/proc-group: ${stale.length} of ${threads.length} threads kept other ids (thread ${stale[0]!.tid}: Uid ${stale[0]!.uid.join(' ')}, Gid ${stale[0]!.gid.join(' ')})`,
    );
  }
  log.info('privileges-dropped', {
    user: user ? describe(user) : `${uid} (unchanged)`,
    group: group ? describe(group) : user?.gid !== undefined ? `${gid} (the user's primary group)` : `${gid}`,
    threads: threads.length,
  });
  warnAboutLaterFiles(config, log);
}

/**
 * Files the process touches after start-up, checked as the new user: the pid file is removed at
 * exit, the log file is reopened on SIGHUP (and a dated one created each day), the
 * configuration and certificates are read again on reload. Each that will fail is said now.
 */
function warnAboutLaterFiles(config: Config, log: Logger): void {
  const can = (path: string, mode: number): boolean => {
    try {
      accessSync(path, mode);
      return true;
    } catch {
      return false;
    }
  };
  const who = `uid ${process.getuid!()} gid ${process.getgid!()}`;
  if (config.pidFile && !can(dirname(config.pidFile), constants.W_OK)) {
    log.warn('privileges-file', { file: config.pidFile, message: `${who} cannot write its directory: the pid file will be left behind at exit (put it in a directory the user owns, e.g. systemd's RuntimeDirectory=)` });
  }
  const file = config.log.file;
  if (file !== undefined && file !== 'stdout' && file !== '-' && file !== 'syslog') {
    const current = config.log.simpleLog ? file : datedLogPath(file, new Date());
    if (!can(current, constants.W_OK)) {
      log.warn('privileges-file', { file: current, message: `${who} cannot write it: reopening the log on SIGHUP will fail (chown it and its directory to the user)` });
    }
    if (!can(dirname(current), constants.W_OK | constants.X_OK)) {
      log.warn('privileges-file', {
        file: dirname(current),
        message: `${who} cannot create files there: ${config.log.simpleLog ? 'a log file rotated away cannot be recreated on SIGHUP (use copytruncate)' : "the next day's dated log file cannot be created"}`,
      });
    }
  }
  if (config.dataDir !== undefined && existsSync(config.dataDir) && !can(config.dataDir, constants.W_OK | constants.X_OK)) {
    log.warn('privileges-file', { file: config.dataDir, message: `${who} cannot write it: the database there cannot be updated (chown it to the user)` });
  }
  if (config.userDb?.kind === 'sqlite' && existsSync(config.userDb.connection) && !can(config.userDb.connection, constants.R_OK)) {
    log.warn('privileges-file', { file: config.userDb.connection, message: `${who} cannot read it: authentication will fail` });
  }
  for (const f of [...config.sources, config.tls.cert, config.tls.pkey]) {
    if (f !== undefined && existsSync(f) && !can(f, constants.R_OK)) {
      log.warn('privileges-file', { file: f, message: `${who} cannot read it: a reload will fail to read it again` });
    }
  }
}
