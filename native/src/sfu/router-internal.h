/*
 * The media router's state (router.h is the interface): fixed tables of connections, up-streams
 * and down-tracks, allocated when a router or a track is created, never per packet. Shared by
 * router.c (tables, control, events), router-up.c (what arrives from publishers),
 * router-down.c (what goes to subscribers) and router-rtcp.c (RTCP in).
 */
#ifndef TP_ROUTER_INTERNAL_H
#define TP_ROUTER_INTERNAL_H

#include "router.h"
#include "rtp.h"

/* Table sizes (a smaller build, e.g. the fuzz target's, may override them; connections: a power of two). */
#ifndef TP_R_MAX_CONNS
#define TP_R_MAX_CONNS 256
#endif
#ifndef TP_R_MAX_UPS
#define TP_R_MAX_UPS 1024
#endif
#ifndef TP_R_MAX_DOWNS
#define TP_R_MAX_DOWNS 4096
#endif
#define TP_R_SSRC_SLOTS 32  /* bound SSRCs per connection */
#define TP_R_MISSING 128    /* sequence numbers waiting for a retransmission, per layer */
#define TP_R_TWCC_RING 1024 /* packets sent with a transport-wide sequence number, per connection */
#define TP_R_TWCC_RX 1024   /* packets received with one, not yet reported (a power of two) */
#define TP_R_TWCC_FB_US 100000 /* transport-wide feedback to publishers: every 100 ms (libwebrtc's default) */
#define TP_R_NONE (-1)

/* NACK pacing for publishers, as src/sfu/rtp/receive-stats.ts's defaultNackPolicy. */
#define TP_R_NACK_DELAY_US 5000
#define TP_R_NACK_RETRY_US 100000
#define TP_R_NACK_TRIES 3
#define TP_R_NACK_MAX_AGE_US 1000000
#define TP_R_NACK_MAX_GAP 200
#define TP_R_REPORT_US 1000000 /* RR to publishers, SR to subscribers */
#define TP_R_PLI_US 500000     /* keyframe requests the router makes on its own, per layer */
#define TP_R_PLI_QUIET_US 1000000 /* ... and only of a layer that sent something within this */

typedef struct {
  uint16_t seq, tries;
  uint64_t since_us, last_ask_us;
} tp_r_missing;

/* One simulcast layer of an up-stream: receive statistics (RFC 3550 A.1, A.3, A.8) and history. */
typedef struct {
  uint32_t ssrc;
  uint8_t bound, started, keyframe_wanted;
  uint16_t base_seq, max_seq;
  uint32_t cycles, received, expected_prior, received_prior;
  uint32_t jitter_q4; /* RFC 3550 A.8, times 16 */
  int64_t last_transit;
  uint8_t has_transit;
  uint32_t last_sr;
  uint64_t last_sr_us;
  uint8_t has_sr;
  uint64_t last_pli_us;
  uint8_t has_pli;
  uint64_t bytes, bytes_reported, last_packet_us; /* for TP_EV_LAYER_STATS */
  tp_r_missing missing[TP_R_MISSING];
  uint16_t n_missing;
  /* history: `mask + 1` slots of TP_ROUTER_MAX_PACKET bytes */
  uint8_t *slab;
  uint16_t *lens;
  int32_t *seqs;
  uint32_t mask;
} tp_r_layer;

typedef struct {
  uint8_t used;
  uint32_t id;
  int conn; /* slot */
  tp_up_spec spec;
  uint8_t n_layers;
  tp_r_layer layers[TP_ROUTER_MAX_LAYERS];
  int first_down;      /* slot of the first down-track of this up-stream */
  int next_in_conn;    /* next up-stream of the same connection */
  uint64_t last_report_us;
  uint8_t reported, first_seen;
  uint8_t stats_ticks; /* ticks since the last TP_EV_LAYER_STATS / TP_EV_AUDIO */
  /* VP9 spatial SVC (router-svc.c): a stream whose layer indices name spatial layers above 0.
   * Its spatial layers then stand for simulcast layers: svc_layers of them are reported and
   * chosen, all carried by the simulcast layer svc_source. 0: not SVC. */
  uint8_t svc_layers, svc_source;
  uint64_t svc_base; /* svc_source's bytes when the stream turned out SVC */
  uint64_t svc_bytes[TP_ROUTER_MAX_LAYERS], svc_reported[TP_ROUTER_MAX_LAYERS], svc_last_us[TP_ROUTER_MAX_LAYERS];
  uint16_t audio_packets, audio_speaking;
  uint8_t audio_min;
} tp_r_up;

typedef struct {
  int32_t out; /* outgoing sequence number, -1 when empty */
  uint16_t in_seq;
  uint8_t layer;
  uint32_t ts_off;
  uint16_t pid_off; /* the VP8 PictureID offset it was sent with */
} tp_r_sent;

#define TP_R_ALL_TIDS 3

typedef struct {
  uint8_t used;
  uint32_t id;
  int conn, up; /* slots */
  tp_down_spec spec;
  int next_in_up, next_in_conn;
  uint8_t target, paused, current; /* current 0xff: nothing forwarded yet (video waits for a keyframe) */
  /* munger (src/sfu/rtp/munger.ts) */
  uint8_t started, new_segment, resync;
  uint8_t source;
  uint16_t seq_off, last_in_seq, floor_in_seq, last_out_seq;
  uint32_t ts_off, last_out_ts;
  uint64_t last_out_us;
  /* VP8 temporal layers (RFC 7741 §4.2, router-down.c): the highest TID forwarded and the one
   * asked for (TP_R_ALL_TIDS: every one); how many pictures were left out, taken off each
   * PictureID after them so that the subscriber's numbering has no holes; the last one left out */
  uint8_t tid_max, tid_want, dropped_any;
  uint16_t pid_off, last_dropped_pid;
  tp_r_sent *sent;
  uint32_t sent_mask;
  /* sender reports */
  uint32_t packets, octets;
  uint64_t last_sr_us;
  uint8_t sr_sent;
} tp_r_down;

typedef struct {
  uint16_t seq, size;
  uint32_t at_us;
} tp_r_twcc;

/* Arrivals of a sender's packets by transport-wide sequence number, for feedback (router-twcc.c):
 * the window is base .. base + span - 1; a set bit in `got` marks a packet received, at[] its
 * arrival (µs, low 32 bits). Bits outside the window are clear. */
typedef struct {
  uint8_t on, fb_count;
  uint16_t base;
  uint32_t span;
  uint64_t last_fb_us;
  uint8_t got[TP_R_TWCC_RX / 8];
  uint32_t at[TP_R_TWCC_RX];
} tp_r_twcc_rx;

typedef struct {
  uint8_t used;
  uint32_t id;
  tp_conn_spec spec;
  tp_r_twcc_rx rx;
  struct {
    uint32_t ssrc;
    int up; /* slot, TP_R_NONE when free */
    uint8_t layer;
  } ssrcs[TP_R_SSRC_SLOTS];
  int first_up, first_down;
  uint16_t twcc_seq;
  tp_r_twcc twcc[TP_R_TWCC_RING];
  uint32_t twcc_head, twcc_count; /* pending entries, oldest at head */
  uint32_t last_unknown_ssrc;
  uint64_t last_unknown_us;
  uint8_t reported_unknown;
  /* whether packets can reach the peer (keys and an address); a down-track of a connection not
   * ready forwards nothing, so its first packet is still a keyframe once it is */
  uint8_t ready;
  /* retransmission budget (token bucket, bytes), 0 bit/s = no limit */
  uint32_t rtx_bps;
  double rtx_tokens;
  uint64_t rtx_last_us;
} tp_r_conn;

struct tp_router {
  tp_r_conn *conns;
  tp_r_up *ups;
  tp_r_down *downs;
  int conns_hi, ups_hi, downs_hi; /* one past the highest slot ever used: scans stop there */
  tp_router_counters c;
  uint8_t audio_threshold;
};

/* Event bodies are little-endian whatever the host (router.h). */
static inline void tp_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static inline void tp_le32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24); }

/* router.c */
int tp_r_conn_slot(const tp_router *r, uint32_t id);
int tp_r_up_slot(const tp_router *r, uint32_t id);
int tp_r_down_slot(const tp_router *r, uint32_t id);
tp_out_packet *tp_r_out(tp_router *r, tp_out_batch *out, uint32_t conn, uint8_t rtcp);
void tp_r_event(tp_event_log *ev, uint16_t type, const uint8_t *body, size_t len);
void tp_r_bind_ssrc(tp_router *r, int conn, int up, uint8_t layer, uint32_t ssrc);

/* router-up.c */
void tp_r_up_rtp(tp_router *r, int conn, const uint8_t *p, size_t len, const tp_rtp_view *v, uint64_t now_us, tp_out_batch *out, tp_event_log *ev);
void tp_r_up_sr(tp_router *r, int conn, uint32_t ssrc, uint64_t ntp, uint64_t now_us);
void tp_r_up_tick(tp_router *r, int up, uint64_t now_us, tp_out_batch *out, tp_event_log *ev);
const uint8_t *tp_r_history(const tp_r_layer *l, uint16_t seq, size_t *len);
int tp_r_pli(tp_router *r, int up, uint8_t layer, uint64_t now_us, tp_out_batch *out);

/* router-down.c */
void tp_r_down_reset(tp_r_down *d);
void tp_r_down_write(tp_router *r, int down, const uint8_t *p, size_t len, const tp_rtp_view *v, uint8_t layer, int keyframe, const tp_vp9_layer *svc, uint64_t now_us, tp_out_batch *out, tp_event_log *ev);
void tp_r_down_skip(tp_router *r, int down, uint16_t seq, uint8_t layer);
/* A packet of the down-track's source left out on purpose: the numbering closes its hole. */
void tp_r_down_close_hole(tp_r_down *d, uint16_t seq, uint8_t layer);
void tp_r_layer_event(tp_event_log *ev, uint32_t down_id, uint8_t layer);

/* router-twcc.c: a packet from the connection's sender, and the feedback that is due (all pending
 * when `force`). */
void tp_r_twcc_arrival(tp_router *r, int conn, const uint8_t *p, const tp_rtp_view *v, uint64_t now_us, tp_out_batch *out);
void tp_r_twcc_tick(tp_router *r, int conn, uint64_t now_us, int force, tp_out_batch *out);

/* router-svc.c */
/* The spatial layer of a VP9 packet of `u`'s simulcast layer `layer`, counted; NULL when the
 * up-stream is not (or not yet) spatial SVC or the packet is not its stream's. */
const tp_vp9_layer *tp_r_svc_packet(tp_router *r, tp_r_up *u, uint8_t layer, uint8_t codec, const uint8_t *payload, size_t plen, size_t len, uint64_t now_us, tp_vp9_layer *buf, tp_event_log *ev);
/* Whether down-track `d` forwards this packet of an SVC stream: switches up on a keyframe and
 * down at a picture's start, leaves out spatial layers above its own. */
int tp_r_svc_accept(tp_r_down *d, uint16_t seq, uint8_t layer, const tp_vp9_layer *s, int keyframe, tp_event_log *ev);
/* TP_EV_LAYER_STATS of the spatial layers: bytes of layers up to each (what forwarding it costs). */
void tp_r_svc_figures(tp_r_up *u, uint64_t now_us, tp_event_log *ev);
void tp_r_down_nack(tp_router *r, int down, uint16_t out_seq, uint64_t now_us, tp_out_batch *out);
void tp_r_down_tick(tp_router *r, int down, uint64_t now_us, uint64_t wall_ms, tp_out_batch *out);
void tp_r_conn_tick(tp_router *r, int conn, tp_event_log *ev);

#endif
