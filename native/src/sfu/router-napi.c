/*
 * A test surface over the pure media router (router.h), so JavaScript can drive it packet by
 * packet without sockets or SRTP (the media worker is the production user):
 *
 *   routerNew()                                    → router (external)
 *   routerConnAdd(r, id, spec) / routerUpAdd(r, id, spec) / routerDownAdd(r, id, spec) → TP_ROUTER_* code
 *   routerConnSet(r, id, spec)                     → code (new extension ids for a connection)
 *   routerDownTarget(r, id, layer, paused)         → code
 *   routerDownTemporal(r, id, tidMax)              → code
 *   routerRemove(r, 'conn' | 'up' | 'down', id)    → code
 *   routerRequestKeyframe(r, up, layer)            → { out, events }
 *   routerSetAudioThreshold(r, level)
 *   routerRtp(r, conn, packet, nowUs) / routerRtcp(r, conn, packet, nowUs) / routerTick(r, nowUs, wallMs)
 *                                                  → { out: { conn, rtcp, data }[], events: Buffer }
 *   routerCounters(r)                              → { rtpIn, rtpOut, ..., outDropped, eventsLost }
 *
 * Specs are objects with router.h's fields in camelCase (snake_case is read too); payload type
 * and extension maps are arrays or objects keyed by number. src/sfu/native/router-spec.ts types them.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "sfu.h"

#define OUT_CAP 512
#define EVENT_CAP (256 * 1024)

typedef struct {
  tp_router *r;
  tp_out_batch out;
  tp_event_log ev;
  tp_out_packet packets[OUT_CAP];
  uint8_t events[EVENT_CAP];
} handle;

#define ARGS(n)                                                                                  \
  size_t argc = (n);                                                                             \
  napi_value argv[(n) > 0 ? (n) : 1];                                                            \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < (n)) {            \
    napi_throw_type_error(env, "TURNPIKE_ERR_ROUTER", "wrong number of arguments");              \
    return NULL;                                                                                 \
  }

static void finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  handle *h = data;
  tp_router_free(h->r);
  free(h);
}

static handle *get_handle(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, "TURNPIKE_ERR_ROUTER", "not a router");
    return NULL;
  }
  return p;
}

static napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

static uint32_t to_u32(napi_env env, napi_value v) {
  uint32_t x = 0;
  napi_get_value_uint32(env, v, &x);
  return x;
}

static double to_double(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}

/* The property `camel` (or `snake`) of `obj`, or NULL when absent or undefined. */
static napi_value prop(napi_env env, napi_value obj, const char *camel, const char *snake) {
  napi_value v;
  napi_valuetype t;
  const char *names[2] = {camel, snake};
  for (int i = 0; i < 2; i++) {
    if (!names[i]) continue;
    if (napi_get_named_property(env, obj, names[i], &v) != napi_ok) continue;
    if (napi_typeof(env, v, &t) == napi_ok && t != napi_undefined && t != napi_null) return v;
  }
  return NULL;
}

static uint32_t prop_u32(napi_env env, napi_value obj, const char *camel, const char *snake, uint32_t dflt) {
  napi_value v = prop(env, obj, camel, snake);
  return v ? to_u32(env, v) : dflt;
}

static void prop_str(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t n;
  buf[0] = 0;
  if (v) napi_get_value_string_utf8(env, v, buf, cap, &n);
}

/* A map by small integer key (array or object), into `out[0..n)`, defaulting to `dflt`. */
static void prop_map(napi_env env, napi_value obj, const char *camel, const char *snake, uint8_t *out, uint32_t n, uint8_t dflt) {
  memset(out, dflt, n);
  napi_value m = prop(env, obj, camel, snake);
  if (!m) return;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    napi_valuetype t;
    if (napi_get_element(env, m, i, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok || t != napi_number) continue;
    out[i] = (uint8_t)to_u32(env, v);
  }
}

static napi_value router_new(napi_env env, napi_callback_info info) {
  (void)info;
  handle *h = calloc(1, sizeof *h);
  if (!h || !(h->r = tp_router_new())) {
    free(h);
    napi_throw_error(env, "TURNPIKE_ERR_ROUTER", "out of memory");
    return NULL;
  }
  h->out = (tp_out_batch){.packets = h->packets, .cap = OUT_CAP};
  h->ev = (tp_event_log){.bytes = h->events, .cap = EVENT_CAP};
  napi_value v;
  napi_create_external(env, h, finalize, NULL, &v);
  return v;
}

static tp_conn_spec conn_spec(napi_env env, napi_value s) {
  return (tp_conn_spec){
      .ext_mid = (uint8_t)prop_u32(env, s, "extMid", "ext_mid", 0),
      .ext_rid = (uint8_t)prop_u32(env, s, "extRid", "ext_rid", 0),
      .ext_repaired_rid = (uint8_t)prop_u32(env, s, "extRepairedRid", "ext_repaired_rid", 0),
      .ext_audio_level = (uint8_t)prop_u32(env, s, "extAudioLevel", "ext_audio_level", 0),
      .ext_transport_cc = (uint8_t)prop_u32(env, s, "extTransportCc", "ext_transport_cc", 0),
      .ext_abs_send_time = (uint8_t)prop_u32(env, s, "extAbsSendTime", "ext_abs_send_time", 0),
      .rtcp_ssrc = prop_u32(env, s, "rtcpSsrc", "rtcp_ssrc", 0),
  };
}

static napi_value router_conn_add(napi_env env, napi_callback_info info) {
  ARGS(3);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  tp_conn_spec spec = conn_spec(env, argv[2]);
  return num(env, tp_router_conn_add(h->r, to_u32(env, argv[1]), &spec));
}

static napi_value router_conn_set(napi_env env, napi_callback_info info) {
  ARGS(3);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  tp_conn_spec spec = conn_spec(env, argv[2]);
  return num(env, tp_router_conn_set(h->r, to_u32(env, argv[1]), &spec));
}

static napi_value router_up_add(napi_env env, napi_callback_info info) {
  ARGS(3);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  napi_value s = argv[2];
  tp_up_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.conn = prop_u32(env, s, "conn", NULL, 0);
  spec.video = prop_u32(env, s, "video", NULL, 0) ? 1 : 0;
  napi_value v = prop(env, s, "video", NULL);
  napi_valuetype t;
  if (v && napi_typeof(env, v, &t) == napi_ok && t == napi_boolean) {
    bool b = false;
    napi_get_value_bool(env, v, &b);
    spec.video = b;
  }
  prop_str(env, prop(env, s, "mid", NULL), spec.mid, sizeof spec.mid);
  napi_value rids = prop(env, s, "rids", NULL), ssrcs = prop(env, s, "ssrcs", NULL);
  for (uint32_t k = 0; k < TP_ROUTER_MAX_LAYERS; k++) {
    napi_value e;
    if (rids && napi_get_element(env, rids, k, &e) == napi_ok && napi_typeof(env, e, &t) == napi_ok && t == napi_string)
      prop_str(env, e, spec.rids[k], sizeof spec.rids[k]);
    if (ssrcs && napi_get_element(env, ssrcs, k, &e) == napi_ok && napi_typeof(env, e, &t) == napi_ok && t == napi_number)
      spec.ssrcs[k] = to_u32(env, e);
  }
  prop_map(env, s, "codecOfPt", "codec_of_pt", spec.codec_of_pt, 128, 0xff);
  spec.clock_rate = prop_u32(env, s, "clockRate", "clock_rate", 0);
  spec.history = (uint16_t)prop_u32(env, s, "history", NULL, 500);
  spec.max_bitrate = prop_u32(env, s, "maxBitrate", "max_bitrate", 0);
  return num(env, tp_router_up_add(h->r, to_u32(env, argv[1]), &spec));
}

static napi_value router_down_add(napi_env env, napi_callback_info info) {
  ARGS(3);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  napi_value s = argv[2];
  tp_down_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.conn = prop_u32(env, s, "conn", NULL, 0);
  spec.up = prop_u32(env, s, "up", NULL, 0);
  spec.ssrc = prop_u32(env, s, "ssrc", NULL, 0);
  prop_map(env, s, "ptOfPt", "pt_of_pt", spec.pt_of_pt, 128, 0xff);
  prop_map(env, s, "extOfExt", "ext_of_ext", spec.ext_of_ext, 256, 0);
  spec.ext_transport_cc = (uint8_t)prop_u32(env, s, "extTransportCc", "ext_transport_cc", 0);
  spec.first_seq = (uint16_t)prop_u32(env, s, "firstSeq", "first_seq", 0);
  spec.first_ts = prop_u32(env, s, "firstTs", "first_ts", 0);
  spec.history = (uint16_t)prop_u32(env, s, "history", NULL, 500);
  prop_str(env, prop(env, s, "cname", NULL), spec.cname, sizeof spec.cname);
  return num(env, tp_router_down_add(h->r, to_u32(env, argv[1]), &spec));
}

static napi_value router_down_target(napi_env env, napi_callback_info info) {
  ARGS(4);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  bool paused = false;
  if (napi_get_value_bool(env, argv[3], &paused) != napi_ok) paused = to_u32(env, argv[3]) != 0;
  return num(env, tp_router_down_target(h->r, to_u32(env, argv[1]), (uint8_t)to_u32(env, argv[2]), paused));
}

static napi_value router_down_temporal(napi_env env, napi_callback_info info) {
  ARGS(3);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  return num(env, tp_router_down_temporal(h->r, to_u32(env, argv[1]), (uint8_t)to_u32(env, argv[2])));
}

static napi_value router_remove(napi_env env, napi_callback_info info) {
  ARGS(3);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  char kind[8];
  prop_str(env, argv[1], kind, sizeof kind);
  uint32_t id = to_u32(env, argv[2]);
  if (strcmp(kind, "conn") == 0) return num(env, tp_router_conn_remove(h->r, id));
  if (strcmp(kind, "up") == 0) return num(env, tp_router_up_remove(h->r, id));
  if (strcmp(kind, "down") == 0) return num(env, tp_router_down_remove(h->r, id));
  napi_throw_type_error(env, "TURNPIKE_ERR_ROUTER", "kind must be 'conn', 'up' or 'down'");
  return NULL;
}

/* { out: [{ conn, rtcp, data }], events }, and the batch and log emptied. */
static napi_value drain(napi_env env, handle *h) {
  napi_value res, arr, events;
  napi_create_object(env, &res);
  napi_create_array_with_length(env, h->out.count, &arr);
  for (size_t i = 0; i < h->out.count; i++) {
    const tp_out_packet *p = &h->out.packets[i];
    napi_value o, data, rtcp;
    void *dst;
    napi_create_object(env, &o);
    napi_create_buffer_copy(env, p->len, p->data, &dst, &data);
    napi_get_boolean(env, p->rtcp != 0, &rtcp);
    napi_set_named_property(env, o, "conn", num(env, p->conn));
    napi_set_named_property(env, o, "rtcp", rtcp);
    napi_set_named_property(env, o, "data", data);
    napi_set_element(env, arr, (uint32_t)i, o);
  }
  void *dst;
  napi_create_buffer_copy(env, h->ev.len, h->ev.len ? h->ev.bytes : (const uint8_t *)"", &dst, &events);
  napi_set_named_property(env, res, "out", arr);
  napi_set_named_property(env, res, "events", events);
  h->out.count = 0;
  h->ev.len = 0;
  return res;
}

static napi_value packet_call(napi_env env, napi_callback_info info, int rtcp) {
  ARGS(4);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  void *data = NULL;
  size_t len = 0;
  bool is_typed = false;
  napi_is_typedarray(env, argv[2], &is_typed);
  if (is_typed) {
    napi_typedarray_type tt;
    napi_value ab;
    size_t off;
    napi_get_typedarray_info(env, argv[2], &tt, &len, &data, &ab, &off);
    if (tt != napi_uint8_array) is_typed = false;
  }
  if (!is_typed) {
    napi_throw_type_error(env, "TURNPIKE_ERR_ROUTER", "packet must be a Uint8Array");
    return NULL;
  }
  uint32_t conn = to_u32(env, argv[1]);
  uint64_t now_us = (uint64_t)to_double(env, argv[3]);
  static const uint8_t empty[1];
  const uint8_t *p = len ? data : empty;
  if (rtcp) tp_router_rtcp(h->r, conn, p, len, now_us, &h->out, &h->ev);
  else tp_router_rtp(h->r, conn, p, len, now_us, &h->out, &h->ev);
  return drain(env, h);
}

static napi_value router_rtp(napi_env env, napi_callback_info info) {
  return packet_call(env, info, 0);
}

static napi_value router_rtcp(napi_env env, napi_callback_info info) {
  return packet_call(env, info, 1);
}

static napi_value router_tick(napi_env env, napi_callback_info info) {
  ARGS(3);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  tp_router_tick(h->r, (uint64_t)to_double(env, argv[1]), (uint64_t)to_double(env, argv[2]), &h->out, &h->ev);
  return drain(env, h);
}

static napi_value router_request_keyframe(napi_env env, napi_callback_info info) {
  ARGS(3);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  tp_router_request_keyframe(h->r, to_u32(env, argv[1]), (uint8_t)to_u32(env, argv[2]), &h->out);
  return drain(env, h);
}

static napi_value router_set_audio_threshold(napi_env env, napi_callback_info info) {
  ARGS(2);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  tp_router_set_audio_threshold(h->r, (uint8_t)to_u32(env, argv[1]));
  return NULL;
}

static napi_value router_counters(napi_env env, napi_callback_info info) {
  ARGS(1);
  handle *h = get_handle(env, argv[0]);
  if (!h) return NULL;
  tp_router_counters c;
  tp_router_counters_get(h->r, &c);
  napi_value o;
  napi_create_object(env, &o);
  const struct {
    const char *name;
    uint64_t v;
  } f[] = {
      {"rtpIn", c.rtp_in}, {"rtpOut", c.rtp_out}, {"bytesIn", c.bytes_in}, {"bytesOut", c.bytes_out},
      {"rtcpIn", c.rtcp_in}, {"rtcpOut", c.rtcp_out}, {"nacksSent", c.nacks_sent}, {"nacksReceived", c.nacks_received},
      {"retransmits", c.retransmits}, {"plis", c.plis}, {"droppedUnknown", c.dropped_unknown},
      {"droppedMalformed", c.dropped_malformed}, {"unwanted", c.unwanted}, {"rtxOverBudget", c.rtx_over_budget}, {"twccFeedback", c.twcc_feedback}, {"twccReported", c.twcc_reported}, {"temporalDropped", c.temporal_dropped}, {"outDropped", h->out.dropped}, {"eventsLost", h->ev.lost},
  };
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) napi_set_named_property(env, o, f[i].name, num(env, (double)f[i].v));
  return o;
}

void tp_router_register(napi_env env, napi_value exports) {
  const napi_property_descriptor fns[] = {
      {"routerNew", NULL, router_new, NULL, NULL, NULL, napi_default, NULL},
      {"routerConnAdd", NULL, router_conn_add, NULL, NULL, NULL, napi_default, NULL},
      {"routerConnSet", NULL, router_conn_set, NULL, NULL, NULL, napi_default, NULL},
      {"routerUpAdd", NULL, router_up_add, NULL, NULL, NULL, napi_default, NULL},
      {"routerDownAdd", NULL, router_down_add, NULL, NULL, NULL, napi_default, NULL},
      {"routerDownTarget", NULL, router_down_target, NULL, NULL, NULL, napi_default, NULL},
      {"routerDownTemporal", NULL, router_down_temporal, NULL, NULL, NULL, napi_default, NULL},
      {"routerRemove", NULL, router_remove, NULL, NULL, NULL, napi_default, NULL},
      {"routerRequestKeyframe", NULL, router_request_keyframe, NULL, NULL, NULL, napi_default, NULL},
      {"routerSetAudioThreshold", NULL, router_set_audio_threshold, NULL, NULL, NULL, napi_default, NULL},
      {"routerRtp", NULL, router_rtp, NULL, NULL, NULL, napi_default, NULL},
      {"routerRtcp", NULL, router_rtcp, NULL, NULL, NULL, napi_default, NULL},
      {"routerTick", NULL, router_tick, NULL, NULL, NULL, napi_default, NULL},
      {"routerCounters", NULL, router_counters, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
}
