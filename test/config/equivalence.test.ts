import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadTurnserverConfig, type Config } from '../../src/config/index.ts';

/** One option as a pair; `undefined` value = bare flag. */
type Item = [name: string, value: string | undefined];

const word = fc.stringMatching(/^[a-z0-9.]{1,12}$/);
const item: fc.Arbitrary<Item> = fc.oneof(
  fc.integer({ min: 0, max: 65535 }).map((n): Item => ['listening-port', String(n)]),
  fc.integer({ min: 0, max: 30000 }).map((n): Item => ['min-port', String(n)]),
  fc.integer({ min: 30001, max: 65535 }).map((n): Item => ['max-port', String(n)]),
  word.map((w): Item => ['realm', w]),
  // A password spelt 0x… is a key (user=NAME:0x<32 hex digits>): keep generated ones plain.
  fc.tuple(word, word.filter((p) => !p.startsWith('0x'))).map(([n, p]): Item => ['user', `${n}:${p}`]),
  fc.ipV4().map((ip): Item => ['listening-ip', ip]),
  fc.ipV6().map((ip): Item => ['relay-ip', ip]),
  fc.tuple(fc.ipV4(), fc.ipV4()).map(([a, b]): Item => ['external-ip', `${a}/${b}`]),
  fc.ipV4().map((ip): Item => ['denied-peer-ip', ip]),
  fc.integer({ min: 0, max: 100000 }).map((n): Item => ['stale-nonce', String(n)]),
  fc.integer({ min: 1, max: 100000 }).map((n): Item => ['channel-lifetime', String(n)]),
  fc.constantFrom<Item>(['fingerprint', undefined], ['fingerprint', 'off'], ['verbose', undefined], ['Verbose', 'on'], ['no-tcp-relay', undefined]),
  fc.constantFrom<Item>(['stale-nonce', undefined], ['syslog', undefined], ['log-file', '/tmp/t.log'], ['secure-stun', 'yes']),
);
const items = fc.array(item, { maxLength: 12 });

/** Credentials, so the open-relay check never decides, and a min-port below any generated max-port. */
const base: Item[] = [['user', 'base:pw'], ['realm', 'base'], ['min-port', '1000']];

const asFile = (list: Item[]) => list.map(([n, v]) => (v === undefined ? n : `${n}=${v}`)).join('\n') + '\n';
const asArgv = (list: Item[]) => list.map(([n, v]) => (v === undefined ? `--${n}` : `--${n}=${v}`));

function load(fileItems: Item[] | undefined, argvItems: Item[], fileText = fileItems && asFile(fileItems)): Config {
  const readFile = (path: string) => {
    if (path === '/p.conf' && fileText !== undefined) return fileText;
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  };
  const argv = fileText === undefined ? ['-n', ...asArgv(argvItems)] : ['-c', '/p.conf', ...asArgv(argvItems)];
  const { config } = loadTurnserverConfig(argv, { readFile });
  return { ...config, sources: [] };
}

test('property: the same options give the same Config in a file or on the command line', () => {
  fc.assert(
    fc.property(items, (list) => {
      assert.deepEqual(load([...base, ...list], []), load(undefined, [...base, ...list]));
    }),
  );
});

test('property: a file then a command line equals the file options followed by the command-line ones', () => {
  fc.assert(
    fc.property(items, items, (inFile, onCommandLine) => {
      assert.deepEqual(load([...base, ...inFile], onCommandLine), load(undefined, [...base, ...inFile, ...onCommandLine]));
    }),
  );
});

test('property: name=value, name value, name = value, quotes and a leading -- read alike', () => {
  fc.assert(
    fc.property(items, fc.constantFrom('=', ' ', ' = ', '\t'), fc.boolean(), fc.boolean(), (list, sep, quote, dashes) => {
      const text = [...base, ...list]
        .map(([n, v]) => `${dashes ? '--' : ''}${n}${v === undefined ? '' : `${sep}${quote ? `"${v}"` : v}`}  # comment`)
        .join('\n');
      assert.deepEqual(load([], [], text), load(undefined, [...base, ...list]));
    }),
  );
});
