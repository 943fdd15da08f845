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
 *   mediaWorkerDownTemporal(h, id, tidMax)            → code
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
#include "media-worker-napi.h"
#include "media-worker.h"
#include "sfu.h"


static void unref_handle(mw_handle *h) {
  if (--h->refs > 0) return;
  tp_mw_free(h->w);
  free(h);
}

/* --- arguments --------------------------------------------------------------------------------- */

mw_handle *tp_mwn_handle(napi_env env, napi_value v) {
  mw_handle *h = NULL;
  if (napi_get_value_external(env, v, (void **)&h) != napi_ok || !h) {
    napi_throw_type_error(env, ERR, "expected a media worker");
    return NULL;
  }
  return h;
}

napi_value tp_mwn_num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

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
  napi_set_named_property(env, out, "port", tp_mwn_num(env, bound));
  return out;
}

static napi_value stop(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerStop(handle)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (h) stop_handle(h, napi_tsfn_release);
  return NULL;
}

/* The wake-up no longer keeps the event loop alive (a running worker does otherwise, as a
 * listening socket does). */
static napi_value unref(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerUnref(handle)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (h && h->tsfn_alive && !h->released) napi_unref_threadsafe_function(env, h->tsfn);
  return NULL;
}

/* --- drain ------------------------------------------------------------------------------------- */

static napi_value drain(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerDrain(handle)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
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
    napi_set_named_property(env, p, "port", tp_mwn_num(env, r.port));
    napi_set_named_property(env, p, "family", fam);
    napi_set_element(env, packets, n++, p);
    o += (sizeof r + r.len + 3) & ~(size_t)3;
  }
  napi_create_buffer_copy(env, elen, evs, NULL, &events);
  free(recs);
  free(evs);
  napi_set_named_property(env, out, "packets", packets);
  napi_set_named_property(env, out, "events", events);
  napi_set_named_property(env, out, "dropped", tp_mwn_num(env, (double)dropped));
  return out;
}

/* --- JavaScript's datagrams, counters ---------------------------------------------------------- */

static napi_value send_raw(napi_env env, napi_callback_info info) {
  ARGS(4, "mediaWorkerSend(handle, address, port, data)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  struct sockaddr_storage sa;
  socklen_t salen;
  const uint8_t *data;
  size_t len;
  if (tp_mwa_address_args(env, argv[1], argv[2], &sa, &salen) || tp_mwa_bytes_arg(env, argv[3], &data, &len)) {
    napi_throw_type_error(env, ERR, "mediaWorkerSend(handle, IP literal, port, Uint8Array)");
    return NULL;
  }
  return tp_mwn_num(env, (double)tp_mw_send_raw(h->w, &sa, salen, data, len));
}

static napi_value send_rtcp(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerSendRtcp(handle, connId, data)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  const uint8_t *data;
  size_t len;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_bytes_arg(env, argv[2], &data, &len)) {
    napi_throw_type_error(env, ERR, "mediaWorkerSendRtcp(handle, connId, Uint8Array)");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_send_rtcp(h->w, id, data, len));
}

static napi_value counters(napi_env env, napi_callback_info info) {
  ARGS(1, "mediaWorkerCounters(handle)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint64_t c[TP_MWC_COUNT];
  tp_router_counters r;
  tp_mw_counters(h->w, c, &r);
  napi_value out, worker, router;
  napi_create_object(env, &out);
  napi_create_object(env, &worker);
  napi_create_object(env, &router);
  for (int i = 0; i < TP_MWC_COUNT; i++) napi_set_named_property(env, worker, tp_mw_counter_names[i], tp_mwn_num(env, (double)c[i]));
  const struct {
    const char *name;
    uint64_t v;
  } rc[] = {
    { "rtpIn", r.rtp_in }, { "rtpOut", r.rtp_out }, { "bytesIn", r.bytes_in }, { "bytesOut", r.bytes_out },
    { "rtcpIn", r.rtcp_in }, { "rtcpOut", r.rtcp_out }, { "nacksSent", r.nacks_sent }, { "nacksReceived", r.nacks_received },
    { "retransmits", r.retransmits }, { "plis", r.plis }, { "droppedUnknown", r.dropped_unknown }, { "droppedMalformed", r.dropped_malformed },
    { "unwanted", r.unwanted }, { "rtxOverBudget", r.rtx_over_budget },
    { "twccFeedback", r.twcc_feedback }, { "twccReported", r.twcc_reported }, { "temporalDropped", r.temporal_dropped },
  };
  for (size_t i = 0; i < sizeof rc / sizeof rc[0]; i++) napi_set_named_property(env, router, rc[i].name, tp_mwn_num(env, (double)rc[i].v));
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
    { "mediaWorkerSend", NULL, send_raw, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerSendRtcp", NULL, send_rtcp, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerCounters", NULL, counters, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  tp_mwn_register_control(env, exports);
}
