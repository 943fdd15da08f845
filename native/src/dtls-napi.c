/*
 * The DTLS engine's functions as JavaScript sees them (see dtls.c for the design):
 *
 *   dtlsContext(cert, pkey, pkeyPwd, cipherList, caFile, ecCurve, secret) → context
 *   dtlsSetSecret(context, secret)                 a new cookie secret; the last one still verifies
 *   dtlsListen(context, ip, port, datagram)        → [status, session | null, datagrams out]
 *   dtlsFeed(session, datagram)                    → [state, datagrams out, application records]
 *   dtlsWrite(session, bytes)                      → datagrams out (one record)
 *   dtlsTimer(session)                             → datagrams out (a flight retransmitted)
 *   dtlsClose(session, notify)                     → datagrams out (close_notify), then freed
 *   dtlsInfo(session)                              → "DTLSv1.2 <cipher>"
 *
 * Every call leaves OpenSSL's per-thread error queue empty: Node's own TLS shares it.
 */
#ifdef TP_HAVE_OPENSSL
#define NAPI_VERSION 8
#include <node_api.h>

#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "dtls-internal.h"
#include "dtls-record.h"
#include "dtls.h"

#define ARGS(n)                                                                                  \
  size_t argc = (n);                                                                             \
  napi_value argv[(n)];                                                                          \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != (n)) {           \
    napi_throw_type_error(env, "TURNPIKE_ERR_DTLS", "wrong number of arguments");                \
    return NULL;                                                                                 \
  }

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value triple(napi_env env, napi_value a, napi_value b, napi_value c) {
  napi_value out;
  napi_create_array_with_length(env, 3, &out);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  napi_set_element(env, out, 2, c);
  return out;
}

/* Certificate, key, ciphers, groups and client verification, as coturn's set_ctx does. */
static int configure_ctx(SSL_CTX *ctx, const char *cert, const char *key, char *pass, const char *ciphers, const char *ca, const char *curve, const char **what) {
  /* DTLS 1.2 (RFC 6347) is the floor: DTLS 1.0 rests on TLS 1.1's weak constructions. */
  if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION)) return *what = "DTLS 1.2", -1;
  SSL_CTX_set_default_passwd_cb_userdata(ctx, pass[0] ? pass : NULL);
  int ok = SSL_CTX_use_certificate_chain_file(ctx, cert) == 1;
  if (!ok) return *what = "cert", -1;
  ok = SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
  if (!ok) return *what = "pkey", -1;
  if (ciphers[0] && SSL_CTX_set_cipher_list(ctx, ciphers) != 1) return *what = "cipher-list", -1;
  if (curve[0] && SSL_CTX_set1_groups_list(ctx, curve) != 1) return *what = "ec-curve-name", -1;
  if (ca[0]) {
    /* coturn: with a CA file, a client must present a certificate that chains to it. */
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) return *what = "CA-file", -1;
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE, NULL);
    SSL_CTX_set_verify_depth(ctx, 9);
  }
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_cookie_generate_cb(ctx, tp_dtls_generate_cookie);
  SSL_CTX_set_cookie_verify_cb(ctx, tp_dtls_verify_cookie);
  return 0;
}

static napi_value dtls_context(napi_env env, napi_callback_info info) {
  ARGS(7);
  static char cert[4096], key[4096], pass[1024], ciphers[4096], ca[4096], curve[512];
  const uint8_t *secret;
  size_t secret_len;
  if (tp_dtls_get_string(env, argv[0], cert, sizeof cert) || tp_dtls_get_string(env, argv[1], key, sizeof key) || tp_dtls_get_string(env, argv[2], pass, sizeof pass) ||
      tp_dtls_get_string(env, argv[3], ciphers, sizeof ciphers) || tp_dtls_get_string(env, argv[4], ca, sizeof ca) || tp_dtls_get_string(env, argv[5], curve, sizeof curve) ||
      tp_dtls_get_bytes(env, argv[6], &secret, &secret_len) || secret_len != TP_DTLS_SECRET) {
    napi_throw_type_error(env, "TURNPIKE_ERR_DTLS", "dtlsContext(cert, pkey, pkeyPwd, cipherList, caFile, ecCurve: strings; secret: 32 bytes)");
    return NULL;
  }
  if (tp_dtls_init() != 0) {
    tp_dtls_throw_ssl(env, "DTLS engine");
    return NULL;
  }
  SSL_CTX *ctx = SSL_CTX_new(DTLS_server_method());
  tp_dtls_secrets *s = calloc(1, sizeof *s);
  const char *what = "context";
  if (!ctx || !s || SSL_CTX_set_ex_data(ctx, tp_dtls_secrets_index, s) != 1) {
    free(s);
    SSL_CTX_free(ctx);
    tp_dtls_throw_ssl(env, what);
    return NULL;
  }
  memcpy(s->secret, secret, TP_DTLS_SECRET);
  int bad = configure_ctx(ctx, cert, key, pass, ciphers, ca, curve, &what);
  OPENSSL_cleanse(pass, sizeof pass);
  if (bad) {
    SSL_CTX_free(ctx);
    tp_dtls_throw_ssl(env, what);
    return NULL;
  }
  napi_value out;
  if (napi_create_external(env, ctx, tp_dtls_finalize_ctx, NULL, &out) != napi_ok) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  return out;
}

static napi_value dtls_set_secret(napi_env env, napi_callback_info info) {
  ARGS(2);
  SSL_CTX *ctx = tp_dtls_ctx_arg(env, argv[0]);
  const uint8_t *secret;
  size_t n;
  if (!ctx) return NULL;
  if (tp_dtls_get_bytes(env, argv[1], &secret, &n) || n != TP_DTLS_SECRET) {
    napi_throw_type_error(env, "TURNPIKE_ERR_DTLS", "dtlsSetSecret(context, 32 bytes)");
    return NULL;
  }
  tp_dtls_secrets *s = SSL_CTX_get_ex_data(ctx, tp_dtls_secrets_index);
  memcpy(s->previous, s->secret, TP_DTLS_SECRET);
  s->has_previous = 1;
  memcpy(s->secret, secret, TP_DTLS_SECRET);
  return NULL;
}

/* A fresh session over memory BIOs, not yet holding anything JavaScript can reach. */
static tp_dtls_session *new_session(SSL_CTX *ctx) {
  tp_dtls_session *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->ssl = SSL_new(ctx);
  s->rbio = BIO_new(BIO_s_mem());
  BIO *wbio = tp_dtls_out_bio(&s->out);
  if (!s->ssl || !s->rbio || !wbio) {
    SSL_free(s->ssl);
    BIO_free(s->rbio);
    BIO_free(wbio);
    free(s);
    return NULL;
  }
  BIO_set_mem_eof_return(s->rbio, -1); /* empty means "wait for more", not end of stream */
  SSL_set_bio(s->ssl, s->rbio, wbio);
  SSL_set_app_data(s->ssl, &s->peer);
  SSL_set_options(s->ssl, SSL_OP_COOKIE_EXCHANGE | SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(s->ssl, TP_DTLS_MTU);
  SSL_set_accept_state(s->ssl);
  return s;
}

static void drop_session(tp_dtls_session *s) {
  tp_dtls_free_session_ssl(s);
  free(s->out.bytes);
  free(s);
}

/* A handshake step: 0 going on or done, -1 failed (an alert may be in s->out). */
static int step(tp_dtls_session *s) {
  if (SSL_is_init_finished(s->ssl)) return 0;
  int r = SSL_do_handshake(s->ssl);
  if (r == 1) return 0;
  int e = SSL_get_error(s->ssl, r);
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

/*
 * RFC 6347 §4.2.1: a ClientHello from an address with no session. Without a valid cookie it
 * gets a HelloVerifyRequest and nothing is kept; with one, the session starts.
 */
static napi_value dtls_listen(napi_env env, napi_callback_info info) {
  ARGS(4);
  SSL_CTX *ctx = tp_dtls_ctx_arg(env, argv[0]);
  const uint8_t *p;
  size_t n;
  tp_dtls_peer peer;
  napi_value nul, empty;
  if (!ctx) return NULL;
  if (tp_dtls_set_peer(env, argv[1], argv[2], &peer) || tp_dtls_get_bytes(env, argv[3], &p, &n)) {
    napi_throw_type_error(env, "TURNPIKE_ERR_DTLS", "dtlsListen(context, ip, port, datagram)");
    return NULL;
  }
  napi_get_null(env, &nul);
  napi_create_array(env, &empty);
  tp_dtls_scan scan;
  tp_dtls_scan_status st = tp_dtls_scan_datagram(p, n, &scan);
  if (st != TP_DTLS_OK) return triple(env, str(env, tp_dtls_scan_name(st)), nul, empty);
  if (!scan.client_hello) return triple(env, str(env, "not-client-hello"), nul, empty);
  tp_dtls_session *s = new_session(ctx);
  if (!s) {
    ERR_clear_error();
    return triple(env, str(env, "no-memory"), nul, empty);
  }
  s->peer = peer;
  BIO_write(s->rbio, p, (int)n);
  BIO_ADDR *addr = BIO_ADDR_new();
  int r = addr ? DTLSv1_listen(s->ssl, addr) : -1;
  BIO_ADDR_free(addr);
  if (r <= 0) {
    /* RFC 6347 §4.2.1: the HelloVerifyRequest goes out; no state stays behind. */
    int answered = s->out.len > 0;
    napi_value out = tp_dtls_take_out(env, &s->out);
    drop_session(s);
    ERR_clear_error();
    return triple(env, str(env, answered ? "verify" : "refused"), nul, out);
  }
  int failed = step(s) != 0;
  napi_value out = tp_dtls_take_out(env, &s->out);
  ERR_clear_error();
  if (failed) {
    drop_session(s);
    return triple(env, str(env, "handshake-failed"), nul, out);
  }
  napi_value session;
  if (napi_create_external(env, s, tp_dtls_finalize_session, NULL, &session) != napi_ok) {
    drop_session(s);
    return NULL;
  }
  return triple(env, str(env, "accepted"), session, out);
}

/* Application records of the datagram just written into the session; its state. */
static const char *read_records(napi_env env, tp_dtls_session *s, napi_value app) {
  uint8_t buf[TP_DTLS_MAX_PLAIN];
  uint32_t count = 0;
  for (;;) {
    int r = SSL_read(s->ssl, buf, sizeof buf);
    if (r > 0) {
      napi_value b;
      void *copy;
      if (napi_create_buffer_copy(env, (size_t)r, buf, &copy, &b) == napi_ok) napi_set_element(env, app, count++, b);
      continue;
    }
    int e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return "established";
    /* RFC 5246 §7.2.1: close_notify from the client. */
    if (e == SSL_ERROR_ZERO_RETURN) return "closed";
    return "failed";
  }
}

static napi_value dtls_feed(napi_env env, napi_callback_info info) {
  ARGS(2);
  tp_dtls_session *s = tp_dtls_session_arg(env, argv[0]);
  const uint8_t *p;
  size_t n;
  if (!s) return NULL;
  if (tp_dtls_get_bytes(env, argv[1], &p, &n)) {
    napi_throw_type_error(env, "TURNPIKE_ERR_DTLS", "dtlsFeed(session, datagram)");
    return NULL;
  }
  napi_value app;
  napi_create_array(env, &app);
  if (!s->ssl) return triple(env, str(env, "closed"), tp_dtls_take_out(env, &s->out), app);
  tp_dtls_scan scan;
  if (tp_dtls_scan_datagram(p, n, &scan) != TP_DTLS_OK) return triple(env, str(env, "malformed"), tp_dtls_take_out(env, &s->out), app);
  BIO_write(s->rbio, p, (int)n);
  const char *state = "handshaking";
  if (step(s) != 0) state = "failed";
  else if (SSL_is_init_finished(s->ssl)) state = read_records(env, s, app);
  /* A datagram is read whole or not at all (RFC 6347 §4.1.2.7): nothing carries over. */
  (void)BIO_reset(s->rbio);
  ERR_clear_error();
  return triple(env, str(env, state), tp_dtls_take_out(env, &s->out), app);
}

static napi_value dtls_write(napi_env env, napi_callback_info info) {
  ARGS(2);
  tp_dtls_session *s = tp_dtls_session_arg(env, argv[0]);
  const uint8_t *p;
  size_t n;
  if (!s) return NULL;
  if (tp_dtls_get_bytes(env, argv[1], &p, &n) || n > TP_DTLS_MAX_PLAIN) {
    napi_throw_type_error(env, "TURNPIKE_ERR_DTLS", "dtlsWrite(session, up to 16384 bytes)");
    return NULL;
  }
  if (s->ssl && SSL_is_init_finished(s->ssl) && n > 0) SSL_write(s->ssl, p, (int)n);
  ERR_clear_error();
  return tp_dtls_take_out(env, &s->out);
}

static napi_value dtls_timer(napi_env env, napi_callback_info info) {
  ARGS(1);
  tp_dtls_session *s = tp_dtls_session_arg(env, argv[0]);
  if (!s) return NULL;
  /* RFC 6347 §4.2.4: a flight not answered in time is sent again. */
  if (s->ssl && !SSL_is_init_finished(s->ssl)) DTLSv1_handle_timeout(s->ssl);
  ERR_clear_error();
  return tp_dtls_take_out(env, &s->out);
}

static napi_value dtls_close(napi_env env, napi_callback_info info) {
  ARGS(2);
  tp_dtls_session *s = tp_dtls_session_arg(env, argv[0]);
  bool notify = false;
  if (!s) return NULL;
  napi_get_value_bool(env, argv[1], &notify);
  /* RFC 5246 §7.2.1: close_notify before the session goes. */
  if (s->ssl && notify && SSL_is_init_finished(s->ssl)) SSL_shutdown(s->ssl);
  napi_value out = tp_dtls_take_out(env, &s->out);
  tp_dtls_free_session_ssl(s);
  ERR_clear_error();
  return out;
}

static napi_value dtls_info(napi_env env, napi_callback_info info) {
  ARGS(1);
  tp_dtls_session *s = tp_dtls_session_arg(env, argv[0]);
  if (!s) return NULL;
  char text[160] = "closed";
  if (s->ssl) snprintf(text, sizeof text, "%s %s", SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl));
  return str(env, text);
}

void tp_dtls_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "dtlsContext", NULL, dtls_context, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSetSecret", NULL, dtls_set_secret, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsListen", NULL, dtls_listen, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsFeed", NULL, dtls_feed, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsWrite", NULL, dtls_write, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsTimer", NULL, dtls_timer, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsClose", NULL, dtls_close, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsInfo", NULL, dtls_info, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
#else
/* Built without OpenSSL's headers: dtls.c exports the reason instead. */
typedef int tp_dtls_napi_unused;
#endif
