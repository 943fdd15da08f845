/*
 * What the media worker's two Node-API files share (media-worker-napi.c: life, drain, datagrams,
 * counters; media-worker-napi-control.c: the rooms' decisions).
 */
#ifndef TP_MEDIA_WORKER_NAPI_H
#define TP_MEDIA_WORKER_NAPI_H

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include "media-worker.h"

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

/* The handle an external holds; NULL (a TypeError thrown) for anything else. */
mw_handle *tp_mwn_handle(napi_env env, napi_value v);
napi_value tp_mwn_num(napi_env env, double d);
/* Defines media-worker-napi-control.c's calls on `exports`. */
void tp_mwn_register_control(napi_env env, napi_value exports);

#endif
