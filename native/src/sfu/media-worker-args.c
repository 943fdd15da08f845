/*
 * The media worker's arguments from JavaScript (media-worker-napi.c): numbers, strings, bytes,
 * addresses, SRTP keys and the router's specs (router.h fields in camelCase, as
 * src/sfu/native/router-spec.ts types them). Each returns 0, or -1 for an argument that is not
 * what the call takes; nothing here throws.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "media-worker-args.h"

static int str_arg(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t n;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return -1;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok || n >= cap) return -1;
  return napi_get_value_string_utf8(env, v, buf, cap, &n) == napi_ok ? 0 : -1;
}

/* Optional number fields: -1 when present but not a non-negative integer up to `max`. */
static int opt_u32(napi_env env, napi_value obj, const char *name, uint32_t max, uint32_t *out) {
  napi_value v;
  if (!tp_mwa_prop(env, obj, name, &v)) return 0;
  return tp_mwa_u32_arg(env, v, out) == 0 && *out <= max ? 0 : -1;
}

static int opt_u8(napi_env env, napi_value obj, const char *name, uint8_t *out) {
  uint32_t v = *out;
  if (opt_u32(env, obj, name, 0xFF, &v)) return -1;
  *out = (uint8_t)v;
  return 0;
}

static int opt_str(napi_env env, napi_value obj, const char *name, char *buf, size_t cap) {
  napi_value v;
  if (!tp_mwa_prop(env, obj, name, &v)) return 0;
  return str_arg(env, v, buf, cap);
}

/* A map given as a plain object or an array (key → byte), keys below `n`; absent keys keep `table`'s value. */
static int opt_map(napi_env env, napi_value obj, const char *name, uint8_t *table, uint32_t n) {
  napi_value m;
  if (!tp_mwa_prop(env, obj, name, &m)) return 0;
  napi_valuetype t;
  if (napi_typeof(env, m, &t) != napi_ok || t != napi_object) return -1;
  for (uint32_t k = 0; k < n; k++) {
    napi_value v;
    if (napi_get_element(env, m, k, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok) return -1;
    if (t == napi_undefined) continue;
    uint32_t x;
    if (tp_mwa_u32_arg(env, v, &x) || x > 0xFF) return -1;
    table[k] = (uint8_t)x;
  }
  return 0;
}

/* An IP literal and port as a socket address; 0 on success. */
static int parse_sa(const char *ip, uint32_t port, struct sockaddr_storage *sa, socklen_t *len) {
  memset(sa, 0, sizeof *sa);
  if (port > 65535) return -1;
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

int tp_mwa_u32_arg(napi_env env, napi_value v, uint32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return -1;
  double d;
  napi_get_value_double(env, v, &d);
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) return -1;
  *out = (uint32_t)d;
  return 0;
}

int tp_mwa_bytes_arg(napi_env env, napi_value v, const uint8_t **data, size_t *len) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return -1;
  napi_typedarray_type type;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) return -1;
  *data = p;
  return 0;
}

/* A property that is there and not undefined; 1 when found. */
int tp_mwa_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  napi_valuetype t;
  if (napi_get_named_property(env, obj, name, out) != napi_ok || napi_typeof(env, *out, &t) != napi_ok) return 0;
  return t != napi_undefined;
}

int tp_mwa_address_args(napi_env env, napi_value ip, napi_value port, struct sockaddr_storage *sa, socklen_t *len) {
  char text[64];
  uint32_t p;
  return str_arg(env, ip, text, sizeof text) || tp_mwa_u32_arg(env, port, &p) || parse_sa(text, p, sa, len) ? -1 : 0;
}

/* Keys from an object; 1 when keys were given, 0 when none (no profile, or a profile without
 * localKey: waiting for DTLS), -1 when they are malformed. */
int tp_mwa_keys_arg(napi_env env, napi_value obj, tp_mw_keys *k, int required) {
  memset(k, 0, sizeof *k);
  napi_value v;
  if (!tp_mwa_prop(env, obj, "profile", &v)) return required ? -1 : 0;
  uint32_t profile;
  if (tp_mwa_u32_arg(env, v, &profile) || profile > 0xFFFF) return -1;
  k->profile = (int)profile;
  if (profile == TP_MW_PROFILE_PLAIN) return 1;
  if (!required && !tp_mwa_prop(env, obj, "localKey", &v)) return 0;
  napi_value lk, ls, rk, rs;
  if (!tp_mwa_prop(env, obj, "localKey", &lk) || !tp_mwa_prop(env, obj, "localSalt", &ls) || !tp_mwa_prop(env, obj, "remoteKey", &rk) || !tp_mwa_prop(env, obj, "remoteSalt", &rs)) return -1;
  if (tp_mwa_bytes_arg(env, lk, &k->local_key, &k->local_key_len) || tp_mwa_bytes_arg(env, ls, &k->local_salt, &k->local_salt_len) || tp_mwa_bytes_arg(env, rk, &k->remote_key, &k->remote_key_len) ||
      tp_mwa_bytes_arg(env, rs, &k->remote_salt, &k->remote_salt_len))
    return -1;
  return 1;
}

/* The fields given replace those of `s`; the others stay. */
int tp_mwa_conn_spec_arg(napi_env env, napi_value o, tp_conn_spec *s) {
  return opt_u8(env, o, "extMid", &s->ext_mid) || opt_u8(env, o, "extRid", &s->ext_rid) || opt_u8(env, o, "extRepairedRid", &s->ext_repaired_rid) ||
                 opt_u8(env, o, "extAudioLevel", &s->ext_audio_level) || opt_u8(env, o, "extTransportCc", &s->ext_transport_cc) ||
                 opt_u8(env, o, "extAbsSendTime", &s->ext_abs_send_time) || opt_u32(env, o, "rtcpSsrc", 0xFFFFFFFFu, &s->rtcp_ssrc)
             ? -1
             : 0;
}

int tp_mwa_up_spec_arg(napi_env env, napi_value o, tp_up_spec *s) {
  memset(s, 0, sizeof *s);
  memset(s->codec_of_pt, 0xff, sizeof s->codec_of_pt);
  napi_value v, e;
  bool video = false;
  if (opt_u32(env, o, "conn", 0xFFFFFFFFu, &s->conn) || opt_str(env, o, "mid", s->mid, sizeof s->mid) || opt_map(env, o, "codecOfPt", s->codec_of_pt, 128) ||
      opt_u32(env, o, "clockRate", 0xFFFFFFFFu, &s->clock_rate) || opt_u32(env, o, "maxBitrate", 0xFFFFFFFFu, &s->max_bitrate))
    return -1;
  uint32_t history = 0;
  if (opt_u32(env, o, "history", 0xFFFF, &history)) return -1;
  s->history = (uint16_t)history;
  if (tp_mwa_prop(env, o, "video", &v) && napi_get_value_bool(env, v, &video) != napi_ok) return -1;
  s->video = video ? 1 : 0;
  uint32_t n;
  if (tp_mwa_prop(env, o, "rids", &v)) {
    if (napi_get_array_length(env, v, &n) != napi_ok || n > TP_ROUTER_MAX_LAYERS) return -1;
    for (uint32_t i = 0; i < n; i++) {
      if (napi_get_element(env, v, i, &e) != napi_ok || str_arg(env, e, s->rids[i], sizeof s->rids[i])) return -1;
    }
  }
  if (tp_mwa_prop(env, o, "ssrcs", &v)) {
    if (napi_get_array_length(env, v, &n) != napi_ok || n > TP_ROUTER_MAX_LAYERS) return -1;
    for (uint32_t i = 0; i < n; i++) {
      if (napi_get_element(env, v, i, &e) != napi_ok || tp_mwa_u32_arg(env, e, &s->ssrcs[i])) return -1;
    }
  }
  return 0;
}

int tp_mwa_down_spec_arg(napi_env env, napi_value o, tp_down_spec *s) {
  memset(s, 0, sizeof *s);
  memset(s->pt_of_pt, 0xff, sizeof s->pt_of_pt);
  uint32_t first_seq = 0, history = 0;
  if (opt_u32(env, o, "conn", 0xFFFFFFFFu, &s->conn) || opt_u32(env, o, "up", 0xFFFFFFFFu, &s->up) || opt_u32(env, o, "ssrc", 0xFFFFFFFFu, &s->ssrc) ||
      opt_map(env, o, "ptOfPt", s->pt_of_pt, 128) || opt_map(env, o, "extOfExt", s->ext_of_ext, 256) || opt_u8(env, o, "extTransportCc", &s->ext_transport_cc) ||
      opt_u32(env, o, "firstSeq", 0xFFFF, &first_seq) || opt_u32(env, o, "firstTs", 0xFFFFFFFFu, &s->first_ts) || opt_u32(env, o, "history", 0xFFFF, &history) ||
      opt_str(env, o, "cname", s->cname, sizeof s->cname))
    return -1;
  s->first_seq = (uint16_t)first_seq;
  s->history = (uint16_t)history;
  return 0;
}
