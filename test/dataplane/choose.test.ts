/**
 * Choosing the data plane (`data-plane=auto|native|js`): without a native build, `auto` runs
 * the js plane and says why, and `native` refuses to start; `relay-threads` (coturn's `-m`)
 * sets the native plane's threads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { createDataPlane } from '../../src/dataplane/index.ts';
import { loadAddon } from '../../src/dataplane/native/addon.ts';
import { countingFaultGuard } from '../../src/log/fault-guard.ts';
import type { Logger } from '../../src/log/logger.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { TurnpikeError } from '../../src/errors.ts';

function recordingLogger(lines: string[]): Logger {
  const rec = (level: string) => (event: string, fields?: Record<string, unknown>) => lines.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`);
  return { ...silentLogger, info: rec('info'), warn: rec('warn'), log: (l, e, f) => rec(l)(e, f) };
}

function config(extra: string[]): ReturnType<typeof loadTurnserverConfig>['config'] {
  return loadTurnserverConfig(['-n', '-u', 'a:b', '-r', 'x', '--min-port=40000', '--max-port=40010', ...extra]).config;
}

const deps = (log: Logger) => ({ relayAddresses: [{ family: 'IPv4' as const, ip: '127.0.0.1', advertisedIp: '127.0.0.1' }], now: Date.now, guard: countingFaultGuard(), log });

async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

test('without a native build, auto runs the js plane and says why; native refuses to start', async () => {
  await withEnv({ TURNPIKE_NATIVE_ADDON: '/nonexistent/turnpike_dataplane.node', TURNPIKE_DATA_PLANE: undefined }, async () => {
    const lines: string[] = [];
    const plane = await createDataPlane(config([]), deps(recordingLogger(lines)));
    assert.equal(plane.kind, 'js');
    assert.match(lines.join('\n'), /warn data-plane .*"kind":"js".*no native build at \/nonexistent/);
    await plane.close();
    await assert.rejects(createDataPlane(config(['--data-plane=native']), deps(silentLogger)), (e: unknown) => e instanceof TurnpikeError && /data-plane=native: no native build/.test(e.message));
  });
});

test('data-plane=js never loads the addon, and says so', async () => {
  await withEnv({ TURNPIKE_DATA_PLANE: undefined }, async () => {
    const lines: string[] = [];
    const plane = await createDataPlane(config(['--data-plane=js']), deps(recordingLogger(lines)));
    assert.equal(plane.kind, 'js');
    assert.match(lines.join('\n'), /info data-plane .*"kind":"js","why":"data-plane=js"/);
    await plane.close();
  });
});

test('relay-threads (-m) sets the native plane\'s threads; 0 means one per CPU', { skip: loadAddon().ok ? false : 'no native build' }, async () => {
  await withEnv({ TURNPIKE_DATA_PLANE: undefined, TURNPIKE_NATIVE_ADDON: undefined }, async () => {
    const three = await createDataPlane(config(['-m', '3']), deps(silentLogger));
    assert.deepEqual([three.kind, three.threads], ['native', 3]);
    await three.close();
    const { availableParallelism } = await import('node:os');
    const auto = await createDataPlane(config([]), deps(silentLogger));
    assert.equal(auto.threads, Math.min(64, availableParallelism()));
    await auto.close();
  });
});
