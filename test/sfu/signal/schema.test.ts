import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkJoin, checkOffer, checkAnswer, checkTrickle, checkApiCall, checkChat, clientMethods, isMethod } from '../../../src/sfu/signal/schema.ts';

const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

test('join accepts what ion-sdk-js 1.5–1.8 send', () => {
  const a = checkJoin({ sid: 'test session', offer });
  assert.ok(a.ok);
  assert.equal(a.value.uid, '');
  assert.deepEqual(a.value.config, { noPublish: false, noSubscribe: false, noAutoSubscribe: false });
  const b = checkJoin({ sid: 'room1', uid: 'alice', offer });
  assert.ok(b.ok && b.value.uid === 'alice');
});

test('join config flags match in any letter case', () => {
  for (const cfg of [{ NoPublish: true }, { noPublish: true }, { nopublish: true }, { NOPUBLISH: true }]) {
    const r = checkJoin({ sid: 's', offer, config: cfg });
    assert.ok(r.ok);
    assert.equal(r.value.config.noPublish, true);
  }
  const r = checkJoin({ sid: 's', offer, config: { noSubscribe: true, NoAutoSubscribe: true } });
  assert.ok(r.ok);
  assert.deepEqual(r.value.config, { noPublish: false, noSubscribe: true, noAutoSubscribe: true });
});

test('join rejects what it cannot use, saying which field', () => {
  const cases: [unknown, RegExp][] = [
    [null, /params: expected an object/],
    [{ offer }, /params\.sid/],
    [{ sid: '', offer }, /params\.sid/],
    [{ sid: 'x'.repeat(257), offer }, /params\.sid/],
    [{ sid: 's', uid: 5, offer }, /params\.uid/],
    [{ sid: 's' }, /params\.offer: expected \{type, sdp\}/],
    [{ sid: 's', offer: { type: 'answer', sdp: 'v=0' } }, /params\.offer\.type: expected "offer"/],
    [{ sid: 's', offer: { type: 'offer', sdp: 'hello' } }, /params\.offer\.sdp/],
    [{ sid: 's', offer, config: { noPublish: 'yes' } }, /params\.config\.noPublish: expected true or false/],
    [{ sid: 's', offer, config: [] }, /params\.config: expected an object/],
  ];
  for (const [p, re] of cases) {
    const r = checkJoin(p);
    assert.ok(!r.ok, JSON.stringify(p));
    assert.match(r.error, re);
  }
});

test('offer and answer want {desc} with the right type', () => {
  assert.ok(checkOffer({ desc: offer }).ok);
  assert.ok(!checkOffer(offer).ok);
  assert.ok(checkAnswer({ desc: { type: 'answer', sdp: 'v=0\r\n' } }).ok);
  const r = checkAnswer({ desc: offer });
  assert.ok(!r.ok && /params\.desc\.type: expected "answer"/.test(r.error));
});

test('trickle takes RTCIceCandidate.toJSON() for target 0 or 1', () => {
  const candidate = { candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' };
  const r = checkTrickle({ target: 1, candidate });
  assert.ok(r.ok);
  assert.deepEqual(r.value, { target: 1, candidate });
  assert.ok(checkTrickle({ target: 0, candidate: { candidate: '' } }).ok, 'end-of-candidates is allowed');
  assert.ok(!checkTrickle({ target: 2, candidate }).ok);
  assert.ok(!checkTrickle({ target: 0, candidate: { candidate: 7 } }).ok);
  assert.ok(!checkTrickle({ target: 0, candidate: { candidate: '', sdpMLineIndex: 'x' } }).ok);
});

test('validators never throw on arbitrary input', () => {
  fc.assert(
    fc.property(fc.anything(), (v) => {
      for (const m of Object.values(clientMethods)) m.check(v);
      checkApiCall(JSON.stringify(v) ?? '');
      checkChat(v);
    }),
  );
});

test('method table', () => {
  assert.ok(isMethod('join') && isMethod('trickle'));
  assert.ok(!isMethod('leave') && !isMethod('toString') && !isMethod(3));
  assert.equal(clientMethods.join.request, true);
  assert.equal(clientMethods.answer.request, false);
});

test('ion-sfu channel API: layer preferences and enabled layers', () => {
  const p = checkApiCall('{"streamId":"s1","video":"low","audio":true,"framerate":"high"}');
  assert.ok(p.ok && p.value.kind === 'preference');
  assert.deepEqual(p.value, { kind: 'preference', streamId: 's1', video: 'low', audio: true, framerate: 'high' });
  const l = checkApiCall('{"streamId":"s1","layers":["low","medium"]}');
  assert.ok(l.ok && l.value.kind === 'layers');
  assert.ok(!checkApiCall('{"streamId":"s1","video":"ultra"}').ok);
  assert.ok(!checkApiCall('nope').ok);
  assert.ok(!checkApiCall('{"video":"low"}').ok);
});

test('chat lines', () => {
  assert.deepEqual(checkChat('{"from":"ann","text":"hi"}'), { ok: true, value: { from: 'ann', text: 'hi' } });
  assert.ok(!checkChat('{"from":"ann"}').ok);
  assert.ok(!checkChat(new Uint8Array(3)).ok);
});
