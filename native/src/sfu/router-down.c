/*
 * What goes to subscribers (src/sfu/media/down-track.ts, simulcast.ts and rtp/munger.ts in C):
 * layer choice on keyframes (RFC 8853), sequence numbers and timestamps rewritten into one
 * continuous stream per down-track (RFC 3550 §5.1), header extensions renamed to the
 * subscriber's ids (RFC 8285 §5), the transport-wide sequence number
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01), NACKs answered (RFC 4585 §6.2.1) and
 * sender reports with CNAME (RFC 3550 §6.4.1, §6.5.1).
 */
#include <string.h>

#include "router-internal.h"

#define NO_LAYER 0xff

void tp_r_down_reset(tp_r_down *d) {
  d->started = d->new_segment = d->resync = 0;
  d->current = NO_LAYER;
  d->last_out_seq = (uint16_t)(d->spec.first_seq - 1);
  d->last_out_ts = d->spec.first_ts;
  d->tid_max = d->tid_want;
  d->pid_off = 0;
  d->dropped_any = 0;
  for (uint32_t i = 0; i <= d->sent_mask; i++) d->sent[i].out = -1;
}

static uint32_t ticks(uint64_t from_us, uint64_t to_us, uint32_t clock) {
  if (to_us <= from_us) return 0;
  return (uint32_t)(((to_us - from_us) * clock + 500000) / 1000000);
}

/* --- munger (src/sfu/rtp/munger.ts) ------------------------------------------------------- */

static void remember(tp_r_down *d, uint16_t out, uint16_t in_seq) {
  tp_r_sent *s = &d->sent[out & d->sent_mask];
  s->out = out;
  s->in_seq = in_seq;
  s->layer = d->source;
  s->ts_off = d->ts_off;
  s->pid_off = d->pid_off;
}

/* Maps one packet of `layer` into the outgoing numbering; 0 to drop it (too old to place). */
static int munge(tp_r_down *d, uint8_t layer, uint16_t in_seq, uint32_t in_ts, uint64_t now_us, uint32_t clock, uint16_t *seq, uint32_t *ts) {
  int advance = 1;
  if (layer != d->source || !d->started || d->new_segment) {
    /* A new segment (a switch, or after a pause): numbering continues right after the last
     * packet, and the timestamp advances by the wall-clock time since it (at least one tick). */
    uint32_t elapsed = 0;
    if (d->started) {
      elapsed = ticks(d->last_out_us, now_us, clock);
      if (elapsed < 1) elapsed = 1;
    }
    d->new_segment = 0;
    d->seq_off = (uint16_t)(d->last_out_seq + 1 - in_seq);
    d->ts_off = d->last_out_ts + elapsed - in_ts;
    d->source = layer;
    d->last_in_seq = d->floor_in_seq = in_seq;
    d->started = 1;
  } else if (tp_seq_delta(d->last_in_seq, in_seq) > 0) {
    d->last_in_seq = in_seq;
  } else if (tp_seq_delta(d->floor_in_seq, in_seq) < 0) {
    return 0; /* late, and something was skipped or switched since it */
  } else {
    advance = 0; /* late or repeated: placed in its hole */
  }
  *seq = (uint16_t)(in_seq + d->seq_off);
  *ts = in_ts + d->ts_off;
  if (advance) {
    d->last_out_seq = *seq;
    d->last_out_ts = *ts;
    d->last_out_us = now_us;
  }
  remember(d, *seq, in_seq);
  return 1;
}

void tp_r_down_close_hole(tp_r_down *d, uint16_t seq, uint8_t layer) {
  if (layer != d->source || !d->started) return;
  if (tp_seq_delta(d->last_in_seq, seq) <= 0) return;
  d->last_in_seq = seq;
  d->floor_in_seq = (uint16_t)(seq + 1);
  d->seq_off--;
}

void tp_r_down_skip(tp_router *r, int down, uint16_t seq, uint8_t layer) {
  tp_r_down *d = &r->downs[down];
  const tp_r_up *u = &r->ups[d->up];
  /* An SVC stream's down-track carries its source whatever spatial layer it is at. */
  if (u->spec.video && (u->svc_layers > 0 ? layer != u->svc_source : layer != d->current)) return;
  tp_r_down_close_hole(d, seq, layer);
}

/* --- temporal layers ---------------------------------------------------------------------- */

/*
 * A down-track's temporal target (VP8, RFC 7741 §4.2; VP9 SVC, RFC 9628 §4.2) moves down at any
 * picture's start and up only at a picture that needs nothing left out: one of temporal layer 0,
 * or one marked as a place to add layers (VP8's layer sync Y, VP9's switching-up point U).
 */
static void retarget(tp_r_down *d, int picture_start, uint8_t tid, int sync) {
  if (picture_start && d->tid_want != d->tid_max && (d->tid_want < d->tid_max || tid == 0 || (sync && tid <= d->tid_want))) d->tid_max = d->tid_want;
}

/* A packet above the target is left out and its sequence number's hole closed. */
static int leave_out(tp_router *r, tp_r_down *d, uint16_t seq, uint8_t layer) {
  tp_r_down_close_hole(d, seq, layer);
  r->c.temporal_dropped++;
  return 0;
}

/* VP8: each picture left out also shifts later PictureIDs down by one, so that the
 * subscriber's have no holes. */
static int temporal_accept(tp_router *r, tp_r_down *d, const tp_vp8_desc *x, uint16_t seq, uint8_t layer) {
  if (!x->has_tid) return 1;
  retarget(d, x->start, x->tid, x->sync);
  if (x->tid <= d->tid_max) return 1;
  if (x->has_pid && (!d->dropped_any || x->pid != d->last_dropped_pid)) {
    d->pid_off++;
    d->last_dropped_pid = x->pid;
    d->dropped_any = 1;
  }
  return leave_out(r, d, seq, layer);
}

/* VP9 SVC: a picture begins with spatial layer 0's first packet, and is left out whole. The
 * receiver tells a picture left out from a lost one by the layer indices: PictureIDs stay. */
static int temporal_accept_vp9(tp_router *r, tp_r_down *d, const tp_vp9_layer *s, uint16_t seq, uint8_t layer) {
  retarget(d, s->begin && s->sid == 0, s->tid, s->switch_up);
  return s->tid <= d->tid_max ? 1 : leave_out(r, d, seq, layer);
}

/* The PictureID as this subscriber numbers it, written into the copy just made. */
static void shift_pid(tp_out_packet *o, size_t len, const tp_rtp_view *v, const tp_vp8_desc *x, uint16_t pid_off) {
  if (!x->has_pid || pid_off == 0) return;
  size_t payload_at = o->len - (len - v->payload_off);
  uint16_t mask = x->pid_long ? 0x7fff : 0x7f;
  tp_vp8_put_pid(o->data + payload_at, x, (uint16_t)((x->pid - pid_off) & mask));
}

/* --- sending ------------------------------------------------------------------------------ */

static void twcc_record(tp_r_conn *c, uint16_t seq, size_t size, uint64_t now_us) {
  if (c->twcc_count == TP_R_TWCC_RING) {
    c->twcc_head = (c->twcc_head + 1) % TP_R_TWCC_RING; /* the oldest unreported one goes */
    c->twcc_count--;
  }
  tp_r_twcc *t = &c->twcc[(c->twcc_head + c->twcc_count) % TP_R_TWCC_RING];
  t->seq = seq;
  t->size = (uint16_t)size;
  t->at_us = (uint32_t)now_us;
  c->twcc_count++;
}

/* Copies packet `p` to the subscriber with the down-track's ids, payload type and extensions. */
static int send_rtp(tp_router *r, tp_r_down *d, const uint8_t *p, size_t len, const tp_rtp_view *v, uint16_t seq, uint32_t ts, uint64_t now_us, tp_out_batch *out) {
  uint8_t pt = d->spec.pt_of_pt[v->pt];
  if (pt > 127) return 0;
  tp_r_conn *c = &r->conns[d->conn];
  tp_out_packet *o = tp_r_out(r, out, c->id, 0);
  if (!o) return 0;
  size_t twcc_off = 0;
  uint8_t twcc_id = d->spec.ext_transport_cc;
  size_t n = tp_rtp_rewrite_ext(p, len, v, d->spec.ext_of_ext, twcc_id, o->data, TP_ROUTER_MAX_PACKET, &twcc_off);
  if (n == 0) return 0;
  tp_rtp_write_ids(o->data, seq, ts, d->spec.ssrc);
  o->data[1] = (uint8_t)((o->data[1] & 0x80) | pt);
  if (twcc_id) {
    uint16_t tseq = c->twcc_seq++;
    tp_put16(o->data + twcc_off, tseq);
    twcc_record(c, tseq, n, now_us);
  }
  o->len = (uint16_t)n;
  out->count++;
  r->c.rtp_out++;
  r->c.bytes_out += n;
  d->packets++;
  d->octets += (uint32_t)(v->payload_end - v->payload_off);
  return 1;
}

void tp_r_down_write(tp_router *r, int down, const uint8_t *p, size_t len, const tp_rtp_view *v, uint8_t layer, int keyframe, const tp_vp9_layer *svc, uint64_t now_us, tp_out_batch *out, tp_event_log *ev) {
  tp_r_down *d = &r->downs[down];
  tp_r_up *u = &r->ups[d->up];
  if (d->paused || !r->conns[d->conn].ready) return;
  if (svc) {
    if (!tp_r_svc_accept(d, v->seq, layer, svc, keyframe, ev)) return;
    if ((d->tid_want != TP_R_ALL_TIDS || d->tid_max != TP_R_ALL_TIDS) && !temporal_accept_vp9(r, d, svc, v->seq, layer)) return;
  } else if (u->spec.video) {
    /* simulcast.ts accept(): a keyframe of the target layer completes a switch. */
    if (layer == d->target && layer != d->current && keyframe) {
      d->current = layer;
      d->resync = 1;
      tp_r_layer_event(ev, d->id, layer);
    }
    if (layer != d->current) return;
  } else {
    d->current = layer;
  }
  if (d->spec.pt_of_pt[v->pt] > 127) return;
  tp_vp8_desc vp8;
  int temporal = u->spec.codec_of_pt[v->pt] == TP_CODEC_VP8 && (d->tid_want != TP_R_ALL_TIDS || d->tid_max != TP_R_ALL_TIDS || d->pid_off != 0) &&
                 tp_vp8_desc_of(p + v->payload_off, v->payload_end - v->payload_off, &vp8);
  if (temporal && !temporal_accept(r, d, &vp8, v->seq, layer)) return;
  if (d->resync) {
    d->resync = 0;
    d->new_segment = 1;
  }
  uint16_t seq;
  uint32_t ts;
  if (!munge(d, layer, v->seq, v->ts, now_us, u->spec.clock_rate, &seq, &ts)) return;
  if (!send_rtp(r, d, p, len, v, seq, ts, now_us, out)) return;
  if (temporal) shift_pid(&out->packets[out->count - 1], len, v, &vp8, d->pid_off);
  /* RFC 9628 §4.1: the marker ends the picture, now the end of the highest layer forwarded. */
  if (svc && svc->sid == d->current && svc->end) out->packets[out->count - 1].data[1] |= 0x80;
}

/* The connection's retransmission budget (subscriber-bandwidth.ts allowRetransmission): a
 * token bucket filled at rtx_bps, holding at most 250 ms of it. */
static int rtx_allowed(tp_router *r, tp_r_conn *c, size_t len, uint64_t now_us) {
  (void)r;
  if (c->rtx_bps == 0) return 1;
  double burst = c->rtx_bps / 8.0 * 0.25;
  if (burst < 1500) burst = 1500;
  if (c->rtx_last_us != 0) c->rtx_tokens += (double)(now_us - c->rtx_last_us) * c->rtx_bps / 8e6;
  else c->rtx_tokens = burst;
  if (c->rtx_tokens > burst) c->rtx_tokens = burst;
  c->rtx_last_us = now_us;
  if (c->rtx_tokens < (double)len) return 0;
  c->rtx_tokens -= (double)len;
  return 1;
}

void tp_r_down_nack(tp_router *r, int down, uint16_t out_seq, uint64_t now_us, tp_out_batch *out) {
  tp_r_down *d = &r->downs[down];
  tp_r_sent *s = &d->sent[out_seq & d->sent_mask];
  if (s->out != (int32_t)out_seq || !r->conns[d->conn].ready) return;
  tp_r_up *u = &r->ups[d->up];
  /* A packet of a layer the subscriber switched away from: its decoder no longer needs it. */
  if (u->spec.video && (u->svc_layers > 0 ? s->layer != u->svc_source : s->layer != d->current)) return;
  if (s->layer >= u->n_layers) return;
  size_t len;
  const uint8_t *p = tp_r_history(&u->layers[s->layer], s->in_seq, &len);
  tp_rtp_view v;
  if (!p || tp_rtp_parse(p, len, &v) != 0) return;
  if (!rtx_allowed(r, &r->conns[d->conn], len, now_us)) {
    r->c.rtx_over_budget++;
    return;
  }
  if (!send_rtp(r, d, p, len, &v, out_seq, v.ts + s->ts_off, now_us, out)) return;
  r->c.retransmits++;
  tp_vp8_desc vp8;
  if (s->pid_off != 0 && u->spec.codec_of_pt[v.pt] == TP_CODEC_VP8 && tp_vp8_desc_of(p + v.payload_off, v.payload_end - v.payload_off, &vp8)) {
    shift_pid(&out->packets[out->count - 1], len, &v, &vp8, s->pid_off);
  }
}

void tp_r_down_tick(tp_router *r, int down, uint64_t now_us, uint64_t wall_ms, tp_out_batch *out) {
  tp_r_down *d = &r->downs[down];
  tp_r_up *u = &r->ups[d->up];
  /* While waiting for a keyframe of the target layer, ask for one (rate-limited per layer). */
  if (u->svc_layers > 0) {
    /* SVC: only moving up (or starting) needs a key picture. */
    if (!d->paused && d->target != d->current && (d->current == NO_LAYER || d->target > d->current)) tp_r_pli(r, d->up, u->svc_source, now_us, out);
  } else if (u->spec.video && !d->paused && d->target != d->current && u->layers[d->target].bound) {
    tp_r_pli(r, d->up, d->target, now_us, out);
  }
  if (!d->started || !r->conns[d->conn].ready || (d->sr_sent && now_us - d->last_sr_us < TP_R_REPORT_US)) return;
  tp_out_packet *o = tp_r_out(r, out, r->conns[d->conn].id, 1);
  if (!o) return;
  d->sr_sent = 1;
  d->last_sr_us = now_us;
  /* RFC 3550 §6.4.1: the RTP timestamp of the NTP instant, extrapolated from the last packet. */
  uint32_t ts = d->last_out_ts + ticks(d->last_out_us, now_us, u->spec.clock_rate);
  size_t n = tp_rtcp_sr(o->data, TP_ROUTER_MAX_PACKET, d->spec.ssrc, tp_ntp_from_unix_ms(wall_ms), ts, d->packets, d->octets);
  n += tp_rtcp_sdes_cname(o->data + n, TP_ROUTER_MAX_PACKET - n, d->spec.ssrc, d->spec.cname);
  o->len = (uint16_t)n;
  out->count++;
  r->c.rtcp_out++;
}

void tp_r_conn_tick(tp_router *r, int conn, tp_event_log *ev) {
  tp_r_conn *c = &r->conns[conn];
  /* TP_EV_TWCC_SENT: u32 conn, then (u16 seq, u16 size, u32 send time) per packet, in batches. */
  enum { PER_EVENT = 256 };
  uint8_t body[4 + PER_EVENT * 8];
  while (c->twcc_count > 0) {
    uint32_t n = c->twcc_count < PER_EVENT ? c->twcc_count : PER_EVENT;
    tp_le32(body, c->id);
    for (uint32_t i = 0; i < n; i++) {
      const tp_r_twcc *t = &c->twcc[(c->twcc_head + i) % TP_R_TWCC_RING];
      tp_le16(body + 4 + i * 8, t->seq);
      tp_le16(body + 6 + i * 8, t->size);
      tp_le32(body + 8 + i * 8, t->at_us);
    }
    tp_r_event(ev, TP_EV_TWCC_SENT, body, 4 + n * 8);
    c->twcc_head = (c->twcc_head + n) % TP_R_TWCC_RING;
    c->twcc_count -= n;
  }
}
