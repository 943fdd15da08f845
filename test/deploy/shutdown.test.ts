/**
 * Graceful shutdown, as a service manager asks for it (`systemctl stop`, `docker stop`): SIGTERM
 * while `turnutils_uclient` is relaying makes `turnpike turnserver` stop accepting, delete the
 * live allocations (each logged with its counters), log `stopping`, remove its pid file and
 * exit 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTracked } from '../../harness/children.ts';
import { freeRange, freeUdpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { coturnCommand, coturnMissing, launchPeer, launchTurnServer } from '../../harness/servers.ts';

test('SIGTERM during a relay run: allocations closed, `stopping` logged, pid file removed, exit 0', { skip: coturnMissing('uclient', 'peer') }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-shutdown-'));
  const pidFile = join(dir, 'turnserver.pid');
  const port = await freeUdpTcpPort();
  const { min, max } = await freeRange(50);
  const lines: string[] = [];
  const server = await launchTurnServer(
    'turnpike',
    [
      '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1', `--min-port=${min}`, `--max-port=${max}`,
      '--allow-loopback-peers', '--rfc5766-channel-numbers', '-a', '-u', 'ling:ling1234', '-r', 'demo', '--log-file=stdout', `--pidfile=${pidFile}`,
    ],
    { port, keep: 100_000, onLine: (l) => lines.push(l) },
  );
  const peer = await launchPeer('coturn', await freeUdpPort(), ['127.0.0.1']);
  t.after(async () => {
    await peer.stop();
    await server.stop();
  });
  assert.equal(readFileSync(pidFile, 'utf8').trim(), String(server.pid));

  // A long run: 2 clients sending slowly, so allocations are live when SIGTERM arrives.
  const uclient = spawnTracked(
    coturnCommand('uclient', ['-u', 'ling', '-w', 'ling1234', '-e', '127.0.0.1', '-r', String(peer.port), '-m', '2', '-n', '100000', '-l', '100', '-p', String(port), '127.0.0.1']),
  );
  t.after(() => uclient.stop(500));
  const deadline = Date.now() + 10_000;
  while (lines.filter((l) => l.includes('allocation-created')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(lines.filter((l) => l.includes('allocation-created')).length >= 2, server.output());

  server.child.process.kill('SIGTERM');
  const code = await server.child.exited;
  assert.equal(code, 0, server.output());
  const out = lines.join('\n');
  assert.match(out, / stopping signal=SIGTERM .*allocationsCreated=[2-9]/);
  assert.ok(lines.filter((l) => l.includes('allocation-deleted') && l.includes('why=shutdown')).length >= 2, out.slice(-4000));
  const stopping = lines.findIndex((l) => l.includes(' stopping '));
  assert.ok(lines.slice(stopping).some((l) => l.includes('allocation-deleted')), 'allocations are closed after `stopping`');
  assert.equal(existsSync(pidFile), false, 'the pid file is removed');
});
