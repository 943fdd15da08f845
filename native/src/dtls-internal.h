/*
 * What the DTLS engine's two files share (built only with OpenSSL's headers): the session and
 * context records, the datagram-keeping BIO, the cookie callbacks and Node-API helpers.
 */
#ifndef TP_DTLS_INTERNAL_H
#define TP_DTLS_INTERNAL_H

#include <node_api.h>
#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#define TP_DTLS_SECRET 32
/* The path MTU assumed for handshake flights: what fits the IPv6 minimum link (RFC 8200 §5). */
#define TP_DTLS_MTU 1200
/* The largest plaintext one record carries (RFC 6347 §4.1). */
#define TP_DTLS_MAX_PLAIN 16384

/* What a context keeps beside its SSL_CTX (freed with it, through its ex-data slot). */
typedef struct {
  uint8_t secret[TP_DTLS_SECRET];
  uint8_t previous[TP_DTLS_SECRET];
  int has_previous;
} tp_dtls_secrets;

/* Datagrams written by OpenSSL: u16 length + bytes each, in order. */
typedef struct {
  uint8_t *bytes;
  size_t len, cap;
} tp_dtls_out;

/* The client address a cookie is bound to: "ip|port" text. */
typedef struct {
  char text[80];
  size_t len;
} tp_dtls_peer;

typedef struct {
  SSL *ssl; /* NULL once closed */
  BIO *rbio;
  tp_dtls_out out;
  tp_dtls_peer peer;
} tp_dtls_session;


extern int tp_dtls_secrets_index;

int tp_dtls_init(void);
BIO *tp_dtls_out_bio(tp_dtls_out *o);
int tp_dtls_generate_cookie(SSL *ssl, unsigned char *cookie, unsigned int *len);
int tp_dtls_verify_cookie(SSL *ssl, const unsigned char *cookie, unsigned int len);
void tp_dtls_throw_ssl(napi_env env, const char *what);
int tp_dtls_get_string(napi_env env, napi_value v, char *buf, size_t cap);
int tp_dtls_get_bytes(napi_env env, napi_value v, const uint8_t **p, size_t *n);
int tp_dtls_set_peer(napi_env env, napi_value ip, napi_value port, tp_dtls_peer *peer);
napi_value tp_dtls_take_out(napi_env env, tp_dtls_out *o);
SSL_CTX *tp_dtls_ctx_arg(napi_env env, napi_value v);
tp_dtls_session *tp_dtls_session_arg(napi_env env, napi_value v);
void tp_dtls_finalize_ctx(napi_env env, void *data, void *hint);
void tp_dtls_free_session_ssl(tp_dtls_session *s);
void tp_dtls_finalize_session(napi_env env, void *data, void *hint);

#endif
