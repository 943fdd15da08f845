/**
 * ion-sfu's `activeLayer` notice: told once per change of the layer served or of the layers
 * sent, only for layered video, looked at every 200 ms of the caller's clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActiveLayers, type LayeredTrack } from '../../../src/sfu/room/active-layer.ts';

function track(id: string, o: { kind?: 'audio' | 'video'; simulcast?: boolean; layers: number[]; current: number }): LayeredTrack & { layers: number[]; current: number } {
  const t = {
    kind: o.kind ?? 'video',
    layers: o.layers,
    current: o.current,
    get currentLayer() {
      return t.current;
    },
    up: { info: { id, streamId: `stream-${id}` }, simulcast: o.simulcast ?? true, availableLayers: () => [...t.layers] },
  };
  return t;
}

const notice = (streamId: string, activeLayer: string, availableLayers: string[]) => ({ method: 'activeLayer', params: { streamId, activeLayer, availableLayers } });
const parsed = (msgs: string[]) => msgs.map((m) => JSON.parse(m) as unknown);

test('a layered track is told once, then again only when the layer served or the layers sent change', () => {
  const a = new ActiveLayers();
  const t = track('v', { layers: [0, 1, 2], current: 2 });
  assert.deepEqual(parsed(a.due([t], 0)), [notice('stream-v', 'high', ['low', 'medium', 'high'])]);
  assert.deepEqual(a.due([t], 200), [], 'nothing changed');
  t.current = 0;
  assert.deepEqual(parsed(a.due([t], 400)), [notice('stream-v', 'low', ['low', 'medium', 'high'])], 'preferLayer(low) took effect');
  t.layers = [0, 1];
  assert.deepEqual(parsed(a.due([t], 600)), [notice('stream-v', 'low', ['low', 'medium'])], 'the publisher stopped its top layer');
});

test('looked at no more than every 200 ms', () => {
  const a = new ActiveLayers();
  const t = track('v', { layers: [0, 1, 2], current: 1 });
  assert.equal(a.due([t], 1000).length, 1);
  t.current = 2;
  assert.equal(a.due([t], 1199).length, 0);
  assert.equal(a.due([t], 1200).length, 1);
});

test('nothing for audio, a single-layer video, or before the first keyframe', () => {
  const a = new ActiveLayers();
  const audio = track('a', { kind: 'audio', layers: [0, 1], current: 0 });
  const plain = track('p', { simulcast: false, layers: [0], current: 0 });
  const waiting = track('w', { layers: [0, 1, 2], current: -1 });
  assert.deepEqual(a.due([audio, plain, waiting], 0), []);
  waiting.current = 0;
  assert.equal(a.due([audio, plain, waiting], 200).length, 1, 'told once it has a layer');
});

test('spatial layers of one stream (VP9 SVC, not simulcast) are told too; a forgotten track is told afresh', () => {
  const a = new ActiveLayers();
  const svc = track('s', { simulcast: false, layers: [0, 1, 2], current: 1 });
  assert.deepEqual(parsed(a.due([svc], 0)), [notice('stream-s', 'medium', ['low', 'medium', 'high'])]);
  assert.deepEqual(a.due([svc], 200), []);
  a.forget('s');
  assert.equal(a.due([svc], 400).length, 1);
});
