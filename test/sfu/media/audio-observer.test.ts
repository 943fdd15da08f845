import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioObserver } from '../../../src/sfu/media/audio-observer.ts';

test('speakers are listed loudest first, only when the list changes (RFC 6464 levels)', () => {
  const o = new AudioObserver({ threshold: 40, interval: 1000, filter: 20 }); // needs 10 packets a second
  for (let i = 0; i < 50; i++) {
    o.observe('quiet', 35);
    o.observe('loud', 10);
    o.observe('silent', 90);
  }
  for (let i = 0; i < 5; i++) o.observe('rare', 5);
  assert.deepEqual(o.tick(), ['loud', 'quiet']);
  for (let i = 0; i < 50; i++) {
    o.observe('quiet', 35);
    o.observe('loud', 10);
  }
  assert.equal(o.tick(), undefined, 'unchanged');
  assert.deepEqual(o.tick(), [], 'everyone stopped');
});
