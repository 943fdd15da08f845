/*
 * A worker's forwarding rows (RFC 8656 §2.2, §9, §12): allocations by client 5-tuple and by id,
 * relay sockets by id. Only the owning worker changes them, holding its lock so that readers
 * from the JavaScript thread (traffic counters) never see a chain half rewritten.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "plane.h"

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

static size_t client_hash(uint32_t listener_id, const tp_ip *ip, uint16_t port, size_t buckets) {
  uint64_t h = ((uint64_t)listener_id << 32) ^ ((uint64_t)port << 8) ^ ip->family;
  for (int i = 0; i < 16; i += 8) {
    uint64_t part;
    memcpy(&part, ip->bytes + i, 8);
    h = mix(h ^ part);
  }
  return (size_t)(mix(h) & (buckets - 1));
}

static size_t id_hash(uint32_t id, size_t buckets) { return (size_t)(mix(id) & (buckets - 1)); }

static int same_ip(const tp_ip *a, const tp_ip *b) { return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0; }

tp_alloc *tp_table_find_client(tp_worker *w, uint32_t listener_id, const tp_ip *ip, uint16_t port) {
  if (w->buckets == 0) return NULL;
  for (tp_alloc *a = w->by_client[client_hash(listener_id, ip, port, w->buckets)]; a; a = a->next_client) {
    if (a->listener_id == listener_id && a->client_port == port && same_ip(&a->client_ip, ip)) return a;
  }
  return NULL;
}

tp_alloc *tp_table_find_id(tp_worker *w, uint32_t id) {
  if (w->buckets == 0) return NULL;
  for (tp_alloc *a = w->by_id[id_hash(id, w->buckets)]; a; a = a->next_id) {
    if (a->id == id) return a;
  }
  return NULL;
}

tp_relay *tp_table_find_relay(tp_worker *w, uint32_t id) {
  if (w->relay_buckets == 0) return NULL;
  for (tp_relay *r = w->relays[id_hash(id, w->relay_buckets)]; r; r = r->next) {
    if (r->id == id) return r;
  }
  return NULL;
}

/* Doubles the allocation buckets when the table is full, to keep chains short. */
static int grow_allocs(tp_worker *w) {
  size_t n = w->buckets ? w->buckets * 2 : 1024;
  tp_alloc **bc = calloc(n, sizeof *bc);
  tp_alloc **bi = calloc(n, sizeof *bi);
  if (!bc || !bi) {
    free(bc);
    free(bi);
    return -1;
  }
  for (size_t i = 0; i < w->buckets; i++) {
    for (tp_alloc *a = w->by_client[i], *next; a; a = next) {
      next = a->next_client;
      size_t h = client_hash(a->listener_id, &a->client_ip, a->client_port, n);
      a->next_client = bc[h];
      bc[h] = a;
    }
    for (tp_alloc *a = w->by_id[i], *next; a; a = next) {
      next = a->next_id;
      size_t h = id_hash(a->id, n);
      a->next_id = bi[h];
      bi[h] = a;
    }
  }
  free(w->by_client);
  free(w->by_id);
  w->by_client = bc;
  w->by_id = bi;
  w->buckets = n;
  return 0;
}

int tp_table_add_relay(tp_worker *w, tp_relay *r) {
  if (w->nrelays + 1 > w->relay_buckets) {
    size_t n = w->relay_buckets ? w->relay_buckets * 2 : 1024;
    tp_relay **b = calloc(n, sizeof *b);
    if (!b) return -1;
    for (size_t i = 0; i < w->relay_buckets; i++) {
      for (tp_relay *x = w->relays[i], *next; x; x = next) {
        next = x->next;
        size_t h = id_hash(x->id, n);
        x->next = b[h];
        b[h] = x;
      }
    }
    free(w->relays);
    w->relays = b;
    w->relay_buckets = n;
  }
  size_t h = id_hash(r->id, w->relay_buckets);
  r->next = w->relays[h];
  w->relays[h] = r;
  w->nrelays++;
  return 0;
}

void tp_table_del_relay(tp_worker *w, tp_relay *r) {
  if (w->relay_buckets == 0) return;
  tp_relay **pp = &w->relays[id_hash(r->id, w->relay_buckets)];
  for (; *pp; pp = &(*pp)->next) {
    if (*pp == r) {
      *pp = r->next;
      w->nrelays--;
      break;
    }
  }
  /* An allocation that still names this relay (its row not yet withdrawn) forgets it. */
  tp_alloc *a = r->alloc;
  if (a) {
    for (int i = 0; i < 2; i++) if (a->relays[i] == r) a->relays[i] = NULL;
    for (uint16_t i = 0; i < a->nchan; i++) if (a->chans[i].relay == r) a->chans[i].relay = NULL;
  }
}

static void unlink_client(tp_worker *w, tp_alloc *a) {
  tp_alloc **pp = &w->by_client[client_hash(a->listener_id, &a->client_ip, a->client_port, w->buckets)];
  for (; *pp; pp = &(*pp)->next_client) {
    if (*pp == a) {
      *pp = a->next_client;
      break;
    }
  }
}

static void unlink_alloc(tp_worker *w, tp_alloc *a) {
  unlink_client(w, a);
  tp_alloc **pp = &w->by_id[id_hash(a->id, w->buckets)];
  for (; *pp; pp = &(*pp)->next_id) {
    if (*pp == a) {
      *pp = a->next_id;
      break;
    }
  }
  w->nallocs--;
}

static void free_alloc(tp_alloc *a) {
  for (int i = 0; i < 2; i++) if (a->relays[i] && a->relays[i]->alloc == a) a->relays[i]->alloc = NULL;
  free(a->perms);
  free(a->chans);
  free(a);
}

int tp_table_upsert(tp_worker *w, const tp_entry *e) {
  tp_alloc *a = tp_table_find_id(w, e->alloc_id);
  int fresh = a == NULL;
  int moved = 0;
  if (fresh) {
    if (w->nallocs + 1 > w->buckets && grow_allocs(w) != 0) return -1;
    a = calloc(1, sizeof *a);
    if (!a) return -1;
    a->id = e->alloc_id;
    a->tokens = -1;
  } else if (a->listener_id != e->listener_id || a->client_port != e->client_port || memcmp(&a->client_ip, &e->client_ip, sizeof a->client_ip) != 0) {
    /* RFC 8016 §3.2: a mobility Refresh moved the allocation to another 5-tuple; it is filed
     * under the new one below, once the row has proved usable. */
    moved = 1;
  }
  tp_perm *perms = e->nperm ? calloc(e->nperm, sizeof *perms) : NULL;
  tp_chan *chans = e->nchan ? calloc(e->nchan, sizeof *chans) : NULL;
  if ((e->nperm && !perms) || (e->nchan && !chans) || e->listener_id >= TP_MAX_LISTENERS || !w->listeners[e->listener_id]) {
    free(perms);
    free(chans);
    if (fresh) free(a);
    return -1;
  }
  if (moved) unlink_client(w, a);
  a->listener_id = e->listener_id;
  a->listener = w->listeners[e->listener_id];
  a->client_ip = e->client_ip;
  a->client_port = e->client_port;
  a->client_salen = tp_sa_from_ip(&e->client_ip, e->client_port, 0, &a->client_sa);
  a->expires = e->expires;
  a->fingerprint = e->fingerprint;
  if (a->max_bps != e->max_bps) a->tokens = -1; /* a new budget starts full */
  a->max_bps = e->max_bps;
  for (int i = 0; i < 2; i++) {
    tp_relay *r = e->relay_id[i] ? tp_table_find_relay(w, e->relay_id[i]) : NULL;
    if (a->relays[i] && a->relays[i] != r && a->relays[i]->alloc == a) a->relays[i]->alloc = NULL;
    a->relays[i] = r;
    if (r) r->alloc = a;
  }
  for (uint16_t i = 0; i < e->nperm; i++) {
    tp_entry_perm p;
    tp_entry_perm_at(e, i, &p);
    perms[i].ip = p.ip;
    perms[i].expires = p.expires;
  }
  for (uint16_t i = 0; i < e->nchan; i++) {
    tp_entry_chan c;
    tp_entry_chan_at(e, i, &c);
    chans[i].number = c.number;
    chans[i].port = c.port;
    chans[i].ip = c.ip;
    chans[i].expires = c.expires;
    chans[i].salen = tp_sa_from_ip(&c.ip, c.port, 0, &chans[i].sa);
    chans[i].relay = NULL;
    for (int k = 0; k < 2; k++) {
      if (a->relays[k] && a->relays[k]->family == c.ip.family) chans[i].relay = a->relays[k];
    }
  }
  free(a->perms);
  free(a->chans);
  a->perms = perms;
  a->nperm = e->nperm;
  a->chans = chans;
  a->nchan = e->nchan;
  if (fresh || moved) {
    size_t hc = client_hash(a->listener_id, &a->client_ip, a->client_port, w->buckets);
    a->next_client = w->by_client[hc];
    w->by_client[hc] = a;
  }
  if (fresh) {
    size_t hi = id_hash(a->id, w->buckets);
    a->next_id = w->by_id[hi];
    w->by_id[hi] = a;
    w->nallocs++;
  }
  return 0;
}

void tp_table_remove(tp_worker *w, uint32_t id) {
  tp_alloc *a = tp_table_find_id(w, id);
  if (!a) return;
  unlink_alloc(w, a);
  free_alloc(a);
}

void tp_table_free(tp_worker *w) {
  for (size_t i = 0; i < w->buckets; i++) {
    for (tp_alloc *a = w->by_id[i], *next; a; a = next) {
      next = a->next_id;
      free(a->perms);
      free(a->chans);
      free(a);
    }
  }
  free(w->by_client);
  free(w->by_id);
  w->by_client = w->by_id = NULL;
  w->buckets = w->nallocs = 0;
  free(w->relays);
  w->relays = NULL;
  w->relay_buckets = w->nrelays = 0;
}

void tp_ip_from_sa(const struct sockaddr_storage *sa, tp_ip *ip, uint16_t *port) {
  if (sa->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
    ip->family = 6;
    memcpy(ip->bytes, &s6->sin6_addr, 16);
    *port = ntohs(s6->sin6_port);
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
    ip->family = 4;
    memset(ip->bytes, 0, 10);
    ip->bytes[10] = 0xFF;
    ip->bytes[11] = 0xFF;
    memcpy(ip->bytes + 12, &s4->sin_addr, 4);
    *port = ntohs(s4->sin_port);
  }
}

socklen_t tp_sa_from_ip(const tp_ip *ip, uint16_t port, int unused, struct sockaddr_storage *sa) {
  (void)unused;
  memset(sa, 0, sizeof *sa);
  if (ip->family == 6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    memcpy(&s6->sin6_addr, ip->bytes, 16);
    return sizeof *s6;
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
  s4->sin_family = AF_INET;
  s4->sin_port = htons(port);
  memcpy(&s4->sin_addr, ip->bytes + 12, 4);
  return sizeof *s4;
}
