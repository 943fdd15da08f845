/*
 * The media router's tables, control calls, event log, RTP entry and tick (router.h). Arrival
 * from publishers is in router-up.c, forwarding to subscribers in router-down.c, RTCP in
 * router-rtcp.c.
 */
#include <stdlib.h>
#include <string.h>

#include "router-internal.h"

/* --- tables ----------------------------------------------------------------------------------
 * Each table is an array of fixed capacity; an id finds its slot by a linear scan over the
 * table on control paths only. Per packet, connections are found through a small open-addressing
 * index, up-streams through the connection's SSRC slots, and down-tracks through the lists each
 * up-stream and connection keeps. */

#define CONN_INDEX (2 * TP_R_MAX_CONNS) /* a power of two, twice the table: never full */

static uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  return x ^ (x >> 16);
}

typedef struct {
  tp_router r;
  int32_t conn_index[CONN_INDEX]; /* slot, -1 empty, -2 deleted */
} tp_router_full;

static int32_t *conn_index(const tp_router *r) {
  return ((tp_router_full *)r)->conn_index;
}

int tp_r_conn_slot(const tp_router *r, uint32_t id) {
  const int32_t *ix = conn_index(r);
  for (uint32_t i = 0, h = hash32(id); i < CONN_INDEX; i++, h++) {
    int32_t s = ix[h & (CONN_INDEX - 1)];
    if (s == -1) return TP_R_NONE;
    if (s >= 0 && r->conns[s].id == id) return s;
  }
  return TP_R_NONE;
}

int tp_r_up_slot(const tp_router *r, uint32_t id) {
  for (int i = 0; i < r->ups_hi; i++)
    if (r->ups[i].used && r->ups[i].id == id) return i;
  return TP_R_NONE;
}

int tp_r_down_slot(const tp_router *r, uint32_t id) {
  for (int i = 0; i < r->downs_hi; i++)
    if (r->downs[i].used && r->downs[i].id == id) return i;
  return TP_R_NONE;
}

tp_router *tp_router_new(void) {
  tp_router_full *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  tp_router *r = &f->r;
  r->conns = calloc(TP_R_MAX_CONNS, sizeof *r->conns);
  r->ups = calloc(TP_R_MAX_UPS, sizeof *r->ups);
  r->downs = calloc(TP_R_MAX_DOWNS, sizeof *r->downs);
  if (!r->conns || !r->ups || !r->downs) {
    free(r->conns), free(r->ups), free(r->downs), free(f);
    return NULL;
  }
  memset(f->conn_index, 0xff, sizeof f->conn_index);
  r->audio_threshold = 40; /* ion-sfu's [router] audiolevelthreshold default */
  return r;
}

static void free_layer(tp_r_layer *l) {
  free(l->slab), free(l->lens), free(l->seqs);
  l->slab = NULL, l->lens = NULL, l->seqs = NULL;
}

void tp_router_free(tp_router *r) {
  if (!r) return;
  for (int i = 0; i < r->ups_hi; i++)
    for (int k = 0; k < TP_ROUTER_MAX_LAYERS; k++) free_layer(&r->ups[i].layers[k]);
  for (int i = 0; i < r->downs_hi; i++) free(r->downs[i].sent);
  free(r->conns), free(r->ups), free(r->downs);
  free((tp_router_full *)r);
}

void tp_router_set_audio_threshold(tp_router *r, uint8_t level) {
  r->audio_threshold = level;
}

void tp_router_counters_get(const tp_router *r, tp_router_counters *c) {
  *c = r->c;
}

/* --- events and output ------------------------------------------------------------------ */

void tp_r_event(tp_event_log *ev, uint16_t type, const uint8_t *body, size_t len) {
  if (!ev) return;
  if (len > 0xffff || !ev->bytes || ev->len > ev->cap || ev->cap - ev->len < 4 + len) {
    ev->lost++;
    return;
  }
  uint8_t *o = ev->bytes + ev->len;
  o[0] = (uint8_t)type, o[1] = (uint8_t)(type >> 8);
  o[2] = (uint8_t)len, o[3] = (uint8_t)(len >> 8);
  if (len) memcpy(o + 4, body, len);
  ev->len += 4 + len;
}

tp_out_packet *tp_r_out(tp_router *r, tp_out_batch *out, uint32_t conn, uint8_t rtcp) {
  (void)r;
  if (!out || !out->packets) return NULL;
  if (out->count >= out->cap) {
    out->dropped++;
    return NULL;
  }
  tp_out_packet *p = &out->packets[out->count];
  p->conn = conn;
  p->rtcp = rtcp;
  p->len = 0;
  return p;
}

/* --- control ---------------------------------------------------------------------------- */

int tp_router_conn_add(tp_router *r, uint32_t id, const tp_conn_spec *spec) {
  if (!spec) return TP_ROUTER_ERR_INVALID;
  if (tp_r_conn_slot(r, id) != TP_R_NONE) return TP_ROUTER_ERR_EXISTS;
  int s = TP_R_NONE;
  for (int i = 0; i < TP_R_MAX_CONNS && s == TP_R_NONE; i++)
    if (!r->conns[i].used) s = i;
  if (s == TP_R_NONE) return TP_ROUTER_ERR_FULL;
  int32_t *ix = conn_index(r);
  uint32_t h = hash32(id);
  while (ix[h & (CONN_INDEX - 1)] >= 0) h++; /* the index is never full: twice the table */
  ix[h & (CONN_INDEX - 1)] = s;
  tp_r_conn *c = &r->conns[s];
  memset(c, 0, sizeof *c);
  c->used = 1;
  c->id = id;
  c->ready = 1;
  c->spec = *spec;
  if (s >= r->conns_hi) r->conns_hi = s + 1;
  c->first_up = c->first_down = TP_R_NONE;
  for (int i = 0; i < TP_R_SSRC_SLOTS; i++) c->ssrcs[i].up = TP_R_NONE;
  return TP_ROUTER_OK;
}

int tp_router_conn_set(tp_router *r, uint32_t id, const tp_conn_spec *spec) {
  if (!spec) return TP_ROUTER_ERR_INVALID;
  int s = tp_r_conn_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  r->conns[s].spec = *spec;
  return TP_ROUTER_OK;
}

int tp_router_conn_ready(tp_router *r, uint32_t id, uint8_t ready) {
  int s = tp_r_conn_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  r->conns[s].ready = ready ? 1 : 0;
  return TP_ROUTER_OK;
}

int tp_router_conn_rtx_rate(tp_router *r, uint32_t id, uint32_t bps) {
  int s = tp_r_conn_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  r->conns[s].rtx_bps = bps;
  return TP_ROUTER_OK;
}

int tp_router_conn_remove(tp_router *r, uint32_t id) {
  int s = tp_r_conn_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  tp_r_conn *c = &r->conns[s];
  while (c->first_up != TP_R_NONE) tp_router_up_remove(r, r->ups[c->first_up].id);
  while (c->first_down != TP_R_NONE) tp_router_down_remove(r, r->downs[c->first_down].id);
  int32_t *ix = conn_index(r);
  for (uint32_t i = 0, h = hash32(id); i < CONN_INDEX; i++, h++) {
    if (ix[h & (CONN_INDEX - 1)] == s) {
      ix[h & (CONN_INDEX - 1)] = -2;
      break;
    }
  }
  c->used = 0;
  return TP_ROUTER_OK;
}

void tp_r_bind_ssrc(tp_router *r, int conn, int up, uint8_t layer, uint32_t ssrc) {
  tp_r_conn *c = &r->conns[conn];
  tp_r_layer *l = &r->ups[up].layers[layer];
  int free_slot = TP_R_NONE;
  for (int i = 0; i < TP_R_SSRC_SLOTS; i++) {
    /* The layer's previous SSRC (a replaced track) and any other user of this SSRC let go. */
    if (c->ssrcs[i].up == up && c->ssrcs[i].layer == layer) c->ssrcs[i].up = TP_R_NONE;
    else if (c->ssrcs[i].up != TP_R_NONE && c->ssrcs[i].ssrc == ssrc) c->ssrcs[i].up = TP_R_NONE;
    if (c->ssrcs[i].up == TP_R_NONE && free_slot == TP_R_NONE) free_slot = i;
  }
  if (free_slot == TP_R_NONE) return;
  c->ssrcs[free_slot].ssrc = ssrc;
  c->ssrcs[free_slot].up = up;
  c->ssrcs[free_slot].layer = layer;
  if (l->bound && l->ssrc != ssrc) {
    /* A new stream (a replaced track): new statistics, and the old one's history is no answer. */
    l->started = 0, l->n_missing = 0, l->has_sr = 0;
    for (uint32_t i = 0; l->seqs && i <= l->mask; i++) l->seqs[i] = -1;
  }
  l->ssrc = ssrc;
  l->bound = 1;
}

static int alloc_layer(tp_r_layer *l, uint16_t history) {
  uint32_t size = 1;
  while (size < (history ? history : 1)) size <<= 1;
  l->slab = malloc((size_t)size * TP_ROUTER_MAX_PACKET);
  l->lens = calloc(size, sizeof *l->lens);
  l->seqs = malloc(size * sizeof *l->seqs);
  if (!l->slab || !l->lens || !l->seqs) return -1;
  for (uint32_t i = 0; i < size; i++) l->seqs[i] = -1;
  l->mask = size - 1;
  l->keyframe_wanted = 1;
  return 0;
}

int tp_router_up_add(tp_router *r, uint32_t id, const tp_up_spec *spec) {
  if (!spec || spec->clock_rate == 0) return TP_ROUTER_ERR_INVALID;
  if (tp_r_up_slot(r, id) != TP_R_NONE) return TP_ROUTER_ERR_EXISTS;
  int conn = tp_r_conn_slot(r, spec->conn);
  if (conn == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  int s = TP_R_NONE;
  for (int i = 0; i < TP_R_MAX_UPS && s == TP_R_NONE; i++)
    if (!r->ups[i].used) s = i;
  if (s == TP_R_NONE) return TP_ROUTER_ERR_FULL;
  tp_r_up *u = &r->ups[s];
  memset(u, 0, sizeof *u);
  u->spec = *spec;
  u->spec.mid[sizeof u->spec.mid - 1] = 0;
  for (int k = 0; k < TP_ROUTER_MAX_LAYERS; k++) u->spec.rids[k][sizeof u->spec.rids[k] - 1] = 0;
  /* Layers: as many as rids are named (lowest first); none named is one layer. */
  u->n_layers = 1;
  for (int k = 0; k < TP_ROUTER_MAX_LAYERS; k++)
    if (u->spec.rids[k][0]) u->n_layers = (uint8_t)(k + 1);
  for (int k = 0; k < u->n_layers; k++) {
    if (alloc_layer(&u->layers[k], spec->history) != 0) {
      for (int j = 0; j <= k; j++) free_layer(&u->layers[j]);
      return TP_ROUTER_ERR_FULL;
    }
  }
  u->used = 1;
  u->id = id;
  if (s >= r->ups_hi) r->ups_hi = s + 1;
  u->conn = conn;
  u->first_down = TP_R_NONE;
  u->next_in_conn = r->conns[conn].first_up;
  u->audio_min = 127;
  r->conns[conn].first_up = s;
  for (int k = 0; k < u->n_layers; k++)
    if (spec->ssrcs[k]) tp_r_bind_ssrc(r, conn, s, (uint8_t)k, spec->ssrcs[k]);
  return TP_ROUTER_OK;
}

int tp_router_up_remove(tp_router *r, uint32_t id) {
  int s = tp_r_up_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  tp_r_up *u = &r->ups[s];
  while (u->first_down != TP_R_NONE) tp_router_down_remove(r, r->downs[u->first_down].id);
  tp_r_conn *c = &r->conns[u->conn];
  for (int i = 0; i < TP_R_SSRC_SLOTS; i++)
    if (c->ssrcs[i].up == s) c->ssrcs[i].up = TP_R_NONE;
  for (int *p = &c->first_up; *p != TP_R_NONE; p = &r->ups[*p].next_in_conn) {
    if (*p == s) {
      *p = u->next_in_conn;
      break;
    }
  }
  for (int k = 0; k < TP_ROUTER_MAX_LAYERS; k++) free_layer(&u->layers[k]);
  u->used = 0;
  return TP_ROUTER_OK;
}

int tp_router_down_add(tp_router *r, uint32_t id, const tp_down_spec *spec) {
  if (!spec) return TP_ROUTER_ERR_INVALID;
  if (tp_r_down_slot(r, id) != TP_R_NONE) return TP_ROUTER_ERR_EXISTS;
  int conn = tp_r_conn_slot(r, spec->conn);
  int up = tp_r_up_slot(r, spec->up);
  if (conn == TP_R_NONE || up == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  int s = TP_R_NONE;
  for (int i = 0; i < TP_R_MAX_DOWNS && s == TP_R_NONE; i++)
    if (!r->downs[i].used) s = i;
  if (s == TP_R_NONE) return TP_ROUTER_ERR_FULL;
  tp_r_down *d = &r->downs[s];
  uint32_t size = 16;
  while (size < spec->history) size <<= 1;
  tp_r_sent *sent = malloc(size * sizeof *sent);
  if (!sent) return TP_ROUTER_ERR_FULL;
  free(d->sent);
  memset(d, 0, sizeof *d);
  d->sent = sent;
  d->sent_mask = size - 1;
  d->spec = *spec;
  d->spec.cname[sizeof d->spec.cname - 1] = 0;
  d->tid_want = TP_R_ALL_TIDS;
  tp_r_down_reset(d);
  d->used = 1;
  d->id = id;
  if (s >= r->downs_hi) r->downs_hi = s + 1;
  d->conn = conn;
  d->up = up;
  /* The highest layer unless told otherwise (ion-sfu's bestqualityfirst). */
  d->target = (uint8_t)(r->ups[up].n_layers - 1);
  d->next_in_up = r->ups[up].first_down;
  r->ups[up].first_down = s;
  d->next_in_conn = r->conns[conn].first_down;
  r->conns[conn].first_down = s;
  return TP_ROUTER_OK;
}

int tp_router_down_remove(tp_router *r, uint32_t id) {
  int s = tp_r_down_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  tp_r_down *d = &r->downs[s];
  for (int *p = &r->ups[d->up].first_down; *p != TP_R_NONE; p = &r->downs[*p].next_in_up) {
    if (*p == s) {
      *p = d->next_in_up;
      break;
    }
  }
  for (int *p = &r->conns[d->conn].first_down; *p != TP_R_NONE; p = &r->downs[*p].next_in_conn) {
    if (*p == s) {
      *p = d->next_in_conn;
      break;
    }
  }
  d->used = 0;
  return TP_ROUTER_OK;
}

int tp_router_down_target(tp_router *r, uint32_t id, uint8_t layer, uint8_t paused) {
  int s = tp_r_down_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  tp_r_down *d = &r->downs[s];
  const tp_r_up *u = &r->ups[d->up];
  /* An SVC stream's spatial layers stand for layers too (router-svc.c). */
  if (layer >= (u->svc_layers > u->n_layers ? u->svc_layers : u->n_layers)) return TP_ROUTER_ERR_INVALID;
  if (paused && !d->paused) d->current = 0xff; /* down-track.ts: a pause forgets the layer */
  if (!paused && d->paused) d->resync = 1;     /* and the next packet starts a new segment */
  d->target = layer;
  d->paused = paused ? 1 : 0;
  return TP_ROUTER_OK;
}

int tp_router_down_temporal(tp_router *r, uint32_t id, uint8_t tid_max) {
  int s = tp_r_down_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  if (tid_max > TP_R_ALL_TIDS) return TP_ROUTER_ERR_INVALID;
  /* Taken at the next picture that allows it (router-down.c, temporal_accept). */
  r->downs[s].tid_want = tid_max;
  return TP_ROUTER_OK;
}

int tp_router_down_set(tp_router *r, uint32_t id, const tp_down_spec *spec) {
  int s = tp_r_down_slot(r, id);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  tp_r_down *d = &r->downs[s];
  if (spec->ext_transport_cc > 14) return TP_ROUTER_ERR_INVALID;
  memcpy(d->spec.pt_of_pt, spec->pt_of_pt, sizeof d->spec.pt_of_pt);
  memcpy(d->spec.ext_of_ext, spec->ext_of_ext, sizeof d->spec.ext_of_ext);
  d->spec.ext_transport_cc = spec->ext_transport_cc;
  return TP_ROUTER_OK;
}

int tp_router_request_keyframe(tp_router *r, uint32_t up, uint8_t layer, tp_out_batch *out) {
  int s = tp_r_up_slot(r, up);
  if (s == TP_R_NONE) return TP_ROUTER_ERR_NOT_FOUND;
  if (layer >= r->ups[s].n_layers) return TP_ROUTER_ERR_INVALID;
  /* An SVC stream's layers are all in one RTP stream: the keyframe is asked of that one. */
  if (r->ups[s].svc_layers > 0) layer = r->ups[s].svc_source;
  return tp_r_pli(r, s, layer, UINT64_MAX, out);
}

/* --- per packet ------------------------------------------------------------------------- */

void tp_router_rtp(tp_router *r, uint32_t conn, const uint8_t *p, size_t len, uint64_t now_us, tp_out_batch *out, tp_event_log *ev) {
  tp_rtp_view v;
  if (!p || len > TP_ROUTER_MAX_PACKET || tp_rtp_parse(p, len, &v) != 0 || tp_rtp_is_rtcp(p, len)) {
    r->c.dropped_malformed++;
    return;
  }
  int c = tp_r_conn_slot(r, conn);
  if (c == TP_R_NONE) {
    r->c.dropped_unknown++;
    return;
  }
  tp_r_twcc_arrival(r, c, p, &v, now_us, out);
  tp_r_up_rtp(r, c, p, len, &v, now_us, out, ev);
}

void tp_router_tick(tp_router *r, uint64_t now_us, uint64_t wall_ms, tp_out_batch *out, tp_event_log *ev) {
  for (int i = 0; i < r->ups_hi; i++)
    if (r->ups[i].used) tp_r_up_tick(r, i, now_us, out, ev);
  for (int i = 0; i < r->downs_hi; i++)
    if (r->downs[i].used) tp_r_down_tick(r, i, now_us, wall_ms, out);
  for (int i = 0; i < r->conns_hi; i++) {
    if (!r->conns[i].used) continue;
    tp_r_conn_tick(r, i, ev);
    tp_r_twcc_tick(r, i, now_us, 0, out);
  }
}
