import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';
import { parseUclientArgs, type UclientOptions } from '../../src/client/uclient-options.ts';

function options(argv: string[]): UclientOptions {
  const r = parseUclientArgs(argv);
  assert.equal(r.help, false);
  if (r.help) throw new Error('unreachable');
  return r.options;
}

function usageError(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseUclientArgs(argv), (e: unknown) => e instanceof TurnpikeError && e.code === ErrorCode.USAGE && pattern.test(e.message));
}

test("coturn's README command line keeps coturn's meanings: -e peer IP, -r peer PORT, -p server port", () => {
  const o = options('-u ling -w ling1234 -e 127.0.0.1 -r 3480 -m 10 -n 200 -l 170 -p 3479 127.0.0.1'.split(' '));
  assert.equal(o.server, '127.0.0.1');
  assert.equal(o.serverPort, 3479);
  assert.equal(o.user, 'ling');
  assert.equal(o.password, 'ling1234');
  assert.equal(o.peerIp, '127.0.0.1');
  assert.equal(o.peerPort, 3480);
  assert.equal(o.clients, 10);
  assert.equal(o.messages, 200);
  assert.equal(o.length, 170);
});

test("defaults are coturn's: port 3478, peer port 3480, 1 client, 5 messages of 100 bytes every 20 ms, channels, UDP, RTCP", () => {
  const o = options(['-e', '10.0.0.1', 'turn.example.com']);
  assert.deepEqual(
    [o.serverPort, o.peerPort, o.clients, o.messages, o.length, o.intervalMs, o.sendIndications, o.tcp, o.rtcp, o.relayFamily],
    [3478, 3480, 1, 5, 100, 20, false, false, true, undefined],
  );
  assert.deepEqual([o.concurrency, o.window, o.durationSeconds, o.json, o.failOnLoss, o.rfc5766Channels], [8, 32, undefined, false, false, false]);
  assert.equal(o.separator, ':');
});

test('flags map to the options they name', () => {
  const o = options(['-s', '-t', '-x', '-c', '-g', '-v', '-z', '0', '-L', '::1', '-e', '::1', '::1']);
  assert.deepEqual([o.sendIndications, o.tcp, o.relayFamily, o.rtcp, o.dontFragment, o.verbose, o.intervalMs, o.localIp], [true, true, 'IPv6', false, true, true, 0, '::1']);
  assert.equal(options(['-X', '-e', '127.0.0.1', 'h']).relayFamily, 'IPv4');
  const y = options(['-y', '-m', '4', '-e', '127.0.0.1', 'h']);
  assert.equal(y.clientToClient, true);
  assert.equal(y.peerIp, undefined, '-y has no echo peer');
  const w = options(['-W', 'north', '-C', '-', '-u', 'bob', '-e', '127.0.0.1', 'h']);
  assert.deepEqual([w.secret, w.separator, w.user, w.password], ['north', '-', 'bob', undefined]);
});

test("Turnpike's long options", () => {
  const o = options('--concurrency 20 --duration 5 --window 4 --json --fail-on-loss --rfc5766-channels -e 127.0.0.1 h'.split(' '));
  assert.deepEqual([o.concurrency, o.durationSeconds, o.window, o.json, o.failOnLoss, o.rfc5766Channels], [20, 5, 4, true, true, true]);
});

test('--sha256 and --userhash (RFC 8489 §9.2.3) are off by default and need credentials', () => {
  const o = options('--sha256 --userhash -u ling -w ling1234 -e 127.0.0.1 h'.split(' '));
  assert.deepEqual([o.sha256, o.userhash], [true, true]);
  const d = options(['-e', '127.0.0.1', 'h']);
  assert.deepEqual([d.sha256, d.userhash], [false, false]);
  assert.equal(options('--sha256 -W north -e 127.0.0.1 h'.split(' ')).sha256, true);
  usageError(['--userhash', '-e', '::1', 'h'], /--userhash need credentials/);
});

test('-h asks for the usage text', () => {
  assert.deepEqual(parseUclientArgs(['-h']), { help: true });
  assert.deepEqual(parseUclientArgs(['--help', 'x']), { help: true });
});

test('command lines that cannot run are usage errors naming the problem', () => {
  usageError([], /SERVER/);
  usageError(['-e', '127.0.0.1', 'a', 'b'], /one SERVER/);
  usageError(['h'], /-e PEER-IP/);
  usageError(['-x', '-X', '-e', '::1', 'h'], /-x .* -X/);
  usageError(['-w', 'p', '-W', 's', '-u', 'u', '-e', '::1', 'h'], /not both/);
  usageError(['-w', 'p', '-e', '::1', 'h'], /-u/);
  usageError(['-y', '-m', '3', 'h'], /even/);
  usageError(['-e', 'peer.example', 'h'], /-e 'peer.example'/);
  usageError(['-L', 'nic0', '-e', '::1', 'h'], /-L 'nic0'/);
  usageError(['-l', '15', '-e', '::1', 'h'], /-l '15'/);
  usageError(['-p', '70000', '-e', '::1', 'h'], /-p '70000'/);
  usageError(['-m', '0', '-e', '::1', 'h'], /-m '0'/);
  usageError(['-n', '-3', '-e', '::1', 'h'], /-n/);
  usageError(['-z', '1.5', '-e', '::1', 'h'], /-z '1.5'/);
  usageError(['--concurrency', '0', '-e', '::1', 'h'], /--concurrency/);
  usageError(['-T', '-e', '::1', 'h'], /-T/);
  usageError(['-C', '', '-e', '::1', 'h'], /separator/);
});
