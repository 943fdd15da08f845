/**
 * Join tokens on a cluster (real Redis, two nodes on 127.0.0.1 and 127.0.0.2): the node that
 * holds the WebSocket checks the token before anything is relayed. A join refused there never
 * reaches the room's node; an admitted one is relayed, with the rights the token grants.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { WebSocket } from 'ws';
import { defaultSfuConfig, withOverrides } from '../../src/sfu/config.ts';
import { startSfuServer } from '../../src/sfu/http-server.ts';
import { shutdownWebrtc } from '../../src/sfu/index.ts';
import { signJoinToken } from '../../src/sfu/signal/join-token.ts';
import { redisMissing, testCluster } from './helpers/cluster.ts';

const SECRET = 'cluster-join-token-secret-32-bytes';
const OFFER = readFileSync(new URL('./fixtures/chrome-offer.sdp', import.meta.url), 'utf8');
const skip = await redisMissing();

after(() => shutdownWebrtc());

/** Opens `url`, sends one join, returns the response; the socket stays open until `t` ends. */
async function joinOnce(t: import('node:test').TestContext, url: string, sid: string, uid: string) {
  const ws = new WebSocket(url);
  t.after(() => ws.close());
  await once(ws, 'open');
  ws.send(JSON.stringify({ method: 'join', id: 1, params: { sid, uid, offer: { type: 'offer', sdp: OFFER } } }));
  for (;;) {
    const msg = JSON.parse(String((await once(ws, 'message'))[0]));
    if (msg.id === 1) return msg;
  }
}

test('the entry node checks the join token before relaying to the room node', { skip, timeout: 30_000 }, async (t) => {
  const c = testCluster();
  const node = (nodeId: string, ip: string) =>
    startSfuServer({
      config: withOverrides(defaultSfuConfig(), {
        webrtc: { bindAddress: ip },
        cluster: { redis: '127.0.0.1:6379', nodeId, address: `ws://${ip}/ws`, leaseTtl: c.leaseTtl, keyPrefix: c.prefix },
        auth: { jwtSecret: SECRET },
      }),
      host: ip,
      port: 0,
      demo: false,
    });
  const [n1, n2] = await Promise.all([node('n1', '127.0.0.1'), node('n2', '127.0.0.2')]);
  t.after(async () => {
    await n2.close();
    await n1.close();
    await c.close();
  });
  const ws = (n: { url: string }, token?: string) => `${n.url.replace('http', 'ws')}/ws${token ? `?access_token=${token}` : ''}`;
  const exp = Math.floor(Date.now() / 1000) + 600;

  const owner = await joinOnce(t, ws(n1, signJoinToken({ room: 'R', identity: 'alice', exp }, SECRET)), 'R', 'alice');
  assert.equal(owner.result?.type, 'answer');
  assert.equal(await c.owner('R'), 'n1');

  const none = await joinOnce(t, ws(n2), 'R', 'bob');
  assert.equal(none.error?.code, 401);
  const other = await joinOnce(t, ws(n2, signJoinToken({ room: 'other', exp }, SECRET)), 'R', 'bob');
  assert.match(other.error?.message ?? '', /another room/);
  assert.equal(n2.sfu.stats().cluster?.relayedOut, 0, 'refused joins were not relayed');
  assert.equal(n1.sfu.stats().peers, 1);

  const bob = await joinOnce(t, ws(n2, signJoinToken({ room: 'R', identity: 'bob', subscribe: false, exp }, SECRET)), 'R', 'bob');
  assert.equal(bob.result?.type, 'answer', 'an admitted join is relayed and answered by the room node');
  assert.equal(n2.sfu.stats().cluster?.relayedOut, 1);
  assert.equal(n1.sfu.stats().peers, 2);
  assert.equal(n1.sfu.stats().cluster?.relayedIn, 1);
});
