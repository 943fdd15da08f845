/*
 * A data-plane worker: one thread, one epoll loop (RFC 8656 §11-§12 relaying with no
 * JavaScript). It reads its sockets in batches with recvmmsg, relays ChannelData, Send
 * indications and peer datagrams from its forwarding rows, sends each batch with sendmmsg
 * (grouped by socket), and hands what the rows cannot decide (STUN requests, anything unusual)
 * up to JavaScript, one call per batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "plane.h"
#include "udp-gso.h"
#include "udp-recv.h"

const char *const tp_counter_names[TPC_COUNT] = {
  "channelDataIn",
  "channelDataOut",
  "sendIndicationsIn",
  "dataIndicationsOut",
  "handedUp",
  "upQueueFull",
  "recvBatches",
  "recvDatagrams",
  "sendCalls",
  "sentDatagrams",
  "gsoSends",
  "gsoSegments",
  "drop.channel-data-no-allocation",
  "drop.channel-data-malformed",
  "drop.channel-not-bound",
  "drop.channel-data-no-permission",
  "drop.channel-data-too-large-for-peer",
  "drop.send-no-permission",
  "drop.send-too-large-for-peer",
  "drop.no-relay-for-family",
  "drop.peer-data-inactive-allocation",
  "drop.peer-data-no-permission",
  "drop.peer-data-too-large-for-data-indication",
  "drop.peer-data-too-large-for-channel",
  "drop.max-bps",
  "drop.bps-capacity",
  "drop.udp-socket-error",
};


/* RFC 768 over RFC 791 / RFC 8200: the largest UDP payload of each family. */
#define TP_MAX_UDP4 65507u
#define TP_MAX_UDP6 65527u
/* Up-call records are cut into a new batch past this many bytes. */
#define TP_UP_SOFT_LIMIT (1u << 20)
/* How many receive batches one socket gets before the others of the same epoll round. */
#define TP_BATCHES_PER_SOCKET 8

/* One writer per counter (this worker), so a plain relaxed increment is enough. */
static inline void bump(_Atomic uint64_t *c, uint64_t by) {
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by, memory_order_relaxed);
}
#define COUNT(w, c) bump(&(w)->counters[(c)], 1)

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static size_t max_udp(uint8_t family) { return family == 6 ? TP_MAX_UDP6 : TP_MAX_UDP4; }

static int same_ip(const tp_ip *a, const tp_ip *b) { return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0; }

/* RFC 8656 §9: is there an unexpired permission for this peer IP? */
static int permitted(const tp_alloc *a, const tp_ip *ip, double now) {
  for (uint16_t i = 0; i < a->nperm; i++) {
    if (a->perms[i].expires > now && same_ip(&a->perms[i].ip, ip)) return 1;
  }
  return 0;
}

/* RFC 8656 §12: the active binding of a channel number. */
static tp_chan *channel_by_number(tp_alloc *a, uint16_t number, double now) {
  for (uint16_t i = 0; i < a->nchan; i++) {
    if (a->chans[i].number == number) return a->chans[i].expires > now ? &a->chans[i] : NULL;
  }
  return NULL;
}

/* RFC 8656 §12.6: the active binding of a peer transport address. */
static tp_chan *channel_by_peer(tp_alloc *a, const tp_ip *ip, uint16_t port, double now) {
  for (uint16_t i = 0; i < a->nchan; i++) {
    tp_chan *c = &a->chans[i];
    if (c->port == port && c->expires > now && same_ip(&c->ip, ip)) return c;
  }
  return NULL;
}

/* A token bucket refilled continuously; a fresh one (tokens < 0) starts full. */
static int take_tokens(double *tokens, double *last, double rate, double bytes, double now) {
  if (*tokens < 0) {
    *tokens = rate;
    *last = now;
  } else if (now > *last) {
    *tokens += (now - *last) * rate / 1000.0;
    if (*tokens > rate) *tokens = rate;
    *last = now;
  }
  if (*tokens < bytes) return 0;
  *tokens -= bytes;
  return 1;
}

/* `max-bps` per allocation, then `bps-capacity` (this worker's share of it). */
static int spend(tp_worker *w, tp_alloc *a, size_t bytes, double now) {
  if (a->max_bps > 0 && !take_tokens(&a->tokens, &a->last_ms, a->max_bps, (double)bytes, now)) {
    bump(&a->traffic.dropped, 1);
    COUNT(w, TPC_DROP_MAX_BPS);
    return 0;
  }
  if (w->bps > 0 && !take_tokens(&w->bps_tokens, &w->bps_last, w->bps, (double)bytes, now)) {
    bump(&a->traffic.dropped, 1);
    COUNT(w, TPC_DROP_BPS_CAPACITY);
    return 0;
  }
  return 1;
}

/* xorshift64*: transaction ids of Data indications need to differ, not to be secret. */
static void random_tid(tp_worker *w, uint8_t tid[12]) {
  for (int i = 0; i < 12; i += 4) {
    uint64_t x = w->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    w->rng = x;
    uint32_t r = (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
    memcpy(tid + i, &r, 4);
  }
}

static tp_out *next_out(tp_worker *w) {
  if (w->nout >= (int)(sizeof w->out / sizeof w->out[0])) return NULL;
  tp_out *o = &w->out[w->nout++];
  o->iovcnt = 0;
  return o;
}

static size_t out_len(const tp_out *o) {
  size_t n = 0;
  for (int i = 0; i < o->iovcnt; i++) n += o->iov[i].iov_len;
  return n;
}

static int same_dest(const tp_out *a, const tp_out *b) { return a->salen == b->salen && memcmp(&a->sa, &b->sa, a->salen) == 0; }

/* Copies a datagram's pieces, one after the other. */
static void gather(uint8_t *dst, const tp_out *o) {
  for (int i = 0; i < o->iovcnt; i++) {
    memcpy(dst, o->iov[i].iov_base, o->iov[i].iov_len);
    dst += o->iov[i].iov_len;
  }
}

/*
 * Sends the batch: one sendmmsg per socket, the datagrams of a socket in the order they came.
 * A run of same-size datagrams to one destination leaves as one UDP GSO send (UDP_SEGMENT):
 * the kernel cuts it into the datagrams, walking its send path once for all of them.
 */
static void flush(tp_worker *w) {
  int n = w->nout;
  uint8_t sent[TP_BATCH * 2];
  int idx[TP_BATCH * 2];
  memset(sent, 0, sizeof sent);
  for (int i = 0; i < n; i++) {
    if (sent[i]) continue;
    int fd = w->out[i].fd;
    int m = 0;
    for (int j = i; j < n; j++) {
      if (sent[j] || w->out[j].fd != fd) continue;
      sent[j] = 1;
      idx[m++] = j;
    }
    int k = 0, slots = 0, datagrams = 0;
    int per_msg[TP_BATCH * 2];
    for (int j = 0; j < m;) {
      tp_out *o = &w->out[idx[j]];
      size_t size = out_len(o);
      int run = 1;
      if (w->gso && slots < TP_BATCH) {
        while (j + run < m && run < TP_GSO_SEGMENTS && (size_t)(run + 1) * size <= TP_GSO_BYTES && same_dest(o, &w->out[idx[j + run]]) && out_len(&w->out[idx[j + run]]) == size) run++;
      }
      struct msghdr *h = &w->smsg[k].msg_hdr;
      memset(h, 0, sizeof *h);
      h->msg_name = &o->sa;
      h->msg_namelen = o->salen;
      if (run >= 2) {
        uint8_t *buf = w->gsobuf + (size_t)slots++ * TP_GSO_BYTES;
        for (int r = 0; r < run; r++) gather(buf + (size_t)r * size, &w->out[idx[j + r]]);
        w->siov[k].iov_base = buf;
        w->siov[k].iov_len = (size_t)run * size;
        h->msg_iov = &w->siov[k];
        h->msg_iovlen = 1;
        tp_udp_gso_cmsg(h, w->sctl[k].buf, sizeof w->sctl[k].buf, (uint16_t)size);
        COUNT(w, TPC_GSO_SENDS);
        bump(&w->counters[TPC_GSO_SEGMENTS], (uint64_t)run);
      } else {
        h->msg_iov = o->iov;
        h->msg_iovlen = (size_t)o->iovcnt;
      }
      per_msg[k++] = run;
      datagrams += run;
      j += run;
    }
    int done = 0;
    while (done < k) {
      int r = sendmmsg(fd, w->smsg + done, (unsigned)(k - done), MSG_DONTWAIT);
      COUNT(w, TPC_SEND_CALLS);
      if (r > 0) {
        for (int q = 0; q < r; q++) bump(&w->counters[TPC_SENT_DATAGRAMS], (uint64_t)per_msg[done + q]);
        done += r;
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && w->smsg[done].msg_hdr.msg_control != NULL && (errno == EINVAL || errno == EIO || errno == ENOPROTOOPT || errno == EOPNOTSUPP)) {
        /* This kernel or device cannot segment: no more GSO on this thread; the bundle is lost once. */
        w->gso = 0;
      }
      /* A full socket buffer or an error for this message: it is lost, counted, and the rest go. */
      bump(&w->counters[TPC_DROP_UDP_SOCKET_ERROR], (uint64_t)per_msg[done]);
      done++;
    }
    (void)datagrams;
  }
  w->nout = 0;
}

/* Appends a datagram for JavaScript: 16-byte header, the source IP as text, the bytes. */
static void hand_up(tp_worker *w, uint32_t listener_id, const struct sockaddr_storage *sa, const uint8_t *p, size_t len) {
  char text[INET6_ADDRSTRLEN];
  tp_ip ip;
  uint16_t port;
  tp_ip_from_sa(sa, &ip, &port);
  if (!inet_ntop(ip.family == 6 ? AF_INET6 : AF_INET, ip.family == 6 ? (const void *)ip.bytes : (const void *)(ip.bytes + 12), text, sizeof text)) return;
  size_t tlen = strlen(text);
  size_t rec = (16 + tlen + len + 3) & ~(size_t)3;
  if (w->uplen + rec > w->upcap) {
    size_t cap = w->upcap ? w->upcap : 65536;
    while (cap < w->uplen + rec) cap *= 2;
    uint8_t *grown = realloc(w->up, cap);
    if (!grown) {
      COUNT(w, TPC_UP_QUEUE_FULL);
      return;
    }
    w->up = grown;
    w->upcap = cap;
  }
  uint8_t *r = w->up + w->uplen;
  uint32_t rec32 = (uint32_t)rec;
  memcpy(r, &rec32, 4);
  memcpy(r + 4, &listener_id, 4);
  memcpy(r + 8, &port, 2);
  uint16_t len16 = (uint16_t)len;
  memcpy(r + 10, &len16, 2);
  r[12] = (uint8_t)w->index;
  r[13] = (uint8_t)tlen;
  r[14] = 0;
  r[15] = 0;
  memcpy(r + 16, text, tlen);
  memcpy(r + 16 + tlen, p, len);
  memset(r + 16 + tlen + len, 0, rec - (16 + tlen + len));
  w->uplen += rec;
  COUNT(w, TPC_HANDED_UP);
}

static void post_up(tp_worker *w) {
  if (w->uplen == 0) return;
  if (tp_post_up(w->plane, w->up, w->uplen) == 0) {
    w->up = NULL;
    w->upcap = 0;
  } else {
    COUNT(w, TPC_UP_QUEUE_FULL);
  }
  w->uplen = 0;
}

/* RFC 8656 §12.4: ChannelData from a client to the peer bound to its channel; 0 when no row of
 * this thread has the client and the plane hands such ChannelData up, for the core to decide (an
 * RFC 8016 move can take a client to a 5-tuple another thread reads, while its row stays with
 * its relay sockets); without mobility it is dropped here. */
static int client_channel_data(tp_worker *w, tp_listener *l, const struct sockaddr_storage *sa, const uint8_t *p, size_t len, double now) {
  tp_ip ip;
  uint16_t port;
  tp_ip_from_sa(sa, &ip, &port);
  tp_alloc *a = tp_table_find_client(w, l->listener_id, &ip, port);
  if (!a) {
    if (w->plane->hand_up_stray_channel_data) return 0;
    return COUNT(w, TPC_DROP_CHANNEL_DATA_NO_ALLOCATION), 1;
  }
  if (a->expires <= now) return COUNT(w, TPC_DROP_CHANNEL_DATA_NO_ALLOCATION), 1;
  uint16_t number;
  const uint8_t *data;
  size_t dlen;
  if (tp_channel_data_parse(p, len, &number, &data, &dlen) != 0) return COUNT(w, TPC_DROP_CHANNEL_DATA_MALFORMED), 1;
  tp_chan *c = channel_by_number(a, number, now);
  if (!c || !c->relay) return COUNT(w, TPC_DROP_CHANNEL_NOT_BOUND), 1;
  /* RFC 8656 §9: a binding (10 min) outlives its permission (5 min) unless refreshed. */
  if (!permitted(a, &c->ip, now)) return COUNT(w, TPC_DROP_CHANNEL_DATA_NO_PERMISSION), 1;
  if (dlen > max_udp(c->ip.family)) return COUNT(w, TPC_DROP_CHANNEL_DATA_TOO_LARGE_FOR_PEER), 1;
  if (!spend(w, a, dlen, now)) return 1;
  tp_out *o = next_out(w);
  if (!o) return COUNT(w, TPC_DROP_UDP_SOCKET_ERROR), 1;
  o->fd = c->relay->s.fd;
  memcpy(&o->sa, &c->sa, c->salen);
  o->salen = c->salen;
  o->iov[0].iov_base = (void *)data;
  o->iov[0].iov_len = dlen;
  o->iovcnt = 1;
  bump(&a->traffic.tx_packets, 1);
  bump(&a->traffic.tx_bytes, dlen);
  COUNT(w, TPC_CHANNEL_DATA_IN);
  return 1;
}

/* RFC 8656 §11.2: a Send indication the rows can decide; 0 when it must go up instead. */
static int client_send(tp_worker *w, tp_listener *l, const struct sockaddr_storage *sa, const tp_send *s, double now) {
  tp_ip ip;
  uint16_t port;
  tp_ip_from_sa(sa, &ip, &port);
  tp_alloc *a = tp_table_find_client(w, l->listener_id, &ip, port);
  /* No row: the core counts it (send-no-allocation), as for a client the plane does not know. */
  if (!a || a->expires <= now) return 0;
  tp_relay *relay = NULL;
  for (int i = 0; i < 2; i++) if (a->relays[i] && a->relays[i]->family == s->peer.family) relay = a->relays[i];
  if (!relay) return COUNT(w, TPC_DROP_NO_RELAY_FOR_FAMILY), 1;
  if (!permitted(a, &s->peer, now)) return COUNT(w, TPC_DROP_SEND_NO_PERMISSION), 1;
  if (s->data_len > max_udp(s->peer.family)) return COUNT(w, TPC_DROP_SEND_TOO_LARGE_FOR_PEER), 1;
  if (!spend(w, a, s->data_len, now)) return 1;
  tp_out *o = next_out(w);
  if (!o) return COUNT(w, TPC_DROP_UDP_SOCKET_ERROR), 1;
  o->fd = relay->s.fd;
  o->salen = tp_sa_from_ip(&s->peer, s->peer_port, 0, &o->sa);
  o->iov[0].iov_base = (void *)s->data;
  o->iov[0].iov_len = s->data_len;
  o->iovcnt = 1;
  bump(&a->traffic.tx_packets, 1);
  bump(&a->traffic.tx_bytes, s->data_len);
  COUNT(w, TPC_SEND_INDICATIONS_IN);
  return 1;
}

/* RFC 8656 §11.3, §12.6: a datagram from a peer, to the client as ChannelData or a Data indication. */
static void peer_datagram(tp_worker *w, tp_relay *r, const struct sockaddr_storage *sa, const uint8_t *p, size_t len, double now) {
  tp_alloc *a = r->alloc;
  if (!a || a->expires <= now) return COUNT(w, TPC_DROP_PEER_DATA_INACTIVE_ALLOCATION);
  tp_ip ip;
  uint16_t port;
  tp_ip_from_sa(sa, &ip, &port);
  if (!permitted(a, &ip, now)) return COUNT(w, TPC_DROP_PEER_DATA_NO_PERMISSION);
  size_t limit = max_udp(a->client_ip.family);
  tp_chan *c = channel_by_peer(a, &ip, port, now);
  size_t total;
  if (c) {
    total = 4 + len;
    if (len > 0xFFFF || total > limit) {
      bump(&a->traffic.dropped, 1);
      return COUNT(w, TPC_DROP_PEER_DATA_TOO_LARGE_FOR_CHANNEL);
    }
  } else {
    total = tp_data_indication_len(ip.family, len, a->fingerprint);
    /* RFC 8489 §5: the length field has 16 bits; and the client's UDP must carry it. */
    if (total - 20 > 0xFFFF || total > limit) {
      bump(&a->traffic.dropped, 1);
      return COUNT(w, TPC_DROP_PEER_DATA_TOO_LARGE_FOR_DATA_INDICATION);
    }
  }
  if (!spend(w, a, len, now)) return;
  tp_out *o = next_out(w);
  if (!o) return COUNT(w, TPC_DROP_UDP_SOCKET_ERROR);
  o->fd = a->listener->s.fd;
  memcpy(&o->sa, &a->client_sa, a->client_salen);
  o->salen = a->client_salen;
  if (c) {
    /* §12.4: channel number and length; over UDP no padding is needed (§12.5). */
    o->head[0] = (uint8_t)(c->number >> 8);
    o->head[1] = (uint8_t)c->number;
    o->head[2] = (uint8_t)(len >> 8);
    o->head[3] = (uint8_t)len;
    o->iov[0].iov_base = o->head;
    o->iov[0].iov_len = 4;
    o->iov[1].iov_base = (void *)p;
    o->iov[1].iov_len = len;
    o->iovcnt = 2;
    COUNT(w, TPC_CHANNEL_DATA_OUT);
  } else {
    uint8_t tid[12];
    random_tid(w, tid);
    size_t hl = tp_data_indication_head(o->head, tid, &ip, port, len, total);
    size_t pad = tp_data_padding(o->tail, len);
    o->iov[0].iov_base = o->head;
    o->iov[0].iov_len = hl;
    o->iov[1].iov_base = (void *)p;
    o->iov[1].iov_len = len;
    size_t tl = pad;
    if (a->fingerprint) {
      uint32_t crc = tp_crc32(0, o->head, hl);
      crc = tp_crc32(crc, p, len);
      crc = tp_crc32(crc, o->tail, pad);
      tp_fingerprint_attr(o->tail + pad, crc);
      tl += 8;
    }
    o->iov[2].iov_base = o->tail;
    o->iov[2].iov_len = tl;
    o->iovcnt = tl ? 3 : 2;
    COUNT(w, TPC_DATA_INDICATIONS_OUT);
  }
  bump(&a->traffic.rx_packets, 1);
  bump(&a->traffic.rx_bytes, len);
}

/* Reads one batch from a socket; the number of datagrams, 0 when there are none. */
static int recv_batch(tp_worker *w, int fd) {
  tp_udp_recv_slots(w->rmsg, w->riov, w->raddr, w->rbuf, TP_RECV_BYTES, TP_BATCH, NULL, 0);
  int n = recvmmsg(fd, w->rmsg, TP_BATCH, MSG_DONTWAIT, NULL);
  if (n <= 0) return 0;
  COUNT(w, TPC_RECV_BATCHES);
  bump(&w->counters[TPC_RECV_DATAGRAMS], (uint64_t)n);
  return n;
}

static void on_listener(tp_worker *w, tp_listener *l, uint16_t max_channel_first) {
  for (int round = 0; round < TP_BATCHES_PER_SOCKET; round++) {
    int n = recv_batch(w, l->s.fd);
    if (n == 0) return;
    double now = now_ms();
    for (int i = 0; i < n; i++) {
      const uint8_t *p = w->riov[i].iov_base;
      size_t len = w->rmsg[i].msg_len;
      /* A datagram cut by the buffer would be misread: the core sees it whole or not at all. */
      if (w->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
        COUNT(w, TPC_DROP_CHANNEL_DATA_MALFORMED);
        continue;
      }
      /* RFC 7983 §7: 64-79 is ChannelData (64-127 with RFC 5766's channel numbers). */
      if (len > 0 && p[0] >= 0x40 && p[0] <= max_channel_first && client_channel_data(w, l, &w->raddr[i], p, len, now)) continue;
      tp_send s;
      if (len >= 20 && p[0] == 0x00 && p[1] == 0x16 && tp_send_parse(p, len, &s) == 1 && client_send(w, l, &w->raddr[i], &s, now)) continue;
      hand_up(w, l->listener_id, &w->raddr[i], p, len);
    }
    flush(w);
    if (w->uplen >= TP_UP_SOFT_LIMIT) post_up(w);
    if (n < TP_BATCH) return;
  }
}

static void on_relay(tp_worker *w, tp_relay *r) {
  for (int round = 0; round < TP_BATCHES_PER_SOCKET; round++) {
    int n = recv_batch(w, r->s.fd);
    if (n == 0) return;
    double now = now_ms();
    for (int i = 0; i < n; i++) {
      if (w->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
        COUNT(w, TPC_DROP_PEER_DATA_TOO_LARGE_FOR_DATA_INDICATION);
        continue;
      }
      peer_datagram(w, r, &w->raddr[i], w->riov[i].iov_base, w->rmsg[i].msg_len, now);
    }
    flush(w);
    if (n < TP_BATCH) return;
  }
}

/* Relays deleted in this round, freed once no event of the round can name them. */
typedef struct {
  tp_relay *items[256];
  int n;
} tp_graveyard;

static void bury(tp_graveyard *g, tp_relay *r) {
  if (g->n < 256) {
    g->items[g->n++] = r;
  } else {
    free(r); /* cannot happen within one round of 64 events, but never leak */
  }
}

/* Applies JavaScript's commands, holding the lock that readers of the tables take. */
static void apply_commands(tp_worker *w, tp_graveyard *g) {
  pthread_mutex_lock(&w->mu);
  for (size_t i = 0; i < w->ncmds; i++) {
    tp_cmd *c = &w->cmds[i];
    switch (c->op) {
      case TP_CMD_ADD_RELAY: {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c->relay };
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->relay->s.fd, &ev) != 0 || tp_table_add_relay(w, c->relay) != 0) {
          close(c->relay->s.fd);
          free(c->relay);
        }
        break;
      }
      case TP_CMD_DEL_RELAY: {
        tp_relay *r = tp_table_find_relay(w, c->id);
        if (r) {
          epoll_ctl(w->epfd, EPOLL_CTL_DEL, r->s.fd, NULL);
          close(r->s.fd);
          tp_table_del_relay(w, r);
          r->s.kind = 0; /* an event of this round that names it is skipped */
          bury(g, r);
        }
        break;
      }
      case TP_CMD_UPSERT: {
        tp_entry e;
        if (tp_entry_parse(c->blob, c->blob_len, &e) == 0) tp_table_upsert(w, &e);
        free(c->blob);
        break;
      }
      case TP_CMD_REMOVE:
        tp_table_remove(w, c->id);
        break;
      default:
        break;
    }
  }
  w->ncmds = 0;
  pthread_mutex_unlock(&w->mu);
}

static void *run(void *arg) {
  tp_worker *w = arg;
  /* Named, so top -H, perf and the bench's per-thread figures tell the workers apart. */
  char name[16];
  snprintf(name, sizeof name, "turnpike-dp-%d", w->index);
  pthread_setname_np(pthread_self(), name);
  struct epoll_event ev[64];
  uint16_t max_channel_first = w->plane->max_channel_first;
  while (!atomic_load(&w->plane->stopping)) {
    int n = epoll_wait(w->epfd, ev, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    tp_graveyard g = { .n = 0 };
    /* Commands first: a row JavaScript published before answering a client is in place
     * before that client's next datagram is read. */
    apply_commands(w, &g);
    for (int i = 0; i < n; i++) {
      tp_sock *s = ev[i].data.ptr;
      if (s->kind == TP_SOCK_WAKE) {
        uint64_t v;
        ssize_t r = read(s->fd, &v, sizeof v);
        (void)r;
      } else if (s->kind == TP_SOCK_LISTENER) {
        on_listener(w, (tp_listener *)s, max_channel_first);
      } else if (s->kind == TP_SOCK_RELAY) {
        on_relay(w, (tp_relay *)s);
      }
    }
    post_up(w);
    for (int i = 0; i < g.n; i++) free(g.items[i]);
  }
  return NULL;
}

int tp_worker_init(tp_plane *plane, int index, double bps_share) {
  tp_worker *w = &plane->workers[index];
  memset(w, 0, sizeof *w);
  w->plane = plane;
  w->index = index;
  w->bps = bps_share;
  w->bps_tokens = -1;
  if (getrandom(&w->rng, sizeof w->rng, 0) != sizeof w->rng || w->rng == 0) w->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)index;
  w->rbuf = malloc((size_t)TP_BATCH * TP_RECV_BYTES);
  if (!w->rbuf) return -1;
  w->gsobuf = malloc((size_t)TP_BATCH * TP_GSO_BYTES);
  w->gso = w->gsobuf != NULL && getenv("TURNPIKE_NO_GSO") == NULL;
  w->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (w->epfd < 0) return -1;
  w->wake.kind = TP_SOCK_WAKE;
  w->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->wake.fd < 0) return -1;
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &w->wake };
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake.fd, &ev) != 0) return -1;
  pthread_mutex_init(&w->mu, NULL);
  return 0;
}

int tp_worker_start(tp_worker *w) { return pthread_create(&w->thread, NULL, run, w); }

static void wake(tp_worker *w) {
  uint64_t one = 1;
  ssize_t r = write(w->wake.fd, &one, sizeof one);
  (void)r;
}

void tp_worker_join(tp_worker *w) {
  wake(w);
  pthread_join(w->thread, NULL);
}

void tp_worker_command(tp_worker *w, tp_cmd cmd) {
  pthread_mutex_lock(&w->mu);
  /* One wake-up per batch of commands: while the queue is not empty, one is already pending. */
  int wake_needed = w->ncmds == 0;
  if (w->ncmds == w->capcmds) {
    size_t cap = w->capcmds ? w->capcmds * 2 : 64;
    tp_cmd *grown = realloc(w->cmds, cap * sizeof *grown);
    if (!grown) {
      pthread_mutex_unlock(&w->mu);
      free(cmd.blob);
      return;
    }
    w->cmds = grown;
    w->capcmds = cap;
  }
  w->cmds[w->ncmds++] = cmd;
  pthread_mutex_unlock(&w->mu);
  if (wake_needed) wake(w);
}

int tp_worker_traffic(tp_worker *w, uint32_t alloc_id, uint64_t out[5]) {
  pthread_mutex_lock(&w->mu);
  tp_alloc *a = tp_table_find_id(w, alloc_id);
  if (a) {
    out[0] = atomic_load_explicit(&a->traffic.rx_packets, memory_order_relaxed);
    out[1] = atomic_load_explicit(&a->traffic.rx_bytes, memory_order_relaxed);
    out[2] = atomic_load_explicit(&a->traffic.tx_packets, memory_order_relaxed);
    out[3] = atomic_load_explicit(&a->traffic.tx_bytes, memory_order_relaxed);
    out[4] = atomic_load_explicit(&a->traffic.dropped, memory_order_relaxed);
  }
  pthread_mutex_unlock(&w->mu);
  return a ? 0 : -1;
}

void tp_worker_free(tp_worker *w) {
  /* Commands never applied still own their blobs and relays. */
  for (size_t i = 0; i < w->ncmds; i++) {
    free(w->cmds[i].blob);
    if (w->cmds[i].op == TP_CMD_ADD_RELAY && w->cmds[i].relay) {
      close(w->cmds[i].relay->s.fd);
      free(w->cmds[i].relay);
    }
  }
  free(w->cmds);
  for (size_t i = 0; i < w->relay_buckets; i++) {
    for (tp_relay *r = w->relays[i], *next; r; r = next) {
      next = r->next;
      close(r->s.fd);
      free(r);
    }
  }
  tp_table_free(w);
  if (w->wake.fd >= 0) close(w->wake.fd);
  if (w->epfd >= 0) close(w->epfd);
  free(w->rbuf);
  free(w->gsobuf);
  free(w->up);
  pthread_mutex_destroy(&w->mu);
}
