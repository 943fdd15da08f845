import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { attachSignalEndpoint } from '../../../src/sfu/signal/ws-endpoint.ts';
import type { RoomService } from '../../../src/sfu/room/types.ts';
import { startUpgradeServer } from '../helpers/upgrade-server.ts';

test('the /ws endpoint speaks JSON-RPC over real WebSockets and a socket close is a leave', async (t) => {
  const events: string[] = [];
  const rooms: RoomService = {
    async join(p) {
      events.push(`join ${p.sid}`);
      return {
        ok: true,
        value: {
          answer: 'v=0\r\n',
          peer: {
            id: 'x',
            offer: async () => ({ ok: true, value: 'v=0\r\n' }),
            answer: async () => ({ ok: true, value: undefined }),
            trickle: () => ({ ok: true, value: undefined }),
            close: () => events.push('close'),
          },
        },
      };
    },
  };
  const http = await startUpgradeServer();
  const ep = attachSignalEndpoint({ upgrade: http.upgrade, rooms });
  t.after(async () => {
    await ep.close();
    http.close();
  });

  const ws = new WebSocket(`ws://127.0.0.1:${http.port}/ws`);
  await once(ws, 'open');
  const next = async () => JSON.parse(String((await once(ws, 'message'))[0]));
  ws.send(JSON.stringify({ method: 'join', params: { sid: 'room', offer: { type: 'offer', sdp: 'v=0\r\n' } }, id: 'q1' }));
  assert.deepEqual(await next(), { id: 'q1', result: { type: 'answer', sdp: 'v=0\r\n' }, jsonrpc: '2.0' });
  ws.send(Buffer.from([1, 2, 3]), { binary: true });
  const err = await next();
  assert.equal(err.error.code, -32600);
  assert.equal(ep.stats().connections, 1);
  ws.close();
  await once(ws, 'close');
  while (ep.stats().connections !== 0) await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['join room', 'close']);
  assert.equal(ep.stats().connectionsTotal, 1);
});
