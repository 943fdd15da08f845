/*
 * The Node-API surface of the native data plane. JavaScript owns every decision: it creates
 * the plane, binds listening addresses and relay sockets, publishes forwarding rows, and gets
 * back what the rows cannot decide, one call per batch. Functions take the plane as their
 * first argument; errors are thrown as JavaScript errors with a `code`.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "dtls.h"
#include "sfu/sfu.h"
#include "plane.h"

#define CHECK(env, call)                                  \
  do {                                                    \
    if ((call) != napi_ok) {                              \
      napi_throw_error((env), "TURNPIKE_ERR_NATIVE", #call); \
      return NULL;                                        \
    }                                                     \
  } while (0)

/* A batch travelling from a worker to JavaScript. */
typedef struct {
  size_t len;
  uint8_t *bytes;
} tp_batch;

static void throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EACCES ? "EACCES" : "TURNPIKE_ERR_NATIVE", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_throw(env, error);
}

static tp_plane *plane_arg(napi_env env, napi_value v) {
  tp_plane *p = NULL;
  if (napi_get_value_external(env, v, (void **)&p) != napi_ok || !p) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "expected a data plane");
    return NULL;
  }
  return p;
}

static int int_arg(napi_env env, napi_value v, int64_t *out) { return napi_get_value_int64(env, v, out) == napi_ok ? 0 : -1; }

static int string_arg(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t n;
  return napi_get_value_string_utf8(env, v, buf, cap, &n) == napi_ok ? 0 : -1;
}

/* An IP literal and port as a socket address; 0 on success. */
static int parse_sa(const char *ip, int64_t port, struct sockaddr_storage *sa, socklen_t *len) {
  memset(sa, 0, sizeof *sa);
  if (port < 0 || port > 65535) return -1;
  struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
  if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    *len = sizeof *s4;
    return 0;
  }
  if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    *len = sizeof *s6;
    return 0;
  }
  return -1;
}

static int udp_socket(const struct sockaddr_storage *sa, socklen_t len, int reuseport, int buffer) {
  int fd = socket(sa->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  if (sa->ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  if (buffer > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  }
  if (bind(fd, (const struct sockaddr *)sa, len) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static void finalize_batch(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  tp_batch *b = hint;
  free(b->bytes);
  free(b);
}

/* On the JavaScript thread: hands one batch to the callback as an ArrayBuffer. */
static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  tp_batch *b = data;
  if (env == NULL || cb == NULL) {
    free(b->bytes);
    free(b);
    return;
  }
  napi_value ab, undefined;
  if (napi_create_external_arraybuffer(env, b->bytes, b->len, finalize_batch, b, &ab) != napi_ok) {
    /* Runtimes that refuse external memory get a copy. */
    void *copy;
    if (napi_create_arraybuffer(env, b->len, &copy, &ab) != napi_ok) {
      free(b->bytes);
      free(b);
      return;
    }
    memcpy(copy, b->bytes, b->len);
    free(b->bytes);
    free(b);
  }
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, cb, 1, &ab, NULL);
}

int tp_post_up(tp_plane *plane, uint8_t *bytes, size_t len) {
  tp_batch *b = malloc(sizeof *b);
  if (!b) return -1;
  b->bytes = bytes;
  b->len = len;
  if (napi_call_threadsafe_function(plane->tsfn, b, napi_tsfn_nonblocking) != napi_ok) {
    free(b);
    return -1; /* the caller keeps (and reuses) the bytes */
  }
  return 0;
}

static void stop_plane(tp_plane *p) {
  if (atomic_exchange(&p->stopping, 1)) return;
  for (int t = 0; t < p->nthreads; t++) tp_worker_join(&p->workers[t]);
  for (int l = 0; l < p->nlisteners; l++) {
    for (int t = 0; t < p->nthreads; t++) {
      if (p->listeners[l][t]) {
        close(p->listeners[l][t]->s.fd);
        free(p->listeners[l][t]);
        p->listeners[l][t] = NULL;
      }
    }
  }
  for (int t = 0; t < p->nthreads; t++) tp_worker_free(&p->workers[t]);
}

static void finalize_plane(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  tp_plane *p = data;
  stop_plane(p);
  free(p);
}

/* createPlane(threads, bpsCapacity, maxChannelNumber, onBatch[, flags]) → plane; flags bit 0:
 * hand ChannelData from clients without a row up (RFC 8016 mobility) */
static napi_value create_plane(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t threads, max_channel;
  double bps;
  if (argc < 4 || int_arg(env, argv[0], &threads) || napi_get_value_double(env, argv[1], &bps) != napi_ok || int_arg(env, argv[2], &max_channel) || threads < 1 || threads > TP_MAX_THREADS) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "createPlane(threads 1-64, bpsCapacity, maxChannelNumber, onBatch)");
    return NULL;
  }
  tp_plane *p = calloc(1, sizeof *p);
  if (!p) {
    throw_errno(env, "createPlane", ENOMEM);
    return NULL;
  }
  p->nthreads = (int)threads;
  p->max_channel_first = (uint16_t)(max_channel >> 8);
  int64_t flags = 0;
  if (argc >= 5 && int_arg(env, argv[4], &flags)) flags = 0;
  p->hand_up_stray_channel_data = (flags & 1) != 0;
  p->next_relay_id = 1;
  napi_value name;
  napi_create_string_utf8(env, "turnpike-data-plane", NAPI_AUTO_LENGTH, &name);
  napi_threadsafe_function tsfn;
  if (napi_create_threadsafe_function(env, argv[3], NULL, name, 256, 1, NULL, NULL, NULL, call_js, &tsfn) != napi_ok) {
    free(p);
    napi_throw_error(env, "TURNPIKE_ERR_NATIVE", "cannot create the up-call queue");
    return NULL;
  }
  p->tsfn = tsfn;
  for (int t = 0; t < p->nthreads; t++) {
    if (tp_worker_init(p, t, bps > 0 ? bps / (double)p->nthreads : 0) != 0 || tp_worker_start(&p->workers[t]) != 0) {
      int e = errno;
      p->nthreads = t + 1;
      stop_plane(p);
      napi_release_threadsafe_function(tsfn, napi_tsfn_abort);
      free(p);
      throw_errno(env, "cannot start a data-plane thread", e ? e : EAGAIN);
      return NULL;
    }
  }
  napi_value out;
  CHECK(env, napi_create_external(env, p, finalize_plane, NULL, &out));
  return out;
}

/* listen(plane, ip, port) → [listenerId, port, fd per thread...] */
static napi_value listen_udp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 3 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  char ip[64];
  int64_t port;
  struct sockaddr_storage sa;
  socklen_t len;
  if (string_arg(env, argv[1], ip, sizeof ip) || int_arg(env, argv[2], &port) || parse_sa(ip, port, &sa, &len)) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "listen(plane, ip literal, port)");
    return NULL;
  }
  if (p->nlisteners >= TP_MAX_LISTENERS) {
    throw_errno(env, "listen", EMFILE);
    return NULL;
  }
  int l = p->nlisteners;
  int fds[TP_MAX_THREADS];
  for (int t = 0; t < p->nthreads; t++) {
    int fd = udp_socket(&sa, len, 1, 4 * 1024 * 1024);
    if (fd < 0) {
      for (int k = 0; k < t; k++) close(fds[k]);
      throw_errno(env, "cannot listen", -fd);
      return NULL;
    }
    fds[t] = fd;
    if (t == 0 && port == 0) {
      /* Port 0: the other threads' sockets share the port the first one got. */
      socklen_t got = sizeof sa;
      getsockname(fd, (struct sockaddr *)&sa, &got);
      len = got;
    }
  }
  napi_value out, v;
  CHECK(env, napi_create_array_with_length(env, (size_t)p->nthreads + 2, &out));
  for (int t = 0; t < p->nthreads; t++) {
    tp_listener *lst = calloc(1, sizeof *lst);
    if (!lst) {
      throw_errno(env, "listen", ENOMEM);
      return NULL;
    }
    lst->s.kind = TP_SOCK_LISTENER;
    lst->s.fd = fds[t];
    lst->listener_id = (uint32_t)l;
    lst->family = sa.ss_family == AF_INET6 ? 6 : 4;
    p->listeners[l][t] = lst;
    p->workers[t].listeners[l] = lst;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = lst };
    epoll_ctl(p->workers[t].epfd, EPOLL_CTL_ADD, fds[t], &ev);
    napi_create_int32(env, fds[t], &v);
    napi_set_element(env, out, (uint32_t)t + 2, v);
  }
  p->nlisteners++;
  uint16_t bound = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port : ((struct sockaddr_in *)&sa)->sin_port);
  napi_create_int32(env, l, &v);
  napi_set_element(env, out, 0, v);
  napi_create_int32(env, bound, &v);
  napi_set_element(env, out, 1, v);
  return out;
}

/* openRelay(plane, thread, ip, port) → [relayId, fd], or [-errno, -1] when the port is taken */
static napi_value open_relay(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 4 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  int64_t thread, port;
  char ip[64];
  struct sockaddr_storage sa;
  socklen_t len;
  if (int_arg(env, argv[1], &thread) || thread < 0 || thread >= p->nthreads || string_arg(env, argv[2], ip, sizeof ip) || int_arg(env, argv[3], &port) || parse_sa(ip, port, &sa, &len)) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "openRelay(plane, thread, ip literal, port)");
    return NULL;
  }
  int fd = udp_socket(&sa, len, 0, 1024 * 1024);
  napi_value out, a, b;
  CHECK(env, napi_create_array_with_length(env, 2, &out));
  if (fd < 0) {
    napi_create_int32(env, fd, &a);
    napi_create_int32(env, -1, &b);
  } else {
    tp_relay *r = calloc(1, sizeof *r);
    if (!r) {
      close(fd);
      throw_errno(env, "openRelay", ENOMEM);
      return NULL;
    }
    r->s.kind = TP_SOCK_RELAY;
    r->s.fd = fd;
    r->id = p->next_relay_id++;
    if (p->next_relay_id == 0) p->next_relay_id = 1;
    r->family = sa.ss_family == AF_INET6 ? 6 : 4;
    tp_cmd cmd = { .op = TP_CMD_ADD_RELAY, .id = r->id, .relay = r };
    tp_worker_command(&p->workers[thread], cmd);
    napi_create_uint32(env, r->id, &a);
    napi_create_int32(env, fd, &b);
  }
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  return out;
}

/* closeRelay(plane, thread, relayId) */
static napi_value close_relay(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 3 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  int64_t thread, id;
  if (int_arg(env, argv[1], &thread) || thread < 0 || thread >= p->nthreads || int_arg(env, argv[2], &id)) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "closeRelay(plane, thread, relayId)");
    return NULL;
  }
  tp_cmd cmd = { .op = TP_CMD_DEL_RELAY, .id = (uint32_t)id };
  tp_worker_command(&p->workers[thread], cmd);
  return NULL;
}

/* send(fd, ip, port, bytes) → bytes sent, or -errno: an answer of the core, from one of the plane's sockets */
static napi_value send_from(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t fd, port;
  char ip[64];
  struct sockaddr_storage sa;
  socklen_t len;
  void *data;
  size_t n;
  if (argc != 4 || int_arg(env, argv[0], &fd) || string_arg(env, argv[1], ip, sizeof ip) || int_arg(env, argv[2], &port) || parse_sa(ip, port, &sa, &len) ||
      napi_get_typedarray_info(env, argv[3], NULL, &n, &data, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "send(fd, ip literal, port, Uint8Array)");
    return NULL;
  }
  ssize_t r = sendto((int)fd, data, n, MSG_DONTWAIT, (struct sockaddr *)&sa, len);
  napi_value out;
  napi_create_int64(env, r < 0 ? -errno : r, &out);
  return out;
}

/*
 * sendMany(bytes) → datagrams sent: many answers of the core in one call, one sendmmsg per
 * socket. Records: u32 fd, u16 port, u8 family (4/6), u8 0, u8[16] ip (IPv4 mapped), u32 len,
 * then len bytes padded to 4; little-endian.
 */
/* Sends up to 256 records from `p + *o`; advances `*o`; returns datagrams sent, -1 when none parse. */
static int send_chunk(const uint8_t *p, size_t n, size_t *o) {
  enum { MAX = 256 };
  struct mmsghdr msgs[MAX];
  struct iovec iov[MAX];
  struct sockaddr_storage sas[MAX];
  int fds[MAX];
  int m = 0, sent = 0;
  while (*o + 28 <= n && m < MAX) {
    uint32_t fd, len;
    uint16_t port;
    memcpy(&fd, p + *o, 4);
    memcpy(&port, p + *o + 4, 2);
    uint8_t family = p[*o + 6];
    memcpy(&len, p + *o + 24, 4);
    if ((family != 4 && family != 6) || *o + 28 + (size_t)len > n) break;
    tp_ip ip;
    ip.family = family;
    memcpy(ip.bytes, p + *o + 8, 16);
    memset(&msgs[m], 0, sizeof msgs[m]);
    msgs[m].msg_hdr.msg_namelen = tp_sa_from_ip(&ip, port, 0, &sas[m]);
    msgs[m].msg_hdr.msg_name = &sas[m];
    iov[m].iov_base = (void *)(p + *o + 28);
    iov[m].iov_len = len;
    msgs[m].msg_hdr.msg_iov = &iov[m];
    msgs[m].msg_hdr.msg_iovlen = 1;
    fds[m] = (int)fd;
    m++;
    *o += (28 + (size_t)len + 3) & ~(size_t)3;
  }
  if (m == 0) return -1;
  /* Runs of one socket go together (the order of each socket's datagrams is kept). */
  for (int i = 0; i < m;) {
    int j = i;
    while (j < m && fds[j] == fds[i]) j++;
    for (int done = i; done < j;) {
      int r = sendmmsg(fds[i], msgs + done, (unsigned)(j - done), MSG_DONTWAIT);
      if (r > 0) {
        done += r;
        sent += r;
      } else if (!(r < 0 && errno == EINTR)) {
        done++; /* this datagram is lost, the rest go */
      }
    }
    i = j;
  }
  return sent;
}

/*
 * sendMany(bytes) → datagrams sent: many answers of the core in one call, one sendmmsg per
 * run of one socket. Records: u32 fd, u16 port, u8 family (4/6), u8 0, u8[16] ip (IPv4
 * mapped), u32 len, then len bytes padded to 4; little-endian.
 */
static napi_value send_many(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *p;
  size_t n;
  if (argc != 1 || napi_get_typedarray_info(env, argv[0], NULL, &n, (void **)&p, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "sendMany(Uint8Array)");
    return NULL;
  }
  int sent = 0;
  for (size_t o = 0;;) {
    int r = send_chunk(p, n, &o);
    if (r < 0) break;
    sent += r;
  }
  napi_value out;
  napi_create_int32(env, sent, &out);
  return out;
}

/* upsert(plane, thread, row bytes) */
static napi_value upsert(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 3 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  int64_t thread;
  void *data;
  size_t n;
  if (int_arg(env, argv[1], &thread) || thread < 0 || thread >= p->nthreads || napi_get_typedarray_info(env, argv[2], NULL, &n, &data, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "upsert(plane, thread, Uint8Array)");
    return NULL;
  }
  tp_entry e;
  if (tp_entry_parse(data, n, &e) != 0) {
    napi_throw_range_error(env, "TURNPIKE_ERR_NATIVE", "upsert: the row does not parse");
    return NULL;
  }
  uint8_t *copy = malloc(n);
  if (!copy) {
    throw_errno(env, "upsert", ENOMEM);
    return NULL;
  }
  memcpy(copy, data, n);
  tp_cmd cmd = { .op = TP_CMD_UPSERT, .id = e.alloc_id, .blob = copy, .blob_len = n };
  tp_worker_command(&p->workers[thread], cmd);
  return NULL;
}

static napi_value traffic_array(napi_env env, const uint64_t t[5]) {
  napi_value out, v;
  napi_create_array_with_length(env, 5, &out);
  for (uint32_t i = 0; i < 5; i++) {
    napi_create_double(env, (double)t[i], &v);
    napi_set_element(env, out, i, v);
  }
  return out;
}

/* remove(plane, thread, allocationId) → its traffic [rxPackets, rxBytes, txPackets, txBytes, dropped] or null */
static napi_value remove_row(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 3 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  int64_t thread, id;
  if (int_arg(env, argv[1], &thread) || thread < 0 || thread >= p->nthreads || int_arg(env, argv[2], &id)) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "remove(plane, thread, allocationId)");
    return NULL;
  }
  /* Commands not yet applied may still add this row: apply order is preserved by the queue. */
  uint64_t t[5] = { 0, 0, 0, 0, 0 };
  int found = tp_worker_traffic(&p->workers[thread], (uint32_t)id, t) == 0;
  tp_cmd cmd = { .op = TP_CMD_REMOVE, .id = (uint32_t)id };
  tp_worker_command(&p->workers[thread], cmd);
  if (!found) {
    napi_value nul;
    napi_get_null(env, &nul);
    return nul;
  }
  return traffic_array(env, t);
}

/* traffic(plane, thread, allocationId) → [rxPackets, rxBytes, txPackets, txBytes, dropped] or null */
static napi_value traffic(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 3 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  int64_t thread, id;
  if (int_arg(env, argv[1], &thread) || thread < 0 || thread >= p->nthreads || int_arg(env, argv[2], &id)) {
    napi_throw_type_error(env, "TURNPIKE_ERR_NATIVE", "traffic(plane, thread, allocationId)");
    return NULL;
  }
  uint64_t t[5];
  if (tp_worker_traffic(&p->workers[thread], (uint32_t)id, t) != 0) {
    napi_value nul;
    napi_get_null(env, &nul);
    return nul;
  }
  return traffic_array(env, t);
}

/* counters(plane) → numbers in counterNames() order, summed over the threads */
static napi_value counters(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 1 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  napi_value out, v;
  CHECK(env, napi_create_array_with_length(env, TPC_COUNT, &out));
  for (uint32_t c = 0; c < TPC_COUNT; c++) {
    uint64_t sum = 0;
    for (int t = 0; t < p->nthreads; t++) sum += atomic_load_explicit(&p->workers[t].counters[c], memory_order_relaxed);
    napi_create_double(env, (double)sum, &v);
    napi_set_element(env, out, c, v);
  }
  return out;
}

static napi_value counter_names(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, v;
  CHECK(env, napi_create_array_with_length(env, TPC_COUNT, &out));
  for (uint32_t c = 0; c < TPC_COUNT; c++) {
    napi_create_string_utf8(env, tp_counter_names[c], NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, out, c, v);
  }
  return out;
}

/* close(plane): stops the threads and closes every socket; the plane is unusable after. */
static napi_value close_plane(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 1 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  int was = atomic_load(&p->stopping);
  stop_plane(p);
  if (!was) napi_release_threadsafe_function(p->tsfn, napi_tsfn_release);
  return NULL;
}

/* unref(plane): the up-call queue no longer keeps the process alive. */
static napi_value unref_plane(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tp_plane *p = argc == 1 ? plane_arg(env, argv[0]) : NULL;
  if (!p) return NULL;
  napi_unref_threadsafe_function(env, p->tsfn);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "createPlane", NULL, create_plane, NULL, NULL, NULL, napi_default, NULL },
    { "listen", NULL, listen_udp, NULL, NULL, NULL, napi_default, NULL },
    { "openRelay", NULL, open_relay, NULL, NULL, NULL, napi_default, NULL },
    { "closeRelay", NULL, close_relay, NULL, NULL, NULL, napi_default, NULL },
    { "send", NULL, send_from, NULL, NULL, NULL, napi_default, NULL },
    { "sendMany", NULL, send_many, NULL, NULL, NULL, napi_default, NULL },
    { "upsert", NULL, upsert, NULL, NULL, NULL, napi_default, NULL },
    { "remove", NULL, remove_row, NULL, NULL, NULL, napi_default, NULL },
    { "traffic", NULL, traffic, NULL, NULL, NULL, napi_default, NULL },
    { "counters", NULL, counters, NULL, NULL, NULL, napi_default, NULL },
    { "counterNames", NULL, counter_names, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, close_plane, NULL, NULL, NULL, napi_default, NULL },
    { "unref", NULL, unref_plane, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  tp_dtls_register(env, exports);
  tp_srtp_register(env, exports);
  tp_dtls_srtp_register(env, exports);
  tp_router_register(env, exports);
  tp_media_worker_register(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
