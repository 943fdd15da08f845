/*
 * A bounds-checked look at a datagram that claims to carry DTLS records (RFC 6347 §4.1), made
 * before any of it reaches OpenSSL: garbage is refused here, and a datagram from an address
 * with no session must open with an epoch-0 ClientHello (§4.2.1) to be worth a cookie.
 */
#ifndef TP_DTLS_RECORD_H
#define TP_DTLS_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* RFC 6347 §4.1: type(1) version(2) epoch(2) sequence_number(6) length(2). */
#define TP_DTLS_RECORD_HEADER 13
/* RFC 6347 §4.2.2: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3). */
#define TP_DTLS_HANDSHAKE_HEADER 12
/* RFC 6347 §4.1 (RFC 5246 §6.2.3): a ciphertext fragment is at most 2^14 + 2048 bytes. */
#define TP_DTLS_MAX_FRAGMENT (16384 + 2048)

typedef enum {
  TP_DTLS_OK = 0,
  TP_DTLS_TRUNCATED = -1,   /* a header or fragment runs past the datagram */
  TP_DTLS_BAD_TYPE = -2,    /* a content type outside 20-25 */
  TP_DTLS_BAD_VERSION = -3, /* not DTLS 1.0 (0xFEFF) or 1.2 (0xFEFD) */
  TP_DTLS_TOO_LONG = -4,    /* a fragment longer than the record layer allows */
} tp_dtls_scan_status;

typedef struct {
  int records;
  uint8_t first_type;
  uint16_t first_epoch;
  /* the first record is an epoch-0 handshake record whose first message is a ClientHello */
  int client_hello;
} tp_dtls_scan;

/* Walks every record header of `p[0..n)`; TP_DTLS_OK when all are well formed. */
tp_dtls_scan_status tp_dtls_scan_datagram(const uint8_t *p, size_t n, tp_dtls_scan *out);

/* A stable short name for a status (counters, tests). */
const char *tp_dtls_scan_name(tp_dtls_scan_status s);

#endif
