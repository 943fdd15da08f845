/**
 * SRTP and SRTCP in the native media path (native/src/sfu/srtp.c): RFC 3711 with AES-CM and
 * HMAC-SHA1, RFC 7714 with AES-GCM. Checked against the RFCs' vectors and against a reference
 * written here on node:crypto, in both directions; then the receiver's defences (tags, the
 * replay window, streams made only by authentic packets, malformed input).
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadAddon } from '../../../src/dataplane/native/addon.ts';
import { CM_80, CM_32, GCM_128, GCM_256, PROFILES, ERR_MALFORMED, ERR_AUTH, ERR_REPLAY, ERR_STREAMS, MAX_STREAMS, hex, keyLen, saltLen, rtpTagLen, derive, hmac, u32, refProtectRtp, refUnprotectRtp, refProtectRtcp, refUnprotectRtcp, rtp, shapeArb, startArb, compound } from './srtp-reference.ts';
import type { RtpShape, SessionKeys } from './srtp-reference.ts';

type Session = { readonly __srtpSession: unique symbol };
interface SrtpAddon {
  srtpUnavailable?: string;
  srtpSession(profile: number, masterKey: Buffer, masterSalt: Buffer): Session;
  srtpSessionFromSessionKeys(profile: number, key: Buffer, salt: Buffer, authKey?: Buffer): Session;
  srtpProtectRtp(s: Session, packet: Buffer): Buffer | number;
  srtpUnprotectRtp(s: Session, packet: Buffer): Buffer | number;
  srtpProtectRtcp(s: Session, packet: Buffer): Buffer | number;
  srtpUnprotectRtcp(s: Session, packet: Buffer): Buffer | number;
}

const loaded = loadAddon();
const native = loaded.ok ? (loaded.addon as unknown as SrtpAddon) : undefined;
const skip = !loaded.ok ? loaded.reason : native?.srtpUnavailable ?? (typeof native?.srtpSession !== 'function' ? 'the addon has no SRTP' : false);
const addon = (): SrtpAddon => native as SrtpAddon;

function bytes(r: Buffer | number): Buffer {
  if (typeof r === 'number') assert.fail(`expected bytes, got error ${r}`);
  return r;
}

/** A sender and a receiver under one random master key, and the reference's session keys. */
function pair(profile: number): { keys: SessionKeys; tx: Session; rx: Session } {
  const masterKey = randomBytes(keyLen(profile));
  const masterSalt = randomBytes(saltLen(profile));
  return { keys: derive(profile, masterKey, masterSalt), tx: addon().srtpSession(profile, masterKey, masterSalt), rx: addon().srtpSession(profile, masterKey, masterSalt) };
}

const simple = (ssrc: number, payload = Buffer.alloc(40, 0x5a)): RtpShape => ({ ssrc, csrcs: [], extension: null, payload, padding: 0, pt: 96, marker: false });

// --- tests ----------------------------------------------------------------------------------

describe('native SRTP (RFC 3711, RFC 7714)', { skip }, () => {
  it('RFC 3711 B.2: the AES-CM keystream, as the ciphertext of a zero payload', () => {
    const authKey = Buffer.alloc(20, 0x11);
    const s = addon().srtpSessionFromSessionKeys(CM_80, hex('2B7E151628AED2A6ABF7158809CF4F3C'), hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), authKey);
    const plain = rtp(simple(0, Buffer.alloc(48)), 0);
    const out = bytes(addon().srtpProtectRtp(s, plain));
    assert.deepEqual(out.subarray(12, 60), hex('E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0'));
    assert.deepEqual(out.subarray(60), hmac(authKey, out.subarray(0, 60), u32(0)).subarray(0, 10));
  });

  it('RFC 3711 B.3: key derivation, through packets the reference protects with the derived keys', () => {
    const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
    const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');
    const keys = derive(CM_80, masterKey, masterSalt);
    assert.deepEqual(keys.rtp.key, hex('C61E7A93744F39EE10734AFE3FF7A087'));
    assert.deepEqual(keys.rtp.salt, hex('30CBBC08863D8C85D49DB34A9AE1'));
    assert.deepEqual(keys.rtp.auth, hex('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4'));
    for (const profile of [CM_80, CM_32]) {
      const s = addon().srtpSession(profile, masterKey, masterSalt);
      const k = { ...keys, profile };
      const packet = rtp(simple(0xcafe0001, Buffer.from('key derivation label 0, 1 and 2')), 4711);
      assert.deepEqual(bytes(addon().srtpProtectRtp(s, packet)), refProtectRtp(k, packet, 0));
      const report = compound(0xcafe0001);
      assert.deepEqual(bytes(addon().srtpProtectRtcp(s, report)), refProtectRtcp(k, report, 0), 'labels 3, 4 and 5');
    }
  });

  it('a 96-bit master salt (AEAD profiles) enters the key derivation padded with two zero bytes', () => {
    const masterKey = hex('000102030405060708090a0b0c0d0e0f');
    const masterSalt = hex('a0a1a2a3a4a5a6a7a8a9aaab');
    const keys = derive(GCM_128, masterKey, masterSalt);
    // The session salt other DTLS-SRTP implementations derive from this master key and salt.
    assert.deepEqual(keys.rtp.salt, hex('9af3e95364ebac9c99c5a7c4'));
    const packet = rtp(simple(0x5501a0b2), 0xf17b);
    assert.deepEqual(bytes(addon().srtpProtectRtp(addon().srtpSession(GCM_128, masterKey, masterSalt), packet)), refProtectRtp(keys, packet, 0));
  });

  const rfc7714Rtp = hex('8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573');
  const rfc7714Rtcp = hex('81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef');
  const rfc7714Salt = hex('517569642070726f2071756f');
  const rfc7714 = [
    {
      profile: GCM_128,
      key: hex('000102030405060708090a0b0c0d0e0f'),
      srtp: hex('8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce'),
      srtcp: hex('81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4'),
      srtcpClear: Buffer.concat([rfc7714Rtcp, hex('841dd968 3dd78ec9 2ae58790 125f62b3 000005d4')]),
    },
    {
      profile: GCM_256,
      key: hex('000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f'),
      srtp: hex('8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13'),
      srtcp: hex('81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50 a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4'),
      srtcpClear: Buffer.concat([rfc7714Rtcp, hex('91db4afb feee5a97 8fab4393 ed2615fe 000005d4')]),
    },
  ];

  for (const v of rfc7714) {
    const name = v.profile === GCM_128 ? 'AEAD_AES_128_GCM' : 'AEAD_AES_256_GCM';
    it(`RFC 7714 §16: SRTP ${name}, both ways`, () => {
      const tx = addon().srtpSessionFromSessionKeys(v.profile, v.key, rfc7714Salt);
      const rx = addon().srtpSessionFromSessionKeys(v.profile, v.key, rfc7714Salt);
      assert.deepEqual(bytes(addon().srtpProtectRtp(tx, rfc7714Rtp)), v.srtp);
      assert.deepEqual(bytes(addon().srtpUnprotectRtp(rx, v.srtp)), rfc7714Rtp);
    });

    it(`RFC 7714 §17: SRTCP ${name} at index 0x5d4, both ways`, () => {
      const tx = addon().srtpSessionFromSessionKeys(v.profile, v.key, rfc7714Salt);
      const rx = addon().srtpSessionFromSessionKeys(v.profile, v.key, rfc7714Salt);
      assert.deepEqual(bytes(addon().srtpUnprotectRtcp(rx, v.srtcp)), rfc7714Rtcp);
      // The SRTCP index starts at 0 and counts every packet sent (RFC 3711 §3.4).
      for (let i = 0; i < 0x5d4; i++) bytes(addon().srtpProtectRtcp(tx, rfc7714Rtcp));
      assert.deepEqual(bytes(addon().srtpProtectRtcp(tx, rfc7714Rtcp)), v.srtcp);
      assert.equal(addon().srtpUnprotectRtcp(rx, v.srtcp), ERR_REPLAY);
    });

    it(`RFC 7714 §17: SRTCP ${name} with E = 0 (authenticated, not encrypted)`, () => {
      // The whole packet is associated data; the reference makes the same bytes.
      const keys: SessionKeys = { profile: v.profile, rtp: { key: v.key, salt: rfc7714Salt, auth: Buffer.alloc(0) }, rtcp: { key: v.key, salt: rfc7714Salt, auth: Buffer.alloc(0) } };
      assert.deepEqual(refProtectRtcp(keys, rfc7714Rtcp, 0x5d4, false), v.srtcpClear);
      const rx = addon().srtpSessionFromSessionKeys(v.profile, v.key, rfc7714Salt);
      assert.deepEqual(bytes(addon().srtpUnprotectRtcp(rx, v.srtcpClear)), rfc7714Rtcp);
    });
  }

  for (const profile of PROFILES) {
    describe(`profile ${profile}: against the reference`, () => {
      const runs = { numRuns: 40 };

      it('native protect → reference unprotect, across the 65535 → 0 rollover', () => {
        fc.assert(
          fc.property(shapeArb, startArb, fc.integer({ min: 1, max: 6 }), (shape, start, count) => {
            const { keys, tx } = pair(profile);
            for (let i = 0; i < count; i++) {
              const plain = rtp(shape, start + i, i * 960);
              const out = bytes(addon().srtpProtectRtp(tx, plain));
              assert.equal(out.length, plain.length + rtpTagLen(profile));
              assert.deepEqual(refUnprotectRtp(keys, out, Math.floor((start + i) / 65536)), plain);
            }
          }),
          runs,
        );
      });

      it('reference protect → native unprotect, across the rollover', () => {
        fc.assert(
          fc.property(shapeArb, startArb, fc.integer({ min: 1, max: 6 }), (shape, start, count) => {
            const { keys, rx } = pair(profile);
            for (let i = 0; i < count; i++) {
              const plain = rtp(shape, start + i, i * 960);
              assert.deepEqual(bytes(addon().srtpUnprotectRtp(rx, refProtectRtp(keys, plain, Math.floor((start + i) / 65536)))), plain);
            }
          }),
          runs,
        );
      });

      it('native protect → native unprotect, several SSRCs interleaved', () => {
        fc.assert(
          fc.property(fc.uniqueArray(shapeArb, { minLength: 1, maxLength: 4, selector: (x) => x.ssrc }), startArb, fc.integer({ min: 2, max: 8 }), (shapes, start, count) => {
            const { tx, rx } = pair(profile);
            for (let i = 0; i < count; i++) {
              const sent = shapes.map((shape) => [rtp(shape, start + i), bytes(addon().srtpProtectRtp(tx, rtp(shape, start + i)))] as const);
              for (const [plain, protectedPacket] of sent.reverse()) assert.deepEqual(bytes(addon().srtpUnprotectRtp(rx, protectedPacket)), plain);
            }
          }),
          runs,
        );
      });

      it('packets delivered out of order across the rollover are all accepted once, then refused as replays', () => {
        fc.assert(
          fc.property(shapeArb, startArb, fc.array(fc.nat(), { minLength: 2, maxLength: 24 }), (shape, start, order) => {
            const { tx, rx } = pair(profile);
            const sent = order.map((_, i) => [rtp(shape, start + i, i), bytes(addon().srtpProtectRtp(tx, rtp(shape, start + i, i)))] as const);
            // The first packet comes first: it sets the receiver's ROC to 0 (RFC 3711 §3.3.1).
            const shuffled = [sent[0]!, ...sent.slice(1).map((p, i) => [order[i]!, p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p)];
            for (const [plain, protectedPacket] of shuffled) assert.deepEqual(bytes(addon().srtpUnprotectRtp(rx, protectedPacket)), plain);
            for (const [, protectedPacket] of sent) assert.equal(addon().srtpUnprotectRtp(rx, protectedPacket), ERR_REPLAY);
          }),
          runs,
        );
      });

      it('SRTCP: compound packets both ways, the index counting up, E = 0 accepted', () => {
        const { keys, tx, rx } = pair(profile);
        for (let i = 0; i < 5; i++) {
          const report = compound(0x1234, i);
          const out = bytes(addon().srtpProtectRtcp(tx, report));
          const got = refUnprotectRtcp(keys, out);
          assert.ok(got);
          assert.deepEqual(got, { plain: report, index: i, encrypted: true });
          assert.notDeepEqual(out.subarray(8, report.length), report.subarray(8), 'always encrypted');
          assert.deepEqual(bytes(addon().srtpUnprotectRtcp(rx, out)), report);
        }
        const theirs = compound(0x9999);
        assert.deepEqual(bytes(addon().srtpUnprotectRtcp(rx, refProtectRtcp(keys, theirs, 7, true))), theirs);
        assert.deepEqual(bytes(addon().srtpUnprotectRtcp(rx, refProtectRtcp(keys, theirs, 8, false))), theirs);
      });
    });
  }

  for (const profile of PROFILES) {
    describe(`profile ${profile}: the receiver's defences`, () => {
      it('a changed tag, payload or header fails authentication, and the genuine packet still passes', () => {
        const { tx, rx } = pair(profile);
        const plain = rtp({ ...simple(0xabc), csrcs: [1, 2], extension: Buffer.alloc(8, 3) }, 100);
        const good = bytes(addon().srtpProtectRtp(tx, plain));
        for (const at of [good.length - 1, good.length - rtpTagLen(profile) - 1, 1, 13, 20]) {
          const bad = Buffer.from(good);
          bad[at]! ^= 0x01;
          assert.equal(addon().srtpUnprotectRtp(rx, bad), ERR_AUTH, `byte ${at}`);
        }
        assert.deepEqual(bytes(addon().srtpUnprotectRtp(rx, good)), plain);
        const report = bytes(addon().srtpProtectRtcp(tx, compound(0xabc)));
        for (const at of [report.length - 1, 9, 1]) {
          const bad = Buffer.from(report);
          bad[at]! ^= 0x01;
          assert.equal(addon().srtpUnprotectRtcp(rx, bad), ERR_AUTH, `RTCP byte ${at}`);
        }
      });

      it('a replayed packet, and one older than the window, are refused', () => {
        const { tx, rx } = pair(profile);
        const sent = new Map<number, Buffer>();
        for (let seq = 800; seq <= 1000; seq++) sent.set(seq, bytes(addon().srtpProtectRtp(tx, rtp(simple(7), seq))));
        assert.ok(Buffer.isBuffer(addon().srtpUnprotectRtp(rx, sent.get(1000)!)));
        assert.equal(addon().srtpUnprotectRtp(rx, sent.get(1000)!), ERR_REPLAY);
        assert.ok(Buffer.isBuffer(addon().srtpUnprotectRtp(rx, sent.get(950)!)), 'late, within the window');
        assert.equal(addon().srtpUnprotectRtp(rx, sent.get(950)!), ERR_REPLAY);
        assert.equal(addon().srtpUnprotectRtp(rx, sent.get(800)!), ERR_REPLAY, 'older than the window');
        const reports = [0, 1, 2].map((i) => bytes(addon().srtpProtectRtcp(tx, compound(7, i))));
        assert.ok(Buffer.isBuffer(addon().srtpUnprotectRtcp(rx, reports[2]!)));
        assert.ok(Buffer.isBuffer(addon().srtpUnprotectRtcp(rx, reports[0]!)));
        assert.equal(addon().srtpUnprotectRtcp(rx, reports[2]!), ERR_REPLAY);
        assert.equal(addon().srtpUnprotectRtcp(rx, reports[0]!), ERR_REPLAY);
      });

      it('a retransmission is protected to the same even after the rollover', () => {
        const { tx } = pair(profile);
        const first = new Map<number, Buffer>();
        for (let i = 0; i < 20; i++) first.set((65530 + i) & 0xffff, bytes(addon().srtpProtectRtp(tx, rtp(simple(42), 65530 + i, i))));
        for (const seq of [65530, 65535, 0, 5]) {
          const i = (seq - 65530 + 65536) & 0xffff;
          assert.deepEqual(bytes(addon().srtpProtectRtp(tx, rtp(simple(42), seq, i))), first.get(seq), `seq ${seq}`);
        }
      });

      it('forged packets from new SSRCs take no stream; authentic ones do, up to the limit', () => {
        const { keys, rx, tx } = pair(profile);
        for (let i = 0; i <= MAX_STREAMS; i++) {
          const forged = refProtectRtp(keys, rtp(simple(0x10000 + i), 1), 0);
          forged[forged.length - 1]! ^= 0xff;
          assert.equal(addon().srtpUnprotectRtp(rx, forged), ERR_AUTH);
          const forgedReport = refProtectRtcp(keys, compound(0x20000 + i), 0);
          forgedReport[forgedReport.length - 1]! ^= 0xff;
          assert.equal(addon().srtpUnprotectRtcp(rx, forgedReport), ERR_AUTH);
        }
        for (let i = 0; i < MAX_STREAMS; i++) assert.ok(Buffer.isBuffer(addon().srtpUnprotectRtp(rx, refProtectRtp(keys, rtp(simple(0x30000 + i), 1), 0))), `stream ${i}`);
        assert.equal(addon().srtpUnprotectRtp(rx, refProtectRtp(keys, rtp(simple(0x40000), 1), 0)), ERR_STREAMS);
        assert.ok(Buffer.isBuffer(addon().srtpUnprotectRtcp(rx, refProtectRtcp(keys, compound(0x30000), 0))), 'a known SSRC still passes');
        for (let i = 0; i < MAX_STREAMS; i++) bytes(addon().srtpProtectRtp(tx, rtp(simple(0x50000 + i), 1)));
        assert.equal(addon().srtpProtectRtp(tx, rtp(simple(0x60000), 1)), ERR_STREAMS);
      });

      it('malformed packets are refused as such', () => {
        const { tx, rx } = pair(profile);
        const t = rtpTagLen(profile);
        const good = bytes(addon().srtpProtectRtp(tx, rtp(simple(5), 1)));
        const v1 = Buffer.from(good);
        v1[0] = 0x40;
        const manyCsrcs = Buffer.from(good.subarray(0, 12 + 8 + t));
        manyCsrcs[0] = 0x8f;
        const longExt = Buffer.concat([rtp(simple(5, Buffer.alloc(0)), 2), Buffer.from([0xbe, 0xde, 0, 40]), Buffer.alloc(8 + t)]);
        longExt[0]! |= 0x10;
        for (const [name, p] of [['empty', Buffer.alloc(0)], ['short', good.subarray(0, 11 + t)], ['version 1', v1], ['CSRCs beyond the end', manyCsrcs], ['extension beyond the end', longExt]] as const) {
          assert.equal(addon().srtpUnprotectRtp(rx, p), ERR_MALFORMED, name);
          if (p.length >= t) assert.equal(addon().srtpProtectRtp(tx, p.subarray(0, p.length - t)), ERR_MALFORMED, `protect: ${name}`);
        }
        assert.equal(addon().srtpUnprotectRtcp(rx, Buffer.alloc(10, 0x80)), ERR_MALFORMED);
        assert.equal(addon().srtpProtectRtcp(tx, Buffer.alloc(7, 0x80)), ERR_MALFORMED);
        const report = bytes(addon().srtpProtectRtcp(tx, compound(5)));
        report[0] = 0x40;
        assert.equal(addon().srtpUnprotectRtcp(rx, report), ERR_MALFORMED);
      });
    });
  }

  it('wrong arguments throw', () => {
    const a = addon();
    assert.throws(() => a.srtpSession('1' as unknown as number, Buffer.alloc(16), Buffer.alloc(14)), TypeError);
    assert.throws(() => a.srtpSession(CM_80, 'key' as unknown as Buffer, Buffer.alloc(14)), TypeError);
    assert.throws(() => a.srtpSession(3, Buffer.alloc(16), Buffer.alloc(14)), RangeError);
    assert.throws(() => a.srtpSession(CM_80, Buffer.alloc(15), Buffer.alloc(14)), RangeError);
    assert.throws(() => a.srtpSession(GCM_128, Buffer.alloc(16), Buffer.alloc(14)), RangeError);
    const s = a.srtpSession(GCM_256, Buffer.alloc(32), Buffer.alloc(12));
    assert.throws(() => a.srtpProtectRtp({} as Session, Buffer.alloc(20)), TypeError);
    assert.throws(() => a.srtpProtectRtp(s, 20 as unknown as Buffer), TypeError);
    assert.throws(() => a.srtpUnprotectRtcp(s, 'x' as unknown as Buffer), TypeError);
  });
});
