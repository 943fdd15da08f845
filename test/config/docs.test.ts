import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OPTIONS, OptionStatus, turnserverUsage } from '../../src/config/index.ts';
import { renderConfigurationDoc } from '../../src/config/docs.ts';

const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

test('docs/configuration.md is what scripts/gen-config-docs.ts generates from the table', () => {
  assert.equal(committed, renderConfigurationDoc(), 'run: node scripts/gen-config-docs.ts');
});

test('the configuration reference lists every option with its short form and status', () => {
  for (const option of OPTIONS) {
    const name = option.name.length === 1 ? `-${option.short}` : `--${option.name}`;
    const row = committed.split('\n').find((line) => line.startsWith(`| \`${name}\``));
    assert.ok(row, name);
    if (option.short && option.name.length > 1) assert.ok(row.includes(`| \`-${option.short}\` |`), name);
    assert.ok(row.includes(`| ${option.status} |`), name);
    for (const alias of option.aliases) assert.ok(row.includes(`\`--${alias}\``), alias);
  }
  assert.match(committed, /## File syntax/);
  assert.match(committed, /## Which file is read, and precedence/);
  assert.match(committed, /\*Turnpike only\.\*/);
  assert.match(committed, /## coturn 4\.6 and coturn 4\.7\+ options/);
  assert.match(committed, /## Short-term credentials\n\n[^#]*`st-cred-mech`[^#]*`lt-cred-mech`[^#]*`use-auth-secret`/);
});

test('--help lists every option, marks the ones not supported, and shows short forms', () => {
  const usage = turnserverUsage();
  assert.match(usage, /^Usage: turnserver \[-n \| -c <file>\] \[options\]/);
  for (const option of OPTIONS) {
    if (option.name.length > 1) assert.ok(usage.includes(`--${option.name}`), option.name);
  }
  assert.match(usage, /-p, --listening-port <port> +UDP and TCP listener port \(default 3478\)/);
  assert.match(usage, /--stale-nonce\[=<seconds>\]/);
  assert.match(usage, /--server-relay .*\[not supported\]/);
  assert.match(usage, /-o, --daemon .*\[accepted, ignored\]/);
  assert.equal(OPTIONS.filter((o) => o.status === OptionStatus.Removed).length, 3);
});
