/*
 * The media worker's state, shared by its loop (media-worker.c) and its connection table
 * (media-worker-conns.c). Nothing here is seen by JavaScript.
 */
#ifndef TP_MEDIA_WORKER_INTERNAL_H
#define TP_MEDIA_WORKER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#include "media-worker.h"
#include "../udp-gso.h"
#include "srtp.h"

#define TP_MW_BATCH 32
/* A receive slot: an RTP packet (TP_ROUTER_MAX_PACKET) with its SRTP trailer, or a STUN or DTLS
 * datagram, fits; a longer datagram is cut by the kernel and dropped as malformed. */
#define TP_MW_RECV_BYTES 4096
/* Packets the router may produce before the worker sends them; flushed when half full. */
#define TP_MW_OUT_CAP 512
#define TP_MW_CTL_OUT_CAP 8
#define TP_MW_BUCKETS 1024
#define TP_MW_QUEUE_BYTES (1u << 20)
#define TP_MW_EVENT_BYTES (256u << 10)
#define TP_MW_TICK_MS 20
/* On a quiet socket the timer ticks this much later than TP_MW_TICK_MS after the last tick, so
 * that a busy worker ticks on its way out of a wake-up first (media-worker.c, tick). */
#define TP_MW_TICK_SLACK_MS 5
/* After this many ticks with no datagram in, the timer ticks every TP_MW_QUIET_TICK_MS instead:
 * rooms at rest (reports every second, nothing to NACK) wake the thread 10 times a second. */
#define TP_MW_QUIET_TICKS 5
#define TP_MW_QUIET_TICK_MS 100
/* Under load the thread polls the socket every this many µs instead of waking per burst
 * (media-worker.c, choose_polling); 0 turns polling off. */
#define TP_MW_BATCH_US 1000
#define TP_MW_BATCH_US_MAX 10000
/* RTP that waited in the socket longer than this, ms, is dropped unread (load shedding, as the
 * stack path does): past saturation, latency stays bounded instead of growing with the queue. */
#define TP_MW_SHED_MS 100
#define TP_MW_SHED_MS_MAX 10000
/* Routine events wait at most this long for JavaScript to pull them before the worker wakes it. */
#define TP_MW_PULL_MS 100

/* A transport address as a hash key: family 4 (IPv4 in ip[0..4)) or 6. */
typedef struct {
  uint8_t family;
  uint8_t ip[16];
  uint16_t port;
} tp_mw_addr;

enum { TP_MW_NO_KEYS = 0, TP_MW_PLAIN = 1, TP_MW_SRTP = 2 };

typedef struct tp_mw_conn {
  uint32_t id;
  int has_addr;
  tp_mw_addr addr;
  struct sockaddr_storage sa;
  socklen_t salen;
  int keyed;          /* TP_MW_NO_KEYS, TP_MW_PLAIN, TP_MW_SRTP */
  tp_srtp *in, *out;  /* remote keys unprotect what arrives; local keys protect what leaves */
  tp_conn_spec spec;  /* as the router has it */
  /* the send path's grouping (media-worker-send.c): the message this connection's datagrams
   * join in the batch numbered send_gen */
  uint32_t send_gen;
  int send_msg;
  struct tp_mw_conn *next_id, *next_addr;
} tp_mw_conn;

/* One outgoing message: a datagram, or a GSO run of datagrams to one connection. */
typedef struct {
  tp_mw_conn *conn;
  uint32_t size;  /* the segment size: the first datagram's length */
  uint32_t bytes; /* all its datagrams */
  int segs, open, first, fill;
} tp_mw_message;

typedef struct {
  uint32_t gen;
  tp_mw_message msgs[TP_MW_OUT_CAP];
  int pkt_msg[TP_MW_OUT_CAP];
  uint8_t *pkt_data[TP_MW_OUT_CAP];
  uint16_t pkt_len[TP_MW_OUT_CAP];
  union {
    struct cmsghdr align;
    uint8_t buf[TP_UDP_GSO_CMSG_SPACE];
  } ctl_buf[TP_MW_OUT_CAP];
} tp_mw_send_state;

/* Wake-ups and polls in the current tick (the worker thread's own). */
typedef struct {
  int polling;
  uint32_t wakes, polls, polls_with_data;
} tp_mw_poll_state;

struct tp_media_worker {
  int fd, epfd, evfd, tfd;
  int family; /* AF_INET or AF_INET6: the socket's */
  pthread_t thread;
  int started;
  atomic_int stopping;
  pthread_mutex_t mu; /* guards everything below */
  tp_router *router;
  tp_mw_conn *by_id[TP_MW_BUCKETS];
  tp_mw_conn *by_addr[TP_MW_BUCKETS];
  /* receive batch */
  struct mmsghdr rmsg[TP_MW_BATCH];
  struct iovec riov[TP_MW_BATCH];
  struct sockaddr_storage raddr[TP_MW_BATCH];
  union {
    struct cmsghdr align;
    uint8_t buf[CMSG_SPACE(sizeof(struct timespec))];
  } rctl[TP_MW_BATCH]; /* the kernel's receive time of each (SO_TIMESTAMPNS) */
  int stamps;          /* the socket gives receive times */
  uint32_t shed_ms;    /* RTP queued longer than this is shed (0: never); set before the thread starts */
  uint8_t *rbuf;
  /* what the router produces, from packets (out) and from control calls (ctl_out) */
  tp_out_batch out, ctl_out;
  struct mmsghdr smsg[TP_MW_OUT_CAP];
  struct iovec siov[TP_MW_OUT_CAP];
  int gso; /* UDP GSO in use: the kernel has it and has not refused it */
  uint32_t batch_us; /* set before the thread starts */
  tp_mw_poll_state poll;
  tp_mw_send_state send;
  tp_event_log ev;
  size_t ev_seen;         /* the log up to here has been looked at for urgent events */
  uint64_t last_drain_us; /* when JavaScript last drained */
  uint64_t last_tick_us;  /* the router's last tick (the worker thread's own) */
  uint32_t conns;         /* connections: with none, the tick timer is off */
  int ticking;            /* the tick timer is armed */
  uint32_t quiet_ticks;   /* ticks in a row with no datagram in */
  uint64_t in_at_tick;    /* datagrams in at the last tick */
  /* datagrams for JavaScript: tp_mw_record after tp_mw_record */
  uint8_t *queue;
  size_t qlen, qcap;
  uint64_t qdropped; /* since the last drain */
  int wake_pending;  /* JavaScript was told and has not drained yet */
  tp_mw_wake_fn wake;
  void *wake_ctx;
  uint64_t counters[TP_MWC_COUNT];
};

static inline uint64_t tp_mw_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline uint64_t tp_mw_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* What woke the thread's epoll_wait. */
enum { TP_MW_TAG_SOCKET = 1, TP_MW_TAG_STOP = 2, TP_MW_TAG_TICK = 3 };

/* media-worker.c: the thread's body (media-worker-life.c starts it). */
void *tp_mw_run(void *arg);
/* Arms the tick timer `ms` ahead, or turns it off with 0 (callers hold `mu`). */
void tp_mw_arm_tick(tp_media_worker *w, uint32_t ms);
#define TP_MW_NEXT_TICK_MS (TP_MW_TICK_MS + TP_MW_TICK_SLACK_MS)
/* Wakes JavaScript once while it has not drained what waits (callers hold `mu`). */
void tp_mw_maybe_wake(tp_media_worker *w);

/* media-worker-recv.c: reads and handles what the socket holds; returns how many datagrams. */
int tp_mw_on_socket(tp_media_worker *w);

/* media-worker-conns.c (callers hold `mu`) */
void tp_mw_addr_of(const struct sockaddr_storage *sa, tp_mw_addr *a);
tp_mw_conn *tp_mw_find_id(tp_media_worker *w, uint32_t id);
tp_mw_conn *tp_mw_find_addr(tp_media_worker *w, const tp_mw_addr *a);
void tp_mw_conns_free(tp_media_worker *w);

/* media-worker-send.c (callers hold `mu`): protects and sends a batch; returns datagrams sent. */
int tp_mw_send_batch(tp_media_worker *w, tp_out_batch *b);
/* Whether the socket's kernel has UDP GSO (UDP_SEGMENT). */
int tp_mw_gso_probe(int fd);

#endif
