import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { saslPrep } from '../../src/auth/saslprep.ts';

test('RFC 5769 §2.4 password: soft hyphen dropped, ª and Ⅸ folded by NFKC', () => {
  assert.equal(saslPrep('The\u00adM\u00aatr\u2168'), 'TheMatrIX');
});

test('non-ASCII spaces become U+0020 and zero-width joiners vanish', () => {
  assert.equal(saslPrep('user\u00a0name'), 'user name');
  assert.equal(saslPrep('a\u3000b'), 'a b');
  assert.equal(saslPrep('a\u200db\ufeff'), 'ab');
});

test('property: printable ASCII passes through unchanged (every coturn key stays the same)', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[\x20-\x7e]*$/), (text) => {
      assert.equal(saslPrep(text), text);
    }),
  );
});

test('property: preparation is idempotent', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (text) => {
      assert.equal(saslPrep(saslPrep(text)), saslPrep(text));
    }),
  );
});
