/*
 * DTLS record headers checked against the datagram that carries them (RFC 6347 §4.1): pure
 * code over bytes, no OpenSSL, fuzzed by native/fuzz/fuzz_dtls_record.c.
 */
#include "dtls-record.h"

#include <string.h>

/* RFC 6347 §4.1 content types: change_cipher_spec(20) alert(21) handshake(22) application_data(23),
 * heartbeat(24, RFC 6520), tls12_cid(25, RFC 9146). */
static int known_type(uint8_t t) { return t >= 20 && t <= 25; }

tp_dtls_scan_status tp_dtls_scan_datagram(const uint8_t *p, size_t n, tp_dtls_scan *out) {
  memset(out, 0, sizeof *out);
  size_t o = 0;
  if (n == 0) return TP_DTLS_TRUNCATED;
  while (o < n) {
    if (n - o < TP_DTLS_RECORD_HEADER) return TP_DTLS_TRUNCATED;
    const uint8_t *h = p + o;
    if (!known_type(h[0])) return TP_DTLS_BAD_TYPE;
    /* DTLS 1.0 is 0xFEFF, DTLS 1.2 is 0xFEFD (the one's complement of TLS's). */
    if (h[1] != 0xfe || (h[2] != 0xff && h[2] != 0xfd)) return TP_DTLS_BAD_VERSION;
    size_t len = ((size_t)h[11] << 8) | h[12];
    if (len > TP_DTLS_MAX_FRAGMENT) return TP_DTLS_TOO_LONG;
    if (n - o - TP_DTLS_RECORD_HEADER < len) return TP_DTLS_TRUNCATED;
    if (out->records == 0) {
      out->first_type = h[0];
      out->first_epoch = (uint16_t)(((unsigned)h[3] << 8) | h[4]);
      /* RFC 6347 §4.2.2: handshake type 1 is client_hello; epoch 0 is before any keys. */
      out->client_hello = h[0] == 22 && out->first_epoch == 0 && len >= TP_DTLS_HANDSHAKE_HEADER && h[TP_DTLS_RECORD_HEADER] == 1;
    }
    out->records++;
    o += TP_DTLS_RECORD_HEADER + len;
  }
  return TP_DTLS_OK;
}

const char *tp_dtls_scan_name(tp_dtls_scan_status s) {
  switch (s) {
    case TP_DTLS_OK: return "ok";
    case TP_DTLS_TRUNCATED: return "truncated";
    case TP_DTLS_BAD_TYPE: return "bad-type";
    case TP_DTLS_BAD_VERSION: return "bad-version";
    case TP_DTLS_TOO_LONG: return "too-long";
  }
  return "unknown";
}
