/*
 * The media worker's send path: what the router made is SRTP-protected (RFC 3711 §3.3 and
 * §3.4) under each connection's local keys and leaves in sendmmsg calls.
 *
 * A fan-out produces, per incoming packet, one datagram for each subscriber connection; a batch
 * of incoming packets therefore holds several datagrams for each connection, most of one size
 * (the packets of a video frame). Those leave as one UDP GSO message (UDP_SEGMENT, Linux 4.18):
 * the datagrams of one connection, in their order, of one size except a shorter last one. The
 * kernel then runs its UDP, IP and routing path once for the message instead of once per
 * datagram and cuts the datagrams at the device (or in software where the device cannot). The
 * iovecs point at the packets themselves: nothing is copied.
 *
 * Order: a connection's datagrams keep their order (a message starts only after the previous
 * message of that connection); datagrams of different connections may change places, which no
 * receiver can tell. When the kernel refuses a GSO message (EINVAL, EIO: an old kernel, a path
 * whose MTU is smaller than a segment, a device without checksum offload), its datagrams go one
 * by one and the worker sends without GSO from then on.
 */
#include <errno.h>
#include <string.h>

#include "../udp-gso.h"
#include "media-worker-internal.h"

/* A GSO message is at most 64 segments (UDP_MAX_SEGMENTS of older kernels) and fits an IPv4
 * datagram's payload (RFC 791). */
#define GSO_SEGMENTS 64
#define GSO_BYTES 65000

#define COUNT(w, c) ((w)->counters[(c)]++)

int tp_mw_gso_probe(int fd) {
  int v = 0;
  socklen_t n = sizeof v;
  return getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &n) == 0;
}

/* Protects a packet in place; its length, or -1 (counted) when it cannot be sent. */
static int protect(tp_media_worker *w, tp_out_packet *p, tp_mw_conn **conn) {
  tp_mw_conn *c = tp_mw_find_id(w, p->conn);
  if (!c || !c->has_addr || c->keyed == TP_MW_NO_KEYS || p->len > sizeof p->data) {
    COUNT(w, TP_MWC_DROP_OUT_NO_CONNECTION);
    return -1;
  }
  int len = p->len;
  if (c->keyed == TP_MW_SRTP) {
    len = p->rtcp ? tp_srtp_protect_rtcp(c->out, p->data, (size_t)len, sizeof p->data) : tp_srtp_protect_rtp(c->out, p->data, (size_t)len, sizeof p->data);
    if (len < 0) {
      COUNT(w, TP_MWC_DROP_PROTECT);
      return -1;
    }
  }
  *conn = c;
  return len;
}

/* Groups the protected datagrams into messages; returns how many messages. */
static int group(tp_media_worker *w, tp_out_batch *b, int *np) {
  tp_mw_send_state *s = &w->send;
  if (++s->gen == 0) s->gen = 1;
  int n = 0, g = 0;
  for (size_t i = 0; i < b->count && n < TP_MW_OUT_CAP; i++) {
    tp_mw_conn *c = NULL;
    int len = protect(w, &b->packets[i], &c);
    if (len < 0) continue;
    int join = -1;
    if (w->gso && c->send_gen == s->gen) {
      tp_mw_message *m = &s->msgs[c->send_msg];
      if (m->open && m->segs < GSO_SEGMENTS && m->bytes + (uint32_t)len <= GSO_BYTES && (uint32_t)len <= m->size) join = c->send_msg;
    }
    if (join < 0) {
      join = g++;
      s->msgs[join] = (tp_mw_message){ .conn = c, .size = (uint32_t)len, .open = 1 };
      c->send_gen = s->gen;
      c->send_msg = join;
    }
    tp_mw_message *m = &s->msgs[join];
    m->segs++;
    m->bytes += (uint32_t)len;
    if ((uint32_t)len < m->size) m->open = 0; /* a shorter datagram ends the message */
    s->pkt_msg[n] = join;
    s->pkt_data[n] = b->packets[i].data;
    s->pkt_len[n] = (uint16_t)len;
    n++;
  }
  *np = n;
  return g;
}

/* Lays out the iovecs (each message's contiguous, in datagram order) and the headers. */
static void lay_out(tp_media_worker *w, int g, int n) {
  tp_mw_send_state *s = &w->send;
  int at = 0;
  for (int k = 0; k < g; k++) {
    s->msgs[k].first = at;
    s->msgs[k].fill = at;
    at += s->msgs[k].segs;
  }
  for (int i = 0; i < n; i++) {
    tp_mw_message *m = &s->msgs[s->pkt_msg[i]];
    w->siov[m->fill].iov_base = s->pkt_data[i];
    w->siov[m->fill].iov_len = s->pkt_len[i];
    m->fill++;
  }
  for (int k = 0; k < g; k++) {
    tp_mw_message *m = &s->msgs[k];
    struct msghdr *h = &w->smsg[k].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = &m->conn->sa;
    h->msg_namelen = m->conn->salen;
    h->msg_iov = &w->siov[m->first];
    h->msg_iovlen = (size_t)m->segs;
    if (m->segs > 1) {
      tp_udp_gso_cmsg(h, s->ctl_buf[k].buf, sizeof s->ctl_buf[k].buf, (uint16_t)m->size);
    }
  }
}

/* A GSO message the kernel refused: its datagrams one by one. Returns how many left. */
static int one_by_one(tp_media_worker *w, const struct msghdr *h) {
  int sent = 0;
  for (size_t i = 0; i < h->msg_iovlen; i++) {
    struct msghdr one = { .msg_name = h->msg_name, .msg_namelen = h->msg_namelen, .msg_iov = &h->msg_iov[i], .msg_iovlen = 1 };
    COUNT(w, TP_MWC_SEND_CALLS);
    if (sendmsg(w->fd, &one, MSG_DONTWAIT) >= 0) sent++;
    else COUNT(w, TP_MWC_DROP_SOCKET_ERROR);
  }
  return sent;
}

int tp_mw_send_batch(tp_media_worker *w, tp_out_batch *b) {
  int n = 0;
  int g = group(w, b, &n);
  w->counters[TP_MWC_DROP_OUT_BATCH_FULL] += b->dropped;
  b->dropped = 0;
  b->count = 0;
  lay_out(w, g, n);
  int sent = 0;
  for (int done = 0; done < g && w->fd >= 0;) {
    int r = sendmmsg(w->fd, w->smsg + done, (unsigned)(g - done), MSG_DONTWAIT);
    COUNT(w, TP_MWC_SEND_CALLS);
    if (r > 0) {
      for (int k = done; k < done + r; k++) {
        int segs = w->send.msgs[k].segs;
        sent += segs;
        if (segs > 1) {
          COUNT(w, TP_MWC_GSO_SENDS);
          w->counters[TP_MWC_GSO_SEGMENTS] += (uint64_t)segs;
        }
      }
      done += r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    int e = errno;
    const struct msghdr *h = &w->smsg[done].msg_hdr;
    if (r < 0 && h->msg_control != NULL && (e == EINVAL || e == EIO || e == ENOPROTOOPT || e == EOPNOTSUPP)) {
      /* This kernel, path or device cannot segment: these go one by one, and no more GSO. */
      w->gso = 0;
      COUNT(w, TP_MWC_GSO_REFUSED);
      sent += one_by_one(w, h);
    } else {
      /* A full socket buffer or an unreachable peer: this message is lost, the rest go. */
      w->counters[TP_MWC_DROP_SOCKET_ERROR] += (uint64_t)w->send.msgs[done].segs;
    }
    done++;
  }
  w->counters[TP_MWC_DATAGRAMS_OUT] += (uint64_t)sent;
  return sent;
}
