/*
 * The media worker's receive path (see media-worker.c for the thread): datagrams read 32 at a
 * time (recvmmsg) with the kernel's receive time of each (SO_TIMESTAMPNS), demultiplexed by
 * their first byte (RFC 7983 §7): STUN and DTLS queued for JavaScript, SRTP and SRTCP
 * unprotected and handed to the router, whose output leaves in sendmmsg calls
 * (media-worker-send.c). Late video is shed here, and each RTP packet's residence counted.
 */
#include <string.h>
#include <time.h>

#include "../udp-recv.h"
#include "media-worker-internal.h"
#include "rtp.h"

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
  tp_udp_recv_slots(w->rmsg, w->riov, w->raddr, w->rbuf, TP_MW_RECV_BYTES, TP_MW_BATCH, w->stamps ? w->rctl[0].buf : NULL, sizeof w->rctl[0]);
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
int tp_mw_on_socket(tp_media_worker *w) {
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
    if (w->qlen > 0) tp_mw_maybe_wake(w);
    pthread_mutex_unlock(&w->mu);
    if (n < TP_MW_BATCH) return total;
  }
  return total;
}
