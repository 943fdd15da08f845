import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseConfigFile } from '../../src/config/index.ts';

const pairs = (text: string) => parseConfigFile(text, 't.conf').entries.map((e) => [e.name, e.value]);

test('name=value, name value, name = value, tabs and repeated separators all give name and value', () => {
  assert.deepEqual(pairs('realm=a\nrealm b\nrealm = c\nrealm\t d\nrealm==e\n'), [
    ['realm', 'a'],
    ['realm', 'b'],
    ['realm', 'c'],
    ['realm', 'd'],
    ['realm', 'e'],
  ]);
});

test('a bare flag has no value, and `name=` has an empty one', () => {
  assert.deepEqual(pairs('fingerprint\nrealm=\n'), [
    ['fingerprint', undefined],
    ['realm', ''],
  ]);
});

test('a leading -- is allowed, so command-line options can be pasted into the file', () => {
  assert.deepEqual(pairs('--min-port=10000\n--lt-cred-mech\n'), [
    ['min-port', '10000'],
    ['lt-cred-mech', undefined],
  ]);
});

test('comments: whole lines, indented lines, and the rest of a line after a blank', () => {
  assert.deepEqual(pairs('# top\n   # indented\nrealm=a # trailing\nverbose\t# tab\n'), [
    ['realm', 'a'],
    ['verbose', undefined],
  ]);
});

test('a # not preceded by a blank is part of the value', () => {
  assert.deepEqual(pairs('user=bob:pa#ss\n'), [['user', 'bob:pa#ss']]);
});

test('double quotes are removed, and protect blanks and # inside them', () => {
  assert.deepEqual(pairs('cipher-list="DEFAULT"\nrealm "a # b"  # real comment\n'), [
    ['cipher-list', 'DEFAULT'],
    ['realm', 'a # b'],
  ]);
});

test('an unterminated quote is a problem with its line', () => {
  const { entries, problems } = parseConfigFile('realm=a\nrealm="oops\n', 'x.conf');
  assert.equal(entries.length, 1);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^x\.conf:2: option 'realm' has an unterminated quoted value/);
});

test('a line without a name is a problem with its line', () => {
  const { problems } = parseConfigFile('\n\n=value\n', 'x.conf');
  assert.match(problems[0], /^x\.conf:3: cannot read '=value'/);
});

test('entries carry file:line, counting blank and comment lines; CRLF and a BOM are fine', () => {
  const { entries, problems } = parseConfigFile('\uFEFF# c\r\n\r\nrealm=a\r\nverbose\r\n', 'dir/turnserver.conf');
  assert.deepEqual(problems, []);
  assert.deepEqual(
    entries.map((e) => [e.where, e.name, e.value]),
    [
      ['dir/turnserver.conf:3', 'realm', 'a'],
      ['dir/turnserver.conf:4', 'verbose', undefined],
    ],
  );
});

test('trailing blanks are not part of the value', () => {
  assert.deepEqual(pairs('realm=a   \t\n'), [['realm', 'a']]);
});

test("Debian's shipped /etc/turnserver.conf parses without a problem", { skip: !existsSync('/etc/turnserver.conf') }, () => {
  const { entries, problems } = parseConfigFile(readFileSync('/etc/turnserver.conf', 'utf8'), '/etc/turnserver.conf');
  assert.deepEqual(problems, []);
  for (const entry of entries) assert.match(entry.where, /^\/etc\/turnserver\.conf:\d+$/);
});

test('property: any text parses without throwing, and every entry has a name and a line', () => {
  // Mostly the characters the syntax cares about, so odd combinations come up often.
  const unit = fc.oneof(
    fc.constantFrom('#', '"', '=', ' ', '\t', '\n', '\r', '-', 'a', 'z', '\uFEFF', 'é', '\u2010'),
    fc.string({ minLength: 1, maxLength: 1 }),
  );
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 80 }), (text) => {
      const { entries, problems } = parseConfigFile(text, 'p.conf');
      for (const entry of entries) {
        assert.ok(entry.name.length > 0);
        assert.match(entry.where, /^p\.conf:\d+$/);
      }
      for (const problem of problems) assert.match(problem, /^p\.conf:\d+: /);
    }),
  );
});
