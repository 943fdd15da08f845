/**
 * Signed join tokens: the HS256 codec (RFC 7515/7518/7519) against a hand-checked vector and
 * its tampered twins, the admission rules (room, identity, rights, validity window), and the
 * `/ws` endpoint over real WebSockets with `[auth] jwtsecret` set and unset.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { makeSfuToken } from '../../../src/cli/sfu-token.ts';
import { isLoopbackHost } from '../../../src/cli/sfu.ts';
import type { RoomService } from '../../../src/sfu/room/types.ts';
import { admitJoin, signJoinToken, tokenOfUrl, verifyJoinToken } from '../../../src/sfu/signal/join-token.ts';
import { attachSignalEndpoint } from '../../../src/sfu/signal/ws-endpoint.ts';
import type { JoinParams } from '../../../src/sfu/types/schema.ts';
import { startUpgradeServer } from '../helpers/upgrade-server.ts';

const SECRET = 'a-join-token-secret-of-32-bytes!';
const NOW = 1_800_000_000;
const join = (sid: string, uid = ''): JoinParams => ({
  sid,
  uid,
  offer: { type: 'offer', sdp: 'v=0\r\n' },
  config: { noPublish: false, noSubscribe: false, noAutoSubscribe: false },
});

test('a signed token is a compact HS256 JWS whose MAC anyone with the secret can recompute', () => {
  const token = signJoinToken({ room: 'A', identity: 'u1', exp: NOW + 60 }, SECRET);
  const [h, p, s] = token.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
  assert.deepEqual(JSON.parse(Buffer.from(p!, 'base64url').toString()), { room: 'A', sub: 'u1', exp: NOW + 60 });
  assert.equal(s, createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url'));
  assert.deepEqual(verifyJoinToken(token, SECRET, NOW), { ok: true, value: { room: 'A', identity: 'u1', publish: true, subscribe: true } });
});

test('tampered, unsigned, wrongly keyed, expired and early tokens are refused, each saying why', () => {
  const good = signJoinToken({ room: 'A', exp: NOW + 60 }, SECRET);
  const [h, , s] = good.split('.');
  const otherRoom = Buffer.from(JSON.stringify({ room: 'B', exp: NOW + 60 })).toString('base64url');
  const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  const cases: [string, number, RegExp][] = [
    [`${h}.${otherRoom}.${s}`, NOW, /signature does not match/],
    [`${none}.${otherRoom}.`, NOW, /HS256/],
    [signJoinToken({ room: 'A', exp: NOW + 60 }, 'another-secret-of-at-least-32-bytes'), NOW, /signature/],
    [good, NOW + 60, /expired/],
    [signJoinToken({ room: 'A', exp: NOW + 60, nbf: NOW + 10 }, SECRET), NOW, /not valid yet/],
    ['not.a.jwt!', NOW, /not a JWT/],
    ['abc', NOW, /not a JWT/],
  ];
  for (const [token, now, why] of cases) {
    const r = verifyJoinToken(token, SECRET, now);
    assert.equal(r.ok, false, token);
    if (!r.ok) assert.match(r.error, why);
  }
  const noExp = `${h}.${Buffer.from(JSON.stringify({ room: 'A' })).toString('base64url')}`;
  const r = verifyJoinToken(`${noExp}.${createHmac('sha256', SECRET).update(noExp).digest('base64url')}`, SECRET, NOW);
  assert.ok(!r.ok && /no expiry/.test(r.error));
});

test('a token admits its room only, its identity only, and narrows the rights it withholds', () => {
  const tok = signJoinToken({ room: 'A', identity: 'u1', publish: false, exp: NOW + 60 }, SECRET);
  const a = admitJoin(join('A'), tok, SECRET, NOW);
  assert.ok(a.ok);
  assert.equal(a.value.uid, 'u1', 'the identity becomes the uid');
  assert.deepEqual(a.value.config, { noPublish: true, noSubscribe: false, noAutoSubscribe: false });
  const b = admitJoin(join('B'), tok, SECRET, NOW);
  assert.ok(!b.ok && /another room/.test(b.error));
  const c = admitJoin(join('A', 'u2'), tok, SECRET, NOW);
  assert.ok(!c.ok && /another identity/.test(c.error));
  const d = admitJoin(join('A'), undefined, SECRET, NOW);
  assert.ok(!d.ok && /no access_token/.test(d.error));
  const sub = admitJoin(join('A'), signJoinToken({ room: 'A', subscribe: false, exp: NOW + 60 }, SECRET), SECRET, NOW);
  assert.ok(sub.ok && sub.value.config.noSubscribe && !sub.value.config.noPublish);
  assert.equal(tokenOfUrl('/ws?access_token=x.y.z&other=1'), 'x.y.z');
  assert.equal(tokenOfUrl('/ws'), undefined);
});

test('`turnpike sfu token` prints a token the SFU accepts; the secret may come from the environment', async () => {
  const nowMs = NOW * 1000;
  const tok = await makeSfuToken(['--room', 'A', '--identity', 'u1', '--ttl', '60', '--no-publish', '--jwt-secret', SECRET], {}, nowMs);
  assert.deepEqual(verifyJoinToken(tok, SECRET, NOW + 59), { ok: true, value: { room: 'A', identity: 'u1', publish: false, subscribe: true } });
  assert.equal(verifyJoinToken(tok, SECRET, NOW + 60).ok, false);
  const fromEnv = await makeSfuToken(['--room=A'], { TURNPIKE_SFU_JWT_SECRET: SECRET }, nowMs);
  assert.ok(verifyJoinToken(fromEnv, SECRET, NOW).ok);
  await assert.rejects(makeSfuToken(['--room', 'A'], {}, nowMs), /no secret/);
  await assert.rejects(makeSfuToken(['--jwt-secret', SECRET], {}, nowMs), /--room is required/);
  await assert.rejects(makeSfuToken(['--room', 'A', '--jwt-secret', 'short'], {}, nowMs), /32 bytes/);
});

test('start-up warns only beyond loopback: which hosts count as loopback', () => {
  for (const h of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['', '0.0.0.0', '::', '192.168.1.5']) assert.equal(isLoopbackHost(h), false, h);
});

async function endpoint(t: import('node:test').TestContext, joinSecret: string | undefined) {
  const joined: JoinParams[] = [];
  const rooms: RoomService = {
    async join(p) {
      joined.push(p);
      const peer = { id: p.uid, offer: async () => ({ ok: true as const, value: 'v=0\r\n' }), answer: async () => ({ ok: true as const, value: undefined }), trickle: () => ({ ok: true as const, value: undefined }), close: () => {} };
      return { ok: true, value: { answer: 'v=0\r\n', peer } };
    },
  };
  const http = await startUpgradeServer();
  const ep = attachSignalEndpoint({ upgrade: http.upgrade, rooms, ...(joinSecret ? { joinSecret } : {}), wallClock: () => NOW * 1000 });
  t.after(async () => {
    await ep.close();
    http.close();
  });
  const port = http.port;
  /** opens /ws with `query`, sends one join, returns the response */
  const tryJoin = async (query: string, sid: string) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`);
    await once(ws, 'open');
    ws.send(JSON.stringify({ method: 'join', params: { sid, uid: 'u1', offer: { type: 'offer', sdp: 'v=0\r\n' } }, id: 1 }));
    const reply = JSON.parse(String((await once(ws, 'message'))[0]));
    ws.close();
    return reply;
  };
  return { joined, tryJoin };
}

test('with a secret, /ws joins need a token for that room; refusals are JSON-RPC errors (401)', async (t) => {
  const { joined, tryJoin } = await endpoint(t, SECRET);
  const none = await tryJoin('', 'A');
  assert.deepEqual(none.error, { code: 401, message: 'join refused: no access_token in the WebSocket URL', data: null });
  const forA = signJoinToken({ room: 'A', identity: 'u1', subscribe: false, exp: NOW + 60 }, SECRET);
  const wrongRoom = await tryJoin(`?access_token=${forA}`, 'B');
  assert.equal(wrongRoom.error.code, 401);
  assert.match(wrongRoom.error.message, /another room/);
  const expired = await tryJoin(`?access_token=${signJoinToken({ room: 'A', exp: NOW }, SECRET)}`, 'A');
  assert.match(expired.error.message, /expired/);
  assert.equal(joined.length, 0, 'no refused join reached the rooms');
  const ok = await tryJoin(`?access_token=${forA}`, 'A');
  assert.deepEqual(ok.result, { type: 'answer', sdp: 'v=0\r\n' });
  assert.equal(joined.length, 1);
  assert.equal(joined[0]!.config.noSubscribe, true, 'the withheld right reaches the room as NoSubscribe');
});

test('without a secret, ion-sdk-js joins work as before, token or not', async (t) => {
  const { joined, tryJoin } = await endpoint(t, undefined);
  assert.ok((await tryJoin('', 'A')).result);
  assert.ok((await tryJoin('?access_token=garbage', 'B')).result);
  assert.deepEqual(joined.map((j) => j.sid), ['A', 'B']);
});
