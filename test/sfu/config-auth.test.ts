/**
 * `[auth] jwtsecret` in the SFU's config.toml, `--jwt-secret` on `turnpike sfu`, and the
 * `turnpike sfu token` subcommand run as a real process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { turnpikeCommand } from '../../harness/servers.ts';
import { parseSfuArgs } from '../../src/cli/sfu.ts';
import { parseSfuConfig } from '../../src/sfu/config.ts';
import { verifyJoinToken } from '../../src/sfu/signal/join-token.ts';

const SECRET = 'config-file-join-token-secret-32b';

test('[auth] jwtsecret is read, absent by default, and refused when shorter than 32 bytes', () => {
  assert.equal(parseSfuConfig('').auth.jwtSecret, undefined);
  assert.equal(parseSfuConfig(`[auth]\njwtsecret = "${SECRET}"\n`).auth.jwtSecret, SECRET);
  assert.throws(() => parseSfuConfig('[auth]\njwtsecret = "short"\n', 'sfu.toml'), /sfu\.toml:2: \[auth\] jwtsecret: expected a secret of at least 32 bytes/);
  assert.throws(() => parseSfuConfig('[auth]\nsecret = "x"\n', 'sfu.toml'), /secret/);
});

test('--jwt-secret is parsed and checked', () => {
  assert.equal(parseSfuArgs(['--jwt-secret', SECRET]).jwtSecret, SECRET);
  assert.equal(parseSfuArgs([]).jwtSecret, undefined);
  assert.throws(() => parseSfuArgs(['--jwt-secret=short']), /at least 32 bytes/);
});

test('`turnpike sfu token` run as a process prints a token signed with the config file\'s secret', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'turnpike-sfu-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'sfu.toml');
  await writeFile(file, `[auth]\njwtsecret = "${SECRET}"\n`);
  const cmd = turnpikeCommand(['sfu', 'token', '--room', 'R', '--identity', 'alice', '--ttl', '120', '--no-publish', '-c', file]);
  const env = { ...process.env };
  delete env.TURNPIKE_SFU_JWT_SECRET;
  const { stdout } = await promisify(execFile)(cmd.command, cmd.args, { env });
  const grant = verifyJoinToken(stdout.trim(), SECRET, Date.now() / 1000);
  assert.deepEqual(grant, { ok: true, value: { room: 'R', identity: 'alice', publish: false, subscribe: true } });
  const bad = await promisify(execFile)(cmd.command, [...cmd.args.slice(0, cmd.args.indexOf('token') + 1)], { env }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((bad as { code: number }).code, 2);
  assert.match((bad as { stderr: string }).stderr, /--room is required/);
});
