import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, formatJson, formatText, type LogSettings } from '../../src/log/logger.ts';
import { datedLogPath } from '../../src/log/sinks.ts';

function capture(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

const base: LogSettings = { file: undefined, simpleLog: false, noStdoutLog: false, verbose: 0, format: 'text' };

test('one text line per event, key=value fields, quoted when needed', () => {
  const line = formatText(new Date(0), 'info', 'allocation-created', { user: 'ling', relay: '127.0.0.1:5000', why: 'two words' });
  assert.equal(line, '1970-01-01T00:00:00.000Z INFO allocation-created user=ling relay=127.0.0.1:5000 why="two words"');
});

test('JSON lines with --log-format=json', () => {
  const rec = JSON.parse(formatJson(new Date(0), 'warn', 'config-warning', { option: 'mobility', n: 1 }));
  assert.deepEqual(rec, { time: '1970-01-01T00:00:00.000Z', level: 'warn', event: 'config-warning', option: 'mobility', n: 1 });
});

test('verbosity: debug lines only with -v, trace (per packet) only with -V', () => {
  for (const [verbose, expected] of [
    [0, ['info']],
    [1, ['info', 'debug']],
    [2, ['info', 'debug', 'trace']],
  ] as const) {
    const out = capture();
    const log = createLogger({ ...base, verbose }, out.stream);
    log.info('info');
    log.debug('debug');
    log.trace('trace');
    assert.deepEqual(
      out.lines().map((l) => l.split(' ')[2]),
      expected,
    );
    assert.equal(log.enabled('trace'), verbose === 2);
  }
});

test('log-file writes a dated file (coturn rollover) unless simple-log, and stdout unless no-stdout-log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-log-'));
  const file = join(dir, 'turnserver.log');
  const out = capture();
  const log = createLogger({ ...base, file, noStdoutLog: true }, out.stream);
  log.info('hello', { a: 1 });
  await log.close();
  assert.deepEqual(out.lines(), []);
  const dated = datedLogPath(file, new Date());
  assert.deepEqual(readdirSync(dir), [dated.slice(dir.length + 1)]);
  assert.match(readFileSync(dated, 'utf8'), /INFO hello a=1/);

  const simple = createLogger({ ...base, file, simpleLog: true }, out.stream);
  simple.info('plain');
  await simple.close();
  assert.match(readFileSync(file, 'utf8'), /INFO plain/);
  assert.equal(out.lines().length, 1, 'also on stdout without no-stdout-log');
});

test('log-file=stdout and log-file=- write to standard output only', async () => {
  for (const file of ['stdout', '-']) {
    const out = capture();
    const log = createLogger({ ...base, file, noStdoutLog: true }, out.stream);
    log.info('x');
    await log.close();
    assert.equal(out.lines().length, 1);
  }
});

test('datedLogPath inserts the day before the extension', () => {
  assert.equal(datedLogPath('/var/log/turnserver.log', new Date('2026-11-22T10:00:00Z')), '/var/log/turnserver_2026-11-22.log');
  assert.equal(datedLogPath('/tmp/turn', new Date('2026-11-22T10:00:00Z')), '/tmp/turn_2026-11-22');
});

test('a log file that cannot be reopened (SIGHUP) leaves the open one writing', async () => {
  const { renameSync, rmSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'turnpike-log-'));
  const file = join(dir, 'sub', 'turn.log');
  const log = createLogger({ file, simpleLog: true, noStdoutLog: true, verbose: 0, format: 'text' });
  log.info('before');
  // The file was moved away and its directory's name is taken by a file: reopening must fail.
  renameSync(join(dir, 'sub'), join(dir, 'moved'));
  writeFileSync(join(dir, 'sub'), '');
  const stderr = process.stderr.write;
  process.stderr.write = () => true;
  try {
    log.reopen();
  } finally {
    process.stderr.write = stderr;
  }
  log.info('after');
  await log.close();
  const text = readFileSync(join(dir, 'moved', 'turn.log'), 'utf8');
  assert.match(text, /before/);
  assert.match(text, /after/, 'still written to the file open before');
  rmSync(dir, { recursive: true, force: true });
});
