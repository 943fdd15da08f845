/**
 * ion-sfu's `activeLayer` notice on the `ion-sfu` channel (ion-sdk-js `client.onactivelayer`):
 * which layer of a simulcast or spatially layered stream the subscriber now receives, and which
 * layers the publisher sends. The SFU tells it whenever either changes: a switch the subscriber
 * asked for with `preferLayer`, one its bandwidth estimate forced, or a layer the publisher
 * stopped or started sending. Pure: the caller passes the time and sends what it returns.
 */
import { activeLayerMessage, LayerName } from '../types/schema.ts';

/** How often the layers are looked at: a switch happens at a keyframe, not at once. */
const CHECK_EVERY_MS = 200;

/** What this needs of a forwarded track. */
export interface LayeredTrack {
  readonly kind: 'audio' | 'video';
  /** the layer being sent, -1 before the first keyframe */
  readonly currentLayer: number;
  readonly up: {
    readonly info: { readonly id: string; readonly streamId: string };
    readonly simulcast: boolean;
    availableLayers(nowMs: number): number[];
  };
}

const names = (layers: readonly number[]): LayerName[] => layers.filter((l) => l >= 0 && l < LayerName.length).map((l) => LayerName[l]);

/** The notices already sent, per track, so that each change is told once. */
export class ActiveLayers {
  readonly #told = new Map<string, string>();
  #checkedAt = -Infinity;

  /** The notices due at `nowMs`: one per layered video track whose layers changed since the last. */
  due(tracks: Iterable<LayeredTrack>, nowMs: number): string[] {
    if (nowMs - this.#checkedAt < CHECK_EVERY_MS) return [];
    this.#checkedAt = nowMs;
    const out: string[] = [];
    for (const t of tracks) {
      if (t.kind !== 'video' || t.currentLayer < 0 || t.currentLayer >= LayerName.length) continue;
      const available = t.up.availableLayers(nowMs);
      if (!t.up.simulcast && available.length < 2) continue; // one layer: nothing to tell
      const msg = activeLayerMessage(t.up.info.streamId, LayerName[t.currentLayer], names(available));
      if (this.#told.get(t.up.info.id) === msg) continue;
      this.#told.set(t.up.info.id, msg);
      out.push(msg);
    }
    return out;
  }

  /** The track is no longer sent to this subscriber. */
  forget(trackId: string): void {
    this.#told.delete(trackId);
  }
}
