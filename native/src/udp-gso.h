/*
 * UDP generic segmentation offload (UDP_SEGMENT, Linux 4.18): one sendmsg carries several
 * datagrams of one size (the last may be shorter) to one destination, and the kernel cuts them.
 * Shared by the TURN data plane (worker.c) and the SFU's media worker (sfu/media-worker-send.c).
 */
#ifndef TP_UDP_GSO_H
#define TP_UDP_GSO_H

#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* Linux 4.18+ */
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

/* Room for the control message of one GSO send. */
#define TP_UDP_GSO_CMSG_SPACE CMSG_SPACE(sizeof(uint16_t))

/* Makes `h` a GSO send of `segment`-byte datagrams; `buf` (TP_UDP_GSO_CMSG_SPACE bytes, aligned
 * for a cmsghdr) holds its control message. */
static inline void tp_udp_gso_cmsg(struct msghdr *h, void *buf, size_t cap, uint16_t segment) {
  h->msg_control = buf;
  h->msg_controllen = cap;
  struct cmsghdr *cm = CMSG_FIRSTHDR(h);
  cm->cmsg_level = SOL_UDP;
  cm->cmsg_type = UDP_SEGMENT;
  cm->cmsg_len = CMSG_LEN(sizeof segment);
  memcpy(CMSG_DATA(cm), &segment, sizeof segment);
}

#endif
