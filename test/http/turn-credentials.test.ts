import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWebServer } from '../../src/http/server.ts';
import { registerTurnCredentialsRoute, type TurnCredentialsOptions } from '../../src/http/turn-credentials.ts';
import { registerServerInfoRoute } from '../../src/http/server-info.ts';
import { apiKeyMatches } from '../../src/http/api-key.ts';
import { iceUris } from '../../src/http/ice-uris.ts';
import { TurnpikeError } from '../../src/errors.ts';

const URIS = ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'];
/** 2023-11-15T22:13:20Z, so expiry = 1700000000 + 86400 = 1700086400. */
const NOW_MS = 1_700_000_000_000;

async function serve(t: import('node:test').TestContext, over: Partial<TurnCredentialsOptions> = {}) {
  const web = createWebServer({ host: '127.0.0.1', port: 0, log: () => {} });
  registerTurnCredentialsRoute(web, {
    secret: 'north-secret', ttlSeconds: 86400, uris: URIS, apiKeys: ['k-123', 'k-456'],
    openWithoutKey: false, separator: ':', now: () => NOW_MS, ...over,
  });
  registerServerInfoRoute(web, { stun: ['stun:127.0.0.1:3478'], turn: URIS, realm: 'north.gov', version: '0.1.0' });
  const { url } = await web.listen();
  t.after(() => web.close());
  return url;
}

test('a valid key gets draft-uberti REST credentials: <expiry>:<name>, base64 HMAC-SHA1, ttl, uris', async (t) => {
  const url = await serve(t);
  const res = await fetch(`${url}/api/turn-credentials?service=turn&username=alice&key=k-456`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  // The password was computed independently: printf '1700086400:alice' | openssl dgst -sha1 -hmac north-secret -binary | base64
  assert.deepEqual(await res.json(), { username: '1700086400:alice', password: 'Nni2GlD6PVaoCP0Cx2DhLKDWjyY=', ttl: 86400, uris: URIS });
});

test('the key may come as Authorization: Bearer or X-API-Key', async (t) => {
  const url = await serve(t);
  const target = `${url}/api/turn-credentials?service=turn&username=bob`;
  assert.equal((await fetch(target, { headers: { authorization: 'Bearer k-123' } })).status, 200);
  assert.equal((await fetch(target, { headers: { 'x-api-key': 'k-123' } })).status, 200);
});

test('no key or a wrong key is a 401 JSON with WWW-Authenticate', async (t) => {
  const url = await serve(t);
  const none = await fetch(`${url}/api/turn-credentials?service=turn&username=alice`);
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="turnpike"');
  const body = (await none.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'unauthorized');
  assert.match(body.error.message, /API key is required/);
  const wrong = await fetch(`${url}/api/turn-credentials?service=turn&username=alice&key=k-12`);
  assert.equal(wrong.status, 401);
  assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /not valid/);
});

test('openWithoutKey answers without a key but still refuses a wrong one', async (t) => {
  const url = await serve(t, { openWithoutKey: true, apiKeys: [] });
  const open = await fetch(`${url}/api/turn-credentials?service=turn&username=demo`);
  assert.equal(open.status, 200);
  assert.equal(((await open.json()) as { username: string }).username, '1700086400:demo');
  assert.equal((await fetch(`${url}/api/turn-credentials?service=turn&key=guess`)).status, 401);
});

test('bad input is a clear 400: missing or unknown service, control characters, an overlong name', async (t) => {
  const url = await serve(t);
  const ask = async (query: string) => {
    const res = await fetch(`${url}/api/turn-credentials?${query}&key=k-123`);
    return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
  };
  assert.deepEqual(await ask('username=a'), { status: 400, message: 'the service parameter is required: service=turn' });
  assert.match((await ask('service=stun')).message, /only service=turn/);
  assert.match((await ask('service=turn&username=a%0Ab')).message, /control characters/);
  assert.match((await ask(`service=turn&username=${'x'.repeat(300)}`)).message, /longer than 256/);
});

test('without a username the REST username is the bare expiry; a custom separator is used', async (t) => {
  const url = await serve(t, { separator: '-', ttlSeconds: 600 });
  const bare = (await (await fetch(`${url}/api/turn-credentials?service=turn&key=k-123`)).json()) as { username: string; ttl: number };
  assert.equal(bare.username, '1700000600');
  assert.equal(bare.ttl, 600);
  const named = (await (await fetch(`${url}/api/turn-credentials?service=turn&username=x&key=k-123`)).json()) as { username: string };
  assert.equal(named.username, '1700000600-x');
});

test('registering without a secret or with a bad ttl is a configuration error', () => {
  const web = createWebServer({ host: '127.0.0.1', port: 0, log: () => {} });
  const base = { secret: 's', ttlSeconds: 60, uris: [], apiKeys: [], openWithoutKey: false, separator: ':' };
  assert.throws(() => registerTurnCredentialsRoute(web, { ...base, secret: '' }), TurnpikeError);
  assert.throws(() => registerTurnCredentialsRoute(web, { ...base, ttlSeconds: 0 }), TurnpikeError);
});

test('GET /api/server-info gives the URIs, realm and version', async (t) => {
  const url = await serve(t);
  assert.deepEqual(await (await fetch(`${url}/api/server-info`)).json(),
    { stun: ['stun:127.0.0.1:3478'], turn: URIS, realm: 'north.gov', version: '0.1.0' });
});

test('apiKeyMatches compares whole keys and never matches an empty configured key', () => {
  assert.equal(apiKeyMatches('abc', ['x', 'abc']), true);
  assert.equal(apiKeyMatches('ab', ['abc']), false);
  assert.equal(apiKeyMatches('abcd', ['abc']), false);
  assert.equal(apiKeyMatches('', ['']), false);
});

test('iceUris lists stun and one turn URI per transport, brackets IPv6, adds turns with a TLS port', () => {
  assert.deepEqual(iceUris({ host: '203.0.113.5', port: 3478 }), {
    stun: ['stun:203.0.113.5:3478'],
    turn: ['turn:203.0.113.5:3478?transport=udp', 'turn:203.0.113.5:3478?transport=tcp'],
  });
  assert.deepEqual(iceUris({ host: '2001:db8::1', port: 3478, tlsPort: 5349, udp: false }), {
    stun: ['stun:[2001:db8::1]:3478'],
    turn: ['turn:[2001:db8::1]:3478?transport=tcp', 'turns:[2001:db8::1]:5349?transport=tcp'],
  });
});
