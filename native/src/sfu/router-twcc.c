/*
 * Transport-wide feedback to publishers (draft-holmer-rmcat-transport-wide-cc-extensions-01):
 * a publisher that negotiated `transport-cc` numbers every packet it sends on the connection, and
 * estimates its uplink from when each arrived here (send-side bandwidth estimation, probing
 * included: its padding probes are recorded like media). The router notes each arrival by that
 * number and reports them every 100 ms, or at once when half the window is pending. A packet
 * arriving after its number was reported stays reported as lost, as in libwebrtc's receiver.
 */
#include <string.h>

#include "router-internal.h"

#define MASK (TP_R_TWCC_RX - 1)
/* What one feedback message may take: it is sent in one SRTCP datagram. */
#define FEEDBACK_CAP 1200

static int got(const tp_r_twcc_rx *x, uint16_t seq) { return (x->got[(seq & MASK) >> 3] >> (seq & 7)) & 1; }
static void clear(tp_r_twcc_rx *x, uint16_t seq) { x->got[(seq & MASK) >> 3] &= (uint8_t) ~(1u << (seq & 7)); }

static void restart(tp_r_twcc_rx *x, uint16_t seq) {
  memset(x->got, 0, sizeof x->got);
  x->base = seq;
  x->span = 0;
}

/* The media SSRC the feedback names: the connection's first bound stream (receivers ignore it). */
static uint32_t media_ssrc(const tp_r_conn *c) {
  for (int i = 0; i < TP_R_SSRC_SLOTS; i++)
    if (c->ssrcs[i].up != TP_R_NONE) return c->ssrcs[i].ssrc;
  return 0;
}

void tp_r_twcc_tick(tp_router *r, int conn, uint64_t now_us, int force, tp_out_batch *out) {
  tp_r_conn *c = &r->conns[conn];
  tp_r_twcc_rx *x = &c->rx;
  if (x->span == 0 || (!force && now_us - x->last_fb_us < TP_R_TWCC_FB_US)) return;
  x->last_fb_us = now_us;
  int64_t at[TP_R_TWCC_RX];
  while (x->span > 0) {
    for (uint32_t i = 0; i < x->span; i++) {
      uint16_t s = (uint16_t)(x->base + i);
      /* 32-bit µs arrivals, widened against now: they are seconds old at most */
      at[i] = got(x, s) ? (int64_t)now_us - (int32_t)((uint32_t)now_us - x->at[s & MASK]) : -1;
    }
    tp_out_packet *o = tp_r_out(r, out, c->id, 1);
    if (!o) return; /* the batch is full: the window waits for the next tick */
    size_t used = 0;
    size_t len = tp_rtcp_twcc(o->data, FEEDBACK_CAP, c->spec.rtcp_ssrc, media_ssrc(c), x->base, x->fb_count, at, x->span, &used);
    if (used == 0) return;
    for (size_t i = 0; i < used; i++) clear(x, (uint16_t)(x->base + i));
    x->base = (uint16_t)(x->base + used);
    x->span -= (uint32_t)used;
    if (len == 0) continue; /* none of those arrived: nothing to report */
    o->len = (uint16_t)len;
    out->count++;
    x->fb_count++;
    r->c.twcc_feedback++;
    r->c.twcc_reported += used;
    r->c.rtcp_out++;
  }
}

void tp_r_twcc_arrival(tp_router *r, int conn, const uint8_t *p, const tp_rtp_view *v, uint64_t now_us, tp_out_batch *out) {
  tp_r_conn *c = &r->conns[conn];
  tp_rtp_ext e;
  if (c->spec.ext_transport_cc == 0 || !tp_rtp_ext_find(p, v, c->spec.ext_transport_cc, &e) || e.len < 2) return;
  uint16_t seq = tp_get16(p + e.off);
  tp_r_twcc_rx *x = &c->rx;
  if (!x->on) {
    x->on = 1;
    x->last_fb_us = now_us;
    restart(x, seq);
  }
  int32_t d = tp_seq_delta(x->base, seq);
  if (d < 0) {
    if (d > -TP_R_TWCC_RX) return; /* reported already (as lost), or a duplicate */
    restart(x, seq);                /* far behind: the sender started again */
    d = 0;
  }
  if (d >= TP_R_TWCC_RX) {
    tp_r_twcc_tick(r, conn, now_us, 1, out);
    d = tp_seq_delta(x->base, seq);
    if (d < 0 || d >= TP_R_TWCC_RX) restart(x, seq), d = 0; /* a jump ahead */
  }
  if (got(x, seq)) return; /* a duplicate keeps its first arrival */
  x->got[(seq & MASK) >> 3] |= (uint8_t)(1u << (seq & 7));
  x->at[seq & MASK] = (uint32_t)now_us;
  if ((uint32_t)d + 1 > x->span) x->span = (uint32_t)d + 1;
  if (x->span >= TP_R_TWCC_RX / 2) tp_r_twcc_tick(r, conn, now_us, 1, out);
}
