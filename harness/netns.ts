/**
 * Test hosts with addresses of their own, for tests of several Turnpike servers working as a
 * fleet (see servers.ts for why this lives in harness/). Each host is a Linux network
 * namespace (`ip netns add`) with its loopback up and one veth pair whose other end sits on a
 * bridge in the root namespace: the hosts share one /24 (10.200.X.0/24, X from this process's
 * id), the bridge holds .1 and host i holds .(11+i), with a default route via the bridge.
 * The test process, in the root namespace, reaches every host directly, and every host
 * reaches the others and the root namespace's bridge address.
 *
 * Redis on this machine listens on 127.0.0.1:6379 only, which a namespace cannot reach (its
 * 127.0.0.1 is its own). Rather than reconfigure the system Redis or add NAT rules (this
 * machine has no iptables), the test process forwards TCP from the bridge address port 6379
 * to 127.0.0.1:6379 (node:net, piped both ways): `redis` says where hosts find it.
 *
 * Everything is named with this process's id (`tpk-<pid>-<i>` namespaces, `tpk<pid>b` bridge,
 * `tpk<pid>h<i>` veth ends) and removed by `close()`, on exit, and on SIGINT/SIGTERM; what a
 * crashed run left behind (names whose process is gone) is removed when the next run starts.
 *
 * Where namespaces cannot be made (not root, no `ip`, no kernel support), `createHosts` falls
 * back to loopback addresses 127.0.0.(11+i) in one namespace, and says why in `fallback`:
 * tests then need distinct ports per host, and should report the fallback (t.diagnostic).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import type { Command, Readiness } from './children.ts';
import { connectUdp } from '../src/client/server-connection.ts';
import { newTransactionId } from '../src/client/transactions.ts';
import { MessageClass, Method } from '../src/stun/types.ts';

/** Where `ip` is installed (iproute2). */
const IP = existsSync('/usr/sbin/ip') ? '/usr/sbin/ip' : '/sbin/ip';
/** The prefix of every namespace this harness makes; the interfaces start with `tpk<digits>`. */
const NS_PREFIX = 'tpk-';
const REDIS = { host: '127.0.0.1', port: 6379 } as const;

/** One test host. */
export interface TestHost {
  /** the namespace's name, or `loopback-<i>` */
  readonly name: string;
  /** its own IPv4 address */
  readonly address: string;
  /** `cmd` run on this host: `ip netns exec NAME cmd…` (unchanged in the loopback fallback) */
  command(cmd: Command): Command;
}

/** A set of test hosts and the ways between them and the test process. */
export interface TestHosts {
  readonly hosts: readonly TestHost[];
  /** undefined with real namespaces; why not, in the loopback fallback */
  readonly fallback: string | undefined;
  /** the root namespace's address as the hosts see it: the bridge's, or 127.0.0.1 */
  readonly rootAddress: string;
  /** where the hosts reach this machine's Redis */
  readonly redis: { host: string; port: number };
  /** Removes the namespaces, the bridge and the forwarder; safe to call more than once. */
  close(): Promise<void>;
}

function ip(args: string[]): string {
  return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `ip args…`, ignoring failure (for removal of what may already be gone). */
function ipQuiet(args: string[]): void {
  try {
    ip(args);
  } catch { /* already gone */ }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why namespaces cannot be made here, or false (the attempt itself may still fail). */
export function netnsMissing(): string | false {
  if (process.env.TURNPIKE_NETNS === 'off') return 'TURNPIKE_NETNS=off asks for loopback addresses';
  if (process.platform !== 'linux') return `network namespaces need Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  if (!existsSync(IP)) return 'iproute2 is not installed (no ip command)';
  return false;
}

/** Removes namespaces and interfaces left by runs whose process is gone. */
export function removeStale(): void {
  const names = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  for (const ns of names) {
    const m = /^tpk-(\d+)-\d+$/.exec(ns);
    if (m && !alive(Number(m[1]))) ipQuiet(['netns', 'del', ns]);
  }
  for (const line of ip(['-o', 'link', 'show']).split('\n')) {
    const m = /^\d+: (tpk(\d+)[bh]\d*)[@:]/.exec(line);
    if (m && !alive(Number(m[2]))) ipQuiet(['link', 'del', m[1]]);
  }
}

/** The third octet of a 10.200.X.0/24 that no interface here uses, starting from this pid's. */
function freeSubnet(): number {
  const used = ip(['-o', '-4', 'addr', 'show']);
  for (let k = 0; k < 250; k++) {
    const x = 1 + ((process.pid + k) % 250);
    if (!used.includes(` 10.200.${x}.`)) return x;
  }
  throw new Error('every 10.200.X.0/24 is in use');
}

/** A running TCP forwarder. */
export interface Forwarder {
  /** Stops listening and cuts every forwarded connection. */
  close(): Promise<void>;
}

/** Forwards TCP connections to `listenHost:listenPort` to `target` (both ways, until either end closes). */
export async function forwardTcp(listenHost: string, listenPort: number, target: { host: string; port: number }): Promise<Forwarder> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target.port, target.host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { inbound.destroy(); outbound.destroy(); });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** The names of what `count` namespaces on subnet `x` are made of. */
function plan(count: number, x: number) {
  const pid = process.pid;
  return {
    bridge: `tpk${pid}b`,
    gateway: `10.200.${x}.1`,
    hosts: Array.from({ length: count }, (_, i) => ({ ns: `${NS_PREFIX}${pid}-${i}`, veth: `tpk${pid}h${i}`, address: `10.200.${x}.${11 + i}` })),
  };
}

/** Deletes what `plan` names (synchronously, so it can run from an exit handler). */
function teardown(p: ReturnType<typeof plan>): void {
  for (const h of p.hosts) {
    ipQuiet(['netns', 'del', h.ns]);
    ipQuiet(['link', 'del', h.veth]);
  }
  ipQuiet(['link', 'del', p.bridge]);
}

function build(p: ReturnType<typeof plan>): void {
  ip(['link', 'add', p.bridge, 'type', 'bridge']);
  ip(['addr', 'add', `${p.gateway}/24`, 'dev', p.bridge]);
  ip(['link', 'set', p.bridge, 'up']);
  for (const h of p.hosts) {
    ip(['netns', 'add', h.ns]);
    ip(['link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
    ip(['link', 'set', h.veth, 'master', p.bridge, 'up']);
    ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
    ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
    ip(['-n', h.ns, 'route', 'add', 'default', 'via', p.gateway]);
  }
}

/** `count` hosts on loopback addresses, when namespaces cannot be made. */
function loopbackHosts(count: number, why: string): TestHosts {
  return {
    hosts: Array.from({ length: count }, (_, i) => ({ name: `loopback-${i}`, address: `127.0.0.${11 + i}`, command: (cmd: Command) => cmd })),
    fallback: why,
    rootAddress: '127.0.0.1',
    redis: { ...REDIS },
    close: async () => {},
  };
}

/**
 * Makes `count` hosts, each in a network namespace of its own, with Redis forwarded to them;
 * falls back to loopback addresses (saying why) where that cannot be done.
 */
export async function createHosts(count: number): Promise<TestHosts> {
  const missing = netnsMissing();
  if (missing) return loopbackHosts(count, missing);
  let p: ReturnType<typeof plan>;
  try {
    removeStale();
    p = plan(count, freeSubnet());
  } catch (err) {
    return loopbackHosts(count, `cannot prepare network namespaces: ${(err as Error).message}`);
  }
  const onExit = (): void => teardown(p);
  const onSignal = (signal: NodeJS.Signals): void => {
    teardown(p);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unhook = (): void => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  let forwarder: Forwarder;
  try {
    build(p);
    forwarder = await forwardTcp(p.gateway, REDIS.port, REDIS);
  } catch (err) {
    teardown(p);
    unhook();
    const e = err as Error & { stderr?: string };
    return loopbackHosts(count, `cannot make network namespaces: ${(e.stderr ?? '').trim() || e.message}`);
  }
  let closed = false;
  return {
    hosts: p.hosts.map((h) => ({
      name: h.ns,
      address: h.address,
      command: (cmd: Command) => ({ command: IP, args: ['netns', 'exec', h.ns, cmd.command, ...cmd.args], env: cmd.env }),
    })),
    fallback: undefined,
    rootAddress: p.gateway,
    redis: { host: p.gateway, port: REDIS.port },
    async close() {
      if (closed) return;
      closed = true;
      await forwarder.close();
      teardown(p);
      unhook();
    },
  };
}

/** The names of the namespaces that exist now (for tests that check the clean-up). */
export function namespacesNow(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(NS_PREFIX)) : [];
}

/**
 * Resolves once a STUN server at host:port answers a Binding request (RFC 8489 §6) sent from
 * `localIp`: ready.ts's check sends from 127.0.0.1, which cannot reach another namespace.
 */
export function answersBindingFrom(host: string, port: number, localIp: string, limitMs = 15_000): Readiness {
  return async (child) => {
    let exited: number | string | undefined;
    void child.exited.then((code) => { exited = code; });
    const deadline = Date.now() + limitMs;
    const conn = await connectUdp({ ip: host, port, family: 4, localIp });
    try {
      for (;;) {
        if (exited !== undefined) throw new Error(`${child.process.spawnargs.join(' ')} exited (${exited}) before answering on ${host}:${port}:\n${child.output()}`);
        if (Date.now() > deadline) throw new Error(`nothing answered on ${host}:${port} within ${limitMs / 1000} s:\n${child.output()}`);
        const request = { method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes: [] };
        try {
          const answer = await conn.transactions.request(request, (b) => conn.send(b), {}, { rto: 100, tries: 3 });
          if (answer.class === MessageClass.SuccessResponse) return;
        } catch { /* not yet: ask again */ }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await conn.close();
    }
  };
}
