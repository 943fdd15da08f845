/*
 * The media worker's connections: each peer connection's id, its current transport address (the
 * pair ICE selected, RFC 8445 §12; it may move) and its SRTP sessions (RFC 5764 §4.2). Two hash
 * tables, by id and by address, changed only by control calls on the JavaScript thread, under the
 * worker's mutex. Allocation happens here, never per packet.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "media-worker-internal.h"

void tp_mw_addr_of(const struct sockaddr_storage *sa, tp_mw_addr *a) {
  memset(a, 0, sizeof *a);
  if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    a->family = 6;
    memcpy(a->ip, &s6->sin6_addr, 16);
    a->port = ntohs(s6->sin6_port);
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    a->family = 4;
    memcpy(a->ip, &s4->sin_addr, 4);
    a->port = ntohs(s4->sin_port);
  }
}

/* tp_srtp_free need not take NULL; a connection without keys has none. */
static void free_session(tp_srtp *s) {
  if (s) tp_srtp_free(s);
}

static size_t id_bucket(uint32_t id) { return (size_t)((id * 2654435761u) % TP_MW_BUCKETS); }

/* FNV-1a over the address's bytes. */
static size_t addr_bucket(const tp_mw_addr *a) {
  uint32_t h = 2166136261u;
  const uint8_t *p = a->ip;
  for (size_t i = 0; i < 16; i++) h = (h ^ p[i]) * 16777619u;
  h = (h ^ a->family) * 16777619u;
  h = (h ^ (uint8_t)(a->port >> 8)) * 16777619u;
  h = (h ^ (uint8_t)a->port) * 16777619u;
  return h % TP_MW_BUCKETS;
}

static int same_addr(const tp_mw_addr *a, const tp_mw_addr *b) { return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, 16) == 0; }

tp_mw_conn *tp_mw_find_id(tp_media_worker *w, uint32_t id) {
  for (tp_mw_conn *c = w->by_id[id_bucket(id)]; c; c = c->next_id) {
    if (c->id == id) return c;
  }
  return NULL;
}

tp_mw_conn *tp_mw_find_addr(tp_media_worker *w, const tp_mw_addr *a) {
  for (tp_mw_conn *c = w->by_addr[addr_bucket(a)]; c; c = c->next_addr) {
    if (same_addr(&c->addr, a)) return c;
  }
  return NULL;
}

static void unlink_addr(tp_media_worker *w, tp_mw_conn *c) {
  if (!c->has_addr) return;
  for (tp_mw_conn **pp = &w->by_addr[addr_bucket(&c->addr)]; *pp; pp = &(*pp)->next_addr) {
    if (*pp == c) {
      *pp = c->next_addr;
      break;
    }
  }
  c->has_addr = 0;
  c->next_addr = NULL;
}

static void link_addr(tp_media_worker *w, tp_mw_conn *c, const struct sockaddr_storage *sa, socklen_t salen) {
  memcpy(&c->sa, sa, salen);
  c->salen = salen;
  tp_mw_addr_of(sa, &c->addr);
  size_t b = addr_bucket(&c->addr);
  c->next_addr = w->by_addr[b];
  w->by_addr[b] = c;
  c->has_addr = 1;
}

static void unlink_id(tp_media_worker *w, tp_mw_conn *c) {
  for (tp_mw_conn **pp = &w->by_id[id_bucket(c->id)]; *pp; pp = &(*pp)->next_id) {
    if (*pp == c) {
      *pp = c->next_id;
      break;
    }
  }
}

static void free_conn(tp_mw_conn *c) {
  free_session(c->in);
  free_session(c->out);
  free(c);
}

void tp_mw_conns_free(tp_media_worker *w) {
  for (size_t b = 0; b < TP_MW_BUCKETS; b++) {
    for (tp_mw_conn *c = w->by_id[b], *next; c; c = next) {
      next = c->next_id;
      free_conn(c);
    }
    w->by_id[b] = NULL;
    w->by_addr[b] = NULL;
  }
}

/* Sessions for a key set, made outside the lock (key derivation is not free). */
static int make_sessions(const tp_mw_keys *k, int *keyed, tp_srtp **in, tp_srtp **out) {
  *in = *out = NULL;
  if (k->profile == TP_MW_PROFILE_PLAIN) {
    *keyed = TP_MW_PLAIN;
    return TP_ROUTER_OK;
  }
  size_t kl = tp_srtp_key_len(k->profile), sl = tp_srtp_salt_len(k->profile);
  if (kl == 0 || k->local_key_len != kl || k->remote_key_len != kl || k->local_salt_len != sl || k->remote_salt_len != sl) return TP_MW_ERR_KEY;
  *in = tp_srtp_new(k->profile, k->remote_key, k->remote_salt);
  *out = tp_srtp_new(k->profile, k->local_key, k->local_salt);
  if (!*in || !*out) {
    free_session(*in);
    free_session(*out);
    *in = *out = NULL;
    return TP_MW_ERR_CRYPTO;
  }
  *keyed = TP_MW_SRTP;
  return TP_ROUTER_OK;
}

static int family_ok(tp_media_worker *w, const struct sockaddr_storage *sa) { return sa->ss_family == w->family; }

/* The router forwards to a connection only once packets can reach it (under the lock). */
static void sync_ready(tp_media_worker *w, const tp_mw_conn *c) {
  tp_router_conn_ready(w->router, c->id, c->has_addr && c->keyed != 0);
}

int tp_mw_conn_add(tp_media_worker *w, uint32_t id, const struct sockaddr_storage *sa, socklen_t salen, const tp_mw_keys *keys, const tp_conn_spec *spec) {
  if (sa && !family_ok(w, sa)) return TP_MW_ERR_ADDRESS;
  tp_mw_conn *c = calloc(1, sizeof *c);
  if (!c) return TP_ROUTER_ERR_FULL;
  c->id = id;
  if (keys) {
    int r = make_sessions(keys, &c->keyed, &c->in, &c->out);
    if (r != TP_ROUTER_OK) {
      free(c);
      return r;
    }
  }
  pthread_mutex_lock(&w->mu);
  int r = TP_ROUTER_OK;
  tp_mw_addr a;
  if (sa) tp_mw_addr_of(sa, &a);
  if (tp_mw_find_id(w, id) || (sa && tp_mw_find_addr(w, &a))) {
    r = TP_ROUTER_ERR_EXISTS;
  } else {
    r = tp_router_conn_add(w->router, id, spec);
  }
  if (r == TP_ROUTER_OK) {
    c->spec = *spec;
    size_t b = id_bucket(id);
    c->next_id = w->by_id[b];
    w->by_id[b] = c;
    if (sa) link_addr(w, c, sa, salen);
    sync_ready(w, c);
    /* The first connection wakes the tick (media-worker.c, tick()). */
    if (w->conns++ == 0 && !w->ticking) tp_mw_arm_tick(w, TP_MW_NEXT_TICK_MS);
  }
  pthread_mutex_unlock(&w->mu);
  if (r != TP_ROUTER_OK) free_conn(c);
  return r;
}

int tp_mw_conn_set_address(tp_media_worker *w, uint32_t id, const struct sockaddr_storage *sa, socklen_t salen) {
  if (!family_ok(w, sa)) return TP_MW_ERR_ADDRESS;
  tp_mw_addr a;
  tp_mw_addr_of(sa, &a);
  pthread_mutex_lock(&w->mu);
  int r = TP_ROUTER_OK;
  tp_mw_conn *c = tp_mw_find_id(w, id);
  tp_mw_conn *other = tp_mw_find_addr(w, &a);
  if (!c) {
    r = TP_ROUTER_ERR_NOT_FOUND;
  } else if (other && other != c) {
    r = TP_ROUTER_ERR_EXISTS;
  } else {
    unlink_addr(w, c);
    link_addr(w, c, sa, salen);
    sync_ready(w, c);
  }
  pthread_mutex_unlock(&w->mu);
  return r;
}

int tp_mw_conn_keys(tp_media_worker *w, uint32_t id, const tp_mw_keys *keys) {
  int keyed;
  tp_srtp *in, *out;
  int r = make_sessions(keys, &keyed, &in, &out);
  if (r != TP_ROUTER_OK) return r;
  pthread_mutex_lock(&w->mu);
  tp_mw_conn *c = tp_mw_find_id(w, id);
  if (c) {
    /* The old sessions leave with the swap and are freed outside the lock. */
    tp_srtp *old_in = c->in, *old_out = c->out;
    c->in = in;
    c->out = out;
    c->keyed = keyed;
    sync_ready(w, c);
    in = old_in;
    out = old_out;
  } else {
    r = TP_ROUTER_ERR_NOT_FOUND;
  }
  pthread_mutex_unlock(&w->mu);
  free_session(in);
  free_session(out);
  return r;
}

int tp_mw_conn_remove(tp_media_worker *w, uint32_t id) {
  pthread_mutex_lock(&w->mu);
  tp_mw_conn *c = tp_mw_find_id(w, id);
  if (c) {
    unlink_addr(w, c);
    unlink_id(w, c);
    tp_router_conn_remove(w->router, id);
    w->conns--;
  }
  pthread_mutex_unlock(&w->mu);
  if (!c) return TP_ROUTER_ERR_NOT_FOUND;
  free_conn(c);
  return TP_ROUTER_OK;
}

int tp_mw_conn_get_spec(tp_media_worker *w, uint32_t id, tp_conn_spec *spec) {
  pthread_mutex_lock(&w->mu);
  tp_mw_conn *c = tp_mw_find_id(w, id);
  if (c) *spec = c->spec;
  pthread_mutex_unlock(&w->mu);
  return c ? TP_ROUTER_OK : TP_ROUTER_ERR_NOT_FOUND;
}

int tp_mw_conn_set_spec(tp_media_worker *w, uint32_t id, const tp_conn_spec *spec) {
  pthread_mutex_lock(&w->mu);
  tp_mw_conn *c = tp_mw_find_id(w, id);
  int r = c ? tp_router_conn_set(w->router, id, spec) : TP_ROUTER_ERR_NOT_FOUND;
  if (r == TP_ROUTER_OK) c->spec = *spec;
  pthread_mutex_unlock(&w->mu);
  return r;
}
