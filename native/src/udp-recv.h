/*
 * The receive slots of a recvmmsg batch: slot i reads one datagram of up to `slot_bytes` into
 * `buf + i * slot_bytes`, with its sender's address and, when `ctl` is given, its control
 * messages (a receive time) in `ctl + i * ctl_stride`. Shared by the TURN data plane (worker.c)
 * and the SFU's media worker (sfu/media-worker-recv.c).
 */
#ifndef TP_UDP_RECV_H
#define TP_UDP_RECV_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Lays out `n` slots for the next recvmmsg (which rewrites each header's lengths). */
static inline void tp_udp_recv_slots(struct mmsghdr *m, struct iovec *iov, struct sockaddr_storage *addr, uint8_t *buf, size_t slot_bytes, int n, uint8_t *ctl, size_t ctl_stride) {
  for (int i = 0; i < n; i++) {
    iov[i].iov_base = buf + (size_t)i * slot_bytes;
    iov[i].iov_len = slot_bytes;
    struct msghdr *h = &m[i].msg_hdr;
    memset(h, 0, sizeof *h);
    h->msg_name = &addr[i];
    h->msg_namelen = sizeof addr[i];
    h->msg_iov = &iov[i];
    h->msg_iovlen = 1;
    if (ctl) {
      h->msg_control = ctl + (size_t)i * ctl_stride;
      h->msg_controllen = ctl_stride;
    }
  }
}

#endif
