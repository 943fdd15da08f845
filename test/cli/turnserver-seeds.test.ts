/**
 * The two configurations users bring from coturn must start a working STUN server unchanged
 * (ports, log file and listening address adjusted to the test machine), and start-up errors
 * must say what is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpTcpPort, freeRange } from '../helpers/ports.ts';

const BIN = fileURLToPath(new URL('../../bin/turnpike.js', import.meta.url));
const HAVE_STUNCLIENT = spawnSync('sh', ['-c', 'command -v turnutils_stunclient']).status === 0;

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `turnpike turnserver ARGS` and resolves once it logs `started`. */
function start(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'turnserver', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not started:\n${out}`)), 15000);
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (out.includes(' started ')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${out}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function reflexive(port: number): string {
  return run(['stunclient', '-p', String(port), '127.0.0.1']).stdout;
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
  const { child } = await start(['-c', conf]);
  t.after(() => stop(child));
  assert.match(reflexive(port), /IPv4\. UDP reflexive addr: 127\.0\.0\.1:\d+/);
  if (HAVE_STUNCLIENT) {
    const coturn = spawnSync('turnutils_stunclient', ['-p', String(port), '127.0.0.1'], { encoding: 'utf8', timeout: 10000 });
    assert.match(coturn.stdout, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  }
  await stop(child);
  const logFile = readFileSync(join(dir, `turnserver_${new Date().toISOString().slice(0, 10)}.log`), 'utf8');
  assert.match(logFile, /INFO listening protocol=udp address=127\.0\.0\.1:/);
  assert.match(logFile, /relay-address ip=127\.0\.0\.1 advertised=42\.192\.50\.232 ports=10000-20000/);
});

test('seed 2: coturn\'s command line starts, warning about -o, --mobility and -m instead of ignoring them', async (t) => {
  const port = await freeUdpTcpPort();
  const { min, max } = await freeRange(20);
  const { child, output } = await start([
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--log-file=stdout',
    '-o', '-a', '-f', '-v', '--mobility', '-m', '10', '--max-bps=100000', `--min-port=${min}`, `--max-port=${max}`,
    '--user=ling:ling1234', '--user=ling2:ling1234', '-r', 'demo',
  ]);
  t.after(() => stop(child));
  const warnings = output().split('\n').filter((l) => l.includes('config-warning'));
  assert.ok(warnings.some((l) => l.includes('option=daemon')), output());
  assert.ok(warnings.some((l) => l.includes('option=mobility')), output());
  assert.ok(warnings.some((l) => l.includes('option=relay-threads')), output());
  assert.match(reflexive(port), /UDP reflexive addr: 127\.0\.0\.1:\d+/);
});

test('an open relay is refused at start-up, with the three ways out', () => {
  const r = run(['turnserver', '-n', '--listening-ip=127.0.0.1', '--listening-port=1']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /open relay/i);
  assert.match(r.stderr, /user=/);
  assert.match(r.stderr, /use-auth-secret/);
  assert.match(r.stderr, /no-auth/);
});

test('a misspelt option stops start-up with a suggestion', () => {
  const r = run(['turnserver', '-n', '--min-prot=10', '-a', '-u', 'a:b', '-r', 'x']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /min-prot/);
  assert.match(r.stderr, /did you mean/i);
  assert.match(r.stderr, /min-port/);
});

test('a port someone else holds fails with a clear message', async (t) => {
  const port = await freeUdpTcpPort();
  const { child } = await start(['-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--log-file=stdout', '-a', '-u', 'a:b', '-r', 'x']);
  t.after(() => stop(child));
  const r = run(['turnserver', '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '-a', '-u', 'a:b', '-r', 'x']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`cannot listen on (UDP|TCP) 127\\.0\\.0\\.1:${port}`));
});

test('--help on every command', () => {
  for (const cmd of ['turnserver', 'serve', 'turnadmin', 'stunclient', 'peer', 'uclient']) {
    const r = run([cmd, '--help']);
    assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
    assert.match(r.stdout, /Usage|usage/, cmd);
  }
  const top = run(['--help']);
  assert.equal(top.status, 0);
  for (const cmd of ['serve', 'turnserver', 'turnadmin', 'stunclient', 'peer', 'uclient', 'sfu']) assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
});

test('turnadmin -k prints the long-term key coturn prints', () => {
  const r = run(['turnadmin', '-k', '-u', 'ling', '-p', 'ling1234', '-r', 'demo']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), '0xccba8f3a6a025a38eb4a0e795fc92705');
});

test('a pidfile is written while running and removed after', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-pid-'));
  const pid = join(dir, 'turnserver.pid');
  const port = await freeUdpTcpPort();
  const { child } = await start(['-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, `--pidfile=${pid}`, '-a', '-u', 'a:b', '-r', 'x']);
  t.after(() => stop(child));
  assert.equal(readFileSync(pid, 'utf8').trim(), String(child.pid));
  await stop(child);
  assert.equal(existsSync(pid), false);
});
