/**
 * The two configurations users bring from coturn must start a working STUN server unchanged
 * (ports, log file and listening address adjusted to the test machine), and start-up errors
 * must say what is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type ToolResult, type TrackedChild } from '../../harness/children.ts';
import { freeUdpTcpPort, freeRange } from '../../harness/ports.ts';
import { printed } from '../../harness/ready.ts';
import { coturnMissing, runCoturn, runTurnpike, turnpikeCommand } from '../../harness/servers.ts';

const HAVE_STUNCLIENT = coturnMissing('stunclient') === false;

function run(args: string[]): Promise<ToolResult> {
  return runTurnpike(args, 20_000);
}

/** Starts `turnpike turnserver ARGS` and resolves once it logs `started`. */
function start(args: string[]): Promise<TrackedChild> {
  return launch(turnpikeCommand(['turnserver', ...args]), printed([' started ']), { keep: 50_000 });
}

async function reflexive(port: number): Promise<string> {
  return (await run(['stunclient', '-p', String(port), '127.0.0.1'])).stdout;
}

test('seed 1: the turnserver.conf from the field starts a STUN server', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-seed1-'));
  const port = await freeUdpTcpPort();
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(
    conf,
    [
      'realm=a',
      'server-name=b',
      'fingerprint',
      'listening-ip=127.0.0.1',
      'external-ip=42.192.50.232',
      `listening-port=${port}`,
      'min-port=10000',
      'max-port=20000',
      `log-file=${join(dir, 'turnserver.log')}`,
      'verbose',
      'user=test:test123',
      'lt-cred-mech',
      '',
    ].join('\n'),
  );
  const server = await start(['-c', conf]);
  t.after(() => server.stop());
  assert.match(await reflexive(port), /IPv4\. UDP reflexive addr: 127\.0\.0\.1:\d+/);
  if (HAVE_STUNCLIENT) {
    const coturn = await runCoturn('stunclient', ['-p', String(port), '127.0.0.1'], 10_000);
    assert.match(coturn.stdout, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  }
  await server.stop();
  const logFile = readFileSync(join(dir, `turnserver_${new Date().toISOString().slice(0, 10)}.log`), 'utf8');
  assert.match(logFile, /INFO listening protocol=udp address=127\.0\.0\.1:/);
  assert.match(logFile, /relay-address ip=127\.0\.0\.1 advertised=42\.192\.50\.232 ports=10000-20000/);
});

test('seed 2: coturn\'s command line starts with 10 relay threads and mobility on, warning about -o instead of ignoring it', async (t) => {
  const port = await freeUdpTcpPort();
  const { min, max } = await freeRange(20);
  const server = await start([
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--log-file=stdout',
    '-o', '-a', '-f', '-v', '--mobility', '-m', '10', '--max-bps=100000', `--min-port=${min}`, `--max-port=${max}`,
    '--user=ling:ling1234', '--user=ling2:ling1234', '-r', 'demo',
  ]);
  t.after(() => server.stop());
  const warnings = server.output().split('\n').filter((l) => l.includes('config-warning'));
  assert.ok(warnings.some((l) => l.includes('option=daemon')), server.output());
  assert.ok(!warnings.some((l) => l.includes('option=mobility')), '--mobility takes effect (RFC 8016)');
  assert.ok(!warnings.some((l) => l.includes('option=relay-threads')), '-m takes effect');
  if (process.env.TURNPIKE_DATA_PLANE !== 'js') assert.match(server.output(), /data-plane.*(kind=native threads=10|kind=js)/, server.output());
  assert.match(await reflexive(port), /UDP reflexive addr: 127\.0\.0\.1:\d+/);
});

test('an open relay is refused at start-up, with the three ways out', async () => {
  const r = await run(['turnserver', '-n', '--listening-ip=127.0.0.1', '--listening-port=1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /open relay/i);
  assert.match(r.stderr, /user=/);
  assert.match(r.stderr, /use-auth-secret/);
  assert.match(r.stderr, /no-auth/);
});

test('a misspelt option stops start-up with a suggestion', async () => {
  const r = await run(['turnserver', '-n', '--min-prot=10', '-a', '-u', 'a:b', '-r', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /min-prot/);
  assert.match(r.stderr, /did you mean/i);
  assert.match(r.stderr, /min-port/);
});

test('a port someone else holds fails with a clear message', async (t) => {
  const port = await freeUdpTcpPort();
  const server = await start(['-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--log-file=stdout', '-a', '-u', 'a:b', '-r', 'x']);
  t.after(() => server.stop());
  const r = await run(['turnserver', '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '-a', '-u', 'a:b', '-r', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot listen on (UDP|TCP) 127\\.0\\.0\\.1:${port}`));
});

test('--help on every command', async () => {
  for (const cmd of ['turnserver', 'serve', 'turnadmin', 'stunclient', 'peer', 'uclient']) {
    const r = await run([cmd, '--help']);
    assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
    assert.match(r.stdout, /Usage|usage/, cmd);
  }
  const top = await run(['--help']);
  assert.equal(top.code, 0);
  for (const cmd of ['serve', 'turnserver', 'turnadmin', 'stunclient', 'peer', 'uclient', 'sfu']) assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
});

test('turnadmin -k prints the long-term key coturn prints', async () => {
  const r = await run(['turnadmin', '-k', '-u', 'ling', '-p', 'ling1234', '-r', 'demo']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), '0xccba8f3a6a025a38eb4a0e795fc92705');
});

test('a pidfile is written while running and removed after', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-pid-'));
  const pid = join(dir, 'turnserver.pid');
  const port = await freeUdpTcpPort();
  const server = await start(['-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, `--pidfile=${pid}`, '-a', '-u', 'a:b', '-r', 'x']);
  t.after(() => server.stop());
  assert.equal(readFileSync(pid, 'utf8').trim(), String(server.pid));
  await server.stop();
  assert.equal(existsSync(pid), false);
});
