/**
 * `proc-user` and `proc-group`, as root: `turnpike turnserver` binds a port below 1024 (which
 * needs root), then becomes a system user and group created for the test. Every thread of the
 * process (the native data plane's included) must have switched, STUN and a relayed
 * `turnutils_uclient` run must still work, and SIGTERM must stop it cleanly with the pid file
 * removed from a directory the user owns. Skipped unless root with useradd and coturn's tools.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freeRange, freeUdpPort } from '../../harness/ports.ts';
import { coturnMissing, launchPeer, launchTurnServer, runCoturn, TURNPIKE_BIN, type Launched } from '../../harness/servers.ts';
import { answersBinding } from '../../harness/ready.ts';
import { threadIds } from '../../src/server/privileges.ts';
import { assertRelayed } from '../interop/uclient-output.ts';

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (creates a user and binds a port below 1024)';
  for (const tool of ['/usr/sbin/useradd', '/usr/sbin/groupadd', '/usr/sbin/userdel', '/usr/sbin/groupdel']) {
    if (!existsSync(tool)) return `${tool} is missing`;
  }
  return coturnMissing('uclient', 'peer');
}

const skip = skipReason();

/** A port in 900–1000 free on UDP and TCP at 127.0.0.1 (binding it needs root). */
async function freeLowPort(): Promise<number> {
  const start = 900 + Math.floor(Math.random() * 100);
  for (let i = 0; i <= 100; i++) {
    const port = 900 + ((start - 900 + i) % 101);
    if ((await udpFree(port)) && (await tcpFree(port))) return port;
  }
  throw new Error('no port free in 900-1000');
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A field of `getent passwd|group NAME`. */
function getent(db: 'passwd' | 'group', name: string, field: number): number {
  return Number(execFileSync('getent', [db, name], { encoding: 'utf8' }).split(':')[field]);
}

describe('proc-user and proc-group (as root)', { skip }, () => {
  const tag = randomBytes(3).toString('hex');
  const user = `turnpike-test-${tag}`;
  const group = `turnpike-tg-${tag}`;
  let uid = -1;
  let gid = -1;
  let dir = '';
  let pidFile = '';
  let server: Launched | undefined;
  let peer: Launched | undefined;
  const lines: string[] = [];

  before(async () => {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    execFileSync('groupadd', ['--system', group]);
    uid = getent('passwd', user, 2);
    gid = getent('group', group, 2);
    dir = mkdtempSync(join(tmpdir(), 'turnpike-priv-'));
    chownSync(dir, uid, gid);
    pidFile = join(dir, 'turnserver.pid');
    const port = await freeLowPort();
    const { min, max } = await freeRange(50);
    server = await launchTurnServer(
      'turnpike',
      [
        '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${min}`, `--max-port=${max}`,
        '--allow-loopback-peers', '--rfc5766-channel-numbers', '-a', '-u', 'ling:ling1234', '-r', 'demo', '--log-file=stdout',
        '--relay-threads=2', `--pidfile=${pidFile}`, `--proc-user=${user}`, `--proc-group=${group}`,
      ],
      { port, keep: 50_000, onLine: (l) => lines.push(l) },
    );
    peer = await launchPeer('coturn', await freeUdpPort(), ['127.0.0.1']);
  });

  after(async () => {
    await peer?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    try {
      execFileSync('userdel', [user], { stdio: 'ignore' });
    } catch {
      // never created
    }
    try {
      execFileSync('groupdel', [group], { stdio: 'ignore' });
    } catch {
      // never created
    }
  });

  test('it answered a Binding on a port below 1024 and logged the switch', () => {
    assert.ok(server!.port < 1024);
    assert.match(lines.join('\n'), new RegExp(`privileges-dropped user="${user} \\(${uid}\\)" group="${group} \\(${gid}\\)" threads=\\d+`), server!.output());
    assert.match(readFileSync(pidFile, 'utf8'), new RegExp(`^${server!.pid}\\n$`));
  });

  test('every thread, the data plane included, runs as the user and group with no supplementary groups', () => {
    const threads = threadIds(server!.pid);
    const names = threads.map((t) => readFileSync(`/proc/${server!.pid}/task/${t.tid}/comm`, 'utf8').trim());
    if (lines.some((l) => l.includes('data-plane kind=native'))) {
      assert.ok(names.filter((n) => n.startsWith('turnpike-dp-')).length >= 2, `data-plane threads among ${names.join(', ')}`);
    }
    for (const t of threads) {
      assert.deepEqual(t.uid, [uid, uid, uid, uid], `thread ${t.tid} Uid`);
      assert.deepEqual(t.gid, [gid, gid, gid, gid], `thread ${t.tid} Gid`);
      assert.deepEqual(t.groups, [], `thread ${t.tid} Groups`);
    }
  });

  test('turnutils_uclient relays through it', async () => {
    const r = await runCoturn('uclient', ['-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer!.port), '-m', '4', '-n', '50', '-l', '170', '-p', String(server!.port), '127.0.0.1']);
    assertRelayed(r, 200, server!.output);
  });

  test('started as another user, it refuses to switch and says why', async () => {
    const port = await freeUdpPort();
    const r = spawnSync(process.execPath, [TURNPIKE_BIN, 'turnserver', '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '-a', '-u', 'a:b', '-r', 'x', '--log-file=stdout', '--proc-user=root'], {
      uid,
      gid,
      cwd: '/',
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, NODE_COMPILE_CACHE: join(dir, 'cache') },
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /proc-user=root: switching user or group needs root, and this process runs as uid \d+/);
  });

  test("files it cannot touch as the user are named at start-up, and neither SIGHUP nor exit crashes on them", async () => {
    const rootOnly = mkdtempSync(join(tmpdir(), 'turnpike-priv-root-')); // 0700, root's
    const port = await freeLowPort();
    const { min, max } = await freeRange(10);
    const pid = join(rootOnly, 'turnserver.pid');
    const logFile = join(rootOnly, 'turnserver.log');
    const s = await launchTurnServer(
      'turnpike',
      [
        '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${min}`, `--max-port=${max}`,
        '-a', '-u', 'ling:ling1234', '-r', 'demo', `--log-file=${logFile}`, '--simple-log', `--pidfile=${pid}`, `--proc-user=${user}`,
      ],
      { port, keep: 50_000 },
    );
    try {
      assert.match(s.output(), new RegExp(`privileges-dropped user="${user} \\(${uid}\\)" group="\\d+ \\(the user's primary group\\)"`));
      assert.match(s.output(), new RegExp(`WARN privileges-file file=${pid} `));
      assert.match(s.output(), new RegExp(`WARN privileges-file file=${logFile} .*reopening the log on SIGHUP will fail`));
      s.child.process.kill('SIGHUP');
      await answersBinding(port)(s.child);
      s.child.process.kill('SIGTERM');
      assert.equal(await s.child.exited, 0, s.output());
      assert.match(s.output(), /WARN pidfile-not-removed /);
    } finally {
      await s.stop();
      rmSync(rootOnly, { recursive: true, force: true });
    }
  });

  test('SIGTERM stops it with exit 0 and removes the pid file', async () => {
    server!.child.process.kill('SIGTERM');
    const code = await server!.child.exited;
    assert.equal(code, 0, server!.output());
    assert.match(server!.output(), / stopping signal=SIGTERM/);
    assert.equal(existsSync(pidFile), false);
  });
});
