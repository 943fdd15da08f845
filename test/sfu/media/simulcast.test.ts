import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LayerSelector, layerOfRid } from '../../../src/sfu/media/simulcast.ts';

test('RIDs map to layers as ion-sfu maps them', () => {
  assert.deepEqual(['f', 'h', 'q', undefined, 'x'].map(layerOfRid), [2, 1, 0, 0, 0]);
});

test('best quality first: start on the highest layer, switching only on its keyframe', () => {
  const s = new LayerSelector(true);
  s.setAvailable([0, 1, 2]);
  assert.equal(s.target, 2);
  assert.equal(s.accept(2, false), false, 'no keyframe yet');
  assert.equal(s.accept(0, true), false, 'not the target layer');
  assert.equal(s.pendingKeyframe(), 2);
  assert.equal(s.accept(2, true), true);
  assert.equal(s.accept(2, false), true);
  assert.equal(s.accept(1, true), false);
  assert.equal(s.pendingKeyframe(), undefined);
});

test('a preference moves the target down; the old layer flows until the new one has a keyframe', () => {
  const s = new LayerSelector(true);
  s.setAvailable([0, 1, 2]);
  s.accept(2, true);
  s.setMax(0);
  assert.equal(s.target, 0);
  assert.equal(s.accept(2, false), true, 'keep sending until the switch can happen');
  assert.equal(s.accept(0, false), false);
  assert.equal(s.accept(0, true), true);
  assert.equal(s.accept(2, false), false);
  assert.equal(s.current, 0);
});

test('lowest first without bestqualityfirst; a vanished layer is replaced; "none" pauses', () => {
  const s = new LayerSelector(false);
  s.setAvailable([0, 1, 2]);
  assert.equal(s.target, 0);
  s.accept(0, true);
  s.setAvailable([1, 2]);
  assert.equal(s.target, 1, 'layer 0 stopped: move to the lowest left');
  s.setMax(-1);
  assert.equal(s.accept(1, true), false);
  s.setMax(2);
  assert.equal(s.target, 2);
});
