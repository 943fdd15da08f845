/**
 * The native path's descriptions against a real Chromium: it must accept the SFU's answer to
 * each kind of publisher offer ion-sdk-js makes, and answer the SFU's subscriber offers (first
 * and renegotiated). Nothing listens on the candidates: this checks the descriptions, not media.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, noChromium } from '../helpers/browser.ts';
import { answerOffer, applyAnswer, closeAll, makeOffer, OFFER_SCENARIOS } from '../helpers/chromium-offers.ts';
import { answerPublisherOffer, type AcceptedMedia } from '../../../src/sfu/native/sdp-answer.ts';
import { parseSubscriberAnswer, writeSubscriberOffer, type SubscriberSection } from '../../../src/sfu/native/sdp-offer.ts';
import { NATIVE_SUBSCRIBER_EXTENSIONS } from '../../../src/sfu/native/sdp-extensions.ts';
import { downCodec } from '../../../src/sfu/sdp/codecs.ts';
import type { LocalTransport } from '../../../src/sfu/native/sdp-lines.ts';
import type { SendTrackSpec } from '../../../src/sfu/transport/types.ts';
import { parseSdp } from '../../../src/sfu/sdp/sdp.ts';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { IceLiteAgent } from '../../../src/sfu/native/ice-lite.ts';
import { waitInPage } from '../helpers/browser.ts';

const LOCAL: LocalTransport = {
  ice: { ufrag: 'sfuL', pwd: 'sfuPasswordSfuPassword+/' },
  fingerprint: { algorithm: 'sha-256', value: Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(':') },
  candidates: [{ address: '127.0.0.1', port: 3478 }],
};

let browser: Browser | undefined;
let page: Page;

before(async () => {
  if (noChromium) return;
  browser = await launchBrowser();
  page = await browser.newPage();
});

after(async () => {
  if (!browser) return;
  await closeAll(page).catch(() => undefined);
  await browser.close();
});

const accepted: Record<string, readonly AcceptedMedia[]> = {};

test('Chromium accepts the SFU answer to every kind of publisher offer', { skip: noChromium }, async () => {
  for (const name of OFFER_SCENARIOS) {
    const offer = await makeOffer(page, name);
    const answer = answerPublisherOffer(offer, { local: LOCAL, session: { id: '4611686018427387904', version: 1 } });
    assert.ok(answer.ok, `${name}: ${answer.ok ? '' : answer.error}`);
    const error = await applyAnswer(page, name, answer.value.sdp);
    assert.equal(error, undefined, `${name}: Chromium refused the answer:\n${answer.value.sdp}`);
    accepted[name] = answer.value.media;
  }
  // The simulcast layers survive the answer: Chromium will send all three.
  const rids = await page.evaluate(() => {
    const pc = (window as unknown as { pcs: Record<string, RTCPeerConnection> }).pcs['av-simulcast'];
    const video = pc.getTransceivers().find((t) => t.sender.track?.kind === 'video');
    return video?.sender.getParameters().encodings.map((e) => e.rid);
  });
  assert.deepEqual(rids, ['q', 'h', 'f']);
  const directions = await page.evaluate(() =>
    (window as unknown as { pcs: Record<string, RTCPeerConnection> }).pcs.av.getTransceivers().map((t) => t.currentDirection),
  );
  assert.deepEqual(directions, ['sendonly', 'sendonly']);
});

function spec(mid: string, m: AcceptedMedia, pt: number, ssrc: number): SendTrackSpec {
  const c = m.codecs[0];
  return {
    mid,
    codec: downCodec(m.kind, c.name, c.codec, pt),
    extmaps: NATIVE_SUBSCRIBER_EXTENSIONS[m.kind],
    ssrc,
    cname: m.streamId ?? 'cname',
    streamId: m.streamId ?? 'stream',
    trackId: m.trackId ?? `track${mid}`,
  };
}

test('Chromium answers the SFU subscriber offers, first and renegotiated', { skip: noChromium }, async () => {
  const av = accepted['av-simulcast'];
  const vp9 = accepted.vp9.find((m) => m.kind === 'video');
  const h264 = accepted.h264.find((m) => m.kind === 'video');
  assert.ok(av && av.length === 2 && vp9 && h264, 'the publisher test ran first');
  const audio = spec('1', av[0], 111, 1001);
  const vp8 = spec('2', av[1], 96, 1002);
  const v9 = spec('3', vp9, 98, 1003);
  const first: SubscriberSection[] = [
    { kind: 'data', mid: '0' },
    { kind: 'media', spec: audio },
    { kind: 'media', spec: vp8 },
    { kind: 'media', spec: v9 },
  ];
  const offer1 = writeSubscriberOffer({ local: LOCAL, session: { id: '123456789', version: 1 }, sections: first });
  const r1 = await answerOffer(page, 'sub', offer1);
  assert.equal(r1.error, undefined, `Chromium refused the offer:\n${offer1}`);
  const a1 = parseSubscriberAnswer(r1.answer ?? '');
  assert.ok(a1.ok, a1.ok ? '' : a1.error);
  assert.equal(a1.value.dtlsRole, 'server', 'Chromium takes the DTLS client role');
  assert.deepEqual(a1.value.media.map((m) => [m.mid, m.accepted]), [['1', true], ['2', true], ['3', true]]);
  assert.deepEqual(a1.value.media.map((m) => m.pts), [[111], [96], [98]]);
  assert.ok(a1.value.media[1].extmaps.some((e) => e.id === 3), 'transport-cc kept');
  assert.equal(a1.value.data?.mid, '0');
  // Renegotiation: the VP8 track leaves (its section stays, port 0), an H.264 one joins.
  const second: SubscriberSection[] = [
    { kind: 'data', mid: '0' },
    { kind: 'media', spec: audio },
    { kind: 'closed', spec: vp8 },
    { kind: 'media', spec: v9 },
    { kind: 'media', spec: spec('4', h264, 102, 1004) },
  ];
  const offer2 = writeSubscriberOffer({ local: LOCAL, session: { id: '123456789', version: 2 }, sections: second });
  const r2 = await answerOffer(page, 'sub', offer2);
  assert.equal(r2.error, undefined, `Chromium refused the re-offer:\n${offer2}`);
  const a2 = parseSubscriberAnswer(r2.answer ?? '');
  assert.ok(a2.ok);
  assert.deepEqual(a2.value.media.map((m) => [m.mid, m.accepted]), [['1', true], ['2', false], ['3', true], ['4', true]]);
  assert.equal(parseSdp(r2.answer ?? '').media[2].port, 0);
});

test('Chromium checks the ICE-lite agent behind a UDP socket and reaches ICE connected', { skip: noChromium }, async () => {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const agent = new IceLiteAgent({ nowMs: performance.now() });
  const states: string[] = [];
  socket.on('message', (bytes, rinfo) => {
    const from = { family: rinfo.family === 'IPv6' ? ('IPv6' as const) : ('IPv4' as const), address: rinfo.address, port: rinfo.port };
    const r = agent.handleStun(bytes, from, performance.now());
    if (r.ok && r.state) states.push(r.state);
    if (r.reply) socket.send(r.reply, rinfo.port, rinfo.address);
  });
  try {
    const offer = await makeOffer(page, 'audio');
    const local = { ...LOCAL, ice: agent.local, candidates: [{ address: '127.0.0.1', port: socket.address().port }] };
    const answer = answerPublisherOffer(offer, { local, session: { id: '99', version: 1 } });
    assert.ok(answer.ok);
    agent.setRemoteCredentials(answer.value.remote.ice);
    assert.equal(await applyAnswer(page, 'audio', answer.value.sdp), undefined);
    await waitInPage(
      page,
      () => {
        const s = (window as unknown as { pcs: Record<string, RTCPeerConnection> }).pcs.audio.iceConnectionState;
        return s === 'connected' || s === 'completed';
      },
      undefined,
      'ICE connected',
    );
    // Chromium nominates (USE-CANDIDATE) on a check after the pair has become writable.
    for (let i = 0; i < 100 && agent.state !== 'connected'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(states, ['connected'], 'the agent took the nominated pair');
    assert.equal(agent.selected?.address, '127.0.0.1');
  } finally {
    socket.close();
  }
});
