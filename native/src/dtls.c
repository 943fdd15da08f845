/*
 * The DTLS engine (RFC 6347) for TURN's DTLS client transport (RFC 8656 §3.1, coturn's DTLS
 * listeners): OpenSSL sessions over memory, with no socket of their own. JavaScript owns the
 * UDP sockets (either data plane) and the session table; it feeds each datagram here and sends
 * what comes back. One call per datagram, on the JavaScript thread.
 *
 * - dtlsListen answers a ClientHello without a valid cookie with a HelloVerifyRequest and keeps
 *   nothing (RFC 6347 §4.2.1, DTLSv1_listen); only a ClientHello that echoes the cookie becomes
 *   a session. The cookie is an HMAC-SHA256 over the client's address and port under a secret
 *   JavaScript rotates (the previous secret is still accepted).
 * - Each session reads from a memory BIO and writes through a BIO that keeps datagram
 *   boundaries, so a flight larger than the path MTU leaves as several datagrams.
 *
 * OpenSSL is the one the Node binary carries and exports: built against the system headers
 * (libssl-dev), never linked against a second copy. Without the headers (TP_HAVE_OPENSSL unset
 * by scripts/build-native.mjs) the addon exports only `dtlsUnavailable`, the reason.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdlib.h>
#include <string.h>

#include "dtls-record.h"
#include "dtls.h"

#ifndef TP_HAVE_OPENSSL

void tp_dtls_register(napi_env env, napi_value exports) {
  napi_value why;
  napi_create_string_utf8(env, "the native addon was built without OpenSSL's headers: install libssl-dev and rebuild it (node scripts/build-native.mjs)", NAPI_AUTO_LENGTH, &why);
  napi_set_named_property(env, exports, "dtlsUnavailable", why);
}

#else

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>

#include "dtls-internal.h"

int tp_dtls_secrets_index = -1;
static BIO_METHOD *out_method = NULL;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void free_secrets(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
  if (ptr) OPENSSL_cleanse(ptr, sizeof(tp_dtls_secrets));
  free(ptr);
}

/* --- the datagram-keeping write BIO ------------------------------------------------------ */

static int out_write(BIO *b, const char *data, int n) {
  tp_dtls_out *o = BIO_get_data(b);
  if (!o || n < 0 || n > 65535) return -1;
  size_t need = o->len + 2 + (size_t)n;
  if (need > o->cap) {
    size_t cap = o->cap ? o->cap : 2048;
    while (cap < need) cap *= 2;
    uint8_t *grown = realloc(o->bytes, cap);
    if (!grown) return -1;
    o->bytes = grown;
    o->cap = cap;
  }
  o->bytes[o->len] = (uint8_t)(n >> 8);
  o->bytes[o->len + 1] = (uint8_t)n;
  memcpy(o->bytes + o->len + 2, data, (size_t)n);
  o->len = need;
  return n;
}

static long out_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)b, (void)num, (void)ptr;
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING: return 0;
    /* The MTU is set on the session (SSL_OP_NO_QUERY_MTU); nothing to learn from a socket. */
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: return 0;
    default: return 0;
  }
}

static int out_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static void init_once(void) {
  tp_dtls_secrets_index = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, NULL, NULL, NULL, free_secrets);
  out_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "turnpike dtls datagrams");
  if (out_method) {
    BIO_meth_set_write(out_method, out_write);
    BIO_meth_set_ctrl(out_method, out_ctrl);
    BIO_meth_set_create(out_method, out_create);
  }
}

/* --- cookies (RFC 6347 §4.2.1) ----------------------------------------------------------- */

static int cookie_for(const uint8_t *secret, const tp_dtls_peer *peer, unsigned char *cookie, unsigned int *len) {
  return HMAC(EVP_sha256(), secret, TP_DTLS_SECRET, (const unsigned char *)peer->text, peer->len, cookie, len) != NULL;
}

int tp_dtls_generate_cookie(SSL *ssl, unsigned char *cookie, unsigned int *len) {
  tp_dtls_secrets *s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tp_dtls_secrets_index);
  const tp_dtls_peer *peer = SSL_get_app_data(ssl);
  return s && peer && cookie_for(s->secret, peer, cookie, len);
}

int tp_dtls_verify_cookie(SSL *ssl, const unsigned char *cookie, unsigned int len) {
  tp_dtls_secrets *s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tp_dtls_secrets_index);
  const tp_dtls_peer *peer = SSL_get_app_data(ssl);
  if (!s || !peer) return 0;
  unsigned char want[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (cookie_for(s->secret, peer, want, &n) && n == len && CRYPTO_memcmp(want, cookie, n) == 0) return 1;
  return s->has_previous && cookie_for(s->previous, peer, want, &n) && n == len && CRYPTO_memcmp(want, cookie, n) == 0;
}

/* --- Node-API helpers --------------------------------------------------------------------- */

void tp_dtls_throw_ssl(napi_env env, const char *what) {
  char msg[400];
  unsigned long e = ERR_get_error();
  char reason[256] = "OpenSSL does not accept it";
  if (e) ERR_error_string_n(e, reason, sizeof reason);
  ERR_clear_error();
  snprintf(msg, sizeof msg, "%s: %s", what, reason);
  napi_value code, text, error;
  napi_create_string_utf8(env, "TURNPIKE_ERR_DTLS", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_throw(env, error);
}

int tp_dtls_get_string(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t n;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return -1;
  if (napi_get_value_string_utf8(env, v, buf, cap, &n) != napi_ok || n + 1 >= cap) return -1;
  return 0;
}

int tp_dtls_get_bytes(napi_env env, napi_value v, const uint8_t **p, size_t *n) {
  void *data;
  if (napi_get_typedarray_info(env, v, NULL, n, &data, NULL, NULL) != napi_ok) return -1;
  *p = data;
  return 0;
}

int tp_dtls_set_peer(napi_env env, napi_value ip, napi_value port, tp_dtls_peer *peer) {
  char text[64];
  int64_t p;
  if (tp_dtls_get_string(env, ip, text, sizeof text) || napi_get_value_int64(env, port, &p) != napi_ok || p < 0 || p > 65535) return -1;
  int n = snprintf(peer->text, sizeof peer->text, "%s|%d", text, (int)p);
  peer->len = n > 0 ? (size_t)n : 0;
  return 0;
}

/* The datagrams gathered in `o` as an array of Buffers; `o` emptied. */
napi_value tp_dtls_take_out(napi_env env, tp_dtls_out *o) {
  napi_value arr, buf;
  uint32_t count = 0;
  napi_create_array(env, &arr);
  for (size_t i = 0; i + 2 <= o->len;) {
    size_t n = ((size_t)o->bytes[i] << 8) | o->bytes[i + 1];
    void *copy;
    if (i + 2 + n > o->len) break;
    if (napi_create_buffer_copy(env, n, o->bytes + i + 2, &copy, &buf) == napi_ok) napi_set_element(env, arr, count++, buf);
    i += 2 + n;
  }
  o->len = 0;
  return arr;
}

SSL_CTX *tp_dtls_ctx_arg(napi_env env, napi_value v) {
  SSL_CTX *ctx = NULL;
  if (napi_get_value_external(env, v, (void **)&ctx) != napi_ok || !ctx) napi_throw_type_error(env, "TURNPIKE_ERR_DTLS", "expected a DTLS context");
  return ctx;
}

tp_dtls_session *tp_dtls_session_arg(napi_env env, napi_value v) {
  tp_dtls_session *s = NULL;
  if (napi_get_value_external(env, v, (void **)&s) != napi_ok || !s) napi_throw_type_error(env, "TURNPIKE_ERR_DTLS", "expected a DTLS session");
  return s;
}

void tp_dtls_finalize_ctx(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  SSL_CTX_free(data);
}

void tp_dtls_free_session_ssl(tp_dtls_session *s) {
  if (s->ssl) SSL_free(s->ssl); /* frees both BIOs */
  s->ssl = NULL;
  s->rbio = NULL;
}

void tp_dtls_finalize_session(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  tp_dtls_session *s = data;
  tp_dtls_free_session_ssl(s);
  free(s->out.bytes);
  free(s);
}

/* Makes the process-wide pieces once (the ex-data slot, the BIO method); 0 when they exist. */
int tp_dtls_init(void) {
  pthread_once(&once, init_once);
  return tp_dtls_secrets_index >= 0 && out_method != NULL ? 0 : -1;
}

BIO *tp_dtls_out_bio(tp_dtls_out *o) {
  BIO *b = BIO_new(out_method);
  if (b) BIO_set_data(b, o);
  return b;
}

#endif
