/*
 * The DTLS-SRTP endpoints (dtls-srtp.c) as JavaScript sees them:
 *
 *   dtlsSrtpCertificate()                            → { handle, fingerprint: 'sha-256 AB:…' }
 *   dtlsSrtpConnection(cert, 'client'|'server', remoteFingerprint) → connection
 *   dtlsSrtpStart(conn) / dtlsSrtpFeed(conn, datagram) / dtlsSrtpWrite(conn, data) /
 *   dtlsSrtpHandleTimeout(conn) / dtlsSrtpClose(conn) → result
 *   dtlsSrtpTimeout(conn)                            → ms until retransmission, or -1
 *     (call dtlsSrtpHandleTimeout when it has passed; before then it does nothing)
 *   dtlsSrtpCounters()                               → { handshakes, failures, badRecords }
 *
 * A result is { out: Buffer[], app: Buffer[], state, error?, srtp? }: the datagrams to send in
 * order, the application data received, the state after the call, why it failed, and the SRTP
 * keying on the one call that completed the handshake. Bad arguments throw TypeError; nothing a
 * peer sends throws. Without OpenSSL's headers only `dtlsSrtpUnavailable` (the reason) is there.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include "sfu.h"

#ifndef TP_HAVE_OPENSSL

void tp_dtls_srtp_register(napi_env env, napi_value exports) {
  napi_value why;
  napi_create_string_utf8(env, "the native addon was built without OpenSSL's headers: install libssl-dev and rebuild it (node scripts/build-native.mjs)", NAPI_AUTO_LENGTH, &why);
  napi_set_named_property(env, exports, "dtlsSrtpUnavailable", why);
}

#else

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "dtls-srtp.h"

#define CODE "TURNPIKE_ERR_DTLS_SRTP"

/* Tags that keep a certificate from being taken for a connection, or anything else. */
static const napi_type_tag CERT_TAG = { 0x7475726e70696b65ULL, 0x64746c7363657274ULL };
static const napi_type_tag CONN_TAG = { 0x7475726e70696b65ULL, 0x64746c73636f6e6eULL };

static int args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != n) {
    napi_throw_type_error(env, CODE, usage);
    return -1;
  }
  return 0;
}

static void *tagged(napi_env env, napi_value v, const napi_type_tag *tag, const char *usage) {
  bool ok = false;
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_check_object_type_tag(env, v, tag, &ok) != napi_ok || !ok ||
      napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, CODE, usage);
    return NULL;
  }
  return p;
}

/* A Buffer or Uint8Array. */
static int bytes(napi_env env, napi_value v, const uint8_t **p, size_t *n) {
  bool is = false;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is || napi_get_typedarray_info(env, v, &type, n, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) return -1;
  *p = *n ? data : (const uint8_t *)"";
  return 0;
}

static napi_value buffer(napi_env env, const uint8_t *p, size_t n) {
  napi_value b;
  void *copy;
  if (napi_create_buffer_copy(env, n, p, &copy, &b) != napi_ok) napi_get_undefined(env, &b);
  return b;
}

static void set(napi_env env, napi_value obj, const char *name, napi_value v) { napi_set_named_property(env, obj, name, v); }

static void set_int(napi_env env, napi_value obj, const char *name, int64_t v) {
  napi_value n;
  napi_create_int64(env, v, &n);
  set(env, obj, name, n);
}

static void set_str(napi_env env, napi_value obj, const char *name, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  set(env, obj, name, v);
}

/* Application records, gathered into an array as they are read. */
typedef struct {
  napi_env env;
  napi_value arr;
  uint32_t count;
} app_sink;

static void on_app(void *arg, const uint8_t *p, size_t n) {
  app_sink *s = arg;
  napi_set_element(s->env, s->arr, s->count++, buffer(s->env, p, n));
}

static app_sink new_sink(napi_env env) {
  app_sink s = { env, NULL, 0 };
  napi_create_array(env, &s.arr);
  return s;
}

static napi_value result(napi_env env, tp_dtls_srtp_conn *c, app_sink *app) {
  napi_value r;
  napi_create_object(env, &r);
  set(env, r, "out", tp_dtls_take_out(env, &c->out));
  set(env, r, "app", app->arr);
  set_str(env, r, "state", tp_dtls_srtp_state_name(c->state));
  if (c->state == TP_DTLS_SRTP_FAILED) set_str(env, r, "error", c->reason);
  tp_dtls_srtp_keys k;
  if (tp_dtls_srtp_take_keys(c, &k)) {
    napi_value srtp;
    napi_create_object(env, &srtp);
    set_int(env, srtp, "profile", k.profile);
    set(env, srtp, "localKey", buffer(env, k.local_key, k.key_len));
    set(env, srtp, "localSalt", buffer(env, k.local_salt, k.salt_len));
    set(env, srtp, "remoteKey", buffer(env, k.remote_key, k.key_len));
    set(env, srtp, "remoteSalt", buffer(env, k.remote_salt, k.salt_len));
    OPENSSL_cleanse(&k, sizeof k);
    set(env, r, "srtp", srtp);
  }
  return r;
}

static void finalize_cert(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  tp_dtls_srtp_cert_free(data);
}

static void finalize_conn(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  tp_dtls_srtp_conn_free(data);
}

static napi_value certificate(napi_env env, napi_callback_info info) {
  (void)info;
  tp_dtls_srtp_cert *c = tp_dtls_srtp_cert_new();
  if (!c) {
    tp_dtls_throw_ssl(env, "DTLS-SRTP certificate");
    return NULL;
  }
  napi_value handle, out;
  if (napi_create_external(env, c, finalize_cert, NULL, &handle) != napi_ok) {
    tp_dtls_srtp_cert_free(c);
    return NULL;
  }
  napi_type_tag_object(env, handle, &CERT_TAG);
  napi_create_object(env, &out);
  set(env, out, "handle", handle);
  set_str(env, out, "fingerprint", c->fingerprint);
  return out;
}

static napi_value connection(napi_env env, napi_callback_info info) {
  static const char usage[] = "dtlsSrtpConnection(certificate handle, 'client' | 'server', remote fingerprint 'sha-256 AB:…')";
  napi_value argv[3];
  char role[8], fp[TP_DTLS_SRTP_FINGERPRINT_TEXT];
  if (args(env, info, 3, argv, usage)) return NULL;
  tp_dtls_srtp_cert *cert = tagged(env, argv[0], &CERT_TAG, usage);
  if (!cert) return NULL;
  if (tp_dtls_get_string(env, argv[1], role, sizeof role) || (strcmp(role, "client") && strcmp(role, "server")) ||
      tp_dtls_get_string(env, argv[2], fp, sizeof fp)) {
    napi_throw_type_error(env, CODE, usage);
    return NULL;
  }
  const char *why = NULL;
  tp_dtls_srtp_conn *c = tp_dtls_srtp_conn_new(cert, strcmp(role, "client") ? TP_DTLS_SRTP_SERVER : TP_DTLS_SRTP_CLIENT, fp, &why);
  if (!c) {
    if (why == tp_dtls_srtp_bad_fingerprint)
      napi_throw_type_error(env, CODE, why);
    else
      tp_dtls_throw_ssl(env, why);
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, c, finalize_conn, NULL, &handle) != napi_ok) {
    tp_dtls_srtp_conn_free(c);
    return NULL;
  }
  napi_type_tag_object(env, handle, &CONN_TAG);
  return handle;
}

/* The connection argument of the one-argument calls; NULL after throwing. */
static tp_dtls_srtp_conn *conn_arg(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  if (args(env, info, n, argv, usage)) return NULL;
  return tagged(env, argv[0], &CONN_TAG, usage);
}

static napi_value start(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tp_dtls_srtp_conn *c = conn_arg(env, info, 1, argv, "dtlsSrtpStart(connection)");
  if (!c) return NULL;
  app_sink app = new_sink(env);
  tp_dtls_srtp_start(c);
  return result(env, c, &app);
}

static napi_value feed(napi_env env, napi_callback_info info) {
  static const char usage[] = "dtlsSrtpFeed(connection, datagram: Buffer)";
  napi_value argv[2];
  const uint8_t *p;
  size_t n;
  tp_dtls_srtp_conn *c = conn_arg(env, info, 2, argv, usage);
  if (!c) return NULL;
  if (bytes(env, argv[1], &p, &n)) {
    napi_throw_type_error(env, CODE, usage);
    return NULL;
  }
  app_sink app = new_sink(env);
  tp_dtls_srtp_feed(c, p, n, on_app, &app);
  return result(env, c, &app);
}

static napi_value write_app(napi_env env, napi_callback_info info) {
  static const char usage[] = "dtlsSrtpWrite(connection, data: Buffer of at most 16384 bytes)";
  napi_value argv[2];
  const uint8_t *p;
  size_t n;
  tp_dtls_srtp_conn *c = conn_arg(env, info, 2, argv, usage);
  if (!c) return NULL;
  if (bytes(env, argv[1], &p, &n) || n > TP_DTLS_MAX_PLAIN) {
    napi_throw_type_error(env, CODE, usage);
    return NULL;
  }
  app_sink app = new_sink(env);
  tp_dtls_srtp_write(c, p, n);
  return result(env, c, &app);
}

static napi_value handle_timeout(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tp_dtls_srtp_conn *c = conn_arg(env, info, 1, argv, "dtlsSrtpHandleTimeout(connection)");
  if (!c) return NULL;
  app_sink app = new_sink(env);
  tp_dtls_srtp_handle_timeout(c);
  return result(env, c, &app);
}

static napi_value close_conn(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tp_dtls_srtp_conn *c = conn_arg(env, info, 1, argv, "dtlsSrtpClose(connection)");
  if (!c) return NULL;
  app_sink app = new_sink(env);
  tp_dtls_srtp_close(c);
  return result(env, c, &app);
}

static napi_value timeout(napi_env env, napi_callback_info info) {
  napi_value argv[1], ms;
  tp_dtls_srtp_conn *c = conn_arg(env, info, 1, argv, "dtlsSrtpTimeout(connection)");
  if (!c) return NULL;
  napi_create_int64(env, tp_dtls_srtp_timeout_ms(c), &ms);
  return ms;
}

static napi_value get_counters(napi_env env, napi_callback_info info) {
  (void)info;
  tp_dtls_srtp_counters k;
  tp_dtls_srtp_get_counters(&k);
  napi_value out;
  napi_create_object(env, &out);
  set_int(env, out, "handshakes", (int64_t)k.handshakes);
  set_int(env, out, "failures", (int64_t)k.failures);
  set_int(env, out, "badRecords", (int64_t)k.bad_records);
  return out;
}

void tp_dtls_srtp_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "dtlsSrtpCertificate", NULL, certificate, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSrtpConnection", NULL, connection, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSrtpStart", NULL, start, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSrtpFeed", NULL, feed, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSrtpWrite", NULL, write_app, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSrtpHandleTimeout", NULL, handle_timeout, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSrtpClose", NULL, close_conn, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSrtpTimeout", NULL, timeout, NULL, NULL, NULL, napi_default, NULL },
    { "dtlsSrtpCounters", NULL, get_counters, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

#endif
