/**
 * The user-database set-up bench runs end to end on a tiny load and prints the command lines,
 * with one user per set-up (a static users' file given with `-c`, the databases' users written
 * by one turnadmin and the bench's own writes), a figure line per configuration and the
 * summary table with its ratios, for every
 * configuration this machine can run (coturn's and PostgreSQL's only when they are there). It
 * never judges the numbers: speed is for reading, not for asserting.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { databaseMissing } from '../../harness/databases.ts';
import { coturnMissing } from '../../harness/servers.ts';
import { runBench } from './run-bench.ts';

describe('bench/userdb-setups.ts', () => {
  it('runs a tiny load on every configuration here and prints the table and the ratios', { timeout: 60_000 }, async () => {
    const servers = coturnMissing('turnserver') === false ? ['turnpike', 'coturn'] : ['turnpike'];
    const users = (await databaseMissing('postgresql')) === false ? ['static', 'sqlite', 'postgresql'] : ['static', 'sqlite'];
    const { code, out } = await runBench('userdb-setups', ['--allocations', '50', '--concurrency', '10', '--rounds', '1', '--warm-up', '20']);
    assert.equal(code, 0, out);
    assert.match(out, /^machine: .+ cores, .+ Node\.js v\d+/m);
    // 20 warm-up + 50 timed set-ups: 70 users, bench-0 … bench-69.
    assert.match(out, /^users: +one per set-up, bench-0 … bench-69 \(70 = 20 warm-up \+ 50 timed/m);
    const file = /^static: +(\S+), 70 lines, only user= lines/m.exec(out)?.[1];
    assert.ok(file !== undefined, 'the static users file is named');
    assert.match(out, /^ +user=bench-0:pw-0\n +user=bench-1:pw-1\n/m);
    assert.match(out, /^user: +node bin\/turnpike\.js turnadmin -a -b \S+ -u bench-0 -r bench\.turnpike -p pw-0$/m);
    assert.match(out, /^ +sqlite: 70 users: bench-0 by the turnadmin command above, bench-1 … bench-69 \(69\) through Turnpike's own sqlite backend/m);
    if (users.includes('postgresql')) assert.match(out, /^ +postgresql: 70 users: bench-0 by the turnadmin command above, bench-1 … bench-69 \(69\)/m);
    assert.match(out, /^set-ups: +20 warm-up set-ups \(users bench-0 … bench-19\) released, then 50 timed \(users bench-20 … bench-69\)/m);
    assert.match(out, /^median of 1 round +set-ups\/s +server CPU µs\/set-up +DB CPU µs\/set-up .* failures$/m);
    for (const kind of servers) {
      for (const u of users) {
        const label = `${kind}/${u}`;
        assert.match(out, new RegExp(`^${label} +(/usr/bin/turnserver|node bin/turnpike\\.js turnserver) `, 'm'), `command line of ${label}`);
        const line = new RegExp(`^${label} +\\S+( bin/turnpike\\.js turnserver)? (.*)$`, 'm').exec(out)?.[2] ?? '';
        // Static users come from the file (-c instead of -n), a database's from the database: never -u.
        assert.ok(u === 'static' ? line.startsWith(`-c ${file} `) : line.startsWith('-n '), `${label}: ${line}`);
        assert.doesNotMatch(line, / -u /, `${label} has no -u`);
        assert.match(out, new RegExp(`^round 1  ${label} +set-ups/s +[\\d,]+  server CPU [\\d.]+ µs/set-up .* failures 0`, 'm'), `round line of ${label}`);
        // Every set-up succeeded: a figure of nothing is no figure.
        assert.match(out, new RegExp(`^${label} +[\\d,]+ +\\S+ +\\S+ +\\S+ +\\S+ +0$`, 'm'), `summary row of ${label}`);
      }
    }
    if (servers.length === 2) assert.match(out, /^turnpike ÷ coturn, same users/m);
    assert.match(out, /^turnpike: sqlite ÷ static +\S+ +\S+ +\S+$/m);
    assert.doesNotMatch(out, /could not drop/);
    assert.equal(existsSync(file), false, 'the static users file is removed');
  });

  it('prints its usage for --help', async () => {
    const { code, out } = await runBench('userdb-setups', ['--help']);
    assert.equal(code, 0);
    assert.match(out, /--allocations N/);
    assert.match(out, /--warm-up N/);
  });
});
