/*
 * The media worker's life cycle (media-worker.h): its UDP socket (receive times on, large
 * buffers), epoll with the stop eventfd and the tick timerfd, the thread (media-worker.c) started
 * and joined, everything freed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "media-worker-internal.h"

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
  struct itimerspec first = { .it_interval = { 0, 0 }, .it_value = { 0, TP_MW_TICK_MS * 1000000L } };
  if (timerfd_settime(w->tfd, 0, &first, NULL) != 0) return -errno;
  w->last_tick_us = tp_mw_now_us();
  w->ticking = 1;
  if (watch(w, w->fd, TP_MW_TAG_SOCKET) || watch(w, w->evfd, TP_MW_TAG_STOP) || watch(w, w->tfd, TP_MW_TAG_TICK)) return -errno;
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
  w->shed_ms = TP_MW_SHED_MS;
  int one = 1;
  w->stamps = setsockopt(w->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) == 0;
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
  int e = pthread_create(&w->thread, NULL, tp_mw_run, w);
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
