import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { embeddedIpv4, embeddedIpv4Form, EmbeddedIpv4Form } from '../../src/net/ip-embedded.ts';
import { parseIpWords } from '../../src/net/ip.ts';

function wordsOf(text: string): Uint32Array {
  const w = new Uint32Array(4);
  assert.equal(parseIpWords(text, w), 'IPv6', text);
  return w;
}

describe('embeddedIpv4', () => {
  it('finds the IPv4 address each form carries', () => {
    const cases: [string, EmbeddedIpv4Form, number][] = [
      ['::ffff:192.0.2.33', EmbeddedIpv4Form.Mapped, 0xc0000221],
      ['::ffff:c000:221', EmbeddedIpv4Form.Mapped, 0xc0000221],
      ['::192.0.2.33', EmbeddedIpv4Form.Compatible, 0xc0000221],
      ['::0.0.0.2', EmbeddedIpv4Form.Compatible, 2],
      ['::ffff:0:192.0.2.33', EmbeddedIpv4Form.Translated, 0xc0000221],
      ['64:ff9b::192.0.2.33', EmbeddedIpv4Form.Nat64, 0xc0000221],
      ['2002:c000:0221::', EmbeddedIpv4Form.SixToFour, 0xc0000221],
      ['2002:c000:221:1:2:3:4:5', EmbeddedIpv4Form.SixToFour, 0xc0000221],
      ['2002:ffff:ffff::', EmbeddedIpv4Form.SixToFour, 0xffffffff],
    ];
    for (const [text, form, v4] of cases) {
      const w = wordsOf(text);
      assert.equal(embeddedIpv4Form(w), form, text);
      assert.equal(embeddedIpv4(w), v4, text);
    }
  });

  it('finds none in IPv6-only addresses, nor in :: and ::1', () => {
    for (const text of ['::', '::1', '2001:db8::1', '64:ff9b:1::1', '64:ff9b::1:0:0:1', '::1:ffff:1.2.3.4', '2003::1', '2001::1', 'fe80::1']) {
      const w = wordsOf(text);
      assert.equal(embeddedIpv4Form(w), undefined, text);
      assert.equal(embeddedIpv4(w), -1, text);
    }
  });
});
