import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRedisConnInfo, parseRedisConnInfo } from '../../src/db/redis-conninfo.ts';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';

function rejects(conninfo: string, pattern: RegExp): TurnpikeError {
  let caught: unknown;
  try {
    parseRedisConnInfo(conninfo);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TurnpikeError, `'${conninfo}' must be rejected`);
  assert.equal(caught.code, ErrorCode.CONFIG_INVALID);
  assert.match(caught.message, pattern);
  return caught;
}

test('coturn\'s documented example', () => {
  assert.deepEqual(parseRedisConnInfo('ip=127.0.0.1 dbname=2 password=turn port=6379 connect_timeout=30'), {
    host: '127.0.0.1', port: 6379, db: 2, password: 'turn', connectTimeoutSec: 30,
  });
});

test('defaults: empty string, and empty values', () => {
  const defaults = { host: '127.0.0.1', port: 6379, db: 0, connectTimeoutSec: 0 };
  assert.deepEqual(parseRedisConnInfo(''), defaults);
  assert.deepEqual(parseRedisConnInfo('   '), defaults);
  assert.deepEqual(parseRedisConnInfo('host= port= dbname= password= user= connect_timeout='), defaults);
  assert.deepEqual(parseRedisConnInfo('port=0'), defaults, 'port 0 means the default, as in coturn');
});

test('every alias of every key', () => {
  for (const k of ['host', 'ip', 'addr', 'ipaddr', 'hostaddr']) assert.equal(parseRedisConnInfo(`${k}=redis.example`).host, 'redis.example');
  for (const k of ['dbname', 'db', 'database']) assert.equal(parseRedisConnInfo(`${k}=7`).db, 7);
  for (const k of ['user', 'uname', 'name', 'username']) assert.equal(parseRedisConnInfo(`${k}=turn`).user, 'turn');
  for (const k of ['password', 'pwd', 'passwd', 'secret']) assert.equal(parseRedisConnInfo(`${k}=s3cret`).password, 's3cret');
  for (const k of ['port', 'p']) assert.equal(parseRedisConnInfo(`${k}=6380`).port, 6380);
  for (const k of ['connect_timeout', 'timeout']) assert.equal(parseRedisConnInfo(`${k}=12`).connectTimeoutSec, 12);
  for (const k of ['tls', 'ssl']) assert.ok(parseRedisConnInfo(`${k}=1`).tls);
});

test('TLS keys', () => {
  assert.equal(parseRedisConnInfo('tls=0').tls, undefined);
  assert.equal(parseRedisConnInfo('tls=TRUE').tls, undefined, 'coturn compares case-sensitively');
  assert.equal(parseRedisConnInfo('tls-ca=/ca.pem').tls, undefined, 'TLS options without tls=1 do not turn TLS on');
  for (const v of ['1', 'true', 'on', 'yes']) assert.deepEqual(parseRedisConnInfo(`tls=${v}`).tls, { verify: true });
  assert.deepEqual(
    parseRedisConnInfo('tls=yes tls-ca=/a.pem tls-capath=/certs tls-cert=/c.pem tls-key=/k.pem tls-sni=redis.example'),
    { host: '127.0.0.1', port: 6379, db: 0, connectTimeoutSec: 0,
      tls: { verify: true, ca: '/a.pem', capath: '/certs', cert: '/c.pem', key: '/k.pem', sni: 'redis.example' } },
  );
  assert.deepEqual(parseRedisConnInfo('ssl=on ca=/a cacert=/b capath=/d cert=/c clientkey=/k sni=x servername=y').tls,
    { verify: true, ca: '/b', capath: '/d', cert: '/c', key: '/k', sni: 'y' });
  for (const v of ['none', '0', 'false']) {
    assert.equal(parseRedisConnInfo(`tls=1 tls-verify=${v}`).tls?.verify, false);
    assert.equal(parseRedisConnInfo(`tls=1 verify=${v}`).tls?.verify, false);
  }
  assert.equal(parseRedisConnInfo('tls=1 verify=peer').tls?.verify, true);
});

test('a later key wins; several spaces, tabs and a trailing CR separate words; values keep "="', () => {
  const info = parseRedisConnInfo('  ip=10.0.0.1   host=10.0.0.2\tdb=3 dbname=4 password=a=b==\r\n');
  assert.equal(info.host, '10.0.0.2');
  assert.equal(info.db, 4);
  assert.equal(info.password, 'a=b==');
});

test('a word without "=" is an error that does not echo the word', () => {
  const e = rejects('ip=127.0.0.1 password=two words', /word 3 has no '='/);
  assert.doesNotMatch(e.message, /words/);
});

test('an unknown key is an error naming the key', () => {
  rejects('ip=127.0.0.1 bogus=1', /unknown key 'bogus'/);
  rejects('hostname=x', /unknown key 'hostname'/);
  rejects('=x', /unknown key ''/);
  rejects('toString=x', /unknown key 'toString'/);
});

test('numbers must be decimal and in range', () => {
  rejects('port=abc', /port=abc is not a number/);
  rejects('port=65536', /port=65536/);
  rejects('port=-1', /port=-1/);
  rejects('dbname=two', /dbname=two/);
  rejects('dbname=1.5', /dbname=1.5/);
  rejects('connect_timeout=5s', /connect_timeout=5s/);
  assert.equal(parseRedisConnInfo('port=65535').port, 65535);
});

test('the description shows scheme, user, host, port and database, never the password', () => {
  assert.equal(describeRedisConnInfo(parseRedisConnInfo('ip=127.0.0.1 dbname=2 password=turn')), 'redis://127.0.0.1:6379/2');
  assert.equal(describeRedisConnInfo(parseRedisConnInfo('host=::1 port=6380 user=a@b password=x tls=1')), 'rediss://a%40b@[::1]:6380/0');
  assert.doesNotMatch(describeRedisConnInfo(parseRedisConnInfo('password=hunter2')), /hunter2/);
});
