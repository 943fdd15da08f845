/**
 * SFU cluster nodes for tests, all sharing the real Redis at 127.0.0.1:6379 under a key prefix of
 * their own: in this process (`startNode`, figures readable) or as a `turnpike sfu` child process
 * (`spawnNode`, which a test can kill with SIGKILL as a crash would). Nodes listen on distinct
 * loopback addresses (127.0.0.1, 127.0.0.2, ...) so an ICE address shows which node does the media.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { turnpikeCommand } from '../../../harness/servers.ts';
import { defaultSfuConfig, withOverrides } from '../../../src/sfu/config.ts';
import { startSfuServer, type SfuServer } from '../../../src/sfu/http-server.ts';

/** Why cluster tests skip (Redis is not running), or undefined. */
export async function redisMissing(): Promise<string | undefined> {
  const r = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return undefined;
  } catch (err) {
    return `Redis on 127.0.0.1:6379 is not running (bash scripts/services.sh): ${(err as Error).message}`;
  } finally {
    r.disconnect();
  }
}

/** A cluster's shared settings: a fresh key prefix and a short lease. */
export interface TestCluster {
  readonly prefix: string;
  readonly leaseTtl: number;
  readonly redis: Redis;
  /** the node that owns `room` now, per Redis */
  owner(room: string): Promise<string | null>;
  /** deletes every key of this cluster and disconnects */
  close(): Promise<void>;
}

export function testCluster(leaseTtl = 1): TestCluster {
  const prefix = `turnpike:test:${randomUUID()}:`;
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  return {
    prefix,
    leaseTtl,
    redis,
    owner: (room) => redis.get(`${prefix}room:${room}`),
    close: async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** A node in this process; ICE on `ip` only. */
export function startNode(c: TestCluster, nodeId: string, ip: string): Promise<SfuServer> {
  const config = withOverrides(defaultSfuConfig(), {
    webrtc: { bindAddress: ip },
    cluster: { redis: '127.0.0.1:6379', nodeId, address: `ws://${ip}/ws`, leaseTtl: c.leaseTtl, keyPrefix: c.prefix },
  });
  return startSfuServer({ config, host: ip, port: 0, demo: false });
}

/** A `turnpike sfu` process. */
export interface SpawnedNode {
  readonly url: string;
  readonly process: ChildProcess;
  /** SIGKILL, and wait for the exit */
  kill(): Promise<void>;
}

/** Starts `turnpike sfu` with a config.toml whose `[cluster]` joins `c`; ICE and HTTP on `ip`. */
export async function spawnNode(c: TestCluster, nodeId: string, ip: string): Promise<SpawnedNode> {
  const dir = await mkdtemp(join(tmpdir(), 'turnpike-cluster-'));
  const file = join(dir, 'sfu.toml');
  await writeFile(
    file,
    [
      '[webrtc]',
      `bindaddress = "${ip}"`,
      '[cluster]',
      'redis = "127.0.0.1:6379"',
      `leasettl = ${c.leaseTtl}`,
      `keyprefix = "${c.prefix}"`,
      '',
    ].join('\n'),
  );
  const cmd = turnpikeCommand(['sfu', '-c', file, '-a', `${ip}:0`, '-m', '127.0.0.1:0', '--node-id', nodeId]);
  const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /sfu\.listening \{"signalling":"(ws:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`turnpike sfu exited (${code}): ${out}`)));
  });
  child.stdout.resume();
  const exited = once(child, 'exit');
  return {
    url,
    process: child,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
