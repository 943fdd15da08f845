/**
 * ion-sfu's `[turn]` section starts Turnpike's own TURN server with the same meaning: address,
 * realm, relay port range, static credentials or the REST secret.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSfuConfig } from '../../src/sfu/config.ts';
import { turnArgsFromSfu, turnConfigFromSfu } from '../../src/cli/sfu-turn.ts';
import { launch } from '../../harness/children.ts';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { printed } from '../../harness/ready.ts';
import { runTurnpike, turnpikeCommand } from '../../harness/servers.ts';

const STOCK = fileURLToPath(new URL('../sfu/fixtures/ion-sfu-stock.toml', import.meta.url));

test('the stock config.toml leaves TURN off', () => {
  assert.equal(turnConfigFromSfu(parseSfuConfig(readFileSync(STOCK, 'utf8')).turn), undefined);
});

test('[turn] with credentials becomes lt-cred-mech users, address and port range', () => {
  const toml = readFileSync(STOCK, 'utf8').replace('enabled = false', 'enabled = true').replace('# portrange = [5201, 5400]', 'portrange = [5201, 5400]');
  const turn = parseSfuConfig(toml).turn;
  assert.deepEqual(turnArgsFromSfu(turn), ['-n', '--listening-port=3478', '--realm=ion', '--min-port=5201', '--max-port=5400', '--lt-cred-mech', '--user=pion:ion', '--user=pion2:ion2']);
  const loaded = turnConfigFromSfu(turn)!;
  assert.deepEqual(loaded.config.users.map((u) => u.name), ['pion', 'pion2']);
  assert.equal(loaded.config.realm, 'ion');
});

test('[turn.auth] secret takes precedence, as in ion-sfu', () => {
  const toml = readFileSync(STOCK, 'utf8').replace('enabled = false', 'enabled = true').replace('# secret = "secret"', 'secret = "s3cret"');
  const loaded = turnConfigFromSfu(parseSfuConfig(toml).turn)!;
  assert.equal(loaded.config.useAuthSecret, true);
  assert.deepEqual(loaded.config.staticAuthSecrets, ['s3cret']);
});

test('turnpike sfu -c with [turn] enabled answers STUN on the [turn] address', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-sfu-turn-'));
  const turnPort = await freeUdpTcpPort();
  const { min, max } = await freeRange(10);
  const http = await freeTcpPort();
  const file = join(dir, 'sfu.toml');
  writeFileSync(
    file,
    readFileSync(STOCK, 'utf8')
      .replace('enabled = false', 'enabled = true')
      .replace('address = "0.0.0.0:3478"', `address = "127.0.0.1:${turnPort}"`)
      .replace('# portrange = [5201, 5400]', `portrange = [${min}, ${max}]`),
  );
  const sfu = await launch(turnpikeCommand(['sfu', '-c', file, '-a', `127.0.0.1:${http}`, '-m', '127.0.0.1:0']), printed([' started ', 'sfu.listening'], 20_000), { keep: 50_000 });
  t.after(() => sfu.stop());
  const r = await runTurnpike(['stunclient', '-p', String(turnPort), '127.0.0.1'], 10_000);
  assert.match(r.stdout, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  assert.match(sfu.output(), new RegExp(`relay-address ip=127\\.0\\.0\\.1 advertised=127\\.0\\.0\\.1 ports=${min}-${max}`));
  await sfu.stop(10_000);
  assert.equal(await sfu.exited, 0);
});
