/** The bandwidth metrics of the SFU's Prometheus registry, read from a stats snapshot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sfuMetricsRegistry } from '../../src/sfu/metrics.ts';
import { newMediaCounters } from '../../src/sfu/media/counters.ts';
import type { RoomStats } from '../../src/sfu/room/sfu.ts';

test('per-subscriber estimates, down-tracks by layer, and bandwidth counters are served', async () => {
  const media = { ...newMediaCounters(), bandwidthLayerDowns: 3, bandwidthLayerUps: 2, pausedLayerPackets: 40, temporalLayerPackets: 9, paddingDropped: 7, feedbackToPublishers: 12 };
  // Only what the metrics read; other fields of the snapshot are not needed here.
  const stats = {
    sessions: 1, peers: 3, publishedTracks: 1, audioTracks: 0, videoTracks: 1, downTracks: 2,
    dataChannelMessagesRelayed: 0, maxClockLagMs: 0, media,
    bandwidth: [
      { peer: 'a', estimateBps: 280_000.4, source: 'remb', layers: [0], caps: [0], costs: [[150_000, 500_000, 1_500_000]] },
      { peer: 'b', estimateBps: undefined, source: 'none', layers: [2], caps: [2], costs: [[150_000, 500_000, 1_500_000]] },
      { peer: 'c', estimateBps: 3_000_000, source: 'twcc', layers: [], caps: [], costs: [] },
    ],
  } as RoomStats;
  const text = await sfuMetricsRegistry(true, () => stats).metrics();
  assert.match(text, /^sfu_subscriber_estimate_bps\{peer="a",source="remb"\} 280000$/m);
  assert.match(text, /^sfu_subscriber_estimate_bps\{peer="c",source="twcc"\} 3000000$/m);
  assert.doesNotMatch(text, /peer="b"/, 'no estimate, no sample');
  assert.match(text, /^sfu_video_down_tracks_by_layer\{layer="q"\} 1$/m);
  assert.match(text, /^sfu_video_down_tracks_by_layer\{layer="h"\} 0$/m);
  assert.match(text, /^sfu_video_down_tracks_by_layer\{layer="f"\} 1$/m);
  assert.match(text, /^sfu_bandwidth_layer_downs 3$/m);
  assert.match(text, /^sfu_paused_layer_packets 40$/m);
  assert.match(text, /^sfu_temporal_layer_packets 9$/m);
  assert.match(text, /^sfu_padding_dropped_packets 7$/m);
  assert.match(text, /^sfu_publisher_feedback_messages 12$/m);
});
