/*
 * The SFU's media worker: one UDP socket, one thread, one epoll loop that carries RTP and RTCP
 * between peer connections with no JavaScript per packet. TypeScript decides (which connections
 * exist, their keys and addresses, who receives which up-stream); the worker demultiplexes each
 * datagram by its first byte (RFC 7983 §7), unprotects SRTP/SRTCP (RFC 3711), hands plaintext to
 * the router (router.h), protects what the router produces and sends it in batches.
 *
 * STUN (ICE connectivity checks, RFC 8445) and DTLS (RFC 6347) datagrams go up to JavaScript in
 * a bounded queue, with the router's events; the worker calls `wake` once when either goes from
 * empty to non-empty, and JavaScript takes both with tp_mw_drain.
 *
 * Threads: control calls run on the JavaScript thread and take the worker's mutex briefly; the
 * worker holds it while it processes one received batch or one tick. The router and every SRTP
 * session are only touched under it.
 */
#ifndef TP_MEDIA_WORKER_H
#define TP_MEDIA_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "router.h"

typedef struct tp_media_worker tp_media_worker;

/* Results of control calls: TP_ROUTER_* (0, -1 to -4), then these. */
#define TP_MW_ERR_KEY (-5)     /* unknown profile, or a key or salt of the wrong length */
#define TP_MW_ERR_CRYPTO (-6)  /* an SRTP session could not be made */
#define TP_MW_ERR_ADDRESS (-7) /* an address of the other family than the worker's socket */
#define TP_MW_ERR_NO_KEYS (-8) /* the connection has no keys or no address yet */
#define TP_MW_ERR_SEND (-9)    /* protect or sendto failed (counted) */

/* Profile 0: no SRTP at all, RTP and RTCP in the clear. A test mode only, never negotiated. */
#define TP_MW_PROFILE_PLAIN 0

/* A datagram queued for JavaScript (STUN or DTLS): this header, then `len` bytes, padded to 4. */
typedef struct {
  uint16_t len;
  uint16_t port;
  uint8_t family; /* 4 or 6 */
  uint8_t pad[3];
  uint8_t ip[16]; /* IPv4 in the first four bytes */
} tp_mw_record;

/* The worker's own counters, in tp_mw_counter_names order. */
enum {
  TP_MWC_DATAGRAMS_IN,
  TP_MWC_DATAGRAMS_OUT,
  TP_MWC_RECV_BATCHES,
  TP_MWC_SEND_CALLS,
  TP_MWC_CONTROL_IN,
  TP_MWC_RTP_IN,
  TP_MWC_RTCP_IN,
  TP_MWC_TICKS,
  TP_MWC_WAKES,
  TP_MWC_DROP_QUEUE_FULL,
  TP_MWC_DROP_NO_CONNECTION,
  TP_MWC_DROP_NO_KEYS,
  TP_MWC_DROP_UNPROTECT,
  TP_MWC_DROP_MALFORMED,
  TP_MWC_DROP_OUT_NO_CONNECTION,
  TP_MWC_DROP_PROTECT,
  TP_MWC_DROP_OUT_BATCH_FULL,
  TP_MWC_DROP_SOCKET_ERROR,
  TP_MWC_EVENTS_LOST,
  TP_MWC_GSO_SENDS,    /* GSO messages of two or more datagrams */
  TP_MWC_GSO_SEGMENTS, /* the datagrams in them */
  TP_MWC_GSO_REFUSED,  /* messages the kernel refused to segment (GSO is off from then on) */
  TP_MWC_POLLS,        /* socket polls under load (instead of wake-ups) */
  TP_MWC_SHED,         /* RTP that waited in the socket too long, dropped unread (load shedding) */
  /* Residence: how long RTP spent in the worker, from the kernel's receive time to the end of
   * the send of its batch (the latency the SFU adds); the sum in µs, then one counter per
   * bucket of tp_mw_residence_bounds_us (not cumulative), the last one unbounded. */
  TP_MWC_RESIDENCE_SUM_US,
  TP_MWC_RESIDENCE_FIRST,
  TP_MWC_COUNT = TP_MWC_RESIDENCE_FIRST + 12
};
extern const char *const tp_mw_counter_names[TP_MWC_COUNT];

/* The residence buckets' upper bounds, µs (a 1-2-5 series); a twelfth bucket holds the rest. */
#define TP_MW_RESIDENCE_BOUNDS 11
extern const uint32_t tp_mw_residence_bounds_us[TP_MW_RESIDENCE_BOUNDS];

/* Called on the worker's thread, under its mutex: tell JavaScript to drain. 0 when posted. */
typedef int (*tp_mw_wake_fn)(void *ctx);

/* Opens the socket (bound to `sa`, port 0 for any) and the worker's state; returns 0 or -errno. */
int tp_mw_open(const struct sockaddr_storage *sa, socklen_t salen, tp_media_worker **out, uint16_t *bound_port);
/* UDP GSO for runs of datagrams to one connection (media-worker-send.c): on by default where
 * the kernel has it (not with TURNPIKE_NO_GSO in the environment); `on` 0 turns it off. */
void tp_mw_set_gso(tp_media_worker *w, int on);
/* Under load, poll the socket every `us` µs instead of waking per burst (1000 unless set; 0: never;
 * at most 10000). Before tp_mw_start only. */
void tp_mw_set_batch_us(tp_media_worker *w, uint32_t us);
/* RTP that waited in the socket longer than `ms` is dropped unread (100 unless set; 0: never;
 * at most 10000). Before tp_mw_start only. */
void tp_mw_set_shed_ms(tp_media_worker *w, uint32_t ms);
/* Starts the thread (`turnpike-media`); 0 or -errno. */
int tp_mw_start(tp_media_worker *w, tp_mw_wake_fn wake, void *ctx);
/* Stops and joins the thread and closes the socket; idempotent. */
void tp_mw_stop(tp_media_worker *w);
/* Frees everything (after tp_mw_stop). */
void tp_mw_free(tp_media_worker *w);

/* --- connections ----------------------------------------------------------------------------- */

/* Keys of one DTLS-SRTP association (RFC 5764 §4.2): local protects what is sent, remote
 * unprotects what arrives. profile TP_MW_PROFILE_PLAIN takes no keys. */
typedef struct {
  int profile;
  const uint8_t *local_key, *local_salt, *remote_key, *remote_salt;
  size_t local_key_len, local_salt_len, remote_key_len, remote_salt_len;
} tp_mw_keys;

/* Adds a connection; `sa` may be NULL (no address yet), `keys` may be NULL (no keys yet). */
int tp_mw_conn_add(tp_media_worker *w, uint32_t id, const struct sockaddr_storage *sa, socklen_t salen, const tp_mw_keys *keys, const tp_conn_spec *spec);
int tp_mw_conn_set_address(tp_media_worker *w, uint32_t id, const struct sockaddr_storage *sa, socklen_t salen);
int tp_mw_conn_keys(tp_media_worker *w, uint32_t id, const tp_mw_keys *keys);
int tp_mw_conn_remove(tp_media_worker *w, uint32_t id);
/* The connection's router spec (extension ids, RTCP SSRC) as last given, and a new one for it
 * once its SDP is negotiated (tp_router_conn_set: its tracks and SSRC bindings stay). */
int tp_mw_conn_get_spec(tp_media_worker *w, uint32_t id, tp_conn_spec *spec);
int tp_mw_conn_set_spec(tp_media_worker *w, uint32_t id, const tp_conn_spec *spec);

/* --- the router's control calls, under the worker's mutex ---------------------------------- */

int tp_mw_up_add(tp_media_worker *w, uint32_t up, const tp_up_spec *spec);
int tp_mw_up_remove(tp_media_worker *w, uint32_t up);
int tp_mw_down_add(tp_media_worker *w, uint32_t down, const tp_down_spec *spec);
int tp_mw_down_remove(tp_media_worker *w, uint32_t down);
int tp_mw_down_target(tp_media_worker *w, uint32_t down, uint8_t layer, uint8_t paused);
int tp_mw_down_temporal(tp_media_worker *w, uint32_t down, uint8_t tid_max);
int tp_mw_down_set(tp_media_worker *w, uint32_t down, const tp_down_spec *spec);
int tp_mw_conn_rtx_rate(tp_media_worker *w, uint32_t conn, uint32_t bps);
int tp_mw_request_keyframe(tp_media_worker *w, uint32_t up, uint8_t layer);
void tp_mw_set_audio_threshold(tp_media_worker *w, uint8_t level);

/* --- JavaScript's own datagrams -------------------------------------------------------------- */

/* A raw datagram (STUN answer, DTLS record) from the worker's socket: bytes sent or -errno. */
long tp_mw_send_raw(tp_media_worker *w, const struct sockaddr_storage *sa, socklen_t salen, const uint8_t *data, size_t len);
/* RTCP decided in TypeScript (RFC 3550 §6, RFC 8888, REMB), protected as SRTCP and sent. */
int tp_mw_send_rtcp(tp_media_worker *w, uint32_t conn, const uint8_t *data, size_t len);

/* --- up to JavaScript ------------------------------------------------------------------------ */

/* Takes what waits for JavaScript, as malloc'd copies the caller frees: queued datagrams
 * (tp_mw_record after tp_mw_record) and the event log; `dropped` is how many datagrams the full
 * queue refused since the last drain. Re-arms the wake. 0, or -1 when out of memory. */
int tp_mw_drain(tp_media_worker *w, uint8_t **records, size_t *records_len, uint8_t **events, size_t *events_len, uint64_t *dropped);

void tp_mw_counters(tp_media_worker *w, uint64_t out[TP_MWC_COUNT], tp_router_counters *router);

#endif
