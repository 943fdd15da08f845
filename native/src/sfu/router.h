/*
 * The SFU's media router: what happens to one plaintext RTP or RTCP packet, with no sockets and
 * no crypto (the media worker, media-worker.c, owns those). TypeScript decides everything through the
 * control calls below (which up-streams exist, who receives what, which simulcast layer each
 * down-track should carry); the router carries it out per packet and reports what JavaScript
 * needs as events, in batches.
 *
 * Per packet it does what src/sfu/media/up-track.ts and down-track.ts do in TypeScript:
 * - RTP in: find the up-stream layer by SSRC, or, for an SSRC not seen yet, by the MID and RID
 *   header extensions (RFC 8843 §15, RFC 8852 §3.3) of its connection, then bind the SSRC
 *   (event TP_EV_SSRC). Keep reception statistics and a history of the last `history` packets
 *   per layer for NACKs. Detect keyframes (VP8, VP9, H.264).
 * - For each down-track of that up-stream carrying that layer: copy, re-map header extension ids
 *   (dropping those the subscriber did not negotiate), write the transport-wide sequence number
 *   (if negotiated), rewrite SSRC, payload type, sequence number and timestamp so the subscriber
 *   sees one continuous stream across layer switches (RFC 3550 §5.1), and append it to `out`.
 *   Video down-tracks start, and switch layers, only on a keyframe of the target layer.
 * - RTCP in from a subscriber: NACKs are answered from history (the packet sent again with the
 *   down-track's numbering); PLI/FIR, REMB, transport-wide feedback and receiver reports become
 *   events. RTCP in from a publisher (SR, BYE, ...) becomes events.
 * - tick (every 20 ms): NACKs and receiver reports to publishers, sender reports to subscribers.
 *
 * Thread safety: none inside; the worker serialises packet processing and control calls.
 */
#ifndef TP_ROUTER_H
#define TP_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#define TP_ROUTER_MAX_LAYERS 3
#define TP_ROUTER_MAX_PACKET 1500

typedef struct tp_router tp_router;

/* --- output ------------------------------------------------------------------------------ */

/* One packet to send (plaintext; the worker protects it with the connection's SRTP). */
typedef struct {
  uint32_t conn;
  uint8_t rtcp; /* 1: RTCP, 0: RTP */
  uint16_t len;
  uint8_t data[TP_ROUTER_MAX_PACKET + 32]; /* room for the SRTP trailer */
} tp_out_packet;

/* The packets one call produces; the worker sends them (sendmmsg) and resets `count`. When full,
 * further packets are dropped and counted in `dropped`. */
typedef struct {
  tp_out_packet *packets;
  size_t count, cap;
  uint64_t dropped;
} tp_out_batch;

/* --- events (router → JavaScript) ---------------------------------------------------------- */

/* Each event in the event log: u16 type, u16 length of the body, the body (little-endian
 * fields as listed). The worker drains the log to JavaScript in one buffer. */
#define TP_EV_SSRC 1      /* u32 up, u8 layer, u32 ssrc: an SSRC bound to a layer by MID/RID */
#define TP_EV_KEYFRAME 2  /* u32 up, u8 layer: first keyframe after a request (or ever) */
#define TP_EV_PLI 3       /* u32 down: the subscriber asked for a keyframe (PLI or FIR) */
#define TP_EV_RTCP 4      /* u32 conn, bytes: RTCP for JavaScript (REMB, TWCC, RR, SR, BYE, APP) */
#define TP_EV_UNKNOWN 5   /* u32 conn, u32 ssrc: RTP whose SSRC matches no up-stream (rate-limited) */
#define TP_EV_LAYER 6     /* u32 down, u8 layer: the down-track now carries this layer */
#define TP_EV_AUDIO 7     /* u32 up, u16 speaking packets, u16 packets, u8 min level: per tick, audio with RFC 6464 */
#define TP_EV_TWCC_SENT 8 /* u32 conn, then n × (u16 seq, u16 size, u32 send time µs low bits) */
#define TP_EV_FIRST 9     /* u32 up, u8 pt: the up-stream's first packet of a negotiated payload type (its codec is known) */
#define TP_EV_LAYER_STATS 10 /* u32 up, u8 layer, u64 bytes (cumulative, padding-only packets excluded), u32 ms since its
                              * last packet: per tick, for each layer that received media since the last one */
#define TP_EV_SVC 11 /* u32 up: its VP9 stream carries spatial layers, which now stand for its layers (router-svc.c) */

typedef struct {
  uint8_t *bytes;
  size_t len, cap;
  uint64_t lost; /* events not logged because the log was full */
} tp_event_log;

/* --- control (JavaScript → router) ---------------------------------------------------------- */

/* A connection (one peer connection): its negotiated header extension ids (0 = not negotiated). */
typedef struct {
  uint8_t ext_mid, ext_rid, ext_repaired_rid, ext_audio_level, ext_transport_cc, ext_abs_send_time;
  uint32_t rtcp_ssrc; /* the SSRC the SFU signs its RTCP with on this connection */
} tp_conn_spec;

#define TP_CODEC_OTHER 0
#define TP_CODEC_OPUS 1
#define TP_CODEC_VP8 2
#define TP_CODEC_VP9 3
#define TP_CODEC_H264 4

/* A published track (one media section of a publisher's connection). */
typedef struct {
  uint32_t conn;
  uint8_t video; /* 1 video, 0 audio */
  char mid[16];
  /* simulcast: rid of each layer, lowest quality first ("" where absent); no rids: one layer */
  char rids[TP_ROUTER_MAX_LAYERS][16];
  /* SSRCs already known from the SDP (a=ssrc), 0 where to be learnt */
  uint32_t ssrcs[TP_ROUTER_MAX_LAYERS];
  /* payload type → codec (TP_CODEC_*), 0xff for payload types not negotiated */
  uint8_t codec_of_pt[128];
  uint32_t clock_rate;
  uint16_t history; /* packets kept per layer for NACKs (maxpackettrack) */
  uint32_t max_bitrate; /* REMB cap to the publisher, bit/s; 0 = none */
} tp_up_spec;

/* One up-stream as one subscriber receives it. */
typedef struct {
  uint32_t conn;
  uint32_t up;
  uint32_t ssrc;
  uint8_t pt_of_pt[128]; /* publisher payload type → subscriber payload type, 0xff = drop */
  uint8_t ext_of_ext[256]; /* publisher extension id → subscriber extension id, 0 = drop */
  uint8_t ext_transport_cc; /* the subscriber's transport-wide sequence number id, 0 = none */
  uint16_t first_seq;
  uint32_t first_ts;
  uint16_t history;
  char cname[64];
} tp_down_spec;

/* Results of control calls. */
#define TP_ROUTER_OK 0
#define TP_ROUTER_ERR_EXISTS (-1)
#define TP_ROUTER_ERR_NOT_FOUND (-2)
#define TP_ROUTER_ERR_FULL (-3)
#define TP_ROUTER_ERR_INVALID (-4)

tp_router *tp_router_new(void);
void tp_router_free(tp_router *r);

int tp_router_conn_add(tp_router *r, uint32_t conn, const tp_conn_spec *spec);
int tp_router_conn_remove(tp_router *r, uint32_t conn); /* removes its up- and down-tracks too */
/* New extension ids / RTCP SSRC for an existing connection (known once its SDP is negotiated);
 * its tracks and SSRC bindings stay. */
int tp_router_conn_set(tp_router *r, uint32_t conn, const tp_conn_spec *spec);
int tp_router_up_add(tp_router *r, uint32_t up, const tp_up_spec *spec);
int tp_router_up_remove(tp_router *r, uint32_t up); /* removes its down-tracks too */
int tp_router_down_add(tp_router *r, uint32_t down, const tp_down_spec *spec);
int tp_router_down_remove(tp_router *r, uint32_t down);
/* The layer a down-track should carry (switched at that layer's next keyframe); paused: none. */
int tp_router_down_target(tp_router *r, uint32_t down, uint8_t layer, uint8_t paused);
/* The highest temporal layer (TID of VP8, RFC 7741 §4.2, or of a VP9 SVC stream, RFC 9628 §4.2)
 * forwarded to this subscriber, 0-2; 3 for every one (the default). Taken at the next picture
 * that allows it. */
int tp_router_down_temporal(tp_router *r, uint32_t id, uint8_t tid_max);
/* What the subscriber's answer settled (payload types, extension ids, transport-wide id): the
 * down-track keeps its SSRC, numbering and layer; only these maps change. */
int tp_router_down_set(tp_router *r, uint32_t down, const tp_down_spec *spec);
/* Whether a connection can carry media now (the media worker: SRTP keys and an address). New
 * connections are ready; down-tracks of one that is not forward nothing, keep no state and send
 * no reports, so a subscriber still starts on a keyframe when it becomes ready. */
int tp_router_conn_ready(tp_router *r, uint32_t conn, uint8_t ready);
/* The share of a subscriber connection's estimated bandwidth retransmissions may use, bit/s
 * (a token bucket holding 250 ms of it): NACKs from a congested link must not add to the
 * congestion. 0 = no limit (no estimate yet). */
int tp_router_conn_rtx_rate(tp_router *r, uint32_t conn, uint32_t bps);
/* Ask the publisher of `up` for a keyframe of `layer` now (PLI, RFC 4585 §6.3.1). */
int tp_router_request_keyframe(tp_router *r, uint32_t up, uint8_t layer, tp_out_batch *out);

/* --- per packet --------------------------------------------------------------------------- */

void tp_router_rtp(tp_router *r, uint32_t conn, const uint8_t *packet, size_t len, uint64_t now_us, tp_out_batch *out, tp_event_log *ev);
/* Whether RTP from `conn` with this SSRC belongs to an audio up-track (load shedding spares audio:
 * it is a small share of the packets and the first loss anyone hears). 0 for an SSRC not bound yet. */
int tp_router_rtp_is_audio(const tp_router *r, uint32_t conn, uint32_t ssrc);
void tp_router_rtcp(tp_router *r, uint32_t conn, const uint8_t *packet, size_t len, uint64_t now_us, tp_out_batch *out, tp_event_log *ev);
/* Every 20 ms: NACKs, receiver reports and REMB to publishers, sender reports to subscribers,
 * audio-level events. `wall_ms` is the Unix time for NTP timestamps. */
void tp_router_tick(tp_router *r, uint64_t now_us, uint64_t wall_ms, tp_out_batch *out, tp_event_log *ev);

/* Counters for stats(): packets in/out, bytes in/out, NACKs asked/answered, PLIs, drops. */
typedef struct {
  uint64_t rtp_in, rtp_out, bytes_in, bytes_out, rtcp_in, rtcp_out;
  uint64_t nacks_sent, nacks_received, retransmits, plis, dropped_unknown, dropped_malformed;
  /* video packets of a simulcast layer no down-track carries or waits for: not forwarded */
  uint64_t unwanted;
  /* NACKed packets not sent again: over the connection's retransmission budget */
  uint64_t rtx_over_budget;
  /* transport-wide feedback messages sent to publishers, and packets they reported */
  uint64_t twcc_feedback, twcc_reported;
  /* VP8 packets above a subscriber's temporal target (ion-sfu's framerate): not sent to it */
  uint64_t temporal_dropped;
} tp_router_counters;
void tp_router_counters_get(const tp_router *r, tp_router_counters *c);

/* The RFC 6464 level (0 loudest .. 127) at or under which an audio packet counts as speaking in
 * TP_EV_AUDIO ([router] audiolevelthreshold; 40 unless set). */
void tp_router_set_audio_threshold(tp_router *r, uint8_t level);

#endif
