/**
 * The `[cluster]` section of the SFU's config.toml and the `turnpike sfu` cluster flags: absent
 * means one node, every key is read, bad values name the file, line and key, flags win.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSfuArgs } from '../../src/cli/sfu.ts';
import { redisTarget } from '../../src/sfu/cluster/index.ts';
import { defaultSfuConfig, parseSfuConfig, withOverrides } from '../../src/sfu/config.ts';

test('no [cluster] section: a single node, as before', () => {
  const c = parseSfuConfig('[router]\nmaxbandwidth = 1000\n').cluster;
  assert.equal(c.redis, undefined);
  assert.deepEqual(c, defaultSfuConfig().cluster);
  assert.equal(c.leaseTtl, 10);
});

test('[cluster] keys are read (any letter case)', () => {
  const c = parseSfuConfig(
    ['[cluster]', 'redis = "10.0.0.9:6380"', 'NodeID = "sfu-a.1"', 'address = "wss://sfu-a.example.com/ws"', 'leasettl = 3', 'keyprefix = "app:"'].join('\n'),
  ).cluster;
  assert.deepEqual(c, { redis: '10.0.0.9:6380', nodeId: 'sfu-a.1', address: 'wss://sfu-a.example.com/ws', leaseTtl: 3, keyPrefix: 'app:' });
  assert.equal(parseSfuConfig('[cluster]\nredis = "rediss://u:p@redis.example.com:6380/2"').cluster.redis, 'rediss://u:p@redis.example.com:6380/2');
});

test('bad [cluster] values are refused with the line and the key', () => {
  assert.throws(() => parseSfuConfig('[cluster]\nredis = "somewhere"', 'sfu.toml'), /^TurnpikeError: sfu\.toml:2: \[cluster\] redis: expected "host:port" or a redis:\/\/ URL/);
  assert.throws(() => parseSfuConfig('[cluster]\n\nnodeid = "a b"', 'sfu.toml'), /sfu\.toml:3: \[cluster\] nodeid: expected 1 to 64 letters/);
  assert.throws(() => parseSfuConfig('[cluster]\nleasettl = 0', 'sfu.toml'), /sfu\.toml:2: \[cluster\] leasettl: expected a number from 1 to 300/);
  assert.throws(() => parseSfuConfig('[cluster]\nredisaddr = "x:1"', 'sfu.toml'), /\[cluster\] redisaddr: unknown key/);
});

test('cluster flags of turnpike sfu override the file', () => {
  const args = parseSfuArgs(['--cluster-redis', '127.0.0.1:6379', '--node-id=n1', '--advertise', 'ws://10.0.0.5:7000/ws', '--lease-ttl', '2']);
  assert.deepEqual(args.cluster, { redis: '127.0.0.1:6379', nodeId: 'n1', address: 'ws://10.0.0.5:7000/ws', leaseTtl: 2 });
  const file = parseSfuConfig('[cluster]\nredis = "10.0.0.9:6379"\nleasettl = 5\nkeyprefix = "x:"');
  const merged = withOverrides(file, { cluster: args.cluster ?? {} }).cluster;
  assert.deepEqual(merged, { redis: '127.0.0.1:6379', nodeId: 'n1', address: 'ws://10.0.0.5:7000/ws', leaseTtl: 2, keyPrefix: 'x:' });
  assert.equal(parseSfuArgs([]).cluster, undefined, 'no flags: the file decides');
  assert.throws(() => parseSfuArgs(['--lease-ttl', 'soon']), /--lease-ttl: expected seconds from 1 to 300/);
  assert.throws(() => parseSfuArgs(['--node-id', 'a/b']), /--node-id: expected letters/);
});

test('the Redis address: host:port, [IPv6]:port, or a URL', () => {
  assert.deepEqual(redisTarget('10.0.0.9:6380'), { host: '10.0.0.9', port: 6380 });
  assert.deepEqual(redisTarget('[::1]:6379'), { host: '::1', port: 6379 });
  assert.deepEqual(redisTarget(':6379'), { host: '127.0.0.1', port: 6379 });
  assert.deepEqual(redisTarget('redis://:secret@redis:6379/1'), { url: 'redis://:secret@redis:6379/1' });
});
