/*
 * The DTLS-SRTP certificate and its context (RFC 5763 §5): an ECDSA P-256 key and a
 * self-signed X.509 certificate made here, identified to the peer only by its fingerprint in
 * the SDP (RFC 8122 §5), and the one SSL_CTX that presents it, configured for DTLS 1.2 with the
 * use_srtp extension (RFC 5764 §4.1). Also the fingerprint helpers the connection checks with.
 */
#ifdef TP_HAVE_OPENSSL
#define NAPI_VERSION 8
#include "dtls-srtp.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* What browsers offer for DTLS 1.2, ECDSA first (our certificate is ECDSA; RSA for peers' RSA). */
static const char CIPHERS[] =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
  "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
  "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA";
/* RFC 5764 §4.1.2 / RFC 7714 §14.2, in order of preference. */
static const char SRTP_PROFILES[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";

/* RFC 8122 §5 hash function names (RFC 4572's table), case-insensitive. */
const EVP_MD *tp_dtls_srtp_md(const char *name, size_t len) {
  static const struct {
    const char *name;
    const EVP_MD *(*md)(void);
  } known[] = { { "sha-1", EVP_sha1 }, { "sha-256", EVP_sha256 }, { "sha-384", EVP_sha384 }, { "sha-512", EVP_sha512 } };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strlen(known[i].name) == len && strncasecmp(known[i].name, name, len) == 0) return known[i].md();
  return NULL;
}

static int hex_digit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/*
 * RFC 8122 §5: `hash-func SP fingerprint`, the fingerprint as upper- (or lower-) case hex pairs
 * joined by ':'. 0 with the digest and its length, -1 when it does not parse.
 */
int tp_dtls_srtp_parse_fingerprint(const char *text, const EVP_MD **md, uint8_t *out, unsigned *out_len) {
  const char *sp = strchr(text, ' ');
  if (!sp) return -1;
  *md = tp_dtls_srtp_md(text, (size_t)(sp - text));
  if (!*md) return -1;
  const char *p = sp;
  while (*p == ' ') p++;
  size_t want = (size_t)EVP_MD_get_size(*md), n = 0;
  for (;;) {
    int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
    if (lo < 0 || n == want) return -1;
    out[n++] = (uint8_t)(hi << 4 | lo);
    p += 2;
    if (*p == ':') {
      p++;
      continue;
    }
    while (isspace((unsigned char)*p)) p++;
    if (*p != '\0' || n != want) return -1;
    *out_len = (unsigned)n;
    return 0;
  }
}

/* Whether `cert`'s digest under the connection's hash is the one the SDP gave. */
int tp_dtls_srtp_matches(const tp_dtls_srtp_conn *c, const X509 *cert) {
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  return cert && X509_digest(cert, c->md, md, &n) == 1 && n == c->expected_len && CRYPTO_memcmp(md, c->expected, n) == 0;
}

/*
 * RFC 5763 §5: certificates are self-signed, so the chain proves nothing; what counts is that
 * the end-entity certificate is the one whose fingerprint the SDP carried. A mismatch ends the
 * handshake with a bad_certificate alert.
 */
static int verify(int preverified, X509_STORE_CTX *store) {
  (void)preverified;
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  tp_dtls_srtp_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;
  if (!c) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  if (tp_dtls_srtp_matches(c, X509_STORE_CTX_get_current_cert(store))) return 1;
  c->mismatch = 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

/* CN "turnpike", a random positive 64-bit serial, valid from a day ago for 30 days. */
static X509 *self_signed(EVP_PKEY *key) {
  X509 *x = X509_new();
  uint64_t serial = 0;
  if (!x || RAND_bytes((unsigned char *)&serial, sizeof serial) != 1) goto fail;
  if (serial == 0) serial = 1;
  X509_NAME *name = X509_get_subject_name(x);
  if (X509_set_version(x, X509_VERSION_3) != 1 || ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1 ||
      !X509_gmtime_adj(X509_getm_notBefore(x), -24L * 3600) || !X509_gmtime_adj(X509_getm_notAfter(x), 29L * 24 * 3600) ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"turnpike", -1, -1, 0) != 1 ||
      X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1 || X509_sign(x, key, EVP_sha256()) <= 0)
    goto fail;
  return x;
fail:
  X509_free(x);
  return NULL;
}

/* "sha-256 AB:CD:…" (RFC 8122 §5, upper-case hex). */
static int fingerprint_text(X509 *x, char *out, size_t cap) {
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  if (X509_digest(x, EVP_sha256(), md, &n) != 1 || 8 + 3 * (size_t)n > cap) return -1;
  size_t o = (size_t)snprintf(out, cap, "sha-256 ");
  for (unsigned i = 0; i < n; i++) o += (size_t)snprintf(out + o, cap - o, i ? ":%02X" : "%02X", md[i]);
  return 0;
}

/* DTLS 1.2 only, browsers' ciphers, use_srtp, a peer certificate required in both roles. */
static SSL_CTX *new_ctx(X509 *x, EVP_PKEY *key) {
  SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
  if (!ctx) return NULL;
  int ok = SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1 && SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) == 1 &&
           SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1 &&
           SSL_CTX_set_cipher_list(ctx, CIPHERS) == 1 && SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") == 1 &&
           SSL_CTX_set_tlsext_use_srtp(ctx, SRTP_PROFILES) == 0; /* 0 is success here */
  if (!ok) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify);
  /* One datagram in, whole: no read-ahead. No cookie exchange: ICE (RFC 8445) proved the address.
   * The MTU is set, not asked of a socket. No resumption or renegotiation: each association gets
   * fresh keys from a full handshake that shows the certificate. */
  SSL_CTX_set_read_ahead(ctx, 0);
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

tp_dtls_srtp_cert *tp_dtls_srtp_cert_new(void) {
  if (tp_dtls_init() != 0) return NULL;
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *x = key ? self_signed(key) : NULL;
  SSL_CTX *ctx = x ? new_ctx(x, key) : NULL;
  tp_dtls_srtp_cert *c = ctx ? calloc(1, sizeof *c) : NULL;
  if (c && fingerprint_text(x, c->fingerprint, sizeof c->fingerprint) == 0) {
    c->ctx = ctx;
  } else {
    free(c);
    c = NULL;
    SSL_CTX_free(ctx);
  }
  X509_free(x); /* the context holds its own references */
  EVP_PKEY_free(key);
  return c;
}

void tp_dtls_srtp_cert_free(tp_dtls_srtp_cert *c) {
  if (!c) return;
  SSL_CTX_free(c->ctx); /* reference-counted: connections made from it keep it */
  free(c);
}

#else
typedef int tp_dtls_srtp_cert_unused;
#endif
