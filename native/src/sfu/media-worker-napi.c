/*
 * The media worker (media-worker.h) as JavaScript sees it. The handle is an external; every
 * control call returns a result code (0, or a negative TP_ROUTER_ERR_* / TP_MW_ERR_*) for the
 * outcomes TypeScript decides on, and throws only for calls that are wrong (a bad argument).
 *
 *   mediaWorkerStart({ address, port, onWake, gso?, batchUs?, shedMs? }) → { handle, port }
 *                                                     gso false: no UDP GSO; batchUs: poll period under load (0: never);
 *                                                     shedMs: RTP queued longer is shed (0: never)
 *   mediaWorkerDrain(h)                               → { packets: [{ data, address, port, family }], events, dropped }
 *   mediaWorkerConnAdd(h, id, { address?, port?, profile?, localKey?, localSalt?, remoteKey?, remoteSalt?,
 *                              extMid?, extRid?, extRepairedRid?, extAudioLevel?, extTransportCc?,
 *                              extAbsSendTime?, rtcpSsrc? })  → code
 *   mediaWorkerConnSpec(h, id, { ext*?, rtcpSsrc? })  → code (fields given replace the connection's)
 *   mediaWorkerConnSetAddress(h, id, address, port)   → code
 *   mediaWorkerConnKeys(h, id, { profile, localKey, localSalt, remoteKey, remoteSalt }) → code
 *   mediaWorkerConnRemove(h, id)                      → code
 *   mediaWorkerUpAdd(h, id, upSpec) / mediaWorkerUpRemove(h, id)          → code
 *   mediaWorkerDownAdd(h, id, downSpec) / mediaWorkerDownRemove(h, id)    → code
 *   mediaWorkerDownTarget(h, id, layer, paused)       → code
 *   mediaWorkerDownSet(h, id, spec)                   → code (maps only; numbering kept)
 *   mediaWorkerConnRtxRate(h, id, bps)                → code (retransmission budget; 0 = none)
 *   mediaWorkerRequestKeyframe(h, up, layer)          → code
 *   mediaWorkerSetAudioThreshold(h, level)            RFC 6464 level at or under which audio is speech
 *   mediaWorkerSend(h, address, port, data)           → bytes sent, or -errno
 *   mediaWorkerSendRtcp(h, connId, data)              → code
 *   mediaWorkerCounters(h)                            → { worker: {...}, router: {...} }
 *   mediaWorkerUnref(h)                               a running worker no longer keeps the process alive
 *   mediaWorkerStop(h)                                idempotent; the finalizer stops it too
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media-worker-args.h"
#include "media-worker.h"
#include "sfu.h"

#define ERR "TURNPIKE_ERR_NATIVE"

#define ARGS(n, usage)                                                                   \
  size_t argc = (n);                                                                     \
  napi_value argv[(n)];                                                                  \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != (n)) {  \
    napi_throw_type_error(env, ERR, usage);                                              \
    return NULL;                                                                         \
  }

/* The handle: the worker and the thread-safe function that wakes JavaScript. Freed when both
 * the external's finalizer and the thread-safe function's have run (refs). */
typedef struct {
  tp_media_worker *w;
  napi_threadsafe_function tsfn;
  int tsfn_alive, released, refs;
} mw_handle;

static void unref_handle(mw_handle *h) {
  if (--h->refs > 0) return;
  tp_mw_free(h->w);
  free(h);
}

/* --- arguments --------------------------------------------------------------------------------- */

static mw_handle *handle_arg(napi_env env, napi_value v) {
  mw_handle *h = NULL;
  if (napi_get_value_external(env, v, (void **)&h) != napi_ok || !h) {
    napi_throw_type_error(env, ERR, "expected a media worker");
    return NULL;
  }
  return h;
}

static napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

static napi_value code(napi_env env, int r) { return num(env, r); }

static void throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value c, text, error;
  napi_create_string_utf8(env, err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EACCES ? "EACCES" : ERR, NAPI_AUTO_LENGTH, &c);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, c, text, &error);
  napi_throw(env, error);
}

/* --- start, wake, stop ------------------------------------------------------------------------- */

/* On the worker's thread: at most one wake is pending (the worker keeps count), never blocks. */
static int post_wake(void *ctx) {
  mw_handle *h = ctx;
  return napi_call_threadsafe_function(h->tsfn, NULL, napi_tsfn_nonblocking) == napi_ok ? 0 : -1;
}

static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)context, (void)data;
  if (env == NULL || cb == NULL) return;
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, cb, 0, NULL, NULL);
}

/* The thread-safe function is gone (released, or the environment is closing): the worker's
 * thread must not call it again, so it is stopped first. */
static void tsfn_finalized(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  mw_handle *h = data;
  tp_mw_stop(h->w);
  h->tsfn_alive = 0;
  unref_handle(h);
}

static void stop_handle(mw_handle *h, napi_threadsafe_function_release_mode mode) {
  tp_mw_stop(h->w);
  if (!h->released && h->tsfn_alive) napi_release_threadsafe_function(h->tsfn, mode);
  h->released = 1;
}

static void handle_finalized(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  mw_handle *h = data;
  stop_handle(h, napi_tsfn_abort);
  unref_handle(h);
}

static napi_value start(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerStart({ address, port, onWake, gso?, batchUs?, shedMs? })");
  napi_value opts = argv[0], on_wake, addr_v, port_v, gso_v, batch_v, shed_v;
  uint32_t batch_us = 1000, shed_ms = 100;
  napi_valuetype t = napi_undefined;
  struct sockaddr_storage sa;
  socklen_t salen;
  bool gso = true;
  if (!tp_mwa_prop(env, opts, "onWake", &on_wake) || napi_typeof(env, on_wake, &t) != napi_ok || t != napi_function || !tp_mwa_prop(env, opts, "address", &addr_v) ||
      !tp_mwa_prop(env, opts, "port", &port_v) || tp_mwa_address_args(env, addr_v, port_v, &sa, &salen) ||
      (tp_mwa_prop(env, opts, "gso", &gso_v) && napi_get_value_bool(env, gso_v, &gso) != napi_ok) ||
      (tp_mwa_prop(env, opts, "batchUs", &batch_v) && (tp_mwa_u32_arg(env, batch_v, &batch_us) || batch_us > 10000)) ||
      (tp_mwa_prop(env, opts, "shedMs", &shed_v) && (tp_mwa_u32_arg(env, shed_v, &shed_ms) || shed_ms > 10000))) {
    napi_throw_type_error(env, ERR, "mediaWorkerStart({ address: IP literal, port: 0-65535, onWake: function, gso?: boolean, batchUs?: 0-10000, shedMs?: 0-10000 })");
    return NULL;
  }
  mw_handle *h = calloc(1, sizeof *h);
  if (!h) {
    throw_errno(env, "mediaWorkerStart", ENOMEM);
    return NULL;
  }
  uint16_t bound;
  int e = tp_mw_open(&sa, salen, &h->w, &bound);
  if (e < 0) {
    free(h);
    throw_errno(env, "cannot open the media socket", -e);
    return NULL;
  }
  if (!gso) tp_mw_set_gso(h->w, 0);
  tp_mw_set_batch_us(h->w, batch_us);
  tp_mw_set_shed_ms(h->w, shed_ms);
  napi_value name;
  napi_create_string_utf8(env, "turnpike-media", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, on_wake, NULL, name, 2, 1, h, tsfn_finalized, NULL, call_js, &h->tsfn) != napi_ok) {
    tp_mw_free(h->w);
    free(h);
    napi_throw_error(env, ERR, "cannot create the media worker's wake-up");
    return NULL;
  }
  h->tsfn_alive = 1;
  h->refs = 1; /* the thread-safe function's */
  e = tp_mw_start(h->w, post_wake, h);
  if (e < 0) {
    stop_handle(h, napi_tsfn_abort); /* its finalizer frees the handle */
    throw_errno(env, "cannot start the media thread", -e);
    return NULL;
  }
  napi_value out, ext;
  if (napi_create_external(env, h, handle_finalized, NULL, &ext) != napi_ok) {
    stop_handle(h, napi_tsfn_abort);
    napi_throw_error(env, ERR, "cannot create the media worker's handle");
    return NULL;
  }
  h->refs++;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "handle", ext);
  napi_set_named_property(env, out, "port", num(env, bound));
  return out;
}

static napi_value stop(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerStop(handle)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (h) stop_handle(h, napi_tsfn_release);
  return NULL;
}

/* The wake-up no longer keeps the event loop alive (a running worker does otherwise, as a
 * listening socket does). */
static napi_value unref(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerUnref(handle)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (h && h->tsfn_alive && !h->released) napi_unref_threadsafe_function(env, h->tsfn);
  return NULL;
}

/* --- drain ------------------------------------------------------------------------------------- */

static napi_value drain(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerDrain(handle)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint8_t *recs, *evs;
  size_t rlen, elen;
  uint64_t dropped;
  if (tp_mw_drain(h->w, &recs, &rlen, &evs, &elen, &dropped) != 0) {
    throw_errno(env, "mediaWorkerDrain", ENOMEM);
    return NULL;
  }
  napi_value out, packets, events;
  napi_create_object(env, &out);
  napi_create_array(env, &packets);
  uint32_t n = 0;
  for (size_t o = 0; o + sizeof(tp_mw_record) <= rlen;) {
    tp_mw_record r;
    memcpy(&r, recs + o, sizeof r);
    if (o + sizeof r + r.len > rlen) break;
    char text[INET6_ADDRSTRLEN] = "";
    inet_ntop(r.family == 6 ? AF_INET6 : AF_INET, r.ip, text, sizeof text);
    napi_value p, data, addr, fam;
    napi_create_object(env, &p);
    napi_create_buffer_copy(env, r.len, recs + o + sizeof r, NULL, &data);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &addr);
    napi_create_string_utf8(env, r.family == 6 ? "IPv6" : "IPv4", NAPI_AUTO_LENGTH, &fam);
    napi_set_named_property(env, p, "data", data);
    napi_set_named_property(env, p, "address", addr);
    napi_set_named_property(env, p, "port", num(env, r.port));
    napi_set_named_property(env, p, "family", fam);
    napi_set_element(env, packets, n++, p);
    o += (sizeof r + r.len + 3) & ~(size_t)3;
  }
  napi_create_buffer_copy(env, elen, evs, NULL, &events);
  free(recs);
  free(evs);
  napi_set_named_property(env, out, "packets", packets);
  napi_set_named_property(env, out, "events", events);
  napi_set_named_property(env, out, "dropped", num(env, (double)dropped));
  return out;
}

/* --- connections ------------------------------------------------------------------------------- */

static napi_value conn_add(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerConnAdd(handle, id, spec)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_conn_spec spec;
  memset(&spec, 0, sizeof spec);
  tp_mw_keys keys;
  struct sockaddr_storage sa;
  socklen_t salen = 0;
  napi_value a, p;
  int has_addr = tp_mwa_prop(env, argv[2], "address", &a);
  int has_keys = tp_mwa_u32_arg(env, argv[1], &id) ? -1 : tp_mwa_keys_arg(env, argv[2], &keys, 0);
  if (has_keys < 0 || tp_mwa_conn_spec_arg(env, argv[2], &spec) || (has_addr && (!tp_mwa_prop(env, argv[2], "port", &p) || tp_mwa_address_args(env, a, p, &sa, &salen)))) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnAdd(handle, id, { address?, port?, profile?, localKey?, localSalt?, remoteKey?, remoteSalt?, ext*?, rtcpSsrc? })");
    return NULL;
  }
  return code(env, tp_mw_conn_add(h->w, id, has_addr ? &sa : NULL, salen, has_keys ? &keys : NULL, &spec));
}

static napi_value conn_set_address(napi_env env, napi_callback_info info) {
  ARGS(4, "mediaWorkerConnSetAddress(handle, id, address, port)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  struct sockaddr_storage sa;
  socklen_t salen;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_address_args(env, argv[2], argv[3], &sa, &salen)) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnSetAddress(handle, id, IP literal, port)");
    return NULL;
  }
  return code(env, tp_mw_conn_set_address(h->w, id, &sa, salen));
}

static napi_value conn_spec(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerConnSpec(handle, id, spec)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_conn_spec spec;
  if (tp_mwa_u32_arg(env, argv[1], &id)) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnSpec(handle, id, { ext*?, rtcpSsrc? })");
    return NULL;
  }
  int r = tp_mw_conn_get_spec(h->w, id, &spec);
  if (r != TP_ROUTER_OK) return code(env, r);
  if (tp_mwa_conn_spec_arg(env, argv[2], &spec)) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnSpec(handle, id, { ext*?, rtcpSsrc? })");
    return NULL;
  }
  return code(env, tp_mw_conn_set_spec(h->w, id, &spec));
}

static napi_value conn_keys(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerConnKeys(handle, id, keys)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_mw_keys keys;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_keys_arg(env, argv[2], &keys, 1) != 1) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnKeys(handle, id, { profile, localKey, localSalt, remoteKey, remoteSalt })");
    return NULL;
  }
  return code(env, tp_mw_conn_keys(h->w, id, &keys));
}

/* (handle, id) calls: remove a connection, an up-stream or a down-track. */
static napi_value by_id(napi_env env, napi_callback_info info, int (*fn)(tp_media_worker *, uint32_t), const char *usage) {
  ARGS(2, usage);
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  if (tp_mwa_u32_arg(env, argv[1], &id)) {
    napi_throw_type_error(env, ERR, usage);
    return NULL;
  }
  return code(env, fn(h->w, id));
}

static napi_value conn_remove(napi_env env, napi_callback_info info) { return by_id(env, info, tp_mw_conn_remove, "mediaWorkerConnRemove(handle, id)"); }
static napi_value up_remove(napi_env env, napi_callback_info info) { return by_id(env, info, tp_mw_up_remove, "mediaWorkerUpRemove(handle, id)"); }
static napi_value down_remove(napi_env env, napi_callback_info info) { return by_id(env, info, tp_mw_down_remove, "mediaWorkerDownRemove(handle, id)"); }

/* --- up-streams and down-tracks (router.h) ---------------------------------------------------- */

static napi_value up_add(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerUpAdd(handle, id, spec)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_up_spec spec;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_up_spec_arg(env, argv[2], &spec)) {
    napi_throw_type_error(env, ERR, "mediaWorkerUpAdd(handle, id, { conn, video, mid, rids?, ssrcs?, codecOfPt, clockRate, history, maxBitrate? })");
    return NULL;
  }
  return code(env, tp_mw_up_add(h->w, id, &spec));
}

static napi_value down_add(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerDownAdd(handle, id, spec)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_down_spec spec;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_down_spec_arg(env, argv[2], &spec)) {
    napi_throw_type_error(env, ERR, "mediaWorkerDownAdd(handle, id, { conn, up, ssrc, ptOfPt, extOfExt?, extTransportCc?, firstSeq, firstTs, history, cname })");
    return NULL;
  }
  return code(env, tp_mw_down_add(h->w, id, &spec));
}

static napi_value down_set(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerDownSet(handle, id, spec)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_down_spec spec;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_down_spec_arg(env, argv[2], &spec)) {
    napi_throw_type_error(env, ERR, "mediaWorkerDownSet(handle, id, { conn, up, ssrc, ptOfPt, extOfExt?, extTransportCc?, firstSeq, firstTs, history, cname })");
    return NULL;
  }
  return code(env, tp_mw_down_set(h->w, id, &spec));
}

static napi_value conn_rtx_rate(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerConnRtxRate(handle, id, bps)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id, bps;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_u32_arg(env, argv[2], &bps)) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnRtxRate(handle, id, bps: 0 for no limit)");
    return NULL;
  }
  return code(env, tp_mw_conn_rtx_rate(h->w, id, bps));
}

static napi_value down_target(napi_env env, napi_callback_info info) {
  ARGS(4, "mediaWorkerDownTarget(handle, id, layer, paused)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id, layer;
  bool paused;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_u32_arg(env, argv[2], &layer) || layer >= TP_ROUTER_MAX_LAYERS || napi_get_value_bool(env, argv[3], &paused) != napi_ok) {
    napi_throw_type_error(env, ERR, "mediaWorkerDownTarget(handle, id, layer 0-2, paused: boolean)");
    return NULL;
  }
  return code(env, tp_mw_down_target(h->w, id, (uint8_t)layer, paused ? 1 : 0));
}

static napi_value request_keyframe(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerRequestKeyframe(handle, up, layer)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id, layer;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_u32_arg(env, argv[2], &layer) || layer >= TP_ROUTER_MAX_LAYERS) {
    napi_throw_type_error(env, ERR, "mediaWorkerRequestKeyframe(handle, up, layer 0-2)");
    return NULL;
  }
  return code(env, tp_mw_request_keyframe(h->w, id, (uint8_t)layer));
}

static napi_value set_audio_threshold(napi_env env, napi_callback_info info) {
  ARGS(2, "mediaWorkerSetAudioThreshold(handle, level)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t level;
  if (tp_mwa_u32_arg(env, argv[1], &level) || level > 127) {
    napi_throw_type_error(env, ERR, "mediaWorkerSetAudioThreshold(handle, level 0-127)");
    return NULL;
  }
  tp_mw_set_audio_threshold(h->w, (uint8_t)level);
  return NULL;
}

/* --- JavaScript's datagrams, counters ---------------------------------------------------------- */

static napi_value send_raw(napi_env env, napi_callback_info info) {
  ARGS(4, "mediaWorkerSend(handle, address, port, data)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  struct sockaddr_storage sa;
  socklen_t salen;
  const uint8_t *data;
  size_t len;
  if (tp_mwa_address_args(env, argv[1], argv[2], &sa, &salen) || tp_mwa_bytes_arg(env, argv[3], &data, &len)) {
    napi_throw_type_error(env, ERR, "mediaWorkerSend(handle, IP literal, port, Uint8Array)");
    return NULL;
  }
  return num(env, (double)tp_mw_send_raw(h->w, &sa, salen, data, len));
}

static napi_value send_rtcp(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerSendRtcp(handle, connId, data)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  const uint8_t *data;
  size_t len;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_bytes_arg(env, argv[2], &data, &len)) {
    napi_throw_type_error(env, ERR, "mediaWorkerSendRtcp(handle, connId, Uint8Array)");
    return NULL;
  }
  return code(env, tp_mw_send_rtcp(h->w, id, data, len));
}

static napi_value counters(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerCounters(handle)");
  mw_handle *h = handle_arg(env, argv[0]);
  if (!h) return NULL;
  uint64_t c[TP_MWC_COUNT];
  tp_router_counters r;
  tp_mw_counters(h->w, c, &r);
  napi_value out, worker, router;
  napi_create_object(env, &out);
  napi_create_object(env, &worker);
  napi_create_object(env, &router);
  for (int i = 0; i < TP_MWC_COUNT; i++) napi_set_named_property(env, worker, tp_mw_counter_names[i], num(env, (double)c[i]));
  const struct {
    const char *name;
    uint64_t v;
  } rc[] = {
    { "rtpIn", r.rtp_in }, { "rtpOut", r.rtp_out }, { "bytesIn", r.bytes_in }, { "bytesOut", r.bytes_out },
    { "rtcpIn", r.rtcp_in }, { "rtcpOut", r.rtcp_out }, { "nacksSent", r.nacks_sent }, { "nacksReceived", r.nacks_received },
    { "retransmits", r.retransmits }, { "plis", r.plis }, { "droppedUnknown", r.dropped_unknown }, { "droppedMalformed", r.dropped_malformed },
    { "unwanted", r.unwanted }, { "rtxOverBudget", r.rtx_over_budget },
  };
  for (size_t i = 0; i < sizeof rc / sizeof rc[0]; i++) napi_set_named_property(env, router, rc[i].name, num(env, (double)rc[i].v));
  napi_set_named_property(env, out, "worker", worker);
  napi_set_named_property(env, out, "router", router);
  return out;
}

void tp_media_worker_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "mediaWorkerStart", NULL, start, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerStop", NULL, stop, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerUnref", NULL, unref, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDrain", NULL, drain, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnAdd", NULL, conn_add, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnSetAddress", NULL, conn_set_address, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnSpec", NULL, conn_spec, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerSetAudioThreshold", NULL, set_audio_threshold, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnKeys", NULL, conn_keys, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnRemove", NULL, conn_remove, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerUpAdd", NULL, up_add, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerUpRemove", NULL, up_remove, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownAdd", NULL, down_add, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownRemove", NULL, down_remove, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownTarget", NULL, down_target, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownSet", NULL, down_set, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnRtxRate", NULL, conn_rtx_rate, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerRequestKeyframe", NULL, request_keyframe, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerSend", NULL, send_raw, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerSendRtcp", NULL, send_rtcp, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerCounters", NULL, counters, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
