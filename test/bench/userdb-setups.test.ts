/**
 * The user-database set-up bench runs end to end on a tiny load and prints the command lines,
 * a figure line per configuration and the summary table with its ratios, for every
 * configuration this machine can run (coturn's and PostgreSQL's only when they are there). It
 * never judges the numbers: speed is for reading, not for asserting.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { databaseMissing } from '../../harness/databases.ts';
import { coturnMissing } from '../../harness/servers.ts';

const BENCH = fileURLToPath(new URL('../../bench/userdb-setups.ts', import.meta.url));

function runBench(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('bench/userdb-setups.ts', () => {
  it('runs a tiny load on every configuration here and prints the table and the ratios', { timeout: 60_000 }, async () => {
    const servers = coturnMissing('turnserver') === false ? ['turnpike', 'coturn'] : ['turnpike'];
    const users = (await databaseMissing('postgresql')) === false ? ['static', 'sqlite', 'postgresql'] : ['static', 'sqlite'];
    const { code, out } = await runBench(['--allocations', '50', '--concurrency', '10', '--rounds', '1', '--warm-up', '20']);
    assert.equal(code, 0, out);
    assert.match(out, /^machine: .+ cores, .+ Node\.js v\d+/m);
    assert.match(out, /^user: +node bin\/turnpike\.js turnadmin -a -b \S+ -u bench -r bench\.turnpike -p bench-password$/m);
    assert.match(out, /^median of 1 round +set-ups\/s +server CPU µs\/set-up +DB CPU µs\/set-up .* failures$/m);
    for (const kind of servers) {
      for (const u of users) {
        const label = `${kind}/${u}`;
        assert.match(out, new RegExp(`^${label} +(/usr/bin/turnserver|node bin/turnpike\\.js turnserver) `, 'm'), `command line of ${label}`);
        assert.match(out, new RegExp(`^round 1  ${label} +set-ups/s +[\\d,]+  server CPU [\\d.]+ µs/set-up .* failures 0`, 'm'), `round line of ${label}`);
        // Every set-up succeeded: a figure of nothing is no figure.
        assert.match(out, new RegExp(`^${label} +[\\d,]+ +\\S+ +\\S+ +\\S+ +\\S+ +0$`, 'm'), `summary row of ${label}`);
      }
    }
    if (servers.length === 2) assert.match(out, /^turnpike ÷ coturn, same users/m);
    assert.match(out, /^turnpike: sqlite ÷ static +\S+ +\S+ +\S+$/m);
    assert.doesNotMatch(out, /could not drop/);
  });

  it('prints its usage for --help', async () => {
    const { code, out } = await runBench(['--help']);
    assert.equal(code, 0);
    assert.match(out, /--allocations N/);
    assert.match(out, /--warm-up N/);
  });
});
