import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Attr,
  MessageClass,
  Method,
  decodeMessage,
  encodeMessage,
  getAttribute,
  verifyMessageIntegrity,
  type StunAttribute,
} from '../../../src/stun/index.ts';
import { IceLiteAgent, type IceAddress } from '../../../src/sfu/native/ice-lite.ts';
import { IceLiteDemux } from '../../../src/sfu/native/ice-lite-demux.ts';
import { isIcePwd, isIceUfrag, makeIceCredentials } from '../../../src/sfu/native/ice-credentials.ts';

const REMOTE = { ufrag: 'rEmT', pwd: 'remotepasswordremotepw' };
const A: IceAddress = { family: 'IPv4', address: '192.0.2.10', port: 50000 };
const B: IceAddress = { family: 'IPv4', address: '198.51.100.7', port: 61000 };
const V6: IceAddress = { family: 'IPv6', address: '2001:db8::5', port: 40000 };

let tid = 0;
function transactionId(): Uint8Array {
  const id = new Uint8Array(12);
  new DataView(id.buffer).setUint32(8, ++tid);
  return id;
}

interface CheckOpts {
  username?: string | null;
  pwd?: string;
  fingerprint?: boolean;
  useCandidate?: boolean;
  role?: 'controlling' | 'controlled' | 'none';
  cls?: MessageClass;
  integrity?: boolean;
}

/** A connectivity check as Chromium sends it (RFC 8445 §7.2.2), built with the project's STUN encoder. */
function check(agent: IceLiteAgent, o: CheckOpts = {}): Buffer {
  const attributes: StunAttribute[] = [];
  const username = o.username === undefined ? `${agent.local.ufrag}:${REMOTE.ufrag}` : o.username;
  if (username !== null) attributes.push({ type: Attr.Username, value: username });
  attributes.push({ type: Attr.Priority, value: 1853817087 });
  const role = o.role ?? 'controlling';
  if (role === 'controlling') attributes.push({ type: Attr.IceControlling, value: 0x1234n });
  if (role === 'controlled') attributes.push({ type: Attr.IceControlled, value: 0x1234n });
  if (o.useCandidate) attributes.push({ type: Attr.UseCandidate, value: true });
  return encodeMessage(
    { method: Method.Binding, class: o.cls ?? MessageClass.Request, transactionId: transactionId(), attributes },
    { integrityKey: o.integrity === false ? undefined : Buffer.from(o.pwd ?? agent.local.pwd), fingerprint: o.fingerprint ?? true },
  );
}

function newAgent(nowMs = 0): IceLiteAgent {
  return new IceLiteAgent({ nowMs, remote: REMOTE });
}

function decodeReply(reply: Uint8Array | undefined) {
  assert.ok(reply, 'a reply');
  const d = decodeMessage(reply);
  assert.ok(d.ok, 'the reply decodes');
  return d.value;
}

test('credentials are ICE chars of RFC 8839 lengths, and random', () => {
  const a = makeIceCredentials();
  const b = makeIceCredentials();
  assert.ok(isIceUfrag(a.ufrag) && a.ufrag.length >= 4);
  assert.ok(isIcePwd(a.pwd) && a.pwd.length >= 22);
  assert.notEqual(a.ufrag, b.ufrag);
  assert.ok(!isIceUfrag('ab:c'));
});

test('a valid check gets a Binding success with XOR-MAPPED-ADDRESS, integrity under the local pwd and FINGERPRINT', () => {
  const agent = newAgent();
  const req = check(agent);
  const r = agent.handleStun(req, A, 10);
  assert.ok(r.ok);
  assert.equal(r.selected, undefined, 'no nomination yet');
  const reply = decodeReply(r.reply);
  assert.equal(reply.class, MessageClass.SuccessResponse);
  assert.equal(reply.method, Method.Binding);
  assert.deepEqual(reply.transactionId, new Uint8Array(req.subarray(8, 20)));
  assert.deepEqual(getAttribute(reply, Attr.XorMappedAddress), A);
  assert.ok(verifyMessageIntegrity(reply, Buffer.from(agent.local.pwd)));
  assert.ok(!verifyMessageIntegrity(reply, Buffer.from(REMOTE.pwd)));
  assert.ok(reply.hasFingerprint);
  assert.equal(agent.state, 'new');
  const v6 = agent.handleStun(check(agent), V6, 11);
  assert.ok(v6.ok);
  assert.deepEqual(getAttribute(decodeReply(v6.reply), Attr.XorMappedAddress), V6);
  // Node reports link-local sources with their zone; the zone means nothing to the peer
  const linkLocal = agent.handleStun(check(agent), { family: 'IPv6', address: 'fe80::1%eth0', port: 9 }, 12);
  assert.ok(linkLocal.ok);
  assert.deepEqual(getAttribute(decodeReply(linkLocal.reply), Attr.XorMappedAddress), { family: 'IPv6', address: 'fe80::1', port: 9 });
});

test('wrong password or wrong ufrag: 401 without MESSAGE-INTEGRITY; missing USERNAME: 400', () => {
  const agent = newAgent();
  for (const o of [{ pwd: 'wrongpasswordwrongpassword' }, { username: `nope:${REMOTE.ufrag}` }, { username: `${agent.local.ufrag}:other` }]) {
    const r = agent.handleStun(check(agent, o), A, 0);
    assert.ok(!r.ok);
    assert.equal(r.reason, 'unauthenticated');
    const reply = decodeReply(r.reply);
    assert.equal(reply.class, MessageClass.ErrorResponse);
    assert.equal(getAttribute(reply, Attr.ErrorCode)?.code, 401);
    assert.equal(reply.integrityOffset, -1);
  }
  const noUser = agent.handleStun(check(agent, { username: null }), A, 0);
  assert.ok(!noUser.ok);
  assert.equal(getAttribute(decodeReply(noUser.reply), Attr.ErrorCode)?.code, 400);
  const noMi = agent.handleStun(check(agent, { integrity: false }), A, 0);
  assert.ok(!noMi.ok);
  assert.equal(getAttribute(decodeReply(noMi.reply), Attr.ErrorCode)?.code, 400);
  assert.equal(agent.state, 'new');
  assert.equal(agent.selected, undefined);
});

test('an unknown comprehension-required attribute in an authenticated check: 420 listing it', () => {
  const agent = newAgent();
  const req = encodeMessage(
    {
      method: Method.Binding,
      class: MessageClass.Request,
      transactionId: transactionId(),
      attributes: [{ type: Attr.Username, value: `${agent.local.ufrag}:${REMOTE.ufrag}` }, { type: 0x7777, value: new Uint8Array(4), unknown: true }],
    },
    { integrityKey: Buffer.from(agent.local.pwd), fingerprint: true },
  );
  const r = agent.handleStun(req, A, 0);
  assert.ok(!r.ok && r.reason === 'unknown-attribute');
  const reply = decodeReply(r.reply);
  assert.equal(getAttribute(reply, Attr.ErrorCode)?.code, 420);
  assert.deepEqual(getAttribute(reply, Attr.UnknownAttributes), [0x7777]);
});

test('a check without FINGERPRINT, an indication or a response is dropped without a reply', () => {
  const agent = newAgent();
  const cases: [CheckOpts, string][] = [
    [{ fingerprint: false }, 'no-fingerprint'],
    [{ cls: MessageClass.Indication }, 'indication'],
    [{ cls: MessageClass.SuccessResponse }, 'response'],
  ];
  for (const [o, reason] of cases) {
    const r = agent.handleStun(check(agent, { ...o, useCandidate: true }), A, 0);
    assert.deepEqual(r, { ok: false, reason });
  }
  assert.equal(agent.selected, undefined);
});

test('ICE-CONTROLLED from the peer is a role conflict: 487, authenticated', () => {
  const agent = newAgent();
  const r = agent.handleStun(check(agent, { role: 'controlled', useCandidate: true }), A, 0);
  assert.ok(!r.ok);
  assert.equal(r.reason, 'role-conflict');
  const reply = decodeReply(r.reply);
  assert.equal(getAttribute(reply, Attr.ErrorCode)?.code, 487);
  assert.ok(verifyMessageIntegrity(reply, Buffer.from(agent.local.pwd)));
  assert.equal(agent.selected, undefined);
});

test('USE-CANDIDATE selects the pair and connects; a later nomination moves it', () => {
  const agent = newAgent();
  const r = agent.handleStun(check(agent, { useCandidate: true }), A, 100);
  assert.ok(r.ok);
  assert.deepEqual(r.selected, A);
  assert.equal(r.state, 'connected');
  assert.equal(agent.state, 'connected');
  assert.ok(agent.canSend());
  const again = agent.handleStun(check(agent, { useCandidate: true }), A, 200);
  assert.ok(again.ok);
  assert.equal(again.selected, undefined, 'the same pair again is no change');
  // a check on another pair without nomination, while the selected one is alive, changes nothing
  const backup = agent.handleStun(check(agent), B, 300);
  assert.ok(backup.ok && backup.selected === undefined);
  assert.deepEqual(agent.selected, A);
  const moved = agent.handleStun(check(agent, { useCandidate: true }), B, 400);
  assert.ok(moved.ok);
  assert.deepEqual(moved.selected, B);
  assert.deepEqual(agent.selected, B);
});

test('a valid check from a new address takes over once the selected pair has gone quiet (network change)', () => {
  const agent = new IceLiteAgent({ nowMs: 0, remote: REMOTE, moveAfterSilentMs: 2000 });
  agent.handleStun(check(agent, { useCandidate: true }), A, 0);
  const early = agent.handleStun(check(agent), B, 1000);
  assert.ok(early.ok && early.selected === undefined, 'the selected pair is still alive');
  assert.deepEqual(agent.selected, A);
  const r = agent.handleStun(check(agent), B, 2500);
  assert.ok(r.ok);
  assert.deepEqual(r.selected, B);
});

test('consent: disconnected after 5 s without a valid check, failed after 25 s; checks revive a disconnected pair', () => {
  const agent = new IceLiteAgent({ nowMs: 0, remote: REMOTE, disconnectedMs: 5000, failedMs: 25000 });
  agent.handleStun(check(agent, { useCandidate: true }), A, 1000);
  assert.deepEqual(agent.tick(5999), []);
  // a bad check is no proof of consent
  agent.handleStun(check(agent, { pwd: 'wrongpasswordwrongpassword' }), A, 5000);
  assert.deepEqual(agent.tick(6000), ['disconnected']);
  assert.ok(agent.canSend(), 'a disconnected pair may still be used');
  const back = agent.handleStun(check(agent), A, 7000);
  assert.ok(back.ok);
  assert.equal(back.state, 'connected');
  assert.deepEqual(agent.tick(12000), ['disconnected']);
  assert.deepEqual(agent.tick(31999), []);
  assert.deepEqual(agent.tick(32000), ['failed']);
  assert.ok(!agent.canSend());
  const late = agent.handleStun(check(agent, { useCandidate: true }), A, 33000);
  assert.ok(late.ok && late.state === undefined, 'answered, but consent stays lost until a restart');
  assert.equal(agent.state, 'failed');
});

test('a timer jump past both timeouts reports both states; no nomination at all fails too', () => {
  const agent = newAgent();
  agent.handleStun(check(agent, { useCandidate: true }), A, 0);
  assert.deepEqual(agent.tick(60000), ['disconnected', 'failed']);
  const never = newAgent(1000);
  assert.deepEqual(never.tick(25999), []);
  assert.deepEqual(never.tick(26000), ['failed']);
});

test('ICE restart: new credentials; the old ones work until the peer uses the new ones', () => {
  const agent = newAgent();
  agent.handleStun(check(agent, { useCandidate: true }), A, 0);
  const old = agent.local;
  const fresh = agent.restart(1000);
  assert.notEqual(fresh.ufrag, old.ufrag);
  assert.notEqual(fresh.pwd, old.pwd);
  assert.deepEqual(agent.localUfrags(), [fresh.ufrag, old.ufrag]);
  const newRemote = { ufrag: 'nEwR', pwd: 'newremotepasswordnewre' };
  agent.setRemoteCredentials(newRemote);
  const oldCheck = (pwd: string) =>
    encodeMessage(
      { method: Method.Binding, class: MessageClass.Request, transactionId: transactionId(), attributes: [{ type: Attr.Username, value: `${old.ufrag}:${REMOTE.ufrag}` }, { type: Attr.IceControlling, value: 1n }] },
      { integrityKey: Buffer.from(pwd), fingerprint: true },
    );
  const stillOld = agent.handleStun(oldCheck(old.pwd), A, 1100);
  assert.ok(stillOld.ok, 'old credentials still accepted');
  assert.ok(verifyMessageIntegrity(decodeReply(stillOld.reply), Buffer.from(old.pwd)), 'answered under the old password');
  const withNew = agent.handleStun(check(agent, { username: `${fresh.ufrag}:${newRemote.ufrag}`, useCandidate: true }), A, 1200);
  assert.ok(withNew.ok);
  assert.ok(verifyMessageIntegrity(decodeReply(withNew.reply), Buffer.from(fresh.pwd)));
  assert.deepEqual(agent.localUfrags(), [fresh.ufrag]);
  const tooLate = agent.handleStun(oldCheck(old.pwd), A, 1300);
  assert.ok(!tooLate.ok && tooLate.reason === 'unauthenticated');
});

test('a restart after failure starts over', () => {
  const agent = newAgent();
  agent.handleStun(check(agent, { useCandidate: true }), A, 0);
  agent.tick(30000);
  assert.equal(agent.state, 'failed');
  agent.restart(30000);
  assert.equal(agent.state, 'new');
  assert.equal(agent.selected, undefined);
  agent.setRemoteCredentials(REMOTE);
  const r = agent.handleStun(check(agent, { useCandidate: true }), B, 31000);
  assert.ok(r.ok && r.state === 'connected');
  assert.deepEqual(agent.selected, B);
});

test('before the remote description is known, any sender ufrag is accepted', () => {
  const agent = new IceLiteAgent({ nowMs: 0 });
  const r = agent.handleStun(check(agent, { username: `${agent.local.ufrag}:whatever` }), A, 0);
  assert.ok(r.ok);
});

test('demux: STUN by the USERNAME ufrag, other packets by the selected address', () => {
  const demux = new IceLiteDemux();
  const one = newAgent();
  const two = newAgent();
  assert.ok(demux.add(one).ok);
  assert.ok(demux.add(two).ok);
  assert.equal(demux.size, 2);
  const dtls = Buffer.from([22, 0xfe, 0xfd, 0, 0]);
  const rtp = Buffer.from([0x80, 96, 0, 1]);
  assert.deepEqual(demux.route(dtls, A), { kind: 'dropped', reason: 'unknown-address' });
  const r1 = demux.handle(check(one, { useCandidate: true }), A, 0);
  assert.ok(r1.kind === 'stun' && r1.agent === one && r1.result.ok);
  const r2 = demux.handle(check(two, { useCandidate: true }), B, 0);
  assert.ok(r2.kind === 'stun' && r2.agent === two);
  assert.deepEqual(demux.route(dtls, A), { kind: 'media', agent: one });
  assert.deepEqual(demux.route(rtp, B), { kind: 'media', agent: two });
  assert.deepEqual(demux.route(check(one, { username: 'zzzz:abcd' }), A), { kind: 'dropped', reason: 'unknown-ufrag' });
  // one moves to a new address: the old one no longer reaches it
  demux.handle(check(one, { useCandidate: true }), V6, 10);
  assert.deepEqual(demux.route(rtp, V6), { kind: 'media', agent: one });
  assert.deepEqual(demux.route(rtp, A), { kind: 'dropped', reason: 'unknown-address' });
  demux.remove(two);
  assert.deepEqual(demux.route(rtp, B), { kind: 'dropped', reason: 'unknown-address' });
  assert.equal(demux.handle(check(two), B, 20).kind, 'dropped');
});

test('demux follows a restart: both ufrags route until the peer switches', () => {
  const demux = new IceLiteDemux();
  const agent = newAgent();
  demux.add(agent);
  const old = agent.local.ufrag;
  const fresh = agent.restart(0);
  assert.ok(demux.update(agent).ok);
  const viaOld = demux.handle(check(agent, { username: `${old}:${REMOTE.ufrag}`, pwd: 'x'.repeat(22) }), A, 1);
  assert.ok(viaOld.kind === 'stun' && viaOld.agent === agent, 'the old ufrag still routes');
  agent.setRemoteCredentials(REMOTE);
  const viaNew = demux.handle(check(agent, { username: `${fresh.ufrag}:${REMOTE.ufrag}` }), A, 2);
  assert.ok(viaNew.kind === 'stun' && viaNew.result.ok);
  assert.deepEqual(demux.route(check(agent, { username: `${old}:${REMOTE.ufrag}` }), A), { kind: 'dropped', reason: 'unknown-ufrag' });
});

test('malformed bytes never throw, from the agent or the demux', () => {
  const agent = newAgent();
  const demux = new IceLiteDemux();
  demux.add(agent);
  const valid = check(agent, { useCandidate: true });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (junk, at, byte) => {
      agent.handleStun(junk, A, 0);
      demux.handle(junk, A, 0);
      const flipped = Buffer.from(valid);
      flipped[at] = byte;
      agent.handleStun(flipped, A, 0);
      demux.handle(flipped, B, 0);
      demux.handle(flipped.subarray(0, at), B, 0);
    }),
    { numRuns: 300 },
  );
});
