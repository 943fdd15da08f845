/**
 * `npm run bench:soak`: does memory stay flat under hostile load, and does everything come
 * back? `turnpike turnserver` runs as its own process on loopback and takes, in bounded time:
 *
 * - one million malformed and hostile datagrams (random bytes, truncated and lying STUN, bad
 *   cookies, unbound and lying ChannelData, unauthenticated and forged-nonce Allocates, RTP,
 *   datagrams of 60 KB) from many ports of one address;
 * - 20,000 full allocation set-ups (401, Allocate, CreatePermission, ChannelBind) and
 *   teardowns, while another process holds 10% of the relay range;
 * - 10,000 TCP connections that stall mid-frame, send garbage, or send nothing.
 *
 * It prints the server's resident memory after start, after a warm-up, at the peak of each
 * phase and after the soak; its open file descriptors; whether every relay port can be had
 * again (including those held elsewhere during the soak); and the server's counters by
 * reason. It fails (exit 1) when memory after the soak is more than 10% above the warm-up
 * level, when descriptors leak, or when a relay port does not come back.
 *
 * Options: --datagrams N, --allocations N, --connections N, --tiny (a run of seconds).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { bindClientSockets, closeSockets, openAllocations, releaseAllocations, type AllocationTarget } from './lib/alloc-client.ts';
import { killAllChildren, spawnTracked } from '../harness/children.ts';
import { freeRange, freeUdpTcpPort } from '../harness/ports.ts';
import { launchTurnServer, turnpikeCommand } from '../harness/servers.ts';
import { encodeMessage } from '../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../src/stun/types.ts';
import { BUSY_MS } from '../src/turn/relay-port-allocator.ts';

const { values: opts } = parseArgs({
  options: {
    datagrams: { type: 'string', default: '1000000' },
    allocations: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '10000' },
    tiny: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write('Usage: npm run bench:soak -- [--datagrams N] [--allocations N] [--connections N] [--tiny]\n');
  process.exit(0);
}
const DATAGRAMS = opts.tiny ? 20_000 : Number(opts.datagrams);
const ALLOCATIONS = opts.tiny ? 400 : Number(opts.allocations);
const CONNECTIONS = opts.tiny ? 200 : Number(opts.connections);
/** allocations live at once; the set-ups and teardowns come in batches of this many */
const BATCH = Math.min(2_000, ALLOCATIONS);
const HOST = '127.0.0.1';
/** hostile traffic comes from another loopback address than the honest clients */
const HOSTILE = '127.0.0.3';
/** TCP connections open at once */
const TCP_WAVE = Math.min(2_000, CONNECTIONS);
/** the server closes a connection that completes no frame in this long (stream-listener.ts) */
const STREAM_IDLE_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Samples the server's RSS every 200 ms; `peak()` gives the highest since the last reset. */
function rssSampler(pid: number) {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 200);
  timer.unref();
  return {
    peak: () => Math.max(peak, rssBytes(pid)),
    reset: () => (peak = 0),
    stop: () => clearInterval(timer),
  };
}

/** One hostile datagram of kind `i % 10`. */
function hostileDatagram(i: number): Uint8Array {
  const tid = randomBytes(12);
  switch (i % 10) {
    case 0:
      return randomBytes(1 + (i % 200));
    case 1: {
      // A Binding request cut short.
      const m = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: tid, attributes: [{ type: Attr.Software, value: 'soak' }] });
      return m.subarray(0, 4 + (i % 16));
    }
    case 2: {
      // A header whose length claims more than arrives.
      const b = Buffer.alloc(28);
      b.writeUInt16BE(0x0003, 0);
      b.writeUInt16BE(400, 2);
      b.writeUInt32BE(0x2112a442, 4);
      return b;
    }
    case 3: {
      const b = Buffer.alloc(20);
      b.writeUInt16BE(0x0001, 0);
      b.writeUInt32BE(0xdeadbeef, 4);
      return b;
    }
    case 4:
      // ChannelData on no allocation, with a lying length.
      return Buffer.from([0x40, (i >> 8) & 0x0f, 0xff, 0xff, 1, 2, 3, 4]);
    case 5:
      // An unauthenticated Allocate: answered 401 within the source's budget, never more.
      return encodeMessage({ method: Method.Allocate, class: MessageClass.Request, transactionId: tid, attributes: [{ type: Attr.RequestedTransport, value: 17 }] });
    case 6:
      // A signed-looking Allocate with a nonce nobody issued and a key nobody holds.
      return encodeMessage(
        {
          method: Method.Allocate,
          class: MessageClass.Request,
          transactionId: tid,
          attributes: [
            { type: Attr.RequestedTransport, value: 17 },
            { type: Attr.Username, value: `u${i}` },
            { type: Attr.Realm, value: 'soak' },
            { type: Attr.Nonce, value: `obMatJos2AAAA${randomBytes(22).toString('base64url')}` },
          ],
        },
        { integrityKey: randomBytes(16) },
      );
    case 7:
      return Buffer.concat([Buffer.from([0x80, 0x60]), randomBytes(170)]);
    case 8:
      return i % 1000 === 8 ? randomBytes(60_000) : randomBytes(8);
    default:
      // Unknown comprehension-required attribute: answered 420 within the budget.
      return encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: tid, attributes: [{ type: 0x0077, value: randomBytes(4) } as never] });
  }
}

/** A Binding round trip from an honest client: the server has handled everything sent before it. */
async function sync(socket: dgram.Socket, port: number): Promise<void> {
  const req = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: randomBytes(12), attributes: [] });
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('the server stopped answering Binding')), 10_000);
    const retry = setInterval(() => socket.send(req, port, HOST), 200);
    socket.once('message', () => {
      clearTimeout(deadline);
      clearInterval(retry);
      resolve();
    });
    socket.send(req, port, HOST);
  });
}

async function hostileDatagrams(n: number, port: number, syncSocket: dgram.Socket): Promise<void> {
  const sockets: dgram.Socket[] = [];
  for (let i = 0; i < 32; i++) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, HOSTILE, () => resolve()));
    s.on('message', () => {});
    s.on('error', () => {});
    sockets.push(s);
  }
  const chunk = 500;
  for (let i = 0; i < n; i += chunk) {
    const sends: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + chunk); j++) {
      const s = sockets[j % sockets.length];
      sends.push(new Promise((resolve) => s.send(hostileDatagram(j), port, HOST, () => resolve())));
    }
    await Promise.all(sends);
    // Pace by the server: what the kernel would drop on a full buffer is not a test of the server.
    if ((i / chunk) % 4 === 3) await sync(syncSocket, port);
  }
  await sync(syncSocket, port);
  await closeSockets(sockets);
}

async function setupsAndTeardowns(total: number, target: AllocationTarget, range: { min: number; max: number }): Promise<{ ok: number; failed: number; firstError?: string }> {
  const sockets = await bindClientSockets(BATCH);
  // Another process holds 10% of the relay range while the set-ups run (as the kernel's
  // ephemeral range does in most deployments); the server must skip those ports, not fail.
  const held: dgram.Socket[] = [];
  for (let p = range.min; p <= range.max; p += 10) {
    const s = dgram.createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.bind(p, HOST, () => resolve(true));
    });
    if (bound) held.push(s);
  }
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  for (let done = 0; done < total; done += BATCH) {
    const r = await openAllocations(sockets.slice(0, Math.min(BATCH, total - done)), target, 200);
    ok += r.held.length;
    failed += r.failed;
    firstError ??= r.firstError;
    await releaseAllocations(r.held, target, 200);
  }
  await closeSockets(held);
  await closeSockets(sockets);
  return { ok, failed, firstError };
}

/**
 * `n` TCP connections in waves of `wave`: a quarter stall mid-header, a quarter send an HTTP
 * request, a quarter stall mid-ChannelData, a quarter send nothing. Every wave but the last is
 * closed by the client after a moment (the server must clean up after a peer that goes away);
 * the last is left open, and the server must close every connection of it itself, having seen
 * no complete frame for 30 s.
 */
async function tcpConnections(n: number, port: number, wave: number): Promise<{ opened: number; closedByServer: number; lastWave: number }> {
  let opened = 0;
  let closedByServer = 0;
  let lastWave = 0;
  for (let i = 0; i < n; i += wave) {
    const last = i + wave >= n;
    const sockets: net.Socket[] = [];
    let closedHere = 0;
    await Promise.all(
      Array.from({ length: Math.min(wave, n - i) }, (_v, k) =>
        new Promise<void>((resolve) => {
          const s = net.connect({ port, host: HOST, localAddress: HOSTILE });
          sockets.push(s);
          s.on('error', () => {});
          s.once('close', () => closedHere++);
          s.once('connect', () => {
            opened++;
            const kind = (i + k) % 4;
            if (kind === 0) s.write(Buffer.from([0x00, 0x01, 0x00, 0x40, 0x21, 0x12])); // stalls mid-header
            else if (kind === 1) s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // looks like ChannelData that never completes
            else if (kind === 2) s.write(Buffer.from([0x40, 0x00, 0x10, 0x00, 1, 2, 3])); // stalls mid-ChannelData
            resolve();
          });
          s.once('error', () => resolve());
        }),
      ),
    );
    if (!last) {
      await sleep(1_000);
      for (const s of sockets) s.destroy();
      continue;
    }
    lastWave = sockets.length;
    const deadline = Date.now() + STREAM_IDLE_MS + 15_000;
    while (closedHere < sockets.length && Date.now() < deadline) await sleep(500);
    closedByServer = closedHere;
    for (const s of sockets) s.destroy();
  }
  return { opened, closedByServer, lastWave };
}

/** Tries to bind every port of the range: none may still be held by the server. */
async function allocateWholeRange(target: AllocationTarget, count: number): Promise<{ ok: number; failed: number; firstError?: string }> {
  const sockets = await bindClientSockets(count);
  const r = await openAllocations(sockets, target, 200);
  await releaseAllocations(r.held, target, 200);
  await closeSockets(sockets);
  return { ok: r.held.length, failed: r.failed, firstError: r.firstError };
}

async function main(): Promise<number> {
  const port = await freeUdpTcpPort();
  const range = await freeRange(opts.tiny ? 600 : 2_400);
  const peerSocket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => peerSocket.bind(0, HOST, () => resolve()));
  peerSocket.on('message', () => {});
  const target: AllocationTarget = { serverPort: port, user: 'soak', password: 'soak-pass', peerPort: peerSocket.address().port };
  // The first start after a change compiles (and strips) every module; a server starts from
  // Node's compile cache after that, and that is what is measured.
  const warmCache = spawnTracked(turnpikeCommand(['turnserver', '--version']));
  await warmCache.exited;
  let stopLine = '';
  const server = await launchTurnServer(
    'turnpike',
    ['-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
      `--min-port=${range.min}`, `--max-port=${range.max}`, '--allow-loopback-peers', '-a', '-u', 'soak:soak-pass', '-r', 'soak',
      '--no-tls', '--no-dtls', '--log-file=stdout', '--log-format=json'],
    {
      port,
      onLine: (line) => {
        if (line.includes('"event":"stopping"')) stopLine = line;
      },
    },
  );
  const syncSocket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => syncSocket.bind(0, HOST, () => resolve()));
  await sleep(2_000);
  const pid = server.pid;
  const started = { rss: rssBytes(pid), fds: openFds(pid) };
  const sampler = rssSampler(pid);
  const t0 = performance.now();
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(s + '\n');
  };
  say(`soak: turnpike turnserver pid ${pid}, relay range ${range.min}-${range.max} (${range.max - range.min + 1} ports)`);
  say(`  after start         RSS ${mib(started.rss)}, ${started.fds} fds`);

  // Warm-up: a little of everything, so what is measured next is not first-use growth.
  await hostileDatagrams(Math.min(50_000, DATAGRAMS), port, syncSocket);
  await setupsAndTeardowns(BATCH, target, range);
  await tcpConnections(Math.min(TCP_WAVE, CONNECTIONS), port, TCP_WAVE);
  await sleep(5_000);
  const warm = { rss: rssBytes(pid), fds: openFds(pid) };
  say(`  after warm-up       RSS ${mib(warm.rss)}, ${warm.fds} fds`);

  sampler.reset();
  let t = performance.now();
  await hostileDatagrams(DATAGRAMS, port, syncSocket);
  say(`  ${DATAGRAMS.toLocaleString('en-US')} hostile datagrams in ${((performance.now() - t) / 1000).toFixed(1)} s: peak RSS ${mib(sampler.peak())}`);

  sampler.reset();
  t = performance.now();
  const setups = await setupsAndTeardowns(ALLOCATIONS, target, range);
  say(`  ${setups.ok.toLocaleString('en-US')} set-ups and teardowns (${setups.failed} failed${setups.firstError ? `: ${setups.firstError}` : ''}) in ${((performance.now() - t) / 1000).toFixed(1)} s, 10% of the range held elsewhere: peak RSS ${mib(sampler.peak())}`);
  const busySince = Date.now();

  sampler.reset();
  t = performance.now();
  const tcp = await tcpConnections(CONNECTIONS, port, TCP_WAVE);
  say(`  ${tcp.opened.toLocaleString('en-US')} TCP connections stalling or sending garbage, ${TCP_WAVE} at a time; of the last ${tcp.lastWave}, left open, ${tcp.closedByServer} closed by the server; in ${((performance.now() - t) / 1000).toFixed(1)} s: peak RSS ${mib(sampler.peak())}`);

  // Let the busy marks of the held ports end, and the heap settle, before the last look.
  const wait = Math.max(10_000, busySince + BUSY_MS + 2_000 - Date.now());
  await sleep(wait);
  const after = { rss: rssBytes(pid), fds: openFds(pid) };
  const growth = (after.rss - warm.rss) / warm.rss;
  say(`  after the soak      RSS ${mib(after.rss)} (${(growth * 100).toFixed(1)}% against warm-up), ${after.fds} fds`);

  const whole = await allocateWholeRange(target, range.max - range.min + 1);
  say(`  the whole relay range again: ${whole.ok} of ${range.max - range.min + 1} allocations${whole.failed ? `, ${whole.failed} failed: ${whole.firstError}` : ''}`);
  const final = { fds: openFds(pid) };
  sampler.stop();
  await server.stop();
  say(`  total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (stopLine !== '') {
    const counters = JSON.parse(stopLine) as Record<string, unknown>;
    const drops = Object.entries(counters).filter(([k]) => k.startsWith('drop.')).sort((a, b) => Number(b[1]) - Number(a[1]));
    say(`  counters: requests ${counters.requests}, answers ${counters.successResponses} ok / ${counters.errorResponses} error, allocations ${counters.allocationsCreated} created / ${counters.allocationsDeleted} deleted`);
    say(`  drops by reason: ${drops.map(([k, v]) => `${k.slice(5)} ${v}`).join(', ')}`);
    const faults = drops.filter(([k]) => k.startsWith('drop.fault-'));
    if (faults.length > 0) say(`  FAULTS: ${faults.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  await closeSockets([syncSocket, peerSocket]);
  const problems: string[] = [];
  if (growth > 0.1) problems.push(`memory after the soak is ${(growth * 100).toFixed(1)}% above the warm-up level`);
  if (after.fds > warm.fds) problems.push(`${after.fds - warm.fds} file descriptors more than after warm-up`);
  if (final.fds > warm.fds) problems.push(`${final.fds - warm.fds} file descriptors more after the last allocations`);
  if (whole.ok !== range.max - range.min + 1) problems.push('not every relay port came back');
  if (setups.failed > 0) problems.push(`${setups.failed} set-ups failed`);
  if (tcp.closedByServer !== tcp.lastWave) problems.push(`${tcp.lastWave - tcp.closedByServer} stalled connections were not closed by the server`);
  for (const p of problems) say(`FAIL: ${p}`);
  if (problems.length === 0) say('PASS: memory flat, every descriptor and relay port back');
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    killAllChildren();
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    killAllChildren();
    process.exit(1);
  },
);
