/*
 * The media worker's thread (see media-worker.h): epoll over its UDP socket, an eventfd (stop)
 * and a timerfd (the router's 20 ms tick when the socket is quiet; see tick()). Datagrams are
 * read 32 at a time (recvmmsg), demultiplexed by their first byte (RFC 7983 §7), and what the
 * router makes of them leaves in sendmmsg calls (media-worker-send.c). Nothing is allocated per
 * packet: the receive slots, the output batch, the event log and the queue for JavaScript are
 * all made once, in tp_mw_open. JavaScript's calls into the worker are in media-worker-control.c.
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
#include "rtp.h"

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
  "shed",
  "residence.sumUs",
  "residence.le50us",
  "residence.le100us",
  "residence.le200us",
  "residence.le500us",
  "residence.le1000us",
  "residence.le2000us",
  "residence.le5000us",
  "residence.le10000us",
  "residence.le20000us",
  "residence.le50000us",
  "residence.le100000us",
  "residence.inf",
};

const uint32_t tp_mw_residence_bounds_us[TP_MW_RESIDENCE_BOUNDS] = { 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000 };
_Static_assert(TP_MWC_COUNT == TP_MWC_RESIDENCE_FIRST + TP_MW_RESIDENCE_BOUNDS + 1, "one counter per residence bucket");


#define COUNT(w, c) ((w)->counters[(c)]++)


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
    if (w->stamps) {
      h->msg_control = w->rctl[i].buf;
      h->msg_controllen = sizeof w->rctl[i].buf;
    }
  }
  int n = recvmmsg(w->fd, w->rmsg, TP_MW_BATCH, MSG_DONTWAIT, NULL);
  return n < 0 ? 0 : n;
}

/* The kernel's receive time of datagram `i` of the batch (SO_TIMESTAMPNS, CLOCK_REALTIME), ns;
 * 0 when it has none. */
static int64_t received_ns(tp_media_worker *w, int i) {
  struct msghdr *h = &w->rmsg[i].msg_hdr;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    struct timespec at;
    memcpy(&at, CMSG_DATA(c), sizeof at);
    return (int64_t)at.tv_sec * 1000000000 + at.tv_nsec;
  }
  return 0;
}

static int64_t wall_ns(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_REALTIME, &t) != 0) return 0;
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Whether this RTP (its SSRC is in the clear, RFC 3711 §3.1) is a publisher's audio. */
static int audio_rtp(tp_media_worker *w, const struct sockaddr_storage *sa, const uint8_t *p, size_t len) {
  if (len < 12) return 0;
  tp_mw_addr a;
  tp_mw_addr_of(sa, &a);
  tp_mw_conn *c = tp_mw_find_addr(w, &a);
  return c && tp_router_rtp_is_audio(w->router, c->id, tp_get32(p + 8));
}

/* RTP's time in the worker: from its receive time to `done_ns`, into the residence histogram. */
static void count_residence(tp_media_worker *w, const int64_t *received, int n, int64_t done_ns) {
  for (int k = 0; k < n; k++) {
    int64_t ns = done_ns - received[k];
    uint64_t us = ns > 0 ? (uint64_t)ns / 1000 : 0; /* a clock stepped back counts as no time */
    int b = 0;
    while (b < TP_MW_RESIDENCE_BOUNDS && us > tp_mw_residence_bounds_us[b]) b++;
    w->counters[TP_MWC_RESIDENCE_FIRST + b]++;
    w->counters[TP_MWC_RESIDENCE_SUM_US] += us;
  }
}

/* Reads and handles what the socket holds; returns how many datagrams. */
static int on_socket(tp_media_worker *w) {
  int total = 0;
  /* A few batches, then back to epoll: the tick and stop are not kept waiting by a flood. */
  for (int round = 0; round < 8; round++) {
    int n = recv_batch(w);
    if (n == 0) return total;
    total += n;
    uint64_t now = tp_mw_now_us();
    /* Only a full batch, or a later one, means a backlog: only then can RTP be late enough to
     * shed. */
    int64_t shed_before = 0;
    if (w->shed_ms > 0 && w->stamps && (n == TP_MW_BATCH || round > 0)) {
      int64_t wall = wall_ns();
      if (wall > 0) shed_before = wall - (int64_t)w->shed_ms * 1000000;
    }
    int64_t received[TP_MW_BATCH];
    int rtp = 0;
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
        /* RTP, not RTCP (RFC 5761 §4): its receive time, for shedding and the residence. */
        int64_t at = w->stamps && len >= 2 && !(p[1] >= 192 && p[1] <= 223) ? received_ns(w, i) : 0;
        /* Video RTP that waited too long: shed unread; the rest keeps its pace. Audio is never
         * shed: it is a few percent of the packets and the first loss anyone hears. */
        if (at > 0 && at < shed_before && !audio_rtp(w, &w->raddr[i], p, len)) {
          COUNT(w, TP_MWC_SHED);
          continue;
        }
        media_in(w, &w->raddr[i], p, len, now);
        if (at > 0) received[rtp++] = at;
      } else {
        /* 16-19 ZRTP, 64-79 TURN ChannelData, the rest unassigned: nothing this socket speaks. */
        COUNT(w, TP_MWC_DROP_MALFORMED);
      }
    }
    tp_mw_send_batch(w, &w->out);
    /* Everything of this batch has left (or been dropped): the residence ends here. */
    int64_t done = rtp > 0 ? wall_ns() : 0;
    if (done > 0) count_residence(w, received, rtp, done);
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

void tp_mw_arm_tick(tp_media_worker *w, int on) {
  struct itimerspec next = { .it_interval = { 0, 0 }, .it_value = { 0, on ? (TP_MW_TICK_MS + TP_MW_TICK_SLACK_MS) * 1000000L : 0 } };
  if (timerfd_settime(w->tfd, 0, &next, NULL) == 0) w->ticking = on;
}

/*
 * The router's tick, every TP_MW_TICK_MS. While packets flow it runs on the thread's way out of
 * a socket wake-up or poll that comes that long after the last one, and the timer is pushed back
 * each time: a busy worker pays no wake-ups for its tick. The timer fires only on a quiet socket,
 * and not at all while the worker has no connections (a server with no calls sleeps; the first
 * connection arms it again).
 */
static void tick(tp_media_worker *w, uint64_t now) {
  w->last_tick_us = now;
  choose_polling(w);
  pthread_mutex_lock(&w->mu);
  tp_mw_arm_tick(w, w->conns > 0);
  COUNT(w, TP_MWC_TICKS);
  tp_router_tick(w->router, now, tp_mw_wall_ms(), &w->out, &w->ev);
  tp_mw_send_batch(w, &w->out);
  /* JavaScript pulls routine events on its own tick (tp_mw_drain), so a quiet room costs it no
   * wake-ups of the worker's: the worker wakes it for urgent events, a log a quarter full, or
   * when it has not pulled for TP_MW_PULL_MS (a JavaScript that does not pull at all). */
  if (urgent_events(w) || w->ev.len > w->ev.cap / 4 || (w->ev.len > 0 && now - w->last_drain_us > TP_MW_PULL_MS * 1000u)) maybe_wake(w);
  pthread_mutex_unlock(&w->mu);
}

static void tick_if_due(tp_media_worker *w) {
  uint64_t now = tp_mw_now_us();
  if (now - w->last_tick_us >= TP_MW_TICK_MS * 1000u) tick(w, now);
}

void *tp_mw_run(void *arg) {
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
      if (ev[i].data.u32 == TP_MW_TAG_SOCKET) {
        got += on_socket(w);
        if (!polling) w->poll.wakes++;
      } else if (ev[i].data.u32 == TP_MW_TAG_TICK) {
        uint64_t expirations;
        if (read(w->tfd, &expirations, sizeof expirations) == sizeof expirations) tick(w, tp_mw_now_us());
      } else {
        uint64_t v;
        ssize_t r = read(w->evfd, &v, sizeof v);
        (void)r;
      }
    }
    if (got > 0) tick_if_due(w);
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
