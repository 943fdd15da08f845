/**
 * Makes the forwarded copy of a published track for one subscriber, on the media path that
 * carries the track: a TypeScript {@link DownTrack} fed by an {@link UpTrack}, or a native one
 * whose packets stay in the media worker.
 */
import { DownTrack, type DownTrackOptions } from '../media/down-track.ts';
import type { ForwardedTrack, PublishedTrack } from '../media/track-types.ts';
import { UpTrack } from '../media/up-track.ts';
import type { SendTrack } from '../transport/types.ts';
import { NativeSendTrack, NativeUpTrack } from '../native/native-tracks.ts';

/** The forwarded track, or undefined when the track and the connection are on different media paths. */
export function forwardedTrack(up: PublishedTrack, tx: SendTrack, o: DownTrackOptions): ForwardedTrack | undefined {
  if (up instanceof UpTrack && !(tx instanceof NativeSendTrack)) {
    const down = new DownTrack(up, tx, o);
    up.addSink(down);
    return down;
  }
  if (up instanceof NativeUpTrack && tx instanceof NativeSendTrack) return tx.forward(up, o);
  return undefined;
}
