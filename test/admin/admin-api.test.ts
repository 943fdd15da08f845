/**
 * The admin JSON API against a real `turnpike turnserver --web-admin` with an SQLite user
 * database: logins (admin user, api key), sessions of a real allocation and killing one (the
 * client's next Refresh gets 437, RFC 8656 §7.3), users, secrets and realm options, the
 * authentication-failure ring, the masked configuration, a realm-scoped admin, refusals.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connectUdp } from '../../src/client/server-connection.ts';
import { TurnClient } from '../../src/client/turn-client.ts';
import { OPTIONS } from '../../src/config/options.ts';
import { MASKED_OPTIONS, maskConnectionString } from '../../src/admin/config-view.ts';
import { isLoopback } from '../../src/admin/index.ts';
import { API_KEY, startAdminServer, type AdminServer } from './admin-helpers.ts';

let srv: AdminServer;
const clients: TurnClient[] = [];

before(async () => {
  srv = await startAdminServer([['admin', 'pw', ''], ['radmin', 'rpw', 'other']], ['-u', 'static:staticpass', '--stateless-nonce-secret=nonce-secret-xyz']);
});
after(async () => {
  for (const c of clients) await c.conn.close();
  await srv?.stop();
});

type Call = { status: number; body: any; headers: Headers };

/** Calls the API; `auth` is a session cookie, `{ key }` for an api key, or nothing. */
async function call(method: string, path: string, auth?: string | { key: string }, body?: unknown, csrf = true): Promise<Call> {
  const headers: Record<string, string> = {};
  if (typeof auth === 'string') headers.Cookie = auth;
  else if (auth) headers.Authorization = `Bearer ${auth.key}`;
  if (csrf) headers['X-Turnpike-Admin'] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${srv.admin}/api/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function login(user: string, password: string): Promise<string> {
  const r = await call('POST', '/login', undefined, { user, password });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.headers.get('set-cookie') ?? '').split(';')[0];
}

async function client(user: string, password: string): Promise<TurnClient> {
  const c = new TurnClient(await connectUdp({ ip: '127.0.0.1', port: srv.port, family: 4 }), { username: user, password }, { rto: 200, tries: 5 });
  clients.push(c);
  return c;
}

test('unauthenticated requests are refused; the page itself is served with a CSP', async () => {
  assert.equal((await call('GET', '/sessions')).status, 401);
  assert.equal((await call('GET', '/users')).status, 401);
  assert.equal((await call('DELETE', '/sessions/1')).status, 401);
  assert.equal((await call('GET', '/config', 'turnpike_admin=forged')).status, 401);
  const page = await fetch(`${srv.admin}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.match(await page.text(), /<script src="admin.js" defer>/);
});

test('admin user login: the right password gets a strict HttpOnly cookie, a wrong one a 401', async () => {
  const wrong = await call('POST', '/login', undefined, { user: 'admin', password: 'nope' });
  assert.equal(wrong.status, 401);
  assert.equal((await call('POST', '/login', undefined, { user: 'ghost', password: 'pw' })).status, 401);
  const ok = await call('POST', '/login', undefined, { user: 'admin', password: 'pw' });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { user: 'admin', realm: '', via: 'password' });
  const cookie = ok.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^turnpike_admin=[\w-]{40,};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const session = cookie.split(';')[0];
  const me = await call('GET', '/me', session);
  assert.equal(me.status, 200);
  assert.equal(me.body.user, 'admin');
  assert.equal(me.body.database.kind, 'sqlite');
  // CSRF: the cookie alone is not enough.
  assert.equal((await call('GET', '/me', session, undefined, false)).status, 403);
  assert.equal((await call('POST', '/login', undefined, { user: 'admin', password: 'pw' }, false)).status, 403);
  // logging out ends the session
  assert.equal((await call('POST', '/logout', session)).status, 200);
  assert.equal((await call('GET', '/me', session)).status, 401);
});

test('api key: as a Bearer header, or to log in', async () => {
  const me = await call('GET', '/me', { key: API_KEY });
  assert.equal(me.status, 200);
  assert.equal(me.body.via, 'api-key');
  assert.equal((await call('GET', '/me', { key: 'wrong' })).status, 401);
  const byKey = await call('POST', '/login', undefined, { apiKey: API_KEY });
  assert.equal(byKey.status, 200);
  assert.equal(byKey.body.via, 'api-key');
});

test('users, secrets and realm options: add, list, delete; an added user can allocate', async () => {
  const admin = await login('admin', 'pw');
  assert.equal((await call('POST', '/users', admin, { name: 'alice', password: 'alicepw' })).status, 201);
  assert.equal((await call('POST', '/users', admin, { name: 'carol', realm: 'other', password: 'c' })).status, 201);
  assert.equal((await call('POST', '/users', admin, { name: 'bad name', password: 'x' })).status, 400);
  const users = await call('GET', '/users', admin);
  assert.deepEqual(users.body.users.map((u: any) => `${u.name}@${u.realm}`).sort(), ['alice@demo', 'carol@other']);
  assert.ok(!JSON.stringify(users.body).includes('hmackey'));
  assert.deepEqual((await call('GET', '/users?realm=other', admin)).body.users, [{ name: 'carol', realm: 'other' }]);
  const alloc = await (await client('alice', 'alicepw')).allocate({});
  assert.ok(alloc.ok, JSON.stringify(alloc));
  assert.equal((await call('DELETE', '/users?realm=other&name=carol', admin)).status, 200);
  assert.equal((await call('DELETE', '/users?realm=other&name=carol', admin)).status, 404);

  assert.equal((await call('POST', '/secrets', admin, { value: 's3cret' })).status, 201);
  assert.deepEqual((await call('GET', '/secrets', admin)).body.secrets, [{ realm: 'demo', value: 's3cret' }]);
  assert.equal((await call('DELETE', '/secrets?realm=demo&value=s3cret', admin)).status, 200);
  assert.deepEqual((await call('GET', '/secrets', admin)).body.secrets, []);

  assert.equal((await call('PUT', '/realm-options', admin, { option: 'user-quota', value: 7 })).status, 200);
  assert.equal((await call('PUT', '/realm-options', admin, { option: 'max-bps', value: -1 })).status, 400);
  assert.equal((await call('PUT', '/realm-options', admin, { option: 'colour', value: 1 })).status, 400);
  assert.deepEqual((await call('GET', '/realm-options', admin)).body.options, [{ realm: 'demo', option: 'user-quota', value: 7 }]);
  assert.equal((await call('DELETE', '/realm-options?realm=demo&option=user-quota', admin)).status, 200);
  assert.deepEqual((await call('GET', '/realm-options', admin)).body.options, []);
});

test('sessions: a live allocation is listed with its details, filtered, and killed (437 on Refresh)', async () => {
  const admin = await login('admin', 'pw');
  await call('POST', '/users', admin, { name: 'dave', password: 'davepw' });
  const dave = await client('dave', 'davepw');
  const alloc = await dave.allocate({});
  assert.ok(alloc.ok);
  assert.ok((await dave.createPermission([{ family: 'IPv4', address: '127.0.0.1', port: 9 }])).ok);
  const list = await call('GET', '/sessions?user=dave', admin);
  assert.equal(list.status, 200);
  assert.equal(list.body.sessions.length, 1);
  const s = list.body.sessions[0];
  assert.equal(s.user, 'dave');
  assert.equal(s.realm, 'demo');
  assert.equal(s.transport, 'udp');
  assert.match(s.client, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(s.relays, [`127.0.0.1:${alloc.ok && alloc.value.relayed.port}`]);
  assert.ok(s.lifetimeLeftSeconds > 500 && s.lifetimeLeftSeconds <= 600);
  assert.equal(s.permissions.length, 1);
  assert.equal(s.permissions[0].peer, '127.0.0.1');
  for (const k of ['toPeerBytes', 'toPeerPackets', 'fromPeerBytes', 'fromPeerPackets']) assert.equal(typeof s.traffic[k], 'number');
  assert.equal(typeof s.rate.toPeerBps, 'number');
  assert.equal((await call('GET', '/sessions?user=nobody', admin)).body.sessions.length, 0);
  assert.equal((await call('GET', '/sessions?realm=other', admin)).body.sessions.length, 0);

  // A realm-scoped admin of another realm neither sees nor kills it.
  const radmin = await login('radmin', 'rpw');
  assert.ok(!(await call('GET', '/sessions', radmin)).body.sessions.some((x: any) => x.user === 'dave'));
  assert.equal((await call('GET', '/sessions?realm=demo', radmin)).status, 403);
  assert.equal((await call('DELETE', `/sessions/${s.id}`, radmin)).status, 404);

  const killed = await call('DELETE', `/sessions/${s.id}`, admin);
  assert.equal(killed.status, 200);
  assert.equal(killed.body.user, 'dave');
  assert.equal((await call('DELETE', `/sessions/${s.id}`, admin)).status, 404);
  assert.ok(!(await call('GET', '/sessions', admin)).body.sessions.some((x: any) => x.id === s.id));
  const refresh = await dave.refresh(600);
  assert.equal(refresh.ok, false);
  assert.equal(!refresh.ok && refresh.code, 437);
});

test('authentication failures are kept with time, client, user and reason', async () => {
  const admin = await login('admin', 'pw');
  const r = await (await client('alice', 'wrong-password')).allocate({});
  assert.equal(r.ok, false);
  const failures = (await call('GET', '/auth-failures', admin)).body;
  const f = failures.failures.find((x: any) => x.user === 'alice');
  assert.ok(f, JSON.stringify(failures));
  assert.match(f.client, /^127\.0\.0\.1:\d+$/);
  assert.ok(f.reason.length > 0);
  assert.ok(Math.abs(f.time - Date.now()) < 60_000);
  assert.ok(failures.total >= 1);
});

test('the configuration is shown with secrets masked, to admins of every realm only', async () => {
  const admin = await login('admin', 'pw');
  const r = await call('GET', '/config', admin);
  assert.equal(r.status, 200);
  const text = JSON.stringify(r.body);
  for (const secret of [API_KEY, 'staticpass', 'nonce-secret-xyz']) assert.ok(!text.includes(secret), `${secret} leaked`);
  assert.equal(r.body.config.realm, 'demo');
  assert.deepEqual(r.body.config.users, [{ name: 'static', password: '••••••' }]);
  assert.deepEqual(r.body.config.apiKeys, ['••••••']);
  assert.equal((await call('GET', '/config', await login('radmin', 'rpw'))).status, 403);
});

test('a realm-scoped admin manages its own realm only', async () => {
  const radmin = await login('radmin', 'rpw');
  assert.equal((await call('GET', '/users?realm=demo', radmin)).status, 403);
  assert.equal((await call('POST', '/users', radmin, { name: 'eve', realm: 'demo', password: 'x' })).status, 403);
  const added = await call('POST', '/users', radmin, { name: 'erin', password: 'x' });
  assert.equal(added.status, 201);
  assert.equal(added.body.realm, 'other');
  assert.deepEqual((await call('GET', '/users', radmin)).body.users, [{ name: 'erin', realm: 'other' }]);
  assert.equal((await call('DELETE', '/users?realm=demo&name=alice', radmin)).status, 403);
  assert.equal((await call('PUT', '/realm-options', radmin, { realm: 'demo', option: 'max-bps', value: 1 })).status, 403);
  assert.deepEqual((await call('GET', '/auth-failures', radmin)).body.failures.filter((f: any) => f.realm !== 'other'), []);
});

test('config masking covers every secret option; connection strings lose their passwords', () => {
  for (const o of OPTIONS.filter((x) => x.secret)) assert.ok(MASKED_OPTIONS.includes(o.name), `secret option ${o.name} is not masked`);
  assert.equal(maskConnectionString('host=db dbname=turn user=turn password=hunter2 connect_timeout=5'),
    'host=db dbname=turn user=turn password=•••••• connect_timeout=5');
  assert.equal(maskConnectionString('postgresql://turn:hunter2@db:5432/turn'), 'postgresql://turn:••••••@db:5432/turn');
  assert.equal(maskConnectionString('redis://:hunter2@127.0.0.1/0'), 'redis://:••••••@127.0.0.1/0');
  assert.equal(maskConnectionString("ip=127.0.0.1 dbname=coturn password='hunter 2'"), 'ip=127.0.0.1 dbname=coturn password=••••••');
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('127.1.2.3') && isLoopback('::ffff:127.0.0.1'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('::') && !isLoopback('192.168.1.1'));
});

test('failed logins are rate limited per client address (run last: it locks out 127.0.0.1)', async () => {
  let status = 0;
  for (let i = 0; i < 15 && status !== 429; i++) status = (await call('POST', '/login', undefined, { user: 'admin', password: 'guess' })).status;
  assert.equal(status, 429);
  // even the right password waits now
  const r = await call('POST', '/login', undefined, { user: 'admin', password: 'pw' });
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

test('plain http on a non-loopback address is refused at start-up', async () => {
  const { startAdmin } = await import('../../src/admin/index.ts');
  await assert.rejects(
    startAdmin({ webAdmin: true, webAdminIp: '0.0.0.0', webAdminPort: 0, tls: { cert: undefined, pkey: undefined } } as never, {} as never, {} as never),
    /refusing to serve the admin page over plain http on 0\.0\.0\.0/);
});
