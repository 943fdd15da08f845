/**
 * The container set-up, tested without a Docker engine: the Dockerfile runs an init as PID 1
 * and an unprivileged user; deploy/docker-compose.yml mirrors the seed's coturn service and
 * publishes the ports deploy/sfu.toml uses; and the image's command (ENTRYPOINT + CMD, with
 * the image's environment, working directory and an unprivileged user) answers a Binding from
 * the checkout, as it will in the container, then stops cleanly on SIGTERM through the init.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, type TrackedChild } from '../../harness/children.ts';
import { freeRange, freeTcpPort, freeUdpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { answersBinding, printed } from '../../harness/ready.ts';
import { TURNPIKE_BIN } from '../../harness/servers.ts';
import { parseSfuConfig } from '../../src/sfu/config.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const COMPOSE = readFileSync(join(ROOT, 'deploy/docker-compose.yml'), 'utf8');
const SFU_TOML = readFileSync(join(ROOT, 'deploy/sfu.toml'), 'utf8');
const TURNSERVER_CONF = readFileSync(join(ROOT, 'deploy/turnserver.conf'), 'utf8');

// ---- the Dockerfile ----

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions (continuation lines joined, comments dropped), split by stage. */
function dockerStages(text: string): Instruction[][] {
  const joined = text.replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const ins = { op: m[1]!.toUpperCase(), args: m[2]!.trim() };
    if (ins.op === 'FROM') stages.push([]);
    stages.at(-1)?.push(ins);
  }
  return stages;
}

const finalStage = dockerStages(DOCKERFILE).at(-1)!;
const last = (op: string): string | undefined => finalStage.filter((i) => i.op === op).at(-1)?.args;
const execForm = (op: string): string[] => JSON.parse(last(op) ?? '[]') as string[];
/** ENV lines of the final stage (`KEY=value` pairs). */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of finalStage.filter((x) => x.op === 'ENV')) {
    for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return env;
}

// ---- the compose file: a plain subset of YAML (maps by indentation, "- item" lists, scalars, flow lists) ----

type Yaml = string | string[] | Yaml[] | { [k: string]: Yaml };

function scalar(s: string): Yaml {
  const v = s.trim();
  if (v.startsWith('[')) return JSON.parse(v) as string[];
  if (/^".*"$|^'.*'$/.test(v)) return v.slice(1, -1);
  return v;
}

/** Parses the block-style YAML subset docker-compose.yml is written in. */
function parseYaml(text: string): { [k: string]: Yaml } {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, ''))
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
    .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  let i = 0;
  const block = (indent: number): Yaml => {
    if (lines[i]!.text.startsWith('- ')) {
      const list: Yaml[] = [];
      while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('- ')) list.push(scalar(lines[i++]!.text.slice(2)));
      return list;
    }
    const map: { [k: string]: Yaml } = {};
    while (i < lines.length && lines[i]!.indent === indent) {
      const m = /^([\w.-]+):\s*(.*)$/.exec(lines[i]!.text);
      if (!m) throw new Error(`cannot read line: ${lines[i]!.text}`);
      i++;
      if (m[2] !== '') map[m[1]!] = scalar(m[2]!);
      else map[m[1]!] = i < lines.length && lines[i]!.indent > indent ? block(lines[i]!.indent) : '';
    }
    return map;
  };
  return block(0) as { [k: string]: Yaml };
}

const compose = parseYaml(COMPOSE);
const services = compose.services as { [k: string]: { [k: string]: Yaml } };

/** "7000:7000" or "5000-5020:5000-5020/udp" → published host/container ranges and protocol. */
function publishedPort(spec: string): { host: [number, number]; container: [number, number]; protocol: string } {
  const m = /^(?:([\d.]+):)?(\d+)(?:-(\d+))?:(\d+)(?:-(\d+))?(?:\/(udp|tcp))?$/.exec(spec);
  assert.ok(m, `a port spec: ${spec}`);
  return { host: [Number(m[2]), Number(m[3] ?? m[2])], container: [Number(m[4]), Number(m[5] ?? m[4])], protocol: m[6] ?? 'tcp' };
}

describe('Dockerfile', () => {
  test('the final stage runs as an unprivileged user', () => {
    const user = last('USER');
    assert.ok(user, 'a USER instruction in the final stage');
    assert.doesNotMatch(user, /^(root|0)(:|$)/);
    assert.match(DOCKERFILE, new RegExp(`useradd[^\\n]*\\b${user.split(':')[0]}\\b`), 'the user is created in the image');
  });

  test('an init (tini) is PID 1 and forwards signals to Turnpike', () => {
    const entry = execForm('ENTRYPOINT');
    assert.match(entry[0]!, /\/(tini|docker-init|dumb-init)$/);
    assert.match(finalStage.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n'), /apt-get install[^\n]*\btini\b/);
    assert.deepEqual(entry.slice(1), ['--', 'turnpike']);
  });

  test("by default it runs `turnpike turnserver -c /etc/coturn/turnserver.conf`", () => {
    assert.deepEqual(execForm('CMD'), ['turnserver', '-c', '/etc/coturn/turnserver.conf']);
  });

  test('the native data plane is built with the system compiler in a build stage, not in the final image', () => {
    const stages = dockerStages(DOCKERFILE);
    assert.ok(stages.length >= 2);
    assert.match(stages[0]!.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n'), /build-native\.mjs/);
    assert.match(last('COPY') ?? '', /--from=build/);
    assert.match(finalStage[0]!.args, /-slim\b/);
  });

  test('.dockerignore keeps node_modules and build output out of the context', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['**/node_modules', 'native/build', 'test', '.git']) assert.ok(ignore.includes(p), p);
  });
});

describe('deploy/docker-compose.yml', () => {
  test("the TURN service mirrors the seed's coturn: host networking, turnserver.conf read-only, restart always", () => {
    const turn = services.coturn!;
    assert.equal(turn.network_mode, 'host');
    assert.ok((turn.volumes as string[]).includes('./turnserver.conf:/etc/coturn/turnserver.conf:ro'));
    assert.equal(turn.restart, 'always');
    assert.equal(turn.ports, undefined, 'host networking publishes nothing');
    assert.deepEqual(turn.command, execForm('CMD'));
    assert.ok(existsSync(join(ROOT, 'deploy/turnserver.conf')), 'the example turnserver.conf beside it');
  });

  test("the SFU service publishes 7000 and 5000-5020/udp, and sfu.toml's ICE ports are inside", () => {
    const sfu = services.sfu!;
    assert.equal(sfu.restart, 'always');
    const ports = (sfu.ports as string[]).map(publishedPort);
    assert.deepEqual(ports, [
      { host: [7000, 7000], container: [7000, 7000], protocol: 'tcp' },
      { host: [5000, 5020], container: [5000, 5020], protocol: 'udp' },
    ]);
    const command = sfu.command as string[];
    assert.equal(command[0], 'sfu');
    const addr = command[command.indexOf('-a') + 1]!;
    assert.equal(Number(addr.split(':').at(-1)), 7000, 'signalling listens on the published TCP port');
    const configPath = command[command.indexOf('-c') + 1]!;
    assert.ok((sfu.volumes as string[]).includes(`./sfu.toml:${configPath}:ro`), 'sfu.toml mounted where -c reads it');

    const { webrtc, turn } = parseSfuConfig(SFU_TOML, 'deploy/sfu.toml');
    const [lo, hi] = webrtc.singlePort !== undefined ? [webrtc.singlePort, webrtc.singlePort] : webrtc.portRange ?? [5000, 5200];
    const udp = ports.find((p) => p.protocol === 'udp')!;
    assert.ok(lo >= udp.container[0] && hi <= udp.container[1], `ICE ports ${lo}-${hi} inside the published ${udp.container.join('-')}`);
    assert.equal(turn.enabled, false, 'TURN is the other service');
  });

  test('docker compose config accepts it', (t) => {
    const r = spawnSync('docker', ['compose', '-f', join(ROOT, 'deploy/docker-compose.yml'), 'config', '-q'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n')[0];
      if (r.error || /unknown command|unknown (shorthand )?flag|not a docker command/.test(r.stderr)) {
        t.skip(`the docker client has no compose plugin here (${why})`);
        return;
      }
      assert.fail(r.stderr);
    }
  });
});

describe("the image's command, run from the checkout as the container runs it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-container-'));
  chmodSync(dir, 0o777);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const init = ['/usr/bin/tini', '/usr/bin/docker-init'].find((p) => existsSync(p));
  /** Not root inside: the image's user (nobody here, as the checkout has no `turnpike` user). */
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const env = {
    ...imageEnv(),
    NODE_COMPILE_CACHE: join(dir, 'cache'),
    // `turnpike` is /usr/local/bin/turnpike in the image, a link to bin/turnpike.js, run by the image's node.
    PATH: `${join(dir, 'bin')}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: dir,
    // The container's own /tmp, empty and writable (the host's may hold other users' files).
    TMPDIR: dir,
    // tini is PID 1 in the container; here it reaps as a subreaper instead (and says nothing).
    TINI_SUBREAPER: '1',
  };

  /** ENTRYPOINT + `args`, with the image's /usr/local/bin/turnpike replaced by the checkout's. */
  function imageCommand(args: string[]): { command: string; args: string[] } {
    const [first, ...rest] = execForm('ENTRYPOINT');
    const argv = [first!, ...rest, ...args];
    const start = init === undefined ? argv.indexOf('turnpike') : 0;
    const cmd = argv.slice(start).map((a) => (a === 'turnpike' ? TURNPIKE_BIN : a === first ? init! : a));
    return { command: cmd[0]!, args: cmd.slice(1) };
  }

  async function run(args: string[], ready: (c: TrackedChild) => Promise<void>): Promise<TrackedChild> {
    const { command, args: argv } = imageCommand(args);
    const { spawn } = await import('node:child_process');
    // harness/children.ts spawns without uid/env: wrap the spawn to run as the image would.
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, env, ...asUser });
    let tail = '';
    child.stdout!.on('data', (b: Buffer) => (tail = (tail + b.toString()).slice(-20_000)));
    child.stderr!.on('data', (b: Buffer) => (tail = (tail + b.toString()).slice(-20_000)));
    const exited = new Promise<number | string>((resolve) => child.once('close', (code, sig) => resolve(code ?? sig ?? 'unknown')));
    const tracked: TrackedChild = {
      process: child,
      pid: child.pid!,
      exited,
      output: () => tail,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
      },
    };
    process.once('exit', () => child.kill('SIGKILL'));
    try {
      await ready(tracked);
    } catch (err) {
      await tracked.stop();
      throw err;
    }
    return tracked;
  }

  test('`turnserver -c /etc/coturn/turnserver.conf` with deploy/turnserver.conf answers a Binding, then stops on SIGTERM', async (t) => {
    if (init === undefined) t.diagnostic('no tini or docker-init installed here: Turnpike runs without the init');
    const port = await freeUdpTcpPort();
    const { min, max } = await freeRange(20);
    // The example configuration, with the ports and addresses of this machine (the container shares the host's).
    const conf = join(dir, 'turnserver.conf');
    writeFileSync(
      conf,
      TURNSERVER_CONF.replace(/^listening-port=.*$/m, `listening-port=${port}`)
        .replace(/^min-port=.*$/m, `min-port=${min}`)
        .replace(/^max-port=.*$/m, `max-port=${max}`) + 'listening-ip=127.0.0.1\nrelay-ip=127.0.0.1\n',
    );
    const cmd = execForm('CMD').map((a) => (a === '/etc/coturn/turnserver.conf' ? conf : a));
    const server = await run(cmd, answersBinding(port));
    t.after(() => server.stop());
    if (asUser.uid !== undefined) {
      const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
      assert.match(status, /^Uid:\s+65534\s/m);
    }
    server.process.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.match(server.output(), / stopping signal=SIGTERM/);
  });

  test("the SFU service's command serves signalling with deploy/sfu.toml", async (t) => {
    const httpPort = await freeTcpPort();
    const icePort = await freeUdpPort();
    const toml = join(dir, 'sfu.toml');
    writeFileSync(toml, SFU_TOML.replace(/^singleport = \d+$/m, `singleport = ${icePort}`));
    const command = (services.sfu!.command as string[]).map((a) => (a === '/configs/sfu.toml' ? toml : a === ':7000' ? `127.0.0.1:${httpPort}` : a));
    const sfu = await run(command, printed(['sfu.listening']));
    t.after(() => sfu.stop());
    const res = await fetch(`http://127.0.0.1:${httpPort}/demo/`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    sfu.process.kill('SIGTERM');
    assert.equal(await sfu.exited, 0, sfu.output());
  });
});
