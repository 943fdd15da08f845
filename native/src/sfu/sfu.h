/*
 * The SFU's native media path (docs/sfu.md, "The native media path"): SRTP (srtp.c), DTLS-SRTP
 * endpoints (dtls-srtp.c), the media router (router.c) and the media worker that runs it on
 * its own thread (media-worker.c). Each part adds its
 * functions to the addon's exports through its register function; addon.c calls them all.
 */
#ifndef TP_SFU_H
#define TP_SFU_H

#include <node_api.h>

void tp_srtp_register(napi_env env, napi_value exports);
void tp_dtls_srtp_register(napi_env env, napi_value exports);
void tp_router_register(napi_env env, napi_value exports);
void tp_media_worker_register(napi_env env, napi_value exports);

#endif
