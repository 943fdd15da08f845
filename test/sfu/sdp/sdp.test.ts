import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSdp } from '../../../src/sfu/sdp/sdp.ts';
import { filterPublisherOffer, fixPublisherAnswer, readSubscriberAnswer } from '../../../src/sfu/sdp/publisher-offer.ts';
import { PayloadTypeAllocator, codecKey } from '../../../src/sfu/sdp/codecs.ts';

const chrome = readFileSync(new URL('../fixtures/chrome-offer.sdp', import.meta.url), 'utf8');
const chromeSimulcast = readFileSync(new URL('../fixtures/chrome-simulcast-offer.sdp', import.meta.url), 'utf8');

test('parses a Chromium offer: sections, codecs, extensions, SSRCs, msid', () => {
  const s = parseSdp(chrome);
  assert.deepEqual(s.media.map((m) => [m.kind, m.mid, m.direction]), [['audio', '0', 'sendonly'], ['video', '1', 'sendonly'], ['application', '2', 'sendrecv']]);
  const audio = s.media[0];
  assert.equal(audio.codecs[0].name, 'opus');
  assert.equal(audio.codecs[0].fmtp, 'minptime=10;useinbandfec=1');
  assert.equal(audio.codecs[0].channels, 2);
  assert.ok(audio.extmaps.some((e) => e.uri === 'urn:ietf:params:rtp-hdrext:ssrc-audio-level'));
  assert.ok(audio.msid && audio.msid.stream.length > 0);
  const video = s.media[1];
  assert.deepEqual(video.codecs[0].rtcpFb, ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
  assert.equal(video.ssrcGroups[0].semantics, 'FID');
});

test('the publisher offer keeps only Opus/VP8/VP9/H.264, no RTX, RED, FEC or transport-cc', () => {
  const f = filterPublisherOffer(chrome, { noPublish: false });
  const s = parseSdp(f.sdp);
  const [audio, video, app] = s.media;
  assert.deepEqual(audio.codecs.map((c) => c.name), ['opus']);
  assert.deepEqual(audio.formats, ['111']);
  assert.ok(video.codecs.every((c) => ['VP8', 'VP9', 'H264'].includes(c.name)), video.codecs.map((c) => c.name).join());
  assert.ok(video.codecs.length >= 3);
  assert.ok(!f.sdp.includes('transport-cc'));
  assert.ok(!/rtx|red\/|ulpfec/i.test(f.sdp));
  assert.ok(!f.sdp.includes('a=ssrc-group:FID'));
  assert.equal(video.ssrcs.length, 1, 'the RTX SSRC is gone');
  assert.ok(!video.extmaps.some((e) => /transport-wide|color-space|video-timing/.test(e.uri)));
  assert.ok(video.extmaps.some((e) => e.uri === 'urn:3gpp:video-orientation'));
  assert.equal(app.kind, 'application');
  assert.ok(f.sdp.includes('a=fingerprint:') && f.sdp.includes('a=ice-ufrag:'));
  assert.deepEqual(f.media.map((m) => [m.mid, m.kind, m.codecs[0].name]), [['0', 'audio', 'opus'], ['1', 'video', 'vp8']]);
  assert.equal(f.media[0].streamId, f.media[1].streamId);
});

test('NoPublish rejects every media section but keeps data channels', () => {
  const f = filterPublisherOffer(chrome, { noPublish: true });
  const s = parseSdp(f.sdp);
  assert.deepEqual(s.media.map((m) => m.port), [0, 0, 9]);
  assert.deepEqual(f.media, []);
});

test('simulcast RIDs are read, and the answer is flipped to recv (RFC 8853 §5.3)', () => {
  const f = filterPublisherOffer(chromeSimulcast, { noPublish: false });
  assert.deepEqual(f.media[0].rids, ['f', 'h', 'q']);
  const fixed = fixPublisherAnswer('v=0\r\nm=video 9 X 96\r\na=rid:f send\r\na=rid:h send\r\na=simulcast:send f;h\r\n');
  assert.equal(fixed, 'v=0\r\nm=video 9 X 96\r\na=rid:f recv\r\na=rid:h recv\r\na=simulcast:recv f;h\r\n');
});

test('RID simulcast next to other media sections is refused (it could not be received)', () => {
  const withAudio = chromeSimulcast.replace(/m=video/, 'm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:9\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\nm=video');
  const f = filterPublisherOffer(withAudio, { noPublish: false });
  const video = parseSdp(f.sdp).media.find((m) => m.kind === 'video')!;
  assert.equal(video.port, 0);
  assert.deepEqual(f.refusedSimulcast, [video.mid]);
  assert.deepEqual(f.media.map((m) => m.kind), ['audio']);
  assert.deepEqual(filterPublisherOffer(chromeSimulcast, { noPublish: false }).refusedSimulcast, []);
});

test('a subscriber answer says which sections were accepted and which extensions kept', () => {
  const a = readSubscriberAnswer('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a1\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=recvonly\r\na=rtpmap:111 opus/48000/2\r\nm=video 0 UDP/TLS/RTP/SAVPF 102\r\na=mid:v1\r\na=inactive\r\n');
  assert.deepEqual(a, [
    { mid: 'a1', accepted: true, extmaps: [{ id: 1, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' }], pts: [111] },
    { mid: 'v1', accepted: false, extmaps: [], pts: [] },
  ]);
});

test('payload types never collide inside one subscriber connection', () => {
  const pts = new PayloadTypeAllocator();
  const vp8 = codecKey('vp8', 90000, undefined, undefined);
  const h264a = codecKey('h264', 90000, undefined, 'packetization-mode=1;profile-level-id=42e01f');
  const h264b = codecKey('h264', 90000, undefined, 'profile-level-id=42e01f; packetization-mode=1');
  const h264c = codecKey('h264', 90000, undefined, 'packetization-mode=0;profile-level-id=42001f');
  assert.equal(h264a, h264b, 'parameter order does not matter');
  assert.equal(pts.assign('vp8', vp8), 96);
  assert.equal(pts.assign('vp8', vp8), 96);
  assert.equal(pts.assign('h264', h264a), 102);
  const third = pts.assign('h264', h264c);
  assert.ok(third !== undefined && third !== 102 && third !== 96);
  assert.equal(pts.assign('opus', codecKey('opus', 48000, 2, 'minptime=10;useinbandfec=1')), 111);
});
