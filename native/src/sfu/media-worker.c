/*
 * The media worker's thread (see media-worker.h): epoll over its UDP socket, an eventfd (stop)
 * and a timerfd (the router's 20 ms tick). Datagrams are read 32 at a time (recvmmsg),
 * demultiplexed by their first byte (RFC 7983 §7), and what the router makes of them leaves in
 * one sendmmsg. Nothing is allocated per packet: the receive slots, the output batch, the event
 * log and the queue for JavaScript are all made once, in tp_mw_open.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "media-worker-internal.h"

const char *const tp_mw_counter_names[TP_MWC_COUNT] = {
  "datagramsIn",
  "datagramsOut",
  "recvBatches",
  "sendCalls",
  "controlIn",
  "rtpIn",
  "rtcpIn",
  "ticks",
  "wakes",
  "drop.queue-full",
  "drop.no-connection",
  "drop.no-keys",
  "drop.unprotect",
  "drop.malformed",
  "drop.out-no-connection",
  "drop.protect",
  "drop.out-batch-full",
  "drop.socket-error",
  "eventsLost",
  "gsoSends",
  "gsoSegments",
  "gsoRefused",
  "polls",
};

enum { TAG_SOCKET = 1, TAG_STOP = 2, TAG_TICK = 3 };

#define COUNT(w, c) ((w)->counters[(c)]++)

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- up to JavaScript -------------------------------------------------------------------------- */

static void enqueue(tp_media_worker *w, const struct sockaddr_storage *sa, const uint8_t *p, size_t len) {
  size_t rec = (sizeof(tp_mw_record) + len + 3) & ~(size_t)3;
  if (len > 0xFFFF || w->qlen + rec > w->qcap) {
    w->qdropped++;
    COUNT(w, TP_MWC_DROP_QUEUE_FULL);
    return;
  }
  tp_mw_addr a;
  tp_mw_addr_of(sa, &a);
  tp_mw_record h;
  memset(&h, 0, sizeof h);
  h.len = (uint16_t)len;
  h.port = a.port;
  h.family = a.family;
  memcpy(h.ip, a.ip, 16);
  uint8_t *dst = w->queue + w->qlen;
  memcpy(dst, &h, sizeof h);
  memcpy(dst + sizeof h, p, len);
  memset(dst + sizeof h + len, 0, rec - sizeof h - len);
  w->qlen += rec;
  COUNT(w, TP_MWC_CONTROL_IN);
}

/* One wake while JavaScript has not drained: it takes everything there is when it does. */
static void maybe_wake(tp_media_worker *w) {
  w->counters[TP_MWC_EVENTS_LOST] = w->ev.lost;
  if (w->wake_pending || (w->qlen == 0 && w->ev.len == 0) || !w->wake) return;
  if (w->wake(w->wake_ctx) == 0) {
    w->wake_pending = 1;
    COUNT(w, TP_MWC_WAKES);
  }
}

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
  w->last_drain_us = now_us();
  pthread_mutex_unlock(&w->mu);
  return 0;
}

/* --- receiving --------------------------------------------------------------------------------- */

/* RTP or RTCP from a connection's address: unprotect, then the router (RFC 7983 §7: 128-191). */
static void media_in(tp_media_worker *w, const struct sockaddr_storage *sa, uint8_t *p, size_t len, uint64_t now) {
  /* 8 bytes: the smallest RTCP packet (header and SSRC); RTP needs 12, the router checks. */
  if (len < 8) return (void)COUNT(w, TP_MWC_DROP_MALFORMED);
  /* RFC 5761 §4: packet types 192-223 are RTCP (SR 200, RR 201, ... ); RTP keeps its payload
   * types (with the marker bit) out of that range when RTP and RTCP share a port. */
  int rtcp = p[1] >= 192 && p[1] <= 223;
  tp_mw_addr a;
  tp_mw_addr_of(sa, &a);
  tp_mw_conn *c = tp_mw_find_addr(w, &a);
  if (!c) return (void)COUNT(w, TP_MWC_DROP_NO_CONNECTION);
  if (c->keyed == TP_MW_NO_KEYS) return (void)COUNT(w, TP_MWC_DROP_NO_KEYS);
  if (c->keyed == TP_MW_SRTP) {
    int r = rtcp ? tp_srtp_unprotect_rtcp(c->in, p, len) : tp_srtp_unprotect_rtp(c->in, p, len);
    if (r < 0) return (void)COUNT(w, TP_MWC_DROP_UNPROTECT);
    len = (size_t)r;
  }
  if (rtcp) {
    COUNT(w, TP_MWC_RTCP_IN);
    tp_router_rtcp(w->router, c->id, p, len, now, &w->out, &w->ev);
  } else {
    COUNT(w, TP_MWC_RTP_IN);
    tp_router_rtp(w->router, c->id, p, len, now, &w->out, &w->ev);
  }
  if (w->out.count >= w->out.cap / 2) tp_mw_send_batch(w, &w->out);
}

static int recv_batch(tp_media_worker *w) {
  for (int i = 0; i < TP_MW_BATCH; i++) {
    w->riov[i].iov_base = w->rbuf + (size_t)i * TP_MW_RECV_BYTES;
    w->riov[i].iov_len = TP_MW_RECV_BYTES;
    struct msghdr *h = &w->rmsg[i].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = &w->raddr[i];
    h->msg_namelen = sizeof w->raddr[i];
    h->msg_iov = &w->riov[i];
    h->msg_iovlen = 1;
  }
  int n = recvmmsg(w->fd, w->rmsg, TP_MW_BATCH, MSG_DONTWAIT, NULL);
  return n < 0 ? 0 : n;
}

/* Reads and handles what the socket holds; returns how many datagrams. */
static int on_socket(tp_media_worker *w) {
  int total = 0;
  /* A few batches, then back to epoll: the tick and stop are not kept waiting by a flood. */
  for (int round = 0; round < 8; round++) {
    int n = recv_batch(w);
    if (n == 0) return total;
    total += n;
    uint64_t now = now_us();
    pthread_mutex_lock(&w->mu);
    COUNT(w, TP_MWC_RECV_BATCHES);
    w->counters[TP_MWC_DATAGRAMS_IN] += (uint64_t)n;
    for (int i = 0; i < n; i++) {
      uint8_t *p = w->riov[i].iov_base;
      size_t len = w->rmsg[i].msg_len;
      if ((w->rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) || len == 0) {
        COUNT(w, TP_MWC_DROP_MALFORMED);
        continue;
      }
      uint8_t b = p[0];
      /* RFC 7983 §7: 0-3 STUN (ICE checks, RFC 8445), 20-63 DTLS (RFC 6347): JavaScript's. */
      if (b <= 3 || (b >= 20 && b <= 63)) {
        enqueue(w, &w->raddr[i], p, len);
      } else if (b >= 128 && b <= 191) {
        media_in(w, &w->raddr[i], p, len, now);
      } else {
        /* 16-19 ZRTP, 64-79 TURN ChannelData, the rest unassigned: nothing this socket speaks. */
        COUNT(w, TP_MWC_DROP_MALFORMED);
      }
    }
    tp_mw_send_batch(w, &w->out);
    /* STUN and DTLS wake JavaScript at once (a handshake waits on them); the router's events
     * (RTCP for the estimator, PLIs, figures) go up with the next tick, at most 20 ms later, so
     * a busy socket does not wake JavaScript per batch. */
    if (w->qlen > 0) maybe_wake(w);
    pthread_mutex_unlock(&w->mu);
    if (n < TP_MW_BATCH) return total;
  }
  return total;
}

/* Whether the events logged since the last look include one JavaScript should see now: routine
 * ones (RTCP for the estimator, sent-packet records, audio levels, layer figures) wait for its
 * next pull; the rest (a first packet, an SSRC bound, a keyframe, a layer switch, a PLI, RTP of
 * no up-stream) do not. */
static int urgent_events(tp_media_worker *w) {
  int urgent = 0;
  size_t at = w->ev_seen;
  while (at + 4 <= w->ev.len) {
    const uint8_t *h = w->ev.bytes + at; /* u16 type, u16 length, little-endian (router.c) */
    unsigned type = h[0] | (unsigned)h[1] << 8, len = h[2] | (unsigned)h[3] << 8;
    if (type != TP_EV_RTCP && type != TP_EV_TWCC_SENT && type != TP_EV_AUDIO && type != TP_EV_LAYER_STATS) urgent = 1;
    at += 4 + (size_t)len;
  }
  w->ev_seen = at;
  return urgent;
}

/*
 * Wake-ups against polling, chosen at every tick. A thread woken for each burst of packets pays
 * a wake-up per burst; many small rooms send thousands of bursts a second, none of them big. When
 * the socket woke the thread more often than once per `batch_us` in the last tick, the thread
 * polls instead: it sleeps `batch_us`, then takes everything that came (interrupt moderation, as
 * network cards do), adding at most `batch_us` of latency, only under load. It goes back to
 * wake-ups when half of its polls in a tick find nothing.
 */
static void choose_polling(tp_media_worker *w) {
  tp_mw_poll_state *p = &w->poll;
  if (w->batch_us == 0) {
    p->polling = 0;
  } else if (!p->polling) {
    p->polling = p->wakes > (uint32_t)(TP_MW_TICK_MS * 1000 / w->batch_us);
  } else {
    p->polling = p->polls > 0 && p->polls_with_data * 2 >= p->polls;
  }
  p->wakes = p->polls = p->polls_with_data = 0;
}

static void on_tick(tp_media_worker *w) {
  uint64_t expirations;
  if (read(w->tfd, &expirations, sizeof expirations) != sizeof expirations) return;
  choose_polling(w);
  pthread_mutex_lock(&w->mu);
  COUNT(w, TP_MWC_TICKS);
  tp_router_tick(w->router, now_us(), wall_ms(), &w->out, &w->ev);
  tp_mw_send_batch(w, &w->out);
  /* JavaScript pulls routine events on its own tick (tp_mw_drain), so a quiet room costs it no
   * wake-ups of the worker's: the worker wakes it for urgent events, a log a quarter full, or
   * when it has not pulled for TP_MW_PULL_MS (a JavaScript that does not pull at all). */
  uint64_t now = now_us();
  if (urgent_events(w) || w->ev.len > w->ev.cap / 4 || (w->ev.len > 0 && now - w->last_drain_us > TP_MW_PULL_MS * 1000u)) maybe_wake(w);
  pthread_mutex_unlock(&w->mu);
}

static void *run(void *arg) {
  tp_media_worker *w = arg;
  /* Named, so top -H and perf tell it from the data plane's threads. */
  pthread_setname_np(pthread_self(), "turnpike-media");
  struct epoll_event ev[4];
  while (!atomic_load(&w->stopping)) {
    int polling = w->poll.polling;
    int n = epoll_wait(w->epfd, ev, 4, polling ? 0 : -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    int got = 0;
    for (int i = 0; i < n && !atomic_load(&w->stopping); i++) {
      if (ev[i].data.u32 == TAG_SOCKET) {
        got += on_socket(w);
        if (!polling) w->poll.wakes++;
      } else if (ev[i].data.u32 == TAG_TICK) {
        on_tick(w);
      } else {
        uint64_t v;
        ssize_t r = read(w->evfd, &v, sizeof v);
        (void)r;
      }
    }
    if (polling) {
      w->poll.polls++;
      if (got > 0) w->poll.polls_with_data++;
      pthread_mutex_lock(&w->mu);
      COUNT(w, TP_MWC_POLLS);
      pthread_mutex_unlock(&w->mu);
      struct timespec pause = { 0, (long)w->batch_us * 1000L };
      nanosleep(&pause, NULL);
    }
  }
  return NULL;
}

/* --- life cycle -------------------------------------------------------------------------------- */

static int udp_socket(const struct sockaddr_storage *sa, socklen_t len) {
  int fd = socket(sa->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1, buffer = 4 * 1024 * 1024;
  if (sa->ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  /* Media arrives in bursts (a keyframe is dozens of packets): room for them while a batch runs. */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  if (bind(fd, (const struct sockaddr *)sa, len) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static int watch(tp_media_worker *w, int fd, uint32_t tag) {
  struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };
  return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int open_fds(tp_media_worker *w) {
  w->epfd = epoll_create1(EPOLL_CLOEXEC);
  w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (w->epfd < 0 || w->evfd < 0 || w->tfd < 0) return -errno;
  struct itimerspec tick = { .it_interval = { 0, TP_MW_TICK_MS * 1000000L }, .it_value = { 0, TP_MW_TICK_MS * 1000000L } };
  if (timerfd_settime(w->tfd, 0, &tick, NULL) != 0) return -errno;
  if (watch(w, w->fd, TAG_SOCKET) || watch(w, w->evfd, TAG_STOP) || watch(w, w->tfd, TAG_TICK)) return -errno;
  return 0;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

int tp_mw_open(const struct sockaddr_storage *sa, socklen_t salen, tp_media_worker **out, uint16_t *bound_port) {
  tp_media_worker *w = calloc(1, sizeof *w);
  if (!w) return -ENOMEM;
  w->epfd = w->evfd = w->tfd = -1;
  w->family = sa->ss_family;
  pthread_mutex_init(&w->mu, NULL);
  w->fd = udp_socket(sa, salen);
  if (w->fd < 0) {
    int e = w->fd;
    w->fd = -1;
    tp_mw_free(w);
    return e;
  }
  w->gso = tp_mw_gso_probe(w->fd) && getenv("TURNPIKE_NO_GSO") == NULL;
  w->batch_us = TP_MW_BATCH_US;
  w->rbuf = malloc((size_t)TP_MW_BATCH * TP_MW_RECV_BYTES);
  w->out.packets = calloc(TP_MW_OUT_CAP, sizeof(tp_out_packet));
  w->out.cap = TP_MW_OUT_CAP;
  w->ctl_out.packets = calloc(TP_MW_CTL_OUT_CAP, sizeof(tp_out_packet));
  w->ctl_out.cap = TP_MW_CTL_OUT_CAP;
  w->ev.bytes = malloc(TP_MW_EVENT_BYTES);
  w->ev.cap = TP_MW_EVENT_BYTES;
  w->queue = malloc(TP_MW_QUEUE_BYTES);
  w->qcap = TP_MW_QUEUE_BYTES;
  w->router = tp_router_new();
  if (!w->rbuf || !w->out.packets || !w->ctl_out.packets || !w->ev.bytes || !w->queue || !w->router) {
    tp_mw_free(w);
    return -ENOMEM;
  }
  int e = open_fds(w);
  if (e != 0) {
    tp_mw_stop(w);
    tp_mw_free(w);
    return e;
  }
  struct sockaddr_storage got;
  socklen_t gotlen = sizeof got;
  getsockname(w->fd, (struct sockaddr *)&got, &gotlen);
  tp_mw_addr a;
  tp_mw_addr_of(&got, &a);
  *bound_port = a.port;
  *out = w;
  return 0;
}

int tp_mw_start(tp_media_worker *w, tp_mw_wake_fn wake, void *ctx) {
  w->wake = wake;
  w->wake_ctx = ctx;
  int e = pthread_create(&w->thread, NULL, run, w);
  if (e != 0) return -e;
  w->started = 1;
  return 0;
}

void tp_mw_stop(tp_media_worker *w) {
  if (w->started) {
    atomic_store(&w->stopping, 1);
    uint64_t one = 1;
    ssize_t r = write(w->evfd, &one, sizeof one);
    (void)r;
    pthread_join(w->thread, NULL);
    w->started = 0;
  }
  close_fd(&w->fd);
  close_fd(&w->tfd);
  close_fd(&w->evfd);
  close_fd(&w->epfd);
}

void tp_mw_free(tp_media_worker *w) {
  tp_mw_stop(w);
  tp_mw_conns_free(w);
  if (w->router) tp_router_free(w->router);
  free(w->rbuf);
  free(w->out.packets);
  free(w->ctl_out.packets);
  free(w->ev.bytes);
  free(w->queue);
  pthread_mutex_destroy(&w->mu);
  free(w);
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
