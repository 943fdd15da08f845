/**
 * Media counters of one SFU, summed over every track; read by `SfuHandle.stats()` and the bench.
 */
export interface MediaCounters {
  /** RTP packets received from publishers */
  rtpIn: number;
  rtpBytesIn: number;
  /** RTP packets sent to subscribers (retransmissions included) */
  rtpOut: number;
  rtpBytesOut: number;
  /** packets not forwarded: malformed, unknown payload type or SSRC */
  dropped: number;
  /** sends the WebRTC stack refused (queue full, track not open) */
  sendFailed: number;
  /** packets not forwarded because the forwarder was over its budget (load shedding) */
  shed: number;
  /** lost sequence numbers subscribers asked for (RFC 4585 §6.2.1) */
  nackedBySubscribers: number;
  /** of those, answered from the packet buffer */
  retransmitted: number;
  /** lost sequence numbers the SFU asked publishers for */
  nackedToPublishers: number;
  /** PLIs sent to publishers (RFC 4585 §6.3.1) */
  pliToPublishers: number;
  /** transport-wide feedback messages sent to publishers (native path: their send-side estimate) */
  feedbackToPublishers: number;
  /** PLI/FIR received from subscribers */
  keyframeRequestsFromSubscribers: number;
  rtcpIn: number;
  rtcpOut: number;
  /** packets of simulcast layers no subscriber was receiving (paused layers, not forwarded) */
  pausedLayerPackets: number;
  /** VP8 packets above a subscriber's frame-rate choice (preferFramerate), not sent to it */
  temporalLayerPackets: number;
  /** padding-only packets from publishers (bandwidth probes), not forwarded */
  paddingDropped: number;
  /** retransmissions not sent: over the subscriber's retransmission budget, or of a layer left behind */
  retransmissionsDropped: number;
  /** REMB and transport-wide feedback messages from subscribers */
  bandwidthFeedback: number;
  /** simulcast layer cap changes from bandwidth estimates, down and up */
  bandwidthLayerDowns: number;
  bandwidthLayerUps: number;
}

/** A zeroed set of counters. */
export function newMediaCounters(): MediaCounters {
  return {
    rtpIn: 0,
    rtpBytesIn: 0,
    rtpOut: 0,
    rtpBytesOut: 0,
    dropped: 0,
    sendFailed: 0,
    shed: 0,
    nackedBySubscribers: 0,
    retransmitted: 0,
    nackedToPublishers: 0,
    pliToPublishers: 0,
    feedbackToPublishers: 0,
    keyframeRequestsFromSubscribers: 0,
    rtcpIn: 0,
    rtcpOut: 0,
    pausedLayerPackets: 0,
    temporalLayerPackets: 0,
    paddingDropped: 0,
    retransmissionsDropped: 0,
    bandwidthFeedback: 0,
    bandwidthLayerDowns: 0,
    bandwidthLayerUps: 0,
  };
}
