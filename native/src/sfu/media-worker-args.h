/*
 * Reading the media worker's JavaScript arguments (media-worker-args.c). Each returns 0, or -1
 * when the value is not what the call takes (the caller throws a TypeError naming the call).
 */
#ifndef TP_MEDIA_WORKER_ARGS_H
#define TP_MEDIA_WORKER_ARGS_H

#include <node_api.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media-worker.h"

/* A non-negative integer up to 2^32-1. */
int tp_mwa_u32_arg(napi_env env, napi_value v, uint32_t *out);
/* A Uint8Array (a Buffer is one): its bytes, borrowed for the call. */
int tp_mwa_bytes_arg(napi_env env, napi_value v, const uint8_t **data, size_t *len);
/* A property that is there and not undefined: 1 when found, else 0. */
int tp_mwa_prop(napi_env env, napi_value obj, const char *name, napi_value *out);
/* An IP literal and a port as a socket address. */
int tp_mwa_address_args(napi_env env, napi_value ip, napi_value port, struct sockaddr_storage *sa, socklen_t *len);
/* { profile, localKey, localSalt, remoteKey, remoteSalt }: 1 when keys were given, 0 when none
 * (no profile, or a profile other than 0 without localKey, unless `required`), -1 when malformed. */
int tp_mwa_keys_arg(napi_env env, napi_value obj, tp_mw_keys *k, int required);
/* The fields given replace those of `s`; the others stay. */
int tp_mwa_conn_spec_arg(napi_env env, napi_value o, tp_conn_spec *s);
int tp_mwa_up_spec_arg(napi_env env, napi_value o, tp_up_spec *s);
int tp_mwa_down_spec_arg(napi_env env, napi_value o, tp_down_spec *s);

#endif
