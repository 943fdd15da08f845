/*
 * libFuzzer target: SRTP and SRTCP (RFC 3711, RFC 7714) on arbitrary bytes, under each profile
 * with fixed session keys (the RFC 3711 B.2 and RFC 7714 §16-17 ones, so the RFCs' packets are
 * valid seeds). For each input and profile, with sessions as new:
 *
 * - unprotect as RTP and as RTCP; a refused input is left as it was, an accepted one shrinks by
 *   the trailer, and protecting the RTP plaintext again (same SSRC, SEQ, ROC 0) gives the input;
 * - protect the input as RTP and as RTCP; what protect makes, unprotect gives back.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/srtp.h"

static const uint8_t cm_key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const uint8_t cm_salt[14] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
static const uint8_t cm_auth[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
static const uint8_t gcm_key[32] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const uint8_t gcm_salt[12] = {0x51, 0x75, 0x69, 0x64, 0x20, 0x70, 0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f}; /* "Quid pro quo" */

static const int profiles[] = {TP_SRTP_AES128_CM_SHA1_80, TP_SRTP_AES128_CM_SHA1_32, TP_SRTP_AEAD_AES_128_GCM, TP_SRTP_AEAD_AES_256_GCM};

static tp_srtp *session(int profile) {
  tp_srtp *s = profile <= TP_SRTP_AES128_CM_SHA1_32 ? tp_srtp_new_session_keys(profile, cm_key, cm_salt, cm_auth) : tp_srtp_new_session_keys(profile, gcm_key, gcm_salt, NULL);
  assert(s);
  return s;
}

/*
 * A receiver and a sender per profile, kept while they are as new: a refused packet changes
 * nothing (srtp.h), so only a call that succeeds spends them. Making sessions is most of the
 * cost of an input.
 */
static tp_srtp *rx_of[4], *tx_of[4];

static tp_srtp *fresh(tp_srtp **slot, int profile) {
  if (!*slot) *slot = session(profile);
  return *slot;
}

static void spent(tp_srtp **slot) {
  tp_srtp_free(*slot);
  *slot = NULL;
}

typedef int (*protect_fn)(tp_srtp *, uint8_t *, size_t, size_t);
typedef int (*unprotect_fn)(tp_srtp *, uint8_t *, size_t);

/* Unprotect `data`; if it passes, a replay is refused and a fresh sender protects it again. */
static void unprotect_then_protect(int i, const uint8_t *data, size_t size, uint8_t *buf, unprotect_fn unprotect, protect_fn protect, int rtp) {
  tp_srtp *rx = fresh(&rx_of[i], profiles[i]);
  uint8_t *again = buf + size + TP_SRTP_MAX_TRAILER;
  memcpy(buf, data, size);
  int n = unprotect(rx, buf, size);
  if (n < 0) {
    assert(n >= TP_SRTP_ERR_CRYPTO && n != TP_SRTP_ERR_REPLAY && n != TP_SRTP_ERR_STREAMS);
    assert(memcmp(buf, data, size) == 0); /* a refused packet is left as it came */
    assert(unprotect(rx, buf, size) == n); /* and changed nothing */
    return;
  }
  assert((size_t)n < size && size - (size_t)n <= TP_SRTP_MAX_TRAILER);
  memcpy(again, data, size);
  assert(unprotect(rx, again, size) == TP_SRTP_ERR_REPLAY);
  int m = protect(fresh(&tx_of[i], profiles[i]), buf, (size_t)n, size + TP_SRTP_MAX_TRAILER);
  assert(m >= 0 && (size_t)m == size);
  /* Same SSRC, SEQ and ROC 0: the same bytes (SRTCP's index may differ from the input's). */
  if (rtp) assert(memcmp(buf, data, size) == 0);
  spent(&rx_of[i]);
  spent(&tx_of[i]);
}

/* Protect `data` as plaintext; if it can be read as a packet, unprotect gives it back. */
static void protect_then_unprotect(int i, const uint8_t *data, size_t size, uint8_t *buf, protect_fn protect, unprotect_fn unprotect) {
  memcpy(buf, data, size);
  int m = protect(fresh(&tx_of[i], profiles[i]), buf, size, size + TP_SRTP_MAX_TRAILER);
  if (m < 0) {
    assert(m == TP_SRTP_ERR_MALFORMED || m == TP_SRTP_ERR_SPACE);
    return;
  }
  assert((size_t)m > size && (size_t)m <= size + TP_SRTP_MAX_TRAILER);
  int n = unprotect(fresh(&rx_of[i], profiles[i]), buf, (size_t)m);
  assert(n >= 0 && (size_t)n == size && memcmp(buf, data, size) == 0);
  spent(&rx_of[i]);
  spent(&tx_of[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  /* Room for the input, its trailer, and a second copy. */
  uint8_t *buf = malloc(2 * (size + TP_SRTP_MAX_TRAILER) + 1);
  assert(buf);
  for (int i = 0; i < 4; i++) {
    unprotect_then_protect(i, data, size, buf, tp_srtp_unprotect_rtp, tp_srtp_protect_rtp, 1);
    unprotect_then_protect(i, data, size, buf, tp_srtp_unprotect_rtcp, tp_srtp_protect_rtcp, 0);
    protect_then_unprotect(i, data, size, buf, tp_srtp_protect_rtp, tp_srtp_unprotect_rtp);
    protect_then_unprotect(i, data, size, buf, tp_srtp_protect_rtcp, tp_srtp_unprotect_rtcp);
  }
  free(buf);
  return 0;
}
