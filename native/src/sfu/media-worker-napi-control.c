/*
 * The media worker's Node-API calls that tell its router and connection table what the rooms
 * decided (media-worker-napi.c has the worker's life, its drain, its datagrams and counters):
 *
 *   mediaWorkerConnAdd / ConnSetAddress / ConnSpec / ConnKeys / ConnRemove
 *   mediaWorkerUpAdd / UpRemove, mediaWorkerDownAdd / DownRemove / DownTarget / DownTemporal / DownSet
 *   mediaWorkerConnRtxRate, mediaWorkerRequestKeyframe, mediaWorkerSetAudioThreshold
 *
 * Each returns a code (0, or a negative TP_ROUTER_ERR_* / TP_MW_ERR_*) and throws a TypeError
 * for arguments of the wrong kind.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "media-worker-args.h"
#include "media-worker-napi.h"
#include "media-worker.h"

/* --- connections ------------------------------------------------------------------------------- */

static napi_value conn_add(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerConnAdd(handle, id, spec)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
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
  return tp_mwn_num(env, tp_mw_conn_add(h->w, id, has_addr ? &sa : NULL, salen, has_keys ? &keys : NULL, &spec));
}

static napi_value conn_set_address(napi_env env, napi_callback_info info) {
  ARGS(4, "mediaWorkerConnSetAddress(handle, id, address, port)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  struct sockaddr_storage sa;
  socklen_t salen;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_address_args(env, argv[2], argv[3], &sa, &salen)) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnSetAddress(handle, id, IP literal, port)");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_conn_set_address(h->w, id, &sa, salen));
}

static napi_value conn_spec(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerConnSpec(handle, id, spec)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_conn_spec spec;
  if (tp_mwa_u32_arg(env, argv[1], &id)) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnSpec(handle, id, { ext*?, rtcpSsrc? })");
    return NULL;
  }
  int r = tp_mw_conn_get_spec(h->w, id, &spec);
  if (r != TP_ROUTER_OK) return tp_mwn_num(env, r);
  if (tp_mwa_conn_spec_arg(env, argv[2], &spec)) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnSpec(handle, id, { ext*?, rtcpSsrc? })");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_conn_set_spec(h->w, id, &spec));
}

static napi_value conn_keys(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerConnKeys(handle, id, keys)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_mw_keys keys;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_keys_arg(env, argv[2], &keys, 1) != 1) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnKeys(handle, id, { profile, localKey, localSalt, remoteKey, remoteSalt })");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_conn_keys(h->w, id, &keys));
}

/* (handle, id) calls: remove a connection, an up-stream or a down-track. */
static napi_value by_id(napi_env env, napi_callback_info info, int (*fn)(tp_media_worker *, uint32_t), const char *usage) {
  ARGS(2, usage);
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  if (tp_mwa_u32_arg(env, argv[1], &id)) {
    napi_throw_type_error(env, ERR, usage);
    return NULL;
  }
  return tp_mwn_num(env, fn(h->w, id));
}

static napi_value conn_remove(napi_env env, napi_callback_info info) { return by_id(env, info, tp_mw_conn_remove, "mediaWorkerConnRemove(handle, id)"); }
static napi_value up_remove(napi_env env, napi_callback_info info) { return by_id(env, info, tp_mw_up_remove, "mediaWorkerUpRemove(handle, id)"); }
static napi_value down_remove(napi_env env, napi_callback_info info) { return by_id(env, info, tp_mw_down_remove, "mediaWorkerDownRemove(handle, id)"); }

/* --- up-streams and down-tracks (router.h) ---------------------------------------------------- */

static napi_value up_add(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerUpAdd(handle, id, spec)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_up_spec spec;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_up_spec_arg(env, argv[2], &spec)) {
    napi_throw_type_error(env, ERR, "mediaWorkerUpAdd(handle, id, { conn, video, mid, rids?, ssrcs?, codecOfPt, clockRate, history, maxBitrate? })");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_up_add(h->w, id, &spec));
}

/* mediaWorkerDownAdd and mediaWorkerDownSet: (handle, id, down spec). */
static napi_value with_down_spec(napi_env env, napi_callback_info info, int (*fn)(tp_media_worker *, uint32_t, const tp_down_spec *), const char *name) {
  char usage[160];
  snprintf(usage, sizeof usage, "%s(handle, id, { conn, up, ssrc, ptOfPt, extOfExt?, extTransportCc?, firstSeq, firstTs, history, cname })", name);
  ARGS(3, usage);
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id;
  tp_down_spec spec;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_down_spec_arg(env, argv[2], &spec)) {
    napi_throw_type_error(env, ERR, usage);
    return NULL;
  }
  return tp_mwn_num(env, fn(h->w, id, &spec));
}

static napi_value down_add(napi_env env, napi_callback_info info) { return with_down_spec(env, info, tp_mw_down_add, "mediaWorkerDownAdd"); }
static napi_value down_set(napi_env env, napi_callback_info info) { return with_down_spec(env, info, tp_mw_down_set, "mediaWorkerDownSet"); }

static napi_value conn_rtx_rate(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerConnRtxRate(handle, id, bps)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id, bps;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_u32_arg(env, argv[2], &bps)) {
    napi_throw_type_error(env, ERR, "mediaWorkerConnRtxRate(handle, id, bps: 0 for no limit)");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_conn_rtx_rate(h->w, id, bps));
}

static napi_value down_target(napi_env env, napi_callback_info info) {
  ARGS(4, "mediaWorkerDownTarget(handle, id, layer, paused)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id, layer;
  bool paused;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_u32_arg(env, argv[2], &layer) || layer >= TP_ROUTER_MAX_LAYERS || napi_get_value_bool(env, argv[3], &paused) != napi_ok) {
    napi_throw_type_error(env, ERR, "mediaWorkerDownTarget(handle, id, layer 0-2, paused: boolean)");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_down_target(h->w, id, (uint8_t)layer, paused ? 1 : 0));
}

static napi_value down_temporal(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerDownTemporal(handle, id, tidMax)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id, tid;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_u32_arg(env, argv[2], &tid) || tid > 3) {
    napi_throw_type_error(env, ERR, "mediaWorkerDownTemporal(handle, id, tidMax 0-3)");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_down_temporal(h->w, id, (uint8_t)tid));
}

static napi_value request_keyframe(napi_env env, napi_callback_info info) {
  ARGS(3, "mediaWorkerRequestKeyframe(handle, up, layer)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t id, layer;
  if (tp_mwa_u32_arg(env, argv[1], &id) || tp_mwa_u32_arg(env, argv[2], &layer) || layer >= TP_ROUTER_MAX_LAYERS) {
    napi_throw_type_error(env, ERR, "mediaWorkerRequestKeyframe(handle, up, layer 0-2)");
    return NULL;
  }
  return tp_mwn_num(env, tp_mw_request_keyframe(h->w, id, (uint8_t)layer));
}

static napi_value set_audio_threshold(napi_env env, napi_callback_info info) {
  ARGS(2, "mediaWorkerSetAudioThreshold(handle, level)");
  mw_handle *h = tp_mwn_handle(env, argv[0]);
  if (!h) return NULL;
  uint32_t level;
  if (tp_mwa_u32_arg(env, argv[1], &level) || level > 127) {
    napi_throw_type_error(env, ERR, "mediaWorkerSetAudioThreshold(handle, level 0-127)");
    return NULL;
  }
  tp_mw_set_audio_threshold(h->w, (uint8_t)level);
  return NULL;
}

void tp_mwn_register_control(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "mediaWorkerConnAdd", NULL, conn_add, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnSetAddress", NULL, conn_set_address, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnSpec", NULL, conn_spec, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnKeys", NULL, conn_keys, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnRemove", NULL, conn_remove, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerUpAdd", NULL, up_add, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerUpRemove", NULL, up_remove, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownAdd", NULL, down_add, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownRemove", NULL, down_remove, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownTarget", NULL, down_target, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownTemporal", NULL, down_temporal, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerDownSet", NULL, down_set, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerConnRtxRate", NULL, conn_rtx_rate, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerRequestKeyframe", NULL, request_keyframe, NULL, NULL, NULL, napi_default, NULL },
    { "mediaWorkerSetAudioThreshold", NULL, set_audio_threshold, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
