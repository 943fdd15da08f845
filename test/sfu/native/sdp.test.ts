import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { answerPublisherOffer, type PublisherAnswerOptions } from '../../../src/sfu/native/sdp-answer.ts';
import { parseSubscriberAnswer, writeSubscriberOffer, type SubscriberSection } from '../../../src/sfu/native/sdp-offer.ts';
import { NATIVE_SUBSCRIBER_EXTENSIONS } from '../../../src/sfu/native/sdp-extensions.ts';
import type { LocalTransport } from '../../../src/sfu/native/sdp-lines.ts';
import { parseSdp, type SdpMedia } from '../../../src/sfu/sdp/sdp.ts';
import { filterPublisherOffer } from '../../../src/sfu/sdp/publisher-offer.ts';
import { downCodec } from '../../../src/sfu/sdp/codecs.ts';
import type { SendTrackSpec } from '../../../src/sfu/transport/types.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const SCENARIOS = ['av-simulcast', 'av', 'video', 'audio', 'screen', 'vp8', 'vp9', 'h264'];
const OFFERS: Record<string, string> = Object.fromEntries([
  ...SCENARIOS.map((n) => [n, fixture(`chromium-${n}-offer.sdp`)]),
  ['chrome-offer', fixture('chrome-offer.sdp')],
  ['chrome-simulcast-offer', fixture('chrome-simulcast-offer.sdp')],
]);

const FINGERPRINT = '8F:2E:1A:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:01:23:45:67:89:AB:CD:EF:10:32:54:76:98';
const LOCAL: LocalTransport = {
  ice: { ufrag: 'sfuL', pwd: 'sfuPasswordSfuPassword+/' },
  fingerprint: { algorithm: 'sha-256', value: FINGERPRINT },
  candidates: [
    { address: '192.0.2.1', port: 3478 },
    { address: '2001:db8::1', port: 3478 },
  ],
};
const OPTS: PublisherAnswerOptions = { local: LOCAL, session: { id: '1234567890', version: 2 } };

function answer(offer: string, opts: Partial<PublisherAnswerOptions> = {}) {
  const r = answerPublisherOffer(offer, { ...OPTS, ...opts });
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

const has = (m: SdpMedia, line: string) => m.lines.includes(line);

test('every Chromium offer gets an ICE-lite answer with one BUNDLE transport and the SFU as DTLS server', () => {
  for (const [name, offer] of Object.entries(OFFERS)) {
    const a = answer(offer);
    const sdp = parseSdp(a.sdp);
    assert.ok(a.sdp.endsWith('\r\n') && !a.sdp.includes('\n\n'), name);
    assert.deepEqual(sdp.session.slice(0, 5), ['v=0', 'o=- 1234567890 2 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=ice-lite'], name);
    assert.ok(sdp.session.includes(`a=group:BUNDLE ${a.bundle.join(' ')}`), name);
    assert.ok(sdp.session.includes('a=msid-semantic: WMS *'), name);
    assert.equal(a.dtlsRole, 'server');
    const offered = parseSdp(offer);
    assert.deepEqual(sdp.media.map((m) => m.mid), offered.media.map((m) => m.mid), `${name}: one answer section per offered one, same order`);
    assert.equal(a.remote.ice.ufrag, /a=ice-ufrag:(\S+)/.exec(offer)?.[1]);
    assert.equal(a.remote.fingerprints[0].algorithm, 'sha-256');
    for (const m of sdp.media.filter((s) => s.port !== 0)) {
      for (const line of ['a=ice-ufrag:sfuL', 'a=ice-pwd:sfuPasswordSfuPassword+/', `a=fingerprint:sha-256 ${FINGERPRINT}`, 'a=setup:passive', 'a=end-of-candidates']) {
        assert.ok(has(m, line), `${name} mid ${m.mid}: ${line}`);
      }
      assert.ok(has(m, 'a=candidate:1 1 udp 2130706431 192.0.2.1 3478 typ host'), `${name}: IPv4 host candidate`);
      assert.ok(has(m, 'a=candidate:2 1 udp 2130706175 2001:db8::1 3478 typ host'), `${name}: IPv6 host candidate`);
    }
  }
});

test('audio/video sections: recvonly, rtcp-mux/rsize, forwardable codecs on the offered payload types, no RTX/RED/FEC', () => {
  for (const [name, offer] of Object.entries(OFFERS)) {
    const a = answer(offer);
    const offered = parseSdp(offer);
    for (const m of parseSdp(a.sdp).media.filter((s) => s.kind !== 'application' && s.port !== 0)) {
      const o = offered.media.find((s) => s.mid === m.mid)!;
      assert.equal(m.direction, 'recvonly', name);
      assert.ok(has(m, 'a=rtcp-mux') && has(m, 'a=rtcp-rsize'), name);
      assert.ok(m.codecs.length > 0, name);
      for (const c of m.codecs) {
        assert.match(c.name, m.kind === 'audio' ? /^opus$/ : /^(VP8|VP9|H264)$/, `${name}: ${c.name}`);
        const oc = o.codecs.find((x) => x.pt === c.pt)!;
        assert.equal(oc.name, c.name, 'same payload type as offered');
        assert.equal(c.fmtp, oc.fmtp, 'fmtp echoed (H.264 profile, VP9 profile, Opus FEC)');
        for (const fb of c.rtcpFb) assert.ok(['nack', 'nack pli', 'ccm fir', 'goog-remb', 'transport-cc'].includes(fb), fb);
        assert.deepEqual(c.rtcpFb, oc.rtcpFb.filter((fb) => fb !== 'rrtr'), 'feedback as offered');
      }
      assert.ok(!m.lines.some((l) => /rtx|red\/|ulpfec|flexfec|apt=|a=ssrc|a=msid|extmap-allow-mixed/i.test(l)), `${name}: nothing of RTX, RED, FEC or SSRCs`);
      for (const e of m.extmaps) {
        assert.ok(o.extmaps.some((x) => x.id === e.id && x.uri === e.uri), `${name}: extension ${e.uri} keeps id ${e.id}`);
        assert.ok(!e.uri.includes('repaired-rtp-stream-id') && !e.uri.includes('toffset') && !e.uri.includes('dependency-descriptor'));
      }
    }
  }
});

test('the codecs chosen are the ones the libdatachannel path keeps (filterPublisherOffer)', () => {
  for (const [name, offer] of Object.entries(OFFERS)) {
    const ours = answer(offer).media.map((m) => [m.mid, m.codecs.map((c) => `${c.name}/${c.codec.pt}`)]);
    const theirs = filterPublisherOffer(offer, { noPublish: false }).media.map((m) => [m.mid, m.codecs.map((c) => `${c.name}/${c.codec.pt}`)]);
    if (filterPublisherOffer(offer, { noPublish: false }).refusedSimulcast.length > 0) {
      // the libdatachannel path refuses RID simulcast next to audio; the native path takes it
      assert.ok(ours.length > theirs.length, name);
      continue;
    }
    assert.deepEqual(ours, theirs, name);
  }
  const vp9 = answer(OFFERS.vp9).media.find((m) => m.kind === 'video')!;
  assert.deepEqual([...vp9.payloadTypes], [[98, 'vp9'], [100, 'vp9']]);
  const h264 = answer(OFFERS.h264).media.find((m) => m.kind === 'video')!;
  assert.ok(h264.codecs.every((c) => c.name === 'h264') && h264.codecs.length >= 2);
});

test('simulcast: rid lines and a=simulcast answered as recv; MID and RID extension ids reported', () => {
  const a = answer(OFFERS['av-simulcast']);
  const video = parseSdp(a.sdp).media[1];
  assert.deepEqual(video.rids, [{ id: 'q', direction: 'recv' }, { id: 'h', direction: 'recv' }, { id: 'f', direction: 'recv' }]);
  assert.ok(has(video, 'a=simulcast:recv q;h;f'));
  const [audio, v] = a.media;
  assert.deepEqual(v.rids, ['q', 'h', 'f']);
  assert.deepEqual(v.ssrcs, [], 'RID simulcast signals no SSRCs');
  const offered = parseSdp(OFFERS['av-simulcast']).media[1].extmaps;
  const idOf = (uri: string) => offered.find((e) => e.uri.endsWith(uri))?.id;
  assert.deepEqual(v.extensionIds, {
    mid: idOf('sdes:mid'),
    rid: idOf('sdes:rtp-stream-id'),
    audioLevel: undefined,
    transportCc: idOf('transport-wide-cc-extensions-01'),
    absSendTime: idOf('abs-send-time'),
  });
  assert.equal(typeof audio.extensionIds.audioLevel, 'number');
  assert.deepEqual(a.bundle, ['0', '1', '2']);
  assert.deepEqual(a.data, { mid: '2', remoteSctpPort: 5000, remoteMaxMessageSize: 262144 });
});

test('without simulcast: the primary SSRCs (no RTX) and msid are reported', () => {
  const a = answer(OFFERS.av);
  const offered = parseSdp(OFFERS.av).media[1];
  const fid = offered.ssrcGroups.find((g) => g.semantics === 'FID')!;
  const video = a.media[1];
  assert.deepEqual(video.ssrcs, [fid.ssrcs[0]]);
  assert.equal(video.streamId, offered.msid?.stream);
  assert.equal(video.trackId, offered.msid?.track);
  assert.deepEqual(video.rids, []);
  assert.ok(!parseSdp(a.sdp).media[1].lines.some((l) => l.startsWith('a=simulcast')));
});

test('the data channel section: sctp-port 5000, max-message-size 262144', () => {
  const app = parseSdp(answer(OFFERS.audio).sdp).media.find((m) => m.kind === 'application')!;
  assert.equal(app.port, 9);
  assert.equal(app.protocol, 'UDP/DTLS/SCTP');
  assert.deepEqual(app.formats, ['webrtc-datachannel']);
  assert.ok(has(app, 'a=sctp-port:5000') && has(app, 'a=max-message-size:262144'));
});

test('DTLS role: setup:passive in the offer makes the SFU active (client); actpass and active make it the server', () => {
  const passive = answer(OFFERS.av.replaceAll('a=setup:actpass', 'a=setup:passive'));
  assert.equal(passive.dtlsRole, 'client');
  assert.ok(passive.sdp.includes('a=setup:active') && !passive.sdp.includes('a=setup:passive'));
  assert.equal(answer(OFFERS.av.replaceAll('a=setup:actpass', 'a=setup:active')).dtlsRole, 'server');
  const bad = answerPublisherOffer(OFFERS.av.replaceAll('a=setup:actpass', 'a=setup:holdconn'), OPTS);
  assert.ok(!bad.ok);
});

test('rejections: nopub, nothing forwardable, outside the BUNDLE group — port 0 with the mid kept', () => {
  const nopub = answer(OFFERS.av, { noPublish: true });
  const sdp = parseSdp(nopub.sdp);
  assert.deepEqual(sdp.media.map((m) => [m.mid, m.port]), [['0', 0], ['1', 0], ['2', 9]]);
  assert.ok(has(sdp.media[0], 'a=inactive') && has(sdp.media[0], 'a=mid:0'));
  assert.deepEqual(nopub.bundle, ['2']);
  assert.deepEqual(nopub.rejected, ['0', '1']);
  assert.deepEqual(nopub.media, []);
  // audio offering only G.722 and PCMU
  const g722 = OFFERS.audio.replace(/^m=audio 9 UDP\/TLS\/RTP\/SAVPF .*$/m, 'm=audio 9 UDP/TLS/RTP/SAVPF 9 0');
  const a = answer(g722);
  assert.deepEqual(a.rejected, ['0']);
  assert.deepEqual(a.bundle, ['1']);
  // a section left out of the BUNDLE group
  const unbundled = answer(OFFERS.av.replace('a=group:BUNDLE 0 1 2', 'a=group:BUNDLE 0 2'));
  assert.deepEqual(unbundled.rejected, ['1']);
  assert.deepEqual(unbundled.media.map((m) => m.mid), ['0']);
});

test('transportCc: false leaves out the transport-cc feedback and extension', () => {
  const a = answer(OFFERS.av, { transportCc: false });
  assert.ok(!a.sdp.includes('transport-cc') && !a.sdp.includes('transport-wide-cc'));
  assert.ok(a.sdp.includes('goog-remb'));
  assert.equal(a.media[1].extensionIds.transportCc, undefined);
});

test('an offer without ICE credentials or fingerprint is an error; garbage never throws', () => {
  assert.ok(!answerPublisherOffer(OFFERS.av.replace(/^a=ice-ufrag:.*\r?\n/gm, ''), OPTS).ok);
  assert.ok(!answerPublisherOffer(OFFERS.av.replace(/^a=fingerprint:.*\r?\n/gm, ''), OPTS).ok);
  assert.ok(!answerPublisherOffer('', OPTS).ok);
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), fc.nat(OFFERS.av.length), (junk, at) => {
      answerPublisherOffer(junk, OPTS);
      answerPublisherOffer(OFFERS.av.slice(0, at) + junk, OPTS);
      parseSubscriberAnswer(junk);
    }),
    { numRuns: 200 },
  );
});

function spec(mid: string, kind: 'audio' | 'video', name: 'opus' | 'vp8', pt: number, ssrc: number): SendTrackSpec {
  const codec = { pt, name, clockRate: name === 'opus' ? 48000 : 90000, channels: name === 'opus' ? 2 : undefined, fmtp: name === 'opus' ? 'minptime=10;useinbandfec=1' : undefined, rtcpFb: [] };
  return { mid, codec: downCodec(kind, name, codec, pt), extmaps: NATIVE_SUBSCRIBER_EXTENSIONS[kind], ssrc, cname: 'cn', streamId: 'st', trackId: `tr${mid}` };
}

test('subscriber offer: sendonly sections with SSRC, CNAME, msid and extensions; closed sections keep their place', () => {
  const sections: SubscriberSection[] = [
    { kind: 'data', mid: '0' },
    { kind: 'media', spec: spec('1', 'audio', 'opus', 111, 11) },
    { kind: 'closed', spec: spec('2', 'video', 'vp8', 96, 22) },
    { kind: 'media', spec: spec('3', 'video', 'vp8', 96, 33) },
  ];
  const text = writeSubscriberOffer({ local: LOCAL, session: { id: '77', version: 3 }, sections });
  const sdp = parseSdp(text);
  assert.ok(sdp.session.includes('a=ice-lite') && sdp.session.includes('a=group:BUNDLE 0 1 3'));
  assert.deepEqual(sdp.media.map((m) => [m.kind, m.mid, m.port, m.direction]), [
    ['application', '0', 9, 'sendrecv'],
    ['audio', '1', 9, 'sendonly'],
    ['video', '2', 0, 'inactive'],
    ['video', '3', 9, 'sendonly'],
  ]);
  const audio = sdp.media[1];
  assert.ok(has(audio, 'a=setup:actpass') && has(audio, 'a=ssrc:11 cname:cn') && has(audio, 'a=msid:st tr1'));
  assert.deepEqual(audio.codecs.map((c) => [c.pt, c.name, c.fmtp]), [[111, 'opus', 'minptime=10;useinbandfec=1']]);
  assert.deepEqual(audio.extmaps, NATIVE_SUBSCRIBER_EXTENSIONS.audio);
  const video = sdp.media[3];
  assert.deepEqual(video.codecs[0].rtcpFb, ['nack', 'nack pli', 'ccm fir', 'goog-remb', 'transport-cc']);
  assert.deepEqual(video.ssrcs, [33]);
  assert.ok(!sdp.media[2].lines.some((l) => l.startsWith('a=candidate') || l.startsWith('a=ssrc')));
  assert.ok(has(sdp.media[0], 'a=sctp-port:5000'));
});

test('reading a subscriber answer: DTLS role, kept extensions and payload types, rejected sections', () => {
  const offer = writeSubscriberOffer({
    local: LOCAL,
    session: { id: '77', version: 1 },
    sections: [{ kind: 'data', mid: '0' }, { kind: 'media', spec: spec('1', 'audio', 'opus', 111, 11) }, { kind: 'media', spec: spec('2', 'video', 'vp8', 96, 22) }],
  });
  // what a browser would answer, by hand: its own credentials, active, one extension dropped, video refused
  const answerText = offer
    .replace('a=ice-lite\r\n', '')
    .replaceAll('a=ice-ufrag:sfuL', 'a=ice-ufrag:brwS')
    .replaceAll('a=ice-pwd:sfuPasswordSfuPassword+/', 'a=ice-pwd:browserPasswordBrowserPw')
    .replaceAll('a=setup:actpass', 'a=setup:active')
    .replaceAll('a=sendonly', 'a=recvonly')
    .replace('a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n', '')
    .replace('m=video 9 UDP/TLS/RTP/SAVPF 96', 'm=video 0 UDP/TLS/RTP/SAVPF 96');
  const r = parseSubscriberAnswer(answerText);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.dtlsRole, 'server');
  assert.deepEqual(r.value.remote.ice, { ufrag: 'brwS', pwd: 'browserPasswordBrowserPw' });
  assert.deepEqual(r.value.media.map((m) => [m.mid, m.accepted, m.pts]), [['1', true, [111]], ['2', false, [96]]]);
  assert.ok(!r.value.media[0].extmaps.some((e) => e.id === 2));
  assert.equal(r.value.data?.mid, '0');
  const passive = parseSubscriberAnswer(answerText.replaceAll('a=setup:active', 'a=setup:passive'));
  assert.ok(passive.ok && passive.value.dtlsRole === 'client');
  assert.ok(!parseSubscriberAnswer(answerText.replaceAll('a=setup:active', 'a=setup:actpass')).ok);
  assert.ok(!parseSubscriberAnswer(answerText.replace(/^a=ice-pwd:.*\r\n/gm, '')).ok);
});
