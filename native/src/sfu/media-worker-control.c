/*
 * The media worker's calls from JavaScript's thread (media-worker.h): JavaScript draining what
 * waits for it, the router's control calls and JavaScript's own datagrams, each under the
 * worker's mutex. The worker's thread is in media-worker.c.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>

#include "media-worker-internal.h"

int tp_mw_drain(tp_media_worker *w, uint8_t **records, size_t *records_len, uint8_t **events, size_t *events_len, uint64_t *dropped) {
  pthread_mutex_lock(&w->mu);
  uint8_t *q = malloc(w->qlen ? w->qlen : 1);
  uint8_t *e = malloc(w->ev.len ? w->ev.len : 1);
  if (!q || !e) {
    pthread_mutex_unlock(&w->mu);
    free(q);
    free(e);
    return -1;
  }
  memcpy(q, w->queue, w->qlen);
  memcpy(e, w->ev.bytes, w->ev.len);
  *records = q;
  *records_len = w->qlen;
  *events = e;
  *events_len = w->ev.len;
  *dropped = w->qdropped;
  w->qlen = 0;
  w->ev.len = 0;
  w->ev_seen = 0;
  w->qdropped = 0;
  w->wake_pending = 0;
  w->last_drain_us = tp_mw_now_us();
  pthread_mutex_unlock(&w->mu);
  return 0;
}

/* --- control calls that are the router's ------------------------------------------------------- */

#define LOCKED(w, call)               \
  do {                                \
    pthread_mutex_lock(&(w)->mu);     \
    int r_ = (call);                  \
    pthread_mutex_unlock(&(w)->mu);   \
    return r_;                        \
  } while (0)

int tp_mw_up_add(tp_media_worker *w, uint32_t up, const tp_up_spec *spec) { LOCKED(w, tp_router_up_add(w->router, up, spec)); }
int tp_mw_up_remove(tp_media_worker *w, uint32_t up) { LOCKED(w, tp_router_up_remove(w->router, up)); }
int tp_mw_down_add(tp_media_worker *w, uint32_t down, const tp_down_spec *spec) { LOCKED(w, tp_router_down_add(w->router, down, spec)); }
int tp_mw_down_remove(tp_media_worker *w, uint32_t down) { LOCKED(w, tp_router_down_remove(w->router, down)); }
int tp_mw_down_target(tp_media_worker *w, uint32_t down, uint8_t layer, uint8_t paused) { LOCKED(w, tp_router_down_target(w->router, down, layer, paused)); }
int tp_mw_down_temporal(tp_media_worker *w, uint32_t down, uint8_t tid_max) { LOCKED(w, tp_router_down_temporal(w->router, down, tid_max)); }
int tp_mw_down_set(tp_media_worker *w, uint32_t down, const tp_down_spec *spec) { LOCKED(w, tp_router_down_set(w->router, down, spec)); }
int tp_mw_conn_rtx_rate(tp_media_worker *w, uint32_t conn, uint32_t bps) { LOCKED(w, tp_router_conn_rtx_rate(w->router, conn, bps)); }

int tp_mw_request_keyframe(tp_media_worker *w, uint32_t up, uint8_t layer) {
  pthread_mutex_lock(&w->mu);
  int r = tp_router_request_keyframe(w->router, up, layer, &w->ctl_out);
  tp_mw_send_batch(w, &w->ctl_out);
  pthread_mutex_unlock(&w->mu);
  return r;
}

void tp_mw_set_batch_us(tp_media_worker *w, uint32_t us) {
  w->batch_us = us > TP_MW_BATCH_US_MAX ? TP_MW_BATCH_US_MAX : us;
}

void tp_mw_set_shed_ms(tp_media_worker *w, uint32_t ms) {
  w->shed_ms = ms > TP_MW_SHED_MS_MAX ? TP_MW_SHED_MS_MAX : ms;
}

void tp_mw_set_gso(tp_media_worker *w, int on) {
  pthread_mutex_lock(&w->mu);
  w->gso = on && tp_mw_gso_probe(w->fd);
  pthread_mutex_unlock(&w->mu);
}

void tp_mw_set_audio_threshold(tp_media_worker *w, uint8_t level) {
  pthread_mutex_lock(&w->mu);
  tp_router_set_audio_threshold(w->router, level);
  pthread_mutex_unlock(&w->mu);
}

long tp_mw_send_raw(tp_media_worker *w, const struct sockaddr_storage *sa, socklen_t salen, const uint8_t *data, size_t len) {
  if (w->fd < 0) return -EBADF;
  ssize_t r = sendto(w->fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)sa, salen);
  return r < 0 ? -errno : (long)r;
}

int tp_mw_send_rtcp(tp_media_worker *w, uint32_t conn, const uint8_t *data, size_t len) {
  if (len < 8 || len > TP_ROUTER_MAX_PACKET) return TP_ROUTER_ERR_INVALID;
  pthread_mutex_lock(&w->mu);
  int r = TP_ROUTER_OK;
  tp_mw_conn *c = tp_mw_find_id(w, conn);
  if (!c) {
    r = TP_ROUTER_ERR_NOT_FOUND;
  } else if (!c->has_addr || c->keyed == TP_MW_NO_KEYS) {
    r = TP_MW_ERR_NO_KEYS;
  } else {
    tp_out_packet *p = &w->ctl_out.packets[0];
    p->conn = conn;
    p->rtcp = 1;
    p->len = (uint16_t)len;
    memcpy(p->data, data, len);
    w->ctl_out.count = 1;
    if (tp_mw_send_batch(w, &w->ctl_out) != 1) r = TP_MW_ERR_SEND;
  }
  pthread_mutex_unlock(&w->mu);
  return r;
}

void tp_mw_counters(tp_media_worker *w, uint64_t out[TP_MWC_COUNT], tp_router_counters *router) {
  pthread_mutex_lock(&w->mu);
  w->counters[TP_MWC_EVENTS_LOST] = w->ev.lost;
  memcpy(out, w->counters, sizeof w->counters);
  tp_router_counters_get(w->router, router);
  pthread_mutex_unlock(&w->mu);
}
