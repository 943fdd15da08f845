/**
 * deploy/turnpike.service: the hardening the issue asks for is there, and `systemd-analyze
 * verify` accepts the unit (with ExecStart pointed at this checkout's bin/turnpike.js, since
 * /usr/bin/turnpike is where an installed package puts it, not this machine).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TURNPIKE_BIN } from '../../harness/servers.ts';

const UNIT = fileURLToPath(new URL('../../deploy/turnpike.service', import.meta.url));
const text = readFileSync(UNIT, 'utf8');

/** `Key=value` settings of the [Service] section. */
function service(): Map<string, string[]> {
  const section = text.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  const out = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

test('the unit is hardened: one capability, no new privileges, a read-only system', () => {
  const s = service();
  const one = (k: string): string | undefined => s.get(k)?.at(-1);
  assert.equal(one('AmbientCapabilities'), 'CAP_NET_BIND_SERVICE');
  assert.equal(one('CapabilityBoundingSet'), 'CAP_NET_BIND_SERVICE');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('ProtectHome'), 'yes');
  assert.equal(one('PrivateTmp'), 'yes');
  assert.equal(one('StateDirectory'), 'turnpike');
  assert.equal(one('Restart'), 'on-failure');
  assert.match(one('ExecReload') ?? '', /kill -HUP \$MAINPID/);
  assert.match(one('LimitNOFILE') ?? '', /^\d+$/);
  assert.ok(s.get('ReadWritePaths')?.some((p) => p.includes('/var/log/turnpike')));
  assert.notEqual(one('User') ?? 'root', 'root');
  assert.match(one('ExecStart') ?? '', / turnserver -c \/etc\/turnserver\.conf/);
  assert.equal(s.has('MemoryDenyWriteExecute'), false, "V8's JIT needs writable, executable memory");
});

const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

test('systemd-analyze verify accepts it', { skip: analyze === undefined ? 'systemd-analyze is not installed' : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-unit-'));
  try {
    const unit = join(dir, 'turnpike.service');
    writeFileSync(unit, text.replace(/^ExecStart=\/usr\/bin\/turnpike /m, `ExecStart=${TURNPIKE_BIN} `));
    const r = spawnSync(analyze!, ['verify', unit], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
