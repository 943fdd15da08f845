/*
 * A DTLS-SRTP connection (RFC 5764) over memory: see dtls-srtp.h. The handshake runs as the
 * SDP's a=setup decided (RFC 5763 §5: the active side is the DTLS client), accepts the peer's
 * certificate only if its fingerprint is the SDP's (RFC 8122 §5), and on completion derives the
 * SRTP master keys from the TLS exporter (RFC 5705, RFC 5764 §4.2). Records that do not parse
 * as DTLS never reach OpenSSL; records OpenSSL cannot authenticate it drops (RFC 6347
 * §4.1.2.7). Every call leaves OpenSSL's per-thread error queue empty: Node's TLS shares it.
 */
#ifdef TP_HAVE_OPENSSL
#define NAPI_VERSION 8
#include "dtls-srtp.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "../dtls-record.h"

const char tp_dtls_srtp_bad_fingerprint[] = "the remote fingerprint is not \"sha-256 AB:CD:…\" (RFC 8122 §5; sha-1, sha-384 and sha-512 also)";

static tp_dtls_srtp_counters counters;

static void count(uint64_t *c) { __atomic_fetch_add(c, 1, __ATOMIC_RELAXED); }

void tp_dtls_srtp_get_counters(tp_dtls_srtp_counters *out) {
  out->handshakes = __atomic_load_n(&counters.handshakes, __ATOMIC_RELAXED);
  out->failures = __atomic_load_n(&counters.failures, __ATOMIC_RELAXED);
  out->bad_records = __atomic_load_n(&counters.bad_records, __ATOMIC_RELAXED);
}

const char *tp_dtls_srtp_state_name(tp_dtls_srtp_state s) {
  switch (s) {
    case TP_DTLS_SRTP_NEW: return "new";
    case TP_DTLS_SRTP_HANDSHAKING: return "handshaking";
    case TP_DTLS_SRTP_CONNECTED: return "connected";
    case TP_DTLS_SRTP_FAILED: return "failed";
    case TP_DTLS_SRTP_CLOSED: return "closed";
  }
  return "failed";
}

/* The session goes (both BIOs with it); what it already wrote stays in c->out to be sent. */
static void drop_ssl(tp_dtls_srtp_conn *c, tp_dtls_srtp_state state) {
  SSL_free(c->ssl);
  c->ssl = NULL;
  c->rbio = NULL;
  c->state = state;
  if (c->keys_ready) OPENSSL_cleanse(&c->keys, sizeof c->keys);
  c->keys_ready = 0;
}

static void fail(tp_dtls_srtp_conn *c, const char *reason) {
  snprintf(c->reason, sizeof c->reason, "%s", reason);
  count(&counters.failures);
  drop_ssl(c, TP_DTLS_SRTP_FAILED);
}

/* A failed OpenSSL call: the mismatch it stopped at, or OpenSSL's own reason (an alert's name). */
static void fail_ssl(tp_dtls_srtp_conn *c, const char *what, int ssl_error) {
  char reason[TP_DTLS_SRTP_REASON];
  unsigned long e = ERR_peek_last_error();
  const char *text = e ? ERR_reason_error_string(e) : NULL;
  if (c->mismatch)
    snprintf(reason, sizeof reason, "%s: the peer's certificate does not match the fingerprint in its SDP (RFC 8122 §5)", what);
  else if (text)
    snprintf(reason, sizeof reason, "%s: %s", what, text);
  else
    snprintf(reason, sizeof reason, "%s: OpenSSL error %d", what, ssl_error);
  fail(c, reason);
}

/* More output than a few flights means something is wrong; it is not kept. */
static void bound_out(tp_dtls_srtp_conn *c) {
  if (c->out.len <= TP_DTLS_SRTP_MAX_OUT) return;
  c->out.len = 0;
  if (c->ssl) fail(c, "more than 64 KiB of output waiting to be sent");
}

/* RFC 5764 §4.1.2, RFC 7714 §12: master key and salt lengths by profile. */
static int profile_lengths(unsigned long id, size_t *key, size_t *salt) {
  switch (id) {
    case SRTP_AES128_CM_SHA1_80:
    case SRTP_AES128_CM_SHA1_32: *key = 16, *salt = 14; return 0;
    case SRTP_AEAD_AES_128_GCM: *key = 16, *salt = 12; return 0;
    case SRTP_AEAD_AES_256_GCM: *key = 32, *salt = 12; return 0;
    default: return -1;
  }
}

/*
 * RFC 5764 §4.2: the exporter ("EXTRACTOR-dtls_srtp", no context) yields client_write_key |
 * server_write_key | client_write_salt | server_write_salt. The client encrypts with the
 * client's, the server with the server's.
 */
static int derive_keys(tp_dtls_srtp_conn *c) {
  static const char label[] = "EXTRACTOR-dtls_srtp";
  SRTP_PROTECTION_PROFILE *p = SSL_get_selected_srtp_profile(c->ssl);
  tp_dtls_srtp_keys *k = &c->keys;
  if (!p || profile_lengths(p->id, &k->key_len, &k->salt_len) != 0) return -1;
  uint8_t m[2 * (TP_DTLS_SRTP_MAX_KEY + TP_DTLS_SRTP_MAX_SALT)];
  size_t kl = k->key_len, sl = k->salt_len;
  if (SSL_export_keying_material(c->ssl, m, 2 * (kl + sl), label, sizeof label - 1, NULL, 0, 0) != 1) return -1;
  int client = c->role == TP_DTLS_SRTP_CLIENT;
  const uint8_t *ck = m, *sk = m + kl, *cs = m + 2 * kl, *ss = m + 2 * kl + sl;
  memcpy(k->local_key, client ? ck : sk, kl);
  memcpy(k->remote_key, client ? sk : ck, kl);
  memcpy(k->local_salt, client ? cs : ss, sl);
  memcpy(k->remote_salt, client ? ss : cs, sl);
  k->profile = (int)p->id;
  OPENSSL_cleanse(m, sizeof m);
  return 0;
}

/* The handshake finished: the certificate checked once more, then the keys. */
static void handshake_done(tp_dtls_srtp_conn *c) {
  if (!tp_dtls_srtp_matches(c, SSL_get0_peer_certificate(c->ssl))) {
    c->mismatch = 1;
    fail_ssl(c, "DTLS handshake", 0);
    return;
  }
  if (derive_keys(c) != 0) {
    /* RFC 5764 §4.1.1: without a negotiated profile there is no SRTP to key. */
    fail(c, "DTLS handshake: no SRTP protection profile was negotiated (RFC 5764 §4.1.2)");
    return;
  }
  c->state = TP_DTLS_SRTP_CONNECTED;
  c->keys_ready = 1;
  count(&counters.handshakes);
}

static void handshake(tp_dtls_srtp_conn *c) {
  int r = SSL_do_handshake(c->ssl);
  if (r == 1) {
    handshake_done(c);
    return;
  }
  int e = SSL_get_error(c->ssl, r);
  if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) fail_ssl(c, "DTLS handshake", e);
}

/* Application records of the datagram just written in, until it is used up. */
static void read_records(tp_dtls_srtp_conn *c, tp_dtls_srtp_app_fn app, void *arg) {
  uint8_t buf[TP_DTLS_MAX_PLAIN];
  for (;;) {
    int r = SSL_read(c->ssl, buf, sizeof buf);
    if (r > 0) {
      if (app) app(arg, buf, (size_t)r);
      continue;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
    if (e == SSL_ERROR_ZERO_RETURN) {
      /* RFC 5246 §7.2.1: close_notify received; ours answers it. */
      SSL_shutdown(c->ssl);
      drop_ssl(c, TP_DTLS_SRTP_CLOSED);
      return;
    }
    fail_ssl(c, "DTLS", e);
    return;
  }
}

tp_dtls_srtp_conn *tp_dtls_srtp_conn_new(const tp_dtls_srtp_cert *cert, tp_dtls_srtp_role role, const char *fingerprint, const char **why) {
  *why = "OpenSSL could not make a session";
  tp_dtls_srtp_conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (tp_dtls_srtp_parse_fingerprint(fingerprint, &c->md, c->expected, &c->expected_len) != 0) {
    *why = tp_dtls_srtp_bad_fingerprint;
    free(c);
    return NULL;
  }
  c->role = role;
  c->ssl = tp_dtls_init() == 0 ? SSL_new(cert->ctx) : NULL;
  c->rbio = BIO_new(BIO_s_mem());
  BIO *wbio = tp_dtls_out_bio(&c->out);
  if (!c->ssl || !c->rbio || !wbio) {
    SSL_free(c->ssl);
    BIO_free(c->rbio);
    BIO_free(wbio);
    free(c);
    return NULL; /* OpenSSL's error queue says why */
  }
  BIO_set_mem_eof_return(c->rbio, -1); /* empty means "wait for more", not end of stream */
  SSL_set_bio(c->ssl, c->rbio, wbio);
  SSL_set_app_data(c->ssl, c);
  /* Handshake flights are cut to the IPv6 minimum link (RFC 8200 §5) less headers. */
  DTLS_set_link_mtu(c->ssl, TP_DTLS_MTU);
  if (role == TP_DTLS_SRTP_CLIENT)
    SSL_set_connect_state(c->ssl);
  else
    SSL_set_accept_state(c->ssl);
  ERR_clear_error();
  return c;
}

void tp_dtls_srtp_conn_free(tp_dtls_srtp_conn *c) {
  if (!c) return;
  SSL_free(c->ssl);
  OPENSSL_cleanse(&c->keys, sizeof c->keys);
  free(c->out.bytes);
  free(c);
}

void tp_dtls_srtp_start(tp_dtls_srtp_conn *c) {
  if (!c->ssl || c->state != TP_DTLS_SRTP_NEW) return;
  ERR_clear_error();
  c->state = TP_DTLS_SRTP_HANDSHAKING;
  handshake(c); /* the client's ClientHello; nothing yet from the server */
  bound_out(c);
  ERR_clear_error();
}

void tp_dtls_srtp_feed(tp_dtls_srtp_conn *c, const uint8_t *p, size_t n, tp_dtls_srtp_app_fn app, void *arg) {
  if (!c->ssl) return; /* failed or closed: nothing more is read */
  if (c->state == TP_DTLS_SRTP_NEW) {
    /* A server starts on its first ClientHello; a client not yet started has nothing to read. */
    if (c->role == TP_DTLS_SRTP_CLIENT) return;
    c->state = TP_DTLS_SRTP_HANDSHAKING;
  }
  tp_dtls_scan scan;
  if (n > INT_MAX || tp_dtls_scan_datagram(p, n, &scan) != TP_DTLS_OK) {
    count(&counters.bad_records);
    return;
  }
  ERR_clear_error();
  if (BIO_write(c->rbio, p, (int)n) != (int)n) {
    ERR_clear_error();
    return;
  }
  if (c->state == TP_DTLS_SRTP_HANDSHAKING) handshake(c);
  if (c->state == TP_DTLS_SRTP_CONNECTED) read_records(c, app, arg);
  /* A datagram is read whole or not at all (RFC 6347 §4.1.2.7): nothing carries over. */
  if (c->rbio) (void)BIO_reset(c->rbio);
  bound_out(c);
  ERR_clear_error();
}

void tp_dtls_srtp_write(tp_dtls_srtp_conn *c, const uint8_t *p, size_t n) {
  if (!c->ssl || c->state != TP_DTLS_SRTP_CONNECTED || n == 0 || n > TP_DTLS_MAX_PLAIN) return;
  ERR_clear_error();
  int r = SSL_write(c->ssl, p, (int)n);
  if (r <= 0) {
    int e = SSL_get_error(c->ssl, r);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) fail_ssl(c, "DTLS write", e);
  }
  bound_out(c);
  ERR_clear_error();
}

void tp_dtls_srtp_handle_timeout(tp_dtls_srtp_conn *c) {
  if (!c->ssl || c->state == TP_DTLS_SRTP_NEW) return;
  ERR_clear_error();
  /* RFC 6347 §4.2.4: the last flight again, its timer doubled; too many and it gives up. */
  if (DTLSv1_handle_timeout(c->ssl) < 0) fail_ssl(c, "DTLS handshake timed out", 0);
  bound_out(c);
  ERR_clear_error();
}

long tp_dtls_srtp_timeout_ms(const tp_dtls_srtp_conn *c) {
  struct timeval tv;
  if (!c->ssl || c->state == TP_DTLS_SRTP_NEW || DTLSv1_get_timeout(c->ssl, &tv) != 1) return -1;
  return (long)tv.tv_sec * 1000 + ((long)tv.tv_usec + 999) / 1000;
}

void tp_dtls_srtp_close(tp_dtls_srtp_conn *c) {
  if (!c->ssl) return;
  ERR_clear_error();
  /* RFC 5246 §7.2.1: close_notify; a handshake not finished is just dropped. */
  if (c->state == TP_DTLS_SRTP_CONNECTED) SSL_shutdown(c->ssl);
  drop_ssl(c, TP_DTLS_SRTP_CLOSED);
  bound_out(c);
  ERR_clear_error();
}

int tp_dtls_srtp_take_keys(tp_dtls_srtp_conn *c, tp_dtls_srtp_keys *out) {
  if (!c->keys_ready) return 0;
  *out = c->keys;
  OPENSSL_cleanse(&c->keys, sizeof c->keys);
  c->keys_ready = 0;
  return 1;
}

#else
typedef int tp_dtls_srtp_unused;
#endif
