/**
 * Publisher ICE restart in the room layer, over the in-memory transport: an offer with new ICE
 * credentials is answered from a replacement connection, the old one closes without taking the
 * peer down, the up-tracks keep their subscribers, and packets of the new connection reach
 * them while the old connection's no longer do. A re-offer with the same credentials is an
 * ordinary renegotiation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { defaultSfuConfig } from '../../../src/sfu/config.ts';
import { iceUfragOf, isIceRestart } from '../../../src/sfu/room/ice-restart.ts';
import { Sfu } from '../../../src/sfu/room/sfu.ts';
import type { PeerHandle } from '../../../src/sfu/room/types.ts';
import { writeRtpIds } from '../../../src/sfu/rtp/rtp-packet.ts';
import { silentLog } from '../../../src/sfu/types/log.ts';
import { FakeTransports } from '../helpers/fake-transport.ts';
import { TestClock } from '../helpers/test-clock.ts';

const OFFER = readFileSync(new URL('../fixtures/chrome-offer.sdp', import.meta.url), 'utf8');
const RESTART_OFFER = OFFER.replaceAll('a=ice-ufrag:P5xQ', 'a=ice-ufrag:N3wU').replaceAll('a=ice-pwd:oMrC3582lOlZw9woWGk87D1n', 'a=ice-pwd:fresh0password0for0the0restart');
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function rtp(seq: number): Buffer {
  const b = Buffer.alloc(32);
  b[0] = 0x80;
  b[1] = 111;
  writeRtpIds(b, seq, seq * 960, 1111);
  return b;
}

test('an offer is an ICE restart when its ufrag differs from the last one applied', () => {
  assert.equal(iceUfragOf(OFFER), 'P5xQ');
  assert.equal(isIceRestart(undefined, OFFER), false, 'the first offer');
  assert.equal(isIceRestart('P5xQ', OFFER), false);
  assert.equal(isIceRestart('P5xQ', RESTART_OFFER), true);
});

test('a publisher ICE restart swaps the connection under its tracks; subscribers keep receiving', async () => {
  const clock = new TestClock();
  const transports = new FakeTransports();
  const sfu = new Sfu(defaultSfuConfig(), transports, silentLog, clock);
  const config = { noPublish: false, noSubscribe: false, noAutoSubscribe: false };
  const peers: PeerHandle[] = [];
  for (const uid of ['a', 'b']) {
    const r = await sfu.join({ sid: 'room', uid, offer: { type: 'offer', sdp: OFFER }, config }, { offer: () => {}, trickle: () => {} });
    assert.ok(r.ok);
    peers.push(r.value.peer);
  }
  const a = peers[0]!;
  const oldPub = transports.get('a/pub');
  oldPub.receive('0', 'audio').onPacket?.(rtp(1));
  clock.advance(20);
  await settle();
  const down = transports.get('b/sub').sendTracks[0];
  assert.ok(down);
  assert.equal(down.sent.length, 1);

  const same = await a.offer(OFFER);
  assert.ok(same.ok);
  assert.equal(transports.byName.has('a/pub#1'), false, 'same credentials: no new connection');

  const answer = await a.offer(RESTART_OFFER);
  assert.ok(answer.ok, 'the restart is answered');
  const newPub = transports.get('a/pub#1');
  assert.equal(oldPub.closed, true, 'the old connection is closed');
  assert.equal(newPub.closed, false);
  assert.equal(newPub.remote.at(-1)?.sdp.includes('a=ice-ufrag:N3wU'), true, 'the new connection got the restart offer');
  assert.equal(sfu.stats().peers, 2, 'closing the old connection did not take the peer down');

  const rx = newPub.receive('0', 'audio');
  oldPub.receiveTracks.get('0')!.onPacket?.(rtp(2));
  assert.equal(down.sent.length, 1, 'the old connection no longer feeds the track');
  rx.onPacket?.(rtp(2));
  assert.equal(down.sent.length, 2, 'the same down-track carries packets of the new connection');
  assert.equal(transports.get('b/sub').sendTracks.length, 1, 'no new track was offered to the subscriber');
  assert.equal(sfu.stats().publishedTracks, 1);
  assert.equal(sfu.stats().iceRestarts, 1);
  sfu.close();
});

test('where transports restart ICE in place, a publisher restart restarts the subscriber connection too, with a new offer', async () => {
  for (const inPlace of [true, false]) {
    const clock = new TestClock();
    const transports = new FakeTransports({ restartsIce: inPlace });
    const sfu = new Sfu(defaultSfuConfig(), transports, silentLog, clock);
    const config = { noPublish: false, noSubscribe: false, noAutoSubscribe: false };
    const offers: string[] = [];
    const r = await sfu.join({ sid: 'room', uid: 'b', offer: { type: 'offer', sdp: OFFER }, config }, { offer: (sdp) => offers.push(sdp), trickle: () => {} });
    assert.ok(r.ok);
    const b = r.value.peer;
    clock.advance(50);
    await settle();
    assert.equal(offers.length, 1, 'the first subscriber offer');
    const sub = transports.get('b/sub');
    assert.equal(sub.iceRestarts, 0, 'nothing to restart before the first answer');
    assert.ok((await b.answer('v=0\r\n')).ok);

    assert.ok((await b.offer(OFFER)).ok, 'a renegotiation with the same credentials');
    clock.advance(50);
    await settle();
    assert.equal(sub.iceRestarts, 0, 'no restart');
    assert.equal(offers.length, 1, 'no new subscriber offer');

    assert.ok((await b.offer(RESTART_OFFER)).ok, 'the publisher restart is answered');
    clock.advance(50);
    await settle();
    assert.equal(sub.iceRestarts, inPlace ? 1 : 0, inPlace ? 'the subscriber connection restarted' : 'the stack path cannot restart it');
    assert.equal(offers.length, inPlace ? 2 : 1, inPlace ? 'and offered its new credentials' : 'no offer');
    assert.equal(sfu.stats().subscriberIceRestarts, inPlace ? 1 : 0);
    assert.equal(sfu.stats().iceRestarts, 1);
    sfu.close();
  }
});
