/*
 * VP9 spatial SVC (RFC 9628): one RTP stream carries several spatial layers, each picture's
 * layers one after the other, told apart by the spatial layer id (SID) of the payload descriptor.
 * Chromium sends VP9 this way when asked for simulcast (L2T3_KEY, L3T3_KEY: upper layers refer to
 * lower ones only in key pictures), on the first of the offered RIDs.
 *
 * The router lets such a stream's spatial layers stand for simulcast layers, so TypeScript
 * chooses among them as it does among RIDs (preferLayer, bandwidth): layer k of the up-stream is
 * "spatial layers 0..k", reported with the bytes they carry together (what forwarding them
 * costs). A down-track at layer k leaves out packets of higher spatial layers, closing the holes
 * in its numbering, and marks the end of layer k's frame as the end of the picture (RTP marker).
 * It moves up only at a key picture (an upper layer needs the lower one of the same key picture)
 * and down at the start of any picture.
 */
#include "router-internal.h"

#define NO_LAYER 0xff

void tp_r_layer_event(tp_event_log *ev, uint32_t down_id, uint8_t layer) {
  uint8_t body[5];
  tp_le32(body, down_id);
  body[4] = layer;
  tp_r_event(ev, TP_EV_LAYER, body, 5);
}

/* The stream turned out SVC: down-tracks that were forwarding it keep doing so, all layers. */
static void become_svc(tp_router *r, tp_r_up *u, uint8_t layer, tp_event_log *ev) {
  u->svc_layers = 1;
  u->svc_source = layer;
  u->svc_base = u->layers[layer].bytes;
  for (int k = 0; k < TP_ROUTER_MAX_LAYERS; k++) u->svc_bytes[k] = u->svc_reported[k] = u->svc_last_us[k] = 0;
  uint8_t body[4];
  tp_le32(body, u->id);
  tp_r_event(ev, TP_EV_SVC, body, 4);
  for (int d = u->first_down; d != TP_R_NONE; d = r->downs[d].next_in_up) {
    tp_r_down *x = &r->downs[d];
    if (x->current == NO_LAYER) continue;
    x->current = TP_ROUTER_MAX_LAYERS - 1;
    tp_r_layer_event(ev, x->id, x->current);
  }
}

const tp_vp9_layer *tp_r_svc_packet(tp_router *r, tp_r_up *u, uint8_t layer, uint8_t codec, const uint8_t *payload, size_t plen, size_t len, uint64_t now_us, tp_vp9_layer *buf, tp_event_log *ev) {
  if (!u->spec.video || codec != TP_CODEC_VP9 || !tp_vp9_layer_of(payload, plen, buf)) return NULL;
  if (buf->sid >= TP_ROUTER_MAX_LAYERS) buf->sid = TP_ROUTER_MAX_LAYERS - 1;
  if (u->svc_layers == 0) {
    if (buf->sid == 0) return NULL; /* one spatial layer so far: a simulcast layer like any */
    become_svc(r, u, layer, ev);
  }
  if (layer != u->svc_source) return NULL;
  if (buf->sid + 1 > u->svc_layers) u->svc_layers = (uint8_t)(buf->sid + 1);
  u->svc_bytes[buf->sid] += len;
  u->svc_last_us[buf->sid] = now_us;
  return buf;
}

int tp_r_svc_accept(tp_r_down *d, uint16_t seq, uint8_t layer, const tp_vp9_layer *s, int keyframe, tp_event_log *ev) {
  uint8_t want = d->target;
  if (want != d->current) {
    int up = d->current == NO_LAYER || want > d->current;
    if ((up && keyframe) || (!up && s->begin && s->sid == 0)) {
      d->current = want;
      tp_r_layer_event(ev, d->id, want);
    }
  }
  if (d->current == NO_LAYER) return 0;
  if (s->sid > d->current) {
    tp_r_down_close_hole(d, seq, layer);
    return 0;
  }
  return 1;
}

void tp_r_svc_figures(tp_r_up *u, uint64_t now_us, tp_event_log *ev) {
  uint64_t sum = u->svc_base;
  for (int k = 0; k < u->svc_layers; k++) {
    sum += u->svc_bytes[k];
    if (u->svc_last_us[k] == 0 || sum == u->svc_reported[k]) continue;
    u->svc_reported[k] = sum;
    uint64_t idle = now_us > u->svc_last_us[k] ? (now_us - u->svc_last_us[k]) / 1000 : 0;
    uint8_t body[17];
    tp_le32(body, u->id);
    body[4] = (uint8_t)k;
    tp_le32(body + 5, (uint32_t)sum);
    tp_le32(body + 9, (uint32_t)(sum >> 32));
    tp_le32(body + 13, idle > 0xfffffffe ? 0xfffffffe : (uint32_t)idle);
    tp_r_event(ev, TP_EV_LAYER_STATS, body, 17);
  }
}
