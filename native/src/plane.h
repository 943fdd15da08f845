/*
 * The native data plane's state (RFC 8656 §11-§12 relaying without JavaScript): worker threads,
 * each with its own epoll loop, listening sockets (one per listening address per thread, with
 * SO_REUSEPORT so the kernel spreads clients by 5-tuple), the relay sockets and forwarding rows
 * of the allocations whose clients it receives. JavaScript changes a worker's rows only through
 * its command queue, which the worker applies between batches; the hot path takes no lock.
 */
#ifndef TURNPIKE_PLANE_H
#define TURNPIKE_PLANE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "entry.h"
#include "wire.h"

#define TP_MAX_THREADS 64
#define TP_MAX_LISTENERS 64
#define TP_BATCH 32
#define TP_RECV_BYTES 65536
/* A GSO send is at most this big (an IPv4 datagram's payload limit, RFC 791) and 64 segments. */
#define TP_GSO_BYTES 65507
#define TP_GSO_SEGMENTS 64

/* Counters, in the order `counterNames` gives them to JavaScript. */
enum {
  TPC_CHANNEL_DATA_IN,
  TPC_CHANNEL_DATA_OUT,
  TPC_SEND_INDICATIONS_IN,
  TPC_DATA_INDICATIONS_OUT,
  TPC_HANDED_UP,
  TPC_UP_QUEUE_FULL,
  TPC_RECV_BATCHES,
  TPC_RECV_DATAGRAMS,
  TPC_SEND_CALLS,
  TPC_SENT_DATAGRAMS,
  TPC_GSO_SENDS,
  TPC_GSO_SEGMENTS,
  TPC_DROP_CHANNEL_DATA_NO_ALLOCATION,
  TPC_DROP_CHANNEL_DATA_MALFORMED,
  TPC_DROP_CHANNEL_NOT_BOUND,
  TPC_DROP_CHANNEL_DATA_NO_PERMISSION,
  TPC_DROP_CHANNEL_DATA_TOO_LARGE_FOR_PEER,
  TPC_DROP_SEND_NO_PERMISSION,
  TPC_DROP_SEND_TOO_LARGE_FOR_PEER,
  TPC_DROP_NO_RELAY_FOR_FAMILY,
  TPC_DROP_PEER_DATA_INACTIVE_ALLOCATION,
  TPC_DROP_PEER_DATA_NO_PERMISSION,
  TPC_DROP_PEER_DATA_TOO_LARGE_FOR_DATA_INDICATION,
  TPC_DROP_PEER_DATA_TOO_LARGE_FOR_CHANNEL,
  TPC_DROP_MAX_BPS,
  TPC_DROP_BPS_CAPACITY,
  TPC_DROP_UDP_SOCKET_ERROR,
  TPC_COUNT
};

extern const char *const tp_counter_names[TPC_COUNT];

enum { TP_SOCK_LISTENER = 1, TP_SOCK_RELAY = 2, TP_SOCK_WAKE = 3 };

typedef struct tp_alloc tp_alloc;

/* A socket a worker polls; `kind` first, so an epoll pointer tells which one. */
typedef struct {
  uint8_t kind;
  int fd;
} tp_sock;

typedef struct {
  tp_sock s;
  uint32_t listener_id;
  uint8_t family;
} tp_listener;

typedef struct tp_relay {
  tp_sock s;
  uint32_t id;
  uint8_t family;
  tp_alloc *alloc;
  struct tp_relay *next; /* hash chain by id */
} tp_relay;

typedef struct {
  tp_ip ip;
  double expires;
} tp_perm;

typedef struct {
  uint16_t number;
  uint16_t port;
  tp_ip ip;
  double expires;
  struct sockaddr_storage sa;
  socklen_t salen;
  tp_relay *relay;
} tp_chan;

/* Per-allocation traffic, read by JavaScript (relaxed atomics: counters, not decisions). */
typedef struct {
  _Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, dropped;
} tp_traffic;

struct tp_alloc {
  uint32_t id;
  uint32_t listener_id;
  tp_listener *listener; /* this worker's socket of the client's listening address */
  tp_ip client_ip;
  uint16_t client_port;
  struct sockaddr_storage client_sa;
  socklen_t client_salen;
  double expires;
  int fingerprint;
  double max_bps, tokens, last_ms;
  tp_relay *relays[2];
  uint16_t nperm, nchan;
  tp_perm *perms;
  tp_chan *chans;
  tp_traffic traffic;
  tp_alloc *next_client; /* hash chain by client 5-tuple */
  tp_alloc *next_id;     /* hash chain by id */
};

/* A command from JavaScript, applied by the worker between batches. */
typedef struct {
  int op;
  uint32_t id;
  tp_relay *relay;
  uint8_t *blob;
  size_t blob_len;
} tp_cmd;

enum { TP_CMD_ADD_RELAY = 1, TP_CMD_DEL_RELAY, TP_CMD_UPSERT, TP_CMD_REMOVE };

struct tp_plane;

/* An outgoing datagram of a batch: a few pieces, gathered by sendmmsg. */
typedef struct {
  int fd;
  struct sockaddr_storage sa;
  socklen_t salen;
  struct iovec iov[4];
  int iovcnt;
  uint8_t head[64];
  uint8_t tail[16];
} tp_out;

typedef struct tp_worker {
  struct tp_plane *plane;
  int index;
  pthread_t thread;
  int epfd;
  tp_sock wake; /* an eventfd: commands are waiting, or stop */
  pthread_mutex_t mu; /* guards the command queue, and the tables' structure against readers */
  tp_cmd *cmds;
  size_t ncmds, capcmds;
  tp_listener *listeners[TP_MAX_LISTENERS];
  /* tables, changed only by this worker (under `mu`) */
  tp_alloc **by_client;
  tp_alloc **by_id;
  size_t buckets;
  size_t nallocs;
  tp_relay **relays;
  size_t relay_buckets;
  size_t nrelays;
  /* receive batch */
  struct mmsghdr rmsg[TP_BATCH];
  struct iovec riov[TP_BATCH];
  struct sockaddr_storage raddr[TP_BATCH];
  uint8_t *rbuf;
  /* send batch */
  tp_out out[TP_BATCH * 2];
  int nout;
  struct mmsghdr smsg[TP_BATCH * 2];
  struct iovec siov[TP_BATCH * 2];
  /* UDP GSO (UDP_SEGMENT): same-size datagrams to one destination leave as one send */
  int gso;
  uint8_t *gsobuf; /* TP_BATCH slots of TP_GSO_BYTES */
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } sctl[TP_BATCH * 2];
  /* what goes up to JavaScript */
  uint8_t *up;
  size_t uplen, upcap;
  /* server-wide bandwidth (`bps-capacity`), this worker's share */
  double bps, bps_tokens, bps_last;
  uint64_t rng;
  _Atomic uint64_t counters[TPC_COUNT];
} tp_worker;

typedef struct tp_plane {
  int nthreads;
  /* the highest first byte of a ChannelData message: 0x4F (RFC 8656), 0x7F (RFC 5766) */
  uint16_t max_channel_first;
  /* ChannelData from a client no row of its thread holds goes up to the core, not dropped: only
   * with RFC 8016 mobility, where a moved client can reach a thread its row does not live on */
  int hand_up_stray_channel_data;
  tp_worker workers[TP_MAX_THREADS];
  atomic_int stopping;
  void *tsfn; /* napi_threadsafe_function */
  int nlisteners;
  /* listening sockets: [listener][thread] */
  tp_listener *listeners[TP_MAX_LISTENERS][TP_MAX_THREADS];
  uint32_t next_relay_id;
} tp_plane;

/* worker.c */
int tp_worker_init(tp_plane *plane, int index, double bps_share);
int tp_worker_start(tp_worker *w);
void tp_worker_join(tp_worker *w);
void tp_worker_free(tp_worker *w);
/* Queues a command (taking ownership of its blob) and wakes the worker. */
void tp_worker_command(tp_worker *w, tp_cmd cmd);
/* Reads an allocation's traffic under the worker's lock; 0 if found. */
int tp_worker_traffic(tp_worker *w, uint32_t alloc_id, uint64_t out[5]);
/* Hands a batch of records up to JavaScript (defined in addon.c). */
int tp_post_up(tp_plane *plane, uint8_t *bytes, size_t len);

/* table.c */
tp_alloc *tp_table_find_client(tp_worker *w, uint32_t listener_id, const tp_ip *ip, uint16_t port);
tp_alloc *tp_table_find_id(tp_worker *w, uint32_t id);
tp_relay *tp_table_find_relay(tp_worker *w, uint32_t id);
int tp_table_add_relay(tp_worker *w, tp_relay *r);
void tp_table_del_relay(tp_worker *w, tp_relay *r);
int tp_table_upsert(tp_worker *w, const tp_entry *e);
void tp_table_remove(tp_worker *w, uint32_t id);
void tp_table_free(tp_worker *w);

/* sockaddr helpers */
void tp_ip_from_sa(const struct sockaddr_storage *sa, tp_ip *ip, uint16_t *port);
socklen_t tp_sa_from_ip(const tp_ip *ip, uint16_t port, int family_of_socket, struct sockaddr_storage *sa);

#endif
