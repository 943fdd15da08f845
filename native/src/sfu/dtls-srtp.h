/*
 * DTLS-SRTP endpoints (RFC 5763, RFC 5764, RFC 8842) for the SFU's native media path: the
 * DTLS 1.2 handshake (RFC 6347) that authenticates a browser by the certificate fingerprint
 * from its SDP (RFC 8122 §5) and yields the SRTP master keys (RFC 5764 §4.2), then carries
 * application data (SCTP, RFC 8261) both ways.
 *
 * No I/O of its own: JavaScript owns the UDP socket, feeds each DTLS datagram in, and sends the
 * datagrams gathered in `out` after every call. One connection is used from one thread at a
 * time. Built only when TP_HAVE_OPENSSL is set (OpenSSL's headers, the Node binary's symbols).
 */
#ifndef TP_DTLS_SRTP_H
#define TP_DTLS_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "../dtls-internal.h"

/* "sha-512 " and 64 bytes as colon-separated hex, with room to spare. */
#define TP_DTLS_SRTP_FINGERPRINT_TEXT 208
#define TP_DTLS_SRTP_REASON 256
/* The longest SRTP master key and salt of the profiles offered (RFC 7714 §12). */
#define TP_DTLS_SRTP_MAX_KEY 32
#define TP_DTLS_SRTP_MAX_SALT 14
/* Output held by one connection before it fails rather than grow: a few handshake flights. */
#define TP_DTLS_SRTP_MAX_OUT (64 * 1024)

/* A certificate, its key and the SSL_CTX that presents it (RFC 5763 §5: self-signed). */
typedef struct {
  SSL_CTX *ctx;
  char fingerprint[TP_DTLS_SRTP_FINGERPRINT_TEXT]; /* "sha-256 AB:CD:…" */
} tp_dtls_srtp_cert;

typedef enum {
  TP_DTLS_SRTP_NEW = 0,
  TP_DTLS_SRTP_HANDSHAKING,
  TP_DTLS_SRTP_CONNECTED,
  TP_DTLS_SRTP_FAILED,
  TP_DTLS_SRTP_CLOSED,
} tp_dtls_srtp_state;

typedef enum { TP_DTLS_SRTP_CLIENT = 0, TP_DTLS_SRTP_SERVER = 1 } tp_dtls_srtp_role;

/* The SRTP keying of a connected association, as this side uses it (RFC 5764 §4.2). */
typedef struct {
  int profile; /* IANA number: 1, 2, 7 or 8 */
  size_t key_len, salt_len;
  uint8_t local_key[TP_DTLS_SRTP_MAX_KEY], local_salt[TP_DTLS_SRTP_MAX_SALT];
  uint8_t remote_key[TP_DTLS_SRTP_MAX_KEY], remote_salt[TP_DTLS_SRTP_MAX_SALT];
} tp_dtls_srtp_keys;

typedef struct {
  SSL *ssl; /* NULL once failed or closed */
  BIO *rbio;
  tp_dtls_out out; /* datagrams to send, gathered by the out BIO */
  tp_dtls_srtp_role role;
  tp_dtls_srtp_state state;
  char reason[TP_DTLS_SRTP_REASON]; /* why it failed */
  /* the remote fingerprint from the SDP (RFC 8122 §5) */
  const EVP_MD *md;
  uint8_t expected[EVP_MAX_MD_SIZE];
  unsigned expected_len;
  int mismatch; /* the verify callback saw a certificate that does not match */
  int keys_ready; /* keys made and not yet taken */
  tp_dtls_srtp_keys keys;
} tp_dtls_srtp_conn;

/* Called with each application record read; `p` lasts for the call only. */
typedef void (*tp_dtls_srtp_app_fn)(void *arg, const uint8_t *p, size_t n);

/* Process-wide counts (dtlsSrtpCounters). */
typedef struct {
  uint64_t handshakes, failures, bad_records;
} tp_dtls_srtp_counters;

/* A fresh ECDSA P-256 certificate and its context; NULL (OpenSSL's error queue says why). */
tp_dtls_srtp_cert *tp_dtls_srtp_cert_new(void);
void tp_dtls_srtp_cert_free(tp_dtls_srtp_cert *c);

/* What tp_dtls_srtp_conn_new's `why` points to when the fingerprint does not parse. */
extern const char tp_dtls_srtp_bad_fingerprint[];

/*
 * A connection presenting `cert`, expecting the peer's certificate to match `fingerprint`
 * ("sha-256 AB:CD:…", also sha-1, sha-384, sha-512). NULL with `why` set: to
 * tp_dtls_srtp_bad_fingerprint, or to what failed (OpenSSL's error queue says more).
 */
tp_dtls_srtp_conn *tp_dtls_srtp_conn_new(const tp_dtls_srtp_cert *cert, tp_dtls_srtp_role role, const char *fingerprint, const char **why);
void tp_dtls_srtp_conn_free(tp_dtls_srtp_conn *c);

/* The client sends its ClientHello; the server starts waiting for one. */
void tp_dtls_srtp_start(tp_dtls_srtp_conn *c);
/* One received datagram; application records go to `app`. Malformed datagrams are dropped. */
void tp_dtls_srtp_feed(tp_dtls_srtp_conn *c, const uint8_t *p, size_t n, tp_dtls_srtp_app_fn app, void *arg);
/* One application record (at most TP_DTLS_MAX_PLAIN bytes); dropped unless connected. */
void tp_dtls_srtp_write(tp_dtls_srtp_conn *c, const uint8_t *p, size_t n);
/* RFC 6347 §4.2.4: retransmits the last flight if its timer has run out. */
void tp_dtls_srtp_handle_timeout(tp_dtls_srtp_conn *c);
/* Milliseconds until the retransmission timer runs out, or -1 when none runs. */
long tp_dtls_srtp_timeout_ms(const tp_dtls_srtp_conn *c);
/* close_notify (RFC 5246 §7.2.1) when connected; the connection is closed either way. */
void tp_dtls_srtp_close(tp_dtls_srtp_conn *c);
/* The keys, once: 1 on the first call after the handshake completed, then 0. */
int tp_dtls_srtp_take_keys(tp_dtls_srtp_conn *c, tp_dtls_srtp_keys *out);

/* RFC 8122 §5 fingerprints: parse "sha-256 AB:…" (0, or -1); compare a certificate with one. */
int tp_dtls_srtp_parse_fingerprint(const char *text, const EVP_MD **md, uint8_t *out, unsigned *out_len);
int tp_dtls_srtp_matches(const tp_dtls_srtp_conn *c, const X509 *cert);

const char *tp_dtls_srtp_state_name(tp_dtls_srtp_state s);
void tp_dtls_srtp_get_counters(tp_dtls_srtp_counters *out);

#endif
