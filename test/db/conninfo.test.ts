import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePgConnInfo, parsePgConnInfo } from '../../src/db/conninfo.ts';
import { describeMysqlConnInfo, parseMysqlConnInfo } from '../../src/db/mysql-conninfo.ts';
import { ErrorCode, TurnpikeError } from '../../src/errors.ts';

function refused(parse: () => unknown, pattern: RegExp, secret?: string): void {
  let caught: unknown;
  try {
    parse();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TurnpikeError, 'must be rejected');
  assert.equal(caught.code, ErrorCode.CONFIG_INVALID);
  assert.match(caught.message, pattern);
  if (secret) assert.ok(!caught.message.includes(secret), `message leaks the password: ${caught.message}`);
}

test('psql-userdb: coturn\'s documented keyword/value example', () => {
  const info = parsePgConnInfo('host=localhost dbname=coturn user=turn password=turn connect_timeout=30 port=5432');
  assert.deepEqual(info, {
    host: 'localhost', dbname: 'coturn', user: 'turn', password: 'turn', connectTimeoutSec: 30, port: 5432, ignored: [],
  });
  assert.equal(describePgConnInfo(info), 'postgresql://turn@localhost:5432/coturn');
});

test('psql-userdb: libpq quoting, escapes and spaces around "="', () => {
  const info = parsePgConnInfo(String.raw`  host = db.example   password='it\'s' user='a b\'c\\d' dbname=x\ y `);
  assert.equal(info.host, 'db.example');
  assert.equal(info.password, "it's");
  assert.equal(info.user, "a b'c\\d");
  assert.equal(info.dbname, 'x y');
  assert.equal(parsePgConnInfo("password=''").password, '');
  assert.equal(parsePgConnInfo('password=a=b').password, 'a=b');
});

test('psql-userdb: URI forms', () => {
  assert.deepEqual(parsePgConnInfo('postgresql://turn:p%40ss%3Aw@db.example:5433/coturn?sslmode=require&connect_timeout=1'), {
    user: 'turn', password: 'p@ss:w', host: 'db.example', port: 5433, dbname: 'coturn', sslmode: 'require', connectTimeoutSec: 2, ignored: [],
  });
  assert.deepEqual(parsePgConnInfo('postgres://[::1]:6432/d'), { host: '::1', port: 6432, dbname: 'd', ignored: [] });
  assert.deepEqual(parsePgConnInfo('postgresql://'), { ignored: [] });
  assert.deepEqual(parsePgConnInfo('postgresql:///turndb?host=%2Fvar%2Frun%2Fpostgresql'), { dbname: 'turndb', host: '/var/run/postgresql', ignored: [] });
  assert.equal(parsePgConnInfo('postgresql://u@h?ssl=true').sslmode, 'require');
  assert.equal(describePgConnInfo(parsePgConnInfo('postgresql://u:secret@[::1]/d')), 'postgresql://u@[::1]:5432/d');
});

test('psql-userdb: SSL and other libpq keywords', () => {
  const info = parsePgConnInfo('host=h sslmode=verify-full sslrootcert=/ca.pem sslcert=/c.pem sslkey=/k.pem application_name=tp gssencmode=disable target_session_attrs=any keepalives=0');
  assert.equal(info.sslmode, 'verify-full');
  assert.equal(info.sslrootcert, '/ca.pem');
  assert.equal(info.sslcert, '/c.pem');
  assert.equal(info.sslkey, '/k.pem');
  assert.equal(info.applicationName, 'tp');
  assert.equal(info.keepalives, false);
  assert.deepEqual(info.ignored, ['gssencmode', 'target_session_attrs']);
  assert.equal(parsePgConnInfo('requiressl=1').sslmode, 'require');
  assert.equal(parsePgConnInfo('connect_timeout=0').connectTimeoutSec, undefined, '0 means no limit in libpq');
});

test('psql-userdb: strings libpq refuses, without quoting the password', () => {
  refused(() => parsePgConnInfo('host=h password'), /missing "=" after the keyword at offset 7/);
  refused(() => parsePgConnInfo("host=h password='s3cret"), /unterminated quoted string/, 's3cret');
  refused(() => parsePgConnInfo('host=h colour=blue'), /invalid connection option "colour"/);
  refused(() => parsePgConnInfo('port=abc'), /"port" must be an integer/);
  refused(() => parsePgConnInfo('port=70000'), /between 1 and 65535/);
  refused(() => parsePgConnInfo('sslmode=maybe'), /invalid sslmode/);
  refused(() => parsePgConnInfo('host=a,b'), /several hosts/);
  refused(() => parsePgConnInfo('postgresql://u:s3cret@a:1,b:2/d'), /several hosts/, 's3cret');
  refused(() => parsePgConnInfo('postgresql://u:s%zzcret@h/d'), /percent-encoding in the URI's password/, 's%zzcret');
  refused(() => parsePgConnInfo('postgresql://h/d?colour=blue'), /invalid connection option "colour"/);
  refused(() => parsePgConnInfo('postgresql://[::1/d'), /IPv6/);
  refused(() => parsePgConnInfo('password = my secret'), /missing "="/, 'secret');
});

test('mysql-userdb: coturn\'s documented example and defaults', () => {
  const info = parseMysqlConnInfo('host=localhost dbname=coturn user=turn password=turn port=3306 connect_timeout=10 read_timeout=10');
  assert.deepEqual(info, {
    host: 'localhost', dbname: 'coturn', user: 'turn', password: 'turn', port: 3306, connectTimeoutSec: 10, readTimeoutSec: 10,
  });
  assert.equal(describeMysqlConnInfo(info), 'mysql://turn@localhost:3306/coturn');
  assert.deepEqual(parseMysqlConnInfo('  dbname=x  '), { host: '127.0.0.1', dbname: 'x', user: '', password: '' });
  assert.equal(parseMysqlConnInfo('dbname=x port=0').port, undefined, 'port 0 is the client default');
  assert.equal(parseMysqlConnInfo('dbname=x password=YWJj==').password, 'YWJj==', 'the value is everything after the first "="');
});

test('mysql-userdb: every alias of every key, and the SSL keys', () => {
  for (const k of ['host', 'ip', 'addr', 'ipaddr', 'hostaddr']) assert.equal(parseMysqlConnInfo(`dbname=d ${k}=h`).host, 'h');
  for (const k of ['dbname', 'db', 'database']) assert.equal(parseMysqlConnInfo(`${k}=d`).dbname, 'd');
  for (const k of ['user', 'uname', 'name', 'username']) assert.equal(parseMysqlConnInfo(`db=d ${k}=u`).user, 'u');
  for (const k of ['password', 'pwd', 'passwd', 'secret']) assert.equal(parseMysqlConnInfo(`db=d ${k}=p`).password, 'p');
  for (const k of ['port', 'p']) assert.equal(parseMysqlConnInfo(`db=d ${k}=3307`).port, 3307);
  for (const k of ['connect_timeout', 'timeout']) assert.equal(parseMysqlConnInfo(`db=d ${k}=7`).connectTimeoutSec, 7);
  assert.deepEqual(
    parseMysqlConnInfo('db=d ca=/ca.pem capath=/certs cert=/c.pem key=/k.pem cipher=AES256-SHA').ssl,
    { ca: '/ca.pem', capath: '/certs', cert: '/c.pem', key: '/k.pem', cipher: 'AES256-SHA' },
  );
  assert.deepEqual(
    parseMysqlConnInfo('db=d ssl-ca=/ca.pem ssl-capath=/certs ssl-cert=/c.pem ssl-key=/k.pem ssl-cipher=X').ssl,
    { ca: '/ca.pem', capath: '/certs', cert: '/c.pem', key: '/k.pem', cipher: 'X' },
  );
  assert.equal(parseMysqlConnInfo('db=d').ssl, undefined);
});

test('mysql-userdb: strings coturn refuses, without quoting the password', () => {
  refused(() => parseMysqlConnInfo('host=h dbname=d s3cret'), /word 3 has no "="/, 's3cret');
  refused(() => parseMysqlConnInfo('host=h dbname=d sslmode=required'), /unknown key "sslmode"/);
  refused(() => parseMysqlConnInfo('Host=h dbname=d'), /unknown key "Host"/, undefined);
  refused(() => parseMysqlConnInfo('host=h user=u password=s3cret'), /no database name/, 's3cret');
  refused(() => parseMysqlConnInfo('dbname=d port=33o6'), /"port" must be a non-negative integer/);
  refused(() => parseMysqlConnInfo('dbname=d port=65536'), /at most 65535/);
});
