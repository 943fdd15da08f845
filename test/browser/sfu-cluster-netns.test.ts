/**
 * The SFU cluster on hosts of its own: two `turnpike sfu` nodes, each in a network namespace
 * with its own address (harness/netns.ts), reaching the machine's Redis through the harness's
 * forwarder on the bridge address. Each node's ICE binds to its namespace address
 * (`[webrtc] bindaddress`) within a `portrange`, so its host candidates (RFC 8445 §5.1.1.1)
 * are that address. Unchanged ion-sdk-js (1.8.2) in headless Chromium, in the root namespace:
 * A joins a room through node-1, B the same room through node-2; each decodes the other's
 * camera and microphone. The room lives on node-1: B's signalling is relayed to it through
 * node-2, and every peer connection's selected remote candidate, B's too, is node-1's namespace
 * address within its port range. node-1 is then killed (SIGKILL): both sockets close, both
 * clients reconnect through node-2, the room is rebuilt there and media flows again, now to
 * node-2's address.
 *
 * Where namespaces cannot be made, the harness's loopback addresses (127.0.0.11, 127.0.0.12)
 * stand in for the hosts and the test says so in a diagnostic.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createHosts, type TestHost, type TestHosts } from '../../harness/netns.ts';
import { freeRange } from '../../harness/ports.ts';
import { turnpikeCommand } from '../../harness/servers.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.ts';
import { noChromium, waitInPage } from '../sfu/helpers/browser.ts';
import { redisMissing, testCluster, type TestCluster } from '../sfu/helpers/cluster.ts';
import { openDriverPage } from './ion-pages.ts';

/** A driver added to a /demo page (which has ion-sdk-js's bundles loaded); the demo UI is unused. */
const DRIVER = `
window.state = { runs: 0, tracks: [], closed: false, errors: [] };
window.start = async (url, name) => {
  if (window.client) window.client.close();
  state.runs++;
  state.tracks = [];
  state.closed = false;
  const signal = new Signal.IonSFUJSONRPCSignal(url);
  const client = new IonSDK.Client(signal, { codec: 'vp8', iceServers: [] });
  window.client = client;
  client.ontrack = (track, stream) => {
    state.tracks.push({ kind: track.kind, streamId: stream.id });
    const el = document.createElement(track.kind);
    el.muted = true;
    el.srcObject = new MediaStream([track]);
    document.body.append(el);
    el.play().catch((e) => state.errors.push(String(e)));
  };
  await new Promise((resolve) => (signal.onopen = resolve));
  signal.onclose = (e) => { if (window.client === client) { state.closed = true; state.closeCode = e.code; } };
  await client.join('netns-room', name);
  const local = await IonSDK.LocalStream.getUserMedia({ resolution: 'qvga', audio: true, video: true, codec: 'vp8', simulcast: false });
  client.publish(local);
  return local.id;
};
window.decoded = async () => {
  const out = { video: 0, audio: 0 };
  (await client.getSubStats(null)).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') out.video += s.framesDecoded || 0;
    if (s.type === 'inbound-rtp' && s.kind === 'audio') out.audio += s.totalSamplesReceived || 0;
  });
  return out;
};
window.remoteCandidates = async () => {
  const out = [];
  for (const stats of [await client.getPubStats(null), await client.getSubStats(null)]) {
    const byId = new Map();
    stats.forEach((s) => byId.set(s.id, s));
    stats.forEach((s) => {
      if (s.type !== 'transport' || !s.selectedCandidatePairId) return;
      const remote = byId.get(byId.get(s.selectedCandidatePairId)?.remoteCandidateId);
      if (remote) out.push({ address: remote.address, port: remote.port, type: remote.candidateType });
    });
  }
  return out;
};
`;

/** A `turnpike sfu` process on a test host. */
interface NetnsNode {
  readonly url: string;
  readonly ports: { min: number; max: number };
  kill(): Promise<void>;
}

/**
 * Starts `turnpike sfu` on `host`: signalling on the host's address, ICE bound to it within
 * `ports`, the cluster's Redis where the host reaches it.
 */
async function spawnOnHost(hosts: TestHosts, host: TestHost, c: TestCluster, nodeId: string, ports: { min: number; max: number }): Promise<NetnsNode> {
  const dir = await mkdtemp(join(tmpdir(), 'turnpike-netns-sfu-'));
  const file = join(dir, 'sfu.toml');
  await writeFile(file, [
    '[webrtc]',
    `bindaddress = "${host.address}"`,
    `portrange = [${ports.min}, ${ports.max}]`,
    '[cluster]',
    `redis = "${hosts.redis.host}:${hosts.redis.port}"`,
    `leasettl = ${c.leaseTtl}`,
    `keyprefix = "${c.prefix}"`,
    '',
  ].join('\n'));
  const cmd = host.command(turnpikeCommand(['sfu', '-c', file, '-a', `${host.address}:0`, '-m', '127.0.0.1:0', '--node-id', nodeId]));
  // `ip netns exec` execs the command in place: the child's pid is the node's, so SIGKILL reaches it.
  const child: ChildProcess = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'], env: cmd.env });
  const exited = once(child, 'exit');
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /sfu\.listening \{"signalling":"(ws:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`turnpike sfu on ${host.name} exited (${code}): ${out}`)));
  });
  return {
    url,
    ports,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let noRedis: string | undefined;
before(async () => (noRedis = await redisMissing()));

/** Waits until `page` has the other side's two tracks (stream `remote`) and decodes both. */
async function receives(page: Page, remote: string, what: string): Promise<void> {
  await waitInPage(page, (id) => (window as any).state.tracks.filter((x: any) => x.streamId === id).length === 2, remote, `${what}: tracks`);
  await waitInPage(page, async () => {
    const d = await (window as any).decoded();
    return d.video > 0 && d.audio > 0;
  }, null, `${what}: decoded audio and video`);
}

/** Every selected remote candidate of `page`'s two peer connections is `address` within `ports`. */
async function mediaThrough(page: Page, address: string, ports: { min: number; max: number }, what: string): Promise<void> {
  await waitInPage(page, async () => (await (window as any).remoteCandidates()).length === 2, null, `${what}: selected candidate pairs`);
  const remotes = await page.evaluate(() => (window as any).remoteCandidates()) as { address: string; port: number; type: string }[];
  for (const r of remotes) {
    assert.equal(r.address, address, `${what}: ${JSON.stringify(remotes)}`);
    assert.ok(r.port >= ports.min && r.port <= ports.max, `${what}: port outside ${ports.min}-${ports.max}: ${JSON.stringify(remotes)}`);
  }
}

let hosts: TestHosts | undefined;
after(async () => hosts?.close());

test('ion-sdk-js through two nodes on two hosts: one room, media both ways; the owner dies, the room is rebuilt', { skip: noChromium, timeout: 60_000 }, async (t) => {
  if (noRedis) return t.skip(noRedis);
  hosts = await createHosts(2);
  if (hosts.fallback) t.diagnostic(`no network namespaces (${hosts.fallback}): nodes on loopback addresses instead`);
  const [h1, h2] = hosts.hosts;
  const cluster = testCluster(1);
  const nodes: NetnsNode[] = [];
  let browser: Browser | undefined;
  t.after(async () => {
    await browser?.close();
    for (const n of nodes) await n.kill();
    await cluster.close();
  });
  // ion-sfu refuses a range with max - min under 100. In namespaces any range is free; on loopback the
  // two nodes share one port space.
  const n1 = await spawnOnHost(hosts, h1, cluster, 'node-1', await freeRange(101));
  nodes.push(n1);
  const n2 = await spawnOnHost(hosts, h2, cluster, 'node-2', await freeRange(101));
  nodes.push(n2);
  // getUserMedia needs a secure context: loopback origins are one, a namespace address is not.
  const origins = [n1, n2].map((n) => new URL(n.url.replace(/^ws/, 'http')).origin).join(',');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origins}`] });
  assert.ok(n1.url.startsWith(`ws://${h1.address}:`) && n2.url.startsWith(`ws://${h2.address}:`), `${n1.url} ${n2.url}`);
  const open = (name: string, wsUrl: string) => openDriverPage(browser!, wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/demo/'), DRIVER, name);
  const a = await open('A', n1.url);
  const b = await open('B', n2.url);

  const streamA = await a.evaluate((url) => (window as any).start(url, 'alice'), n1.url);
  assert.equal(await cluster.owner('netns-room'), 'node-1');
  const streamB = await b.evaluate((url) => (window as any).start(url, 'bob'), n2.url);
  await receives(b, streamA, 'B (through node-2) gets A');
  await receives(a, streamB, 'A (on node-1) gets B');
  // The room lives on node-1: B's signalling is relayed there through node-2, and its media
  // goes to node-1's namespace address, as A's does.
  await mediaThrough(a, h1.address, n1.ports, "A's media");
  await mediaThrough(b, h1.address, n1.ports, "B's media (signalling through node-2)");

  // The owner crashes. A's socket dies with it; node-2 closes B's once node-1's lease is gone.
  await n1.kill();
  await waitInPage(a, () => (window as any).state.closed, null, "A's socket closed");
  await waitInPage(b, () => (window as any).state.closed, null, "B's socket closed", 15_000);
  assert.equal(await b.evaluate(() => (window as any).state.closeCode), 1012);

  // Both reconnect through node-2, which now owns the room.
  const [streamA2, streamB2] = await Promise.all([
    a.evaluate((url) => (window as any).start(url, 'alice'), n2.url),
    b.evaluate((url) => (window as any).start(url, 'bob'), n2.url),
  ]);
  assert.equal(await cluster.owner('netns-room'), 'node-2');
  await receives(b, streamA2, 'B gets A again');
  await receives(a, streamB2, 'A gets B again');
  await mediaThrough(a, h2.address, n2.ports, "A's media after the rebuild");
  await mediaThrough(b, h2.address, n2.ports, "B's media after the rebuild");
});
