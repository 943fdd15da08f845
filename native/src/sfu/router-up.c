/*
 * What arrives from publishers (src/sfu/media/up-track.ts and rtp/receive-stats.ts in C): the
 * SSRC → layer binding by MID and RID (RFC 8843 §15, RFC 8852 §3.3), reception statistics
 * (RFC 3550 A.1, A.3, A.8), the history that answers NACKs, the NACKs (RFC 4585 §6.2.1),
 * receiver reports (RFC 3550 §6.4.2) and REMB sent back, and audio levels (RFC 6464).
 */
#include <string.h>

#include "router-internal.h"

/* --- binding ---------------------------------------------------------------------------- */

static int ext_equals(const uint8_t *p, const tp_rtp_ext *e, const char *s) {
  size_t n = strnlen(s, 16);
  return n == e->len && memcmp(p + e->off, s, n) == 0;
}

/* The (up, layer) of an SSRC not bound yet, from the MID and RID elements; -1 when they do not say. */
static int bind_by_mid(tp_router *r, int conn, const uint8_t *p, const tp_rtp_view *v, uint8_t *layer) {
  const tp_conn_spec *cs = &r->conns[conn].spec;
  tp_rtp_ext mid, rid;
  if (!tp_rtp_ext_find(p, v, cs->ext_mid, &mid)) return TP_R_NONE;
  int have_rid = tp_rtp_ext_find(p, v, cs->ext_rid, &rid);
  for (int u = r->conns[conn].first_up; u != TP_R_NONE; u = r->ups[u].next_in_conn) {
    tp_r_up *up = &r->ups[u];
    if (!ext_equals(p, &mid, up->spec.mid)) continue;
    if (up->spec.rids[0][0] == 0 && up->n_layers == 1) {
      *layer = 0; /* no simulcast: the MID's single layer */
      return u;
    }
    if (!have_rid) return TP_R_NONE; /* a simulcast stream is only usable once its RID is known */
    for (int k = 0; k < up->n_layers; k++) {
      if (ext_equals(p, &rid, up->spec.rids[k])) {
        *layer = (uint8_t)k;
        return u;
      }
    }
    return TP_R_NONE;
  }
  return TP_R_NONE;
}

static void unknown_event(tp_router *r, int conn, uint32_t ssrc, uint64_t now_us, tp_event_log *ev) {
  tp_r_conn *c = &r->conns[conn];
  /* At most one report a second, or sooner for an SSRC different from the last reported. */
  if (c->reported_unknown && c->last_unknown_ssrc == ssrc && now_us - c->last_unknown_us < 1000000) return;
  c->reported_unknown = 1;
  c->last_unknown_ssrc = ssrc;
  c->last_unknown_us = now_us;
  uint8_t body[8];
  tp_le32(body, c->id);
  tp_le32(body + 4, ssrc);
  tp_r_event(ev, TP_EV_UNKNOWN, body, 8);
}

/* --- statistics (RFC 3550 A.1, A.8) ----------------------------------------------------- */

static void missing_add(tp_r_layer *l, uint16_t seq, uint64_t now_us) {
  if (l->n_missing == TP_R_MISSING) {
    /* Full: the oldest hole is the least likely to be repaired in time. */
    memmove(&l->missing[0], &l->missing[1], (TP_R_MISSING - 1) * sizeof l->missing[0]);
    l->n_missing--;
  }
  l->missing[l->n_missing++] = (tp_r_missing){.seq = seq, .since_us = now_us};
}

static void missing_remove(tp_r_layer *l, uint16_t seq) {
  for (uint16_t i = 0; i < l->n_missing; i++) {
    if (l->missing[i].seq == seq) {
      l->missing[i] = l->missing[--l->n_missing];
      return;
    }
  }
}

static void jitter_update(tp_r_layer *l, uint32_t ts, uint64_t now_us, uint32_t clock) {
  int64_t arrival = (int64_t)((now_us * clock) / 1000000);
  int64_t transit = arrival - (int64_t)ts;
  if (l->has_transit) {
    int64_t d = transit - l->last_transit;
    if (d < 0) d = -d;
    if (d > 0x80000000LL) d = 0x100000000LL - d; /* timestamp wrap */
    if (d < 0) d = -d;
    /* J += (|D| - J) / 16, kept times 16 (RFC 3550 A.8). */
    int64_t j = (int64_t)l->jitter_q4 + d - (((int64_t)l->jitter_q4 + 8) >> 4);
    l->jitter_q4 = j < 0 ? 0 : j > 0xffffffffLL ? 0xffffffffu : (uint32_t)j;
  }
  l->last_transit = transit;
  l->has_transit = 1;
}

static void stats_packet(tp_r_layer *l, const tp_rtp_view *v, uint64_t now_us, uint32_t clock) {
  if (!l->started) {
    l->started = 1;
    l->base_seq = l->max_seq = v->seq;
    l->cycles = 0;
    l->received = 1;
    l->expected_prior = l->received_prior = 0;
    l->n_missing = 0;
    l->has_transit = 0;
    l->jitter_q4 = 0;
    jitter_update(l, v->ts, now_us, clock);
    return;
  }
  int32_t d = tp_seq_delta(l->max_seq, v->seq);
  if (d > 0) {
    if (d > TP_R_NACK_MAX_GAP) {
      l->n_missing = 0; /* a jump this big is a restarted sender, not loss (A.1) */
    } else {
      for (int32_t i = 1; i < d; i++) missing_add(l, (uint16_t)(l->max_seq + i), now_us);
    }
    if (v->seq < l->max_seq) l->cycles += 0x10000;
    l->max_seq = v->seq;
  } else {
    missing_remove(l, v->seq);
  }
  l->received++;
  jitter_update(l, v->ts, now_us, clock);
}

static void history_put(tp_r_layer *l, uint16_t seq, const uint8_t *p, size_t len) {
  uint32_t i = seq & l->mask;
  memcpy(l->slab + (size_t)i * TP_ROUTER_MAX_PACKET, p, len);
  l->lens[i] = (uint16_t)len;
  l->seqs[i] = seq;
}

const uint8_t *tp_r_history(const tp_r_layer *l, uint16_t seq, size_t *len) {
  if (!l->seqs) return NULL;
  uint32_t i = seq & l->mask;
  if (l->seqs[i] != (int32_t)seq) return NULL;
  *len = l->lens[i];
  return l->slab + (size_t)i * TP_ROUTER_MAX_PACKET;
}

/* --- RTP in ----------------------------------------------------------------------------- */

static void audio_level(tp_router *r, tp_r_up *u, const uint8_t *p, const tp_rtp_view *v) {
  tp_rtp_ext e;
  if (!tp_rtp_ext_find(p, v, r->conns[u->conn].spec.ext_audio_level, &e) || e.len < 1) return;
  uint8_t level = p[e.off] & 0x7f; /* RFC 6464 §3: V bit, then -dBov */
  if (u->audio_packets < 0xffff) u->audio_packets++;
  if (level <= r->audio_threshold && u->audio_speaking < 0xffff) u->audio_speaking++;
  if (level < u->audio_min) u->audio_min = level;
}

/* Whether some down-track of `u` carries `layer` or waits for its keyframe. */
static int layer_wanted(const tp_router *r, const tp_r_up *u, uint8_t layer) {
  for (int d = u->first_down; d != TP_R_NONE; d = r->downs[d].next_in_up) {
    const tp_r_down *x = &r->downs[d];
    if (!x->paused && (x->current == layer || x->target == layer)) return 1;
  }
  return 0;
}

int tp_router_rtp_is_audio(const tp_router *r, uint32_t conn, uint32_t ssrc) {
  int c = tp_r_conn_slot(r, conn);
  if (c == TP_R_NONE) return 0;
  const tp_r_conn *k = &r->conns[c];
  for (int i = 0; i < TP_R_SSRC_SLOTS; i++)
    if (k->ssrcs[i].up != TP_R_NONE && k->ssrcs[i].ssrc == ssrc) return !r->ups[k->ssrcs[i].up].spec.video;
  return 0;
}

void tp_r_up_rtp(tp_router *r, int conn, const uint8_t *p, size_t len, const tp_rtp_view *v, uint64_t now_us, tp_out_batch *out, tp_event_log *ev) {
  tp_r_conn *c = &r->conns[conn];
  int up = TP_R_NONE;
  uint8_t layer = 0;
  for (int i = 0; i < TP_R_SSRC_SLOTS; i++) {
    if (c->ssrcs[i].up != TP_R_NONE && c->ssrcs[i].ssrc == v->ssrc) {
      up = c->ssrcs[i].up;
      layer = c->ssrcs[i].layer;
      break;
    }
  }
  if (up == TP_R_NONE) {
    tp_rtp_ext rrid;
    /* A retransmission stream (RFC 8852 §3.4 repaired RID, RFC 4588) and a payload type the track
     * did not negotiate must not take over the layer's binding. */
    int repair = tp_rtp_ext_find(p, v, c->spec.ext_repaired_rid, &rrid);
    up = repair ? TP_R_NONE : bind_by_mid(r, conn, p, v, &layer);
    if (up == TP_R_NONE || r->ups[up].spec.codec_of_pt[v->pt] == 0xff) {
      r->c.dropped_unknown++;
      unknown_event(r, conn, v->ssrc, now_us, ev);
      return;
    }
    tp_r_bind_ssrc(r, conn, up, layer, v->ssrc);
    uint8_t body[9];
    tp_le32(body, r->ups[up].id);
    body[4] = layer;
    tp_le32(body + 5, v->ssrc);
    tp_r_event(ev, TP_EV_SSRC, body, 9);
  }
  tp_r_up *u = &r->ups[up];
  uint8_t codec = u->spec.codec_of_pt[v->pt];
  if (codec == 0xff) {
    r->c.dropped_unknown++; /* a payload type the publisher did not negotiate */
    return;
  }
  tp_r_layer *l = &u->layers[layer];
  r->c.rtp_in++;
  r->c.bytes_in += len;
  l->last_packet_us = now_us;
  if (!u->first_seen) {
    u->first_seen = 1;
    uint8_t body[5];
    tp_le32(body, u->id);
    body[4] = v->pt;
    tp_r_event(ev, TP_EV_FIRST, body, 5);
  }
  stats_packet(l, v, now_us, u->spec.clock_rate);
  history_put(l, v->seq, p, len);
  if (v->payload_end == v->payload_off) {
    /* Padding only (RFC 3550 §5.1 P bit): the publisher probing its uplink. Not forwarded;
     * each down-track closes the gap it leaves in the numbering. */
    for (int d = u->first_down; d != TP_R_NONE; d = r->downs[d].next_in_up) tp_r_down_skip(r, d, v->seq, layer);
    return;
  }
  l->bytes += len;
  if (!u->spec.video) audio_level(r, u, p, v);
  int key = u->spec.video && tp_keyframe(codec, p + v->payload_off, v->payload_end - v->payload_off);
  if (key && l->keyframe_wanted) {
    l->keyframe_wanted = 0;
    uint8_t body[5];
    tp_le32(body, u->id);
    body[4] = layer;
    tp_r_event(ev, TP_EV_KEYFRAME, body, 5);
  }
  tp_vp9_layer svc_buf;
  const tp_vp9_layer *svc = tp_r_svc_packet(r, u, layer, codec, p + v->payload_off, v->payload_end - v->payload_off, len, now_us, &svc_buf, ev);
  if (u->svc_layers > 0 ? svc == NULL : u->spec.video && u->n_layers > 1 && !layer_wanted(r, u, layer)) {
    r->c.unwanted++; /* a layer nobody receives now (or beside an SVC stream): its packets go no further */
    return;
  }
  for (int d = u->first_down; d != TP_R_NONE; d = r->downs[d].next_in_up) tp_r_down_write(r, d, p, len, v, layer, key, svc, now_us, out, ev);
}

void tp_r_up_sr(tp_router *r, int conn, uint32_t ssrc, uint64_t ntp, uint64_t now_us) {
  tp_r_conn *c = &r->conns[conn];
  for (int i = 0; i < TP_R_SSRC_SLOTS; i++) {
    if (c->ssrcs[i].up == TP_R_NONE || c->ssrcs[i].ssrc != ssrc) continue;
    tp_r_layer *l = &r->ups[c->ssrcs[i].up].layers[c->ssrcs[i].layer];
    l->last_sr = (uint32_t)(ntp >> 16); /* the middle 32 bits (RFC 3550 §6.4.1 LSR) */
    l->last_sr_us = now_us;
    l->has_sr = 1;
    return;
  }
}

/* --- to the publisher ------------------------------------------------------------------- */

int tp_r_pli(tp_router *r, int up, uint8_t layer, uint64_t now_us, tp_out_batch *out) {
  tp_r_up *u = &r->ups[up];
  tp_r_layer *l = &u->layers[layer];
  if (!l->bound) {
    /* Not seen yet: ask on any layer that is (up-track.ts does the same). */
    for (int k = 0; k < u->n_layers && !l->bound; k++) l = &u->layers[k];
    if (!l->bound) return TP_ROUTER_ERR_NOT_FOUND;
  }
  if (now_us != UINT64_MAX) {
    /* A layer sending nothing (a camera stopped, a publisher gone quiet) has no keyframe to
     * give: asking every 500 ms would only add RTCP. Asked again once it flows. */
    if (now_us > l->last_packet_us && now_us - l->last_packet_us > TP_R_PLI_QUIET_US) return TP_ROUTER_OK;
    if (l->has_pli && now_us - l->last_pli_us < TP_R_PLI_US) return TP_ROUTER_OK;
    l->last_pli_us = now_us;
    l->has_pli = 1;
  }
  l->keyframe_wanted = 1;
  tp_out_packet *o = tp_r_out(r, out, r->conns[u->conn].id, 1);
  if (!o) return TP_ROUTER_ERR_FULL;
  o->len = (uint16_t)tp_rtcp_pli(o->data, TP_ROUTER_MAX_PACKET, r->conns[u->conn].spec.rtcp_ssrc, l->ssrc);
  out->count++;
  r->c.plis++;
  r->c.rtcp_out++;
  return TP_ROUTER_OK;
}

static void nack_layer(tp_router *r, tp_r_up *u, tp_r_layer *l, uint64_t now_us, tp_out_batch *out) {
  uint16_t seqs[TP_R_MISSING];
  size_t n = 0;
  for (uint16_t i = 0; i < l->n_missing;) {
    tp_r_missing *m = &l->missing[i];
    if (now_us - m->since_us > TP_R_NACK_MAX_AGE_US || m->tries >= TP_R_NACK_TRIES) {
      *m = l->missing[--l->n_missing]; /* given up on */
      continue;
    }
    i++;
    if (now_us - m->since_us < TP_R_NACK_DELAY_US) continue;
    if (m->tries > 0 && now_us - m->last_ask_us < TP_R_NACK_RETRY_US) continue;
    m->tries++;
    m->last_ask_us = now_us;
    seqs[n++] = m->seq;
  }
  if (n == 0) return;
  /* Ascending from the oldest (relative to the highest seen), so the PID+BLP packing works. */
  for (size_t i = 1; i < n; i++) {
    uint16_t s = seqs[i];
    size_t j = i;
    while (j > 0 && tp_seq_delta(s, seqs[j - 1]) > 0) seqs[j] = seqs[j - 1], j--;
    seqs[j] = s;
  }
  tp_out_packet *o = tp_r_out(r, out, r->conns[u->conn].id, 1);
  if (!o) return;
  o->len = (uint16_t)tp_rtcp_nack(o->data, TP_ROUTER_MAX_PACKET, r->conns[u->conn].spec.rtcp_ssrc, l->ssrc, seqs, n);
  if (o->len == 0) return;
  out->count++;
  r->c.nacks_sent += n;
  r->c.rtcp_out++;
}

static void report(tp_router *r, tp_r_up *u, uint64_t now_us, tp_out_batch *out) {
  tp_report_block blocks[TP_ROUTER_MAX_LAYERS];
  uint32_t ssrcs[TP_ROUTER_MAX_LAYERS];
  size_t n = 0, ns = 0;
  for (int k = 0; k < u->n_layers; k++) {
    tp_r_layer *l = &u->layers[k];
    if (l->bound) ssrcs[ns++] = l->ssrc;
    if (!l->started) continue;
    /* RFC 3550 A.3: expected from the extended highest sequence number, lost, the fraction since
     * the last report. */
    uint32_t ext_max = l->cycles + l->max_seq;
    uint32_t expected = ext_max - l->base_seq + 1;
    int64_t lost = (int64_t)expected - l->received;
    uint32_t exp_int = expected - l->expected_prior, rec_int = l->received - l->received_prior;
    l->expected_prior = expected;
    l->received_prior = l->received;
    int64_t lost_int = (int64_t)exp_int - rec_int;
    uint32_t fraction = (exp_int == 0 || lost_int <= 0) ? 0 : (uint32_t)((lost_int << 8) / exp_int);
    blocks[n++] = (tp_report_block){
        .ssrc = l->ssrc,
        .fraction_lost = (uint8_t)(fraction > 255 ? 255 : fraction),
        .cumulative_lost = (int32_t)(lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : lost),
        .highest_seq = ext_max,
        .jitter = l->jitter_q4 >> 4,
        .last_sr = l->has_sr ? l->last_sr : 0,
        .delay_since_last_sr = l->has_sr ? (uint32_t)(((now_us - l->last_sr_us) * 65536) / 1000000) : 0,
    };
  }
  if (ns == 0) return;
  tp_out_packet *o = tp_r_out(r, out, r->conns[u->conn].id, 1);
  if (!o) return;
  uint32_t me = r->conns[u->conn].spec.rtcp_ssrc;
  size_t len = tp_rtcp_rr(o->data, TP_ROUTER_MAX_PACKET, me, blocks, n);
  if (u->spec.video && u->spec.max_bitrate > 0) len += tp_rtcp_remb(o->data + len, TP_ROUTER_MAX_PACKET - len, me, u->spec.max_bitrate, ssrcs, ns);
  o->len = (uint16_t)len;
  out->count++;
  r->c.rtcp_out++;
}

enum { STATS_TICKS = 10 };

/* TP_EV_LAYER_STATS for each layer that carried bytes since the last report, and TP_EV_AUDIO. */
static void up_figures(tp_router *r, tp_r_up *u, uint64_t now_us, tp_event_log *ev) {
  (void)r;
  if (u->svc_layers > 0) tp_r_svc_figures(u, now_us, ev);
  for (int k = 0; k < u->n_layers && u->svc_layers == 0; k++) {
    tp_r_layer *l = &u->layers[k];
    if (l->bytes == l->bytes_reported) continue;
    l->bytes_reported = l->bytes;
    uint64_t idle = now_us > l->last_packet_us ? (now_us - l->last_packet_us) / 1000 : 0;
    uint8_t body[17];
    tp_le32(body, u->id);
    body[4] = (uint8_t)k;
    tp_le32(body + 5, (uint32_t)l->bytes);
    tp_le32(body + 9, (uint32_t)(l->bytes >> 32));
    tp_le32(body + 13, idle > 0xfffffffe ? 0xfffffffe : (uint32_t)idle);
    tp_r_event(ev, TP_EV_LAYER_STATS, body, 17);
  }
  if (!u->spec.video && u->audio_packets > 0) {
    uint8_t body[9];
    tp_le32(body, u->id);
    tp_le16(body + 4, u->audio_speaking);
    tp_le16(body + 6, u->audio_packets);
    body[8] = u->audio_min;
    tp_r_event(ev, TP_EV_AUDIO, body, 9);
    u->audio_packets = u->audio_speaking = 0;
    u->audio_min = 127;
  }
}

void tp_r_up_tick(tp_router *r, int up, uint64_t now_us, tp_out_batch *out, tp_event_log *ev) {
  tp_r_up *u = &r->ups[up];
  for (int k = 0; k < u->n_layers; k++)
    if (u->layers[k].started) nack_layer(r, u, &u->layers[k], now_us, out);
  /* Figures for TypeScript every STATS_TICKS ticks (200 ms): layer rates are measured over
   * 500 ms there, and active speakers over an interval of a second. */
  if (++u->stats_ticks >= STATS_TICKS) {
    u->stats_ticks = 0;
    up_figures(r, u, now_us, ev);
  }
  if (u->reported && now_us - u->last_report_us < TP_R_REPORT_US) return;
  int any = 0;
  for (int k = 0; k < u->n_layers; k++) any |= u->layers[k].started;
  if (!any) return;
  u->reported = 1;
  u->last_report_us = now_us;
  report(r, u, now_us, out);
}
