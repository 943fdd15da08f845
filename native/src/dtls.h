/*
 * The DTLS engine's Node-API surface (dtls.c, dtls-napi.c): added to the addon's exports.
 */
#ifndef TP_DTLS_H
#define TP_DTLS_H

#include <node_api.h>

/* Adds the dtls* functions to `exports`, or `dtlsUnavailable` (the reason) without OpenSSL. */
void tp_dtls_register(napi_env env, napi_value exports);

#endif
