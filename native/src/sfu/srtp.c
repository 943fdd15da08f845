/*
 * SRTP and SRTCP (RFC 3711) with AES-128 counter mode and HMAC-SHA1, and with AEAD AES-GCM
 * (RFC 7714), on the libcrypto the Node binary exports (see srtp.h). Key derivation runs once,
 * when srtp-session.c makes the session; each packet then reuses the session's cipher and MAC
 * contexts, in place.
 *
 * Per SSRC a stream keeps the highest SRTP packet index (ROC || SEQ, RFC 3711 §3.3.1) and, on
 * the receiving side, a replay window of TP_SRTP_WINDOW indices (§3.3.2); for SRTCP the next
 * index to send, or the highest index received and its window (§3.4). A stream is made only
 * once a packet has been protected, or has passed authentication, so forged packets never
 * take a slot.
 */
#ifdef TP_HAVE_OPENSSL

#include <openssl/crypto.h>
#include <string.h>

#include "srtp-internal.h"

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* --- streams, packet index, replay window ------------------------------------------------- */

/* The stream of `ssrc`, or NULL; *full says a new one would not fit. */
static srtp_stream *stream_find(tp_srtp *s, uint32_t ssrc, int *full) {
  if (s->count > 0 && s->streams[s->last].ssrc == ssrc) return &s->streams[s->last];
  for (int i = 0; i < s->count; i++) {
    if (s->streams[i].ssrc == ssrc) {
      s->last = i;
      return &s->streams[i];
    }
  }
  *full = s->count >= TP_SRTP_MAX_STREAMS;
  return NULL;
}

/* Called only after the packet passed: a new SSRC takes its slot now. */
static srtp_stream *stream_add(tp_srtp *s, uint32_t ssrc) {
  srtp_stream *st = &s->streams[s->count];
  memset(st, 0, sizeof *st);
  st->ssrc = ssrc;
  s->last = s->count++;
  return st;
}

/*
 * RFC 3711 §3.3.1 and Appendix A: the index of SEQ given the highest index so far, guessing
 * ROC - 1, ROC or ROC + 1 by which is nearest. A first packet has ROC 0. -1 when the guess
 * falls outside 0..2^48 (a packet from before the stream's first).
 */
static int64_t estimate_index(const srtp_stream *st, uint16_t seq) {
  if (!st || !st->has_rtp) return seq;
  int64_t roc = (int64_t)(st->rtp_highest >> 16);
  int32_t s_l = (int32_t)(st->rtp_highest & 0xffff);
  int64_t v = roc;
  if (s_l < 32768) {
    if ((int32_t)seq - s_l > 32768) v = roc - 1;
  } else if (s_l - 32768 > (int32_t)seq) {
    v = roc + 1;
  }
  if (v < 0 || v > 0xffffffffLL) return -1;
  return v << 16 | seq;
}

/* RFC 3711 §3.3.2: 0 when `index` is new to a window whose newest is `highest`. */
static int window_check(uint64_t highest, const uint64_t seen[2], uint64_t index) {
  if (index > highest) return 0;
  uint64_t d = highest - index;
  if (d >= TP_SRTP_WINDOW) return TP_SRTP_ERR_REPLAY;
  return (seen[d >> 6] >> (d & 63)) & 1 ? TP_SRTP_ERR_REPLAY : 0;
}

static void window_mark(uint64_t *highest, uint64_t seen[2], uint64_t index) {
  if (index > *highest) {
    uint64_t d = index - *highest;
    if (d >= TP_SRTP_WINDOW) {
      seen[0] = seen[1] = 0;
    } else if (d >= 64) {
      seen[1] = seen[0] << (d - 64);
      seen[0] = 0;
    } else {
      seen[1] = seen[1] << d | seen[0] >> (64 - d);
      seen[0] <<= d;
    }
    *highest = index;
  }
  uint64_t d = *highest - index;
  seen[d >> 6] |= (uint64_t)1 << (d & 63);
}

/* --- RTP ------------------------------------------------------------------------------------ */

/*
 * RFC 3550 §5.1, §5.3.1: the header's length (fixed part, CSRCs, extension), all within `len`;
 * 0 for a packet this cannot read. The payload (padding included) follows it.
 */
static size_t rtp_header_len(const uint8_t *p, size_t len) {
  if (len < 12 || (p[0] >> 6) != 2) return 0;
  size_t n = 12 + 4 * (size_t)(p[0] & 0x0f);
  if (n > len) return 0;
  if (p[0] & 0x10) {
    if (n + 4 > len) return 0;
    n += 4 + 4 * (((size_t)p[n + 2] << 8) | p[n + 3]);
    if (n > len) return 0;
  }
  return n;
}

/* AES-CM (RFC 3711 §4.1.1): IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16). */
static void cm_iv(const srtp_keys *k, uint32_t ssrc, uint64_t index, uint8_t iv[16]) {
  memcpy(iv, k->salt, CM_SALT);
  iv[14] = iv[15] = 0;
  for (int i = 0; i < 4; i++) iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; i++) iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

/* RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt; §9.1 for SRTCP: 0x0000 || 0 || index. */
static void gcm_iv(const srtp_keys *k, uint32_t ssrc, uint64_t index, int rtcp, uint8_t iv[12]) {
  uint8_t b[12] = {0};
  wr32(b + 2, ssrc);
  if (rtcp) {
    wr32(b + 8, (uint32_t)index);
  } else {
    wr32(b + 6, (uint32_t)(index >> 16));
    b[10] = (uint8_t)(index >> 8), b[11] = (uint8_t)index;
  }
  for (int i = 0; i < 12; i++) iv[i] = b[i] ^ k->salt[i];
}

static int ctr_xor(srtp_keys *k, const uint8_t iv[16], uint8_t *p, size_t n) {
  int out = 0;
  if (EVP_CipherInit_ex(k->cipher, NULL, NULL, NULL, iv, 1) != 1) return TP_SRTP_ERR_CRYPTO;
  if (n && EVP_CipherUpdate(k->cipher, p, &out, p, (int)n) != 1) return TP_SRTP_ERR_CRYPTO;
  return 0;
}

/* HMAC-SHA1 (RFC 3711 §4.2.1) over a || b, the whole 20 bytes into mac. */
static int hmac(srtp_keys *k, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len, uint8_t mac[20]) {
  size_t n = 0;
  /* No key given: the one the context was made with, its pads already computed. */
  if (EVP_MAC_init(k->mac, NULL, 0, NULL) != 1 || EVP_MAC_update(k->mac, a, a_len) != 1) return TP_SRTP_ERR_CRYPTO;
  if (b_len && EVP_MAC_update(k->mac, b, b_len) != 1) return TP_SRTP_ERR_CRYPTO;
  if (EVP_MAC_final(k->mac, mac, &n, 20) != 1 || n != 20) return TP_SRTP_ERR_CRYPTO;
  return 0;
}

/*
 * AES-GCM over aad (two pieces) and p[0..n) in place; the tag written (enc) or checked (!enc).
 * A failed check encrypts p back, so the caller's bytes are as they came.
 */
static int gcm(srtp_keys *k, int enc, const uint8_t iv[12], const uint8_t *aad, size_t aad_len, const uint8_t *aad2, size_t aad2_len, uint8_t *p, size_t n, uint8_t *tag) {
  EVP_CIPHER_CTX *c = k->cipher;
  int out = 0;
  if (EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, enc) != 1 || EVP_CipherUpdate(c, NULL, &out, aad, (int)aad_len) != 1) return TP_SRTP_ERR_CRYPTO;
  if (aad2_len && EVP_CipherUpdate(c, NULL, &out, aad2, (int)aad2_len) != 1) return TP_SRTP_ERR_CRYPTO;
  if (n && EVP_CipherUpdate(c, p, &out, p, (int)n) != 1) return TP_SRTP_ERR_CRYPTO;
  if (enc) return EVP_CipherFinal_ex(c, p + n, &out) == 1 && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag) == 1 ? 0 : TP_SRTP_ERR_CRYPTO;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag) != 1) return TP_SRTP_ERR_CRYPTO;
  if (EVP_CipherFinal_ex(c, p + n, &out) == 1) return 0;
  if (n && (EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, 1) != 1 || EVP_CipherUpdate(c, p, &out, p, (int)n) != 1)) return TP_SRTP_ERR_CRYPTO;
  return TP_SRTP_ERR_AUTH;
}

int tp_srtp_protect_rtp(tp_srtp *s, uint8_t *p, size_t len, size_t cap) {
  size_t h = rtp_header_len(p, len);
  if (!h || len > 0xffff) return TP_SRTP_ERR_MALFORMED;
  if (cap < len + s->rtp_tag) return TP_SRTP_ERR_SPACE;
  uint32_t ssrc = rd32(p + 8);
  int full = 0;
  srtp_stream *st = stream_find(s, ssrc, &full);
  if (!st && full) return TP_SRTP_ERR_STREAMS;
  /* The sender's own index, estimated as a receiver would: a resend of an older SEQ gets the
     index it had the first time, so its bytes are the same. */
  int64_t est = estimate_index(st, (uint16_t)(p[2] << 8 | p[3]));
  uint64_t index = est < 0 ? (uint16_t)(p[2] << 8 | p[3]) : (uint64_t)est;
  int r;
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(&s->rtp, ssrc, index, 0, iv);
    r = gcm(&s->rtp, 1, iv, p, h, NULL, 0, p + h, len - h, p + len);
  } else {
    uint8_t iv[16], roc[4], mac[20];
    cm_iv(&s->rtp, ssrc, index, iv);
    wr32(roc, (uint32_t)(index >> 16));
    r = ctr_xor(&s->rtp, iv, p + h, len - h);
    if (r == 0) r = hmac(&s->rtp, p, len, roc, 4, mac);
    if (r == 0) memcpy(p + len, mac, s->rtp_tag);
  }
  if (r) return r;
  if (!st) st = stream_add(s, ssrc);
  if (est >= 0 && (!st->has_rtp || index > st->rtp_highest)) st->rtp_highest = index;
  st->has_rtp = 1;
  return (int)(len + s->rtp_tag);
}

int tp_srtp_unprotect_rtp(tp_srtp *s, uint8_t *p, size_t len) {
  if (len > 0xffff + s->rtp_tag || len < s->rtp_tag) return TP_SRTP_ERR_MALFORMED;
  size_t n = len - s->rtp_tag;
  size_t h = rtp_header_len(p, n);
  if (!h) return TP_SRTP_ERR_MALFORMED;
  uint32_t ssrc = rd32(p + 8);
  int full = 0;
  srtp_stream *st = stream_find(s, ssrc, &full);
  if (!st && full) return TP_SRTP_ERR_STREAMS;
  int64_t est = estimate_index(st, (uint16_t)(p[2] << 8 | p[3]));
  if (est < 0) return TP_SRTP_ERR_REPLAY;
  uint64_t index = (uint64_t)est;
  if (st && st->has_rtp && window_check(st->rtp_highest, st->rtp_seen, index)) return TP_SRTP_ERR_REPLAY;
  int r;
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(&s->rtp, ssrc, index, 0, iv);
    r = gcm(&s->rtp, 0, iv, p, h, NULL, 0, p + h, n - h, p + n);
  } else {
    uint8_t iv[16], roc[4], mac[20];
    wr32(roc, (uint32_t)(index >> 16));
    r = hmac(&s->rtp, p, n, roc, 4, mac);
    if (r == 0 && CRYPTO_memcmp(mac, p + n, s->rtp_tag) != 0) r = TP_SRTP_ERR_AUTH;
    cm_iv(&s->rtp, ssrc, index, iv);
    if (r == 0) r = ctr_xor(&s->rtp, iv, p + h, n - h);
  }
  if (r) return r;
  if (!st) st = stream_add(s, ssrc);
  if (!st->has_rtp) st->rtp_highest = index;
  st->has_rtp = 1;
  window_mark(&st->rtp_highest, st->rtp_seen, index);
  return (int)n;
}

/* --- RTCP (RFC 3711 §3.4; RFC 7714 §9, §17) ------------------------------------------------ */

/* The SRTCP trailer: GCM puts the tag before E|index (RFC 7714 §9), AES-CM after (RFC 3711 §3.4). */
static size_t rtcp_tag(const tp_srtp *s) {
  return s->gcm ? GCM_TAG : CM_TAG;
}

int tp_srtp_protect_rtcp(tp_srtp *s, uint8_t *p, size_t len, size_t cap) {
  if (len < 8 || len > 0xffff || (p[0] >> 6) != 2) return TP_SRTP_ERR_MALFORMED;
  size_t t = rtcp_tag(s);
  if (cap < len + 4 + t) return TP_SRTP_ERR_SPACE;
  uint32_t ssrc = rd32(p + 4);
  int full = 0;
  srtp_stream *st = stream_find(s, ssrc, &full);
  if (!st && full) return TP_SRTP_ERR_STREAMS;
  uint32_t index = st && st->has_rtcp ? st->rtcp_index : 0;
  uint8_t word[4];
  wr32(word, E_FLAG | index); /* always encrypted when sending */
  int r;
  if (s->gcm) {
    uint8_t iv[12];
    gcm_iv(&s->rtcp, ssrc, index, 1, iv);
    r = gcm(&s->rtcp, 1, iv, p, 8, word, 4, p + 8, len - 8, p + len);
    memcpy(p + len + GCM_TAG, word, 4);
  } else {
    uint8_t iv[16], mac[20];
    cm_iv(&s->rtcp, ssrc, index, iv);
    r = ctr_xor(&s->rtcp, iv, p + 8, len - 8);
    memcpy(p + len, word, 4);
    if (r == 0) r = hmac(&s->rtcp, p, len + 4, NULL, 0, mac);
    if (r == 0) memcpy(p + len + 4, mac, CM_TAG);
  }
  if (r) return r;
  if (!st) st = stream_add(s, ssrc);
  st->has_rtcp = 1;
  st->rtcp_index = (index + 1) & 0x7fffffff;
  return (int)(len + 4 + t);
}

int tp_srtp_unprotect_rtcp(tp_srtp *s, uint8_t *p, size_t len) {
  size_t t = rtcp_tag(s);
  if (len < 8 + 4 + t || len > 0xffff + 4 + t || (p[0] >> 6) != 2) return TP_SRTP_ERR_MALFORMED;
  size_t n = len - 4 - t;
  const uint8_t *word = s->gcm ? p + len - 4 : p + n;
  uint32_t w = rd32(word);
  uint32_t index = w & 0x7fffffff;
  uint32_t ssrc = rd32(p + 4);
  int full = 0;
  srtp_stream *st = stream_find(s, ssrc, &full);
  if (!st && full) return TP_SRTP_ERR_STREAMS;
  if (st && st->has_rtcp && window_check(st->rtcp_index, st->rtcp_seen, index)) return TP_SRTP_ERR_REPLAY;
  int r;
  if (s->gcm) {
    uint8_t iv[12], w4[4];
    memcpy(w4, word, 4);
    gcm_iv(&s->rtcp, ssrc, index, 1, iv);
    /* E = 0: the whole packet is associated data and nothing is encrypted (RFC 7714 §9.3). */
    size_t aad = w & E_FLAG ? 8 : n;
    r = gcm(&s->rtcp, 0, iv, p, aad, w4, 4, p + aad, n - aad, p + n);
  } else {
    uint8_t iv[16], mac[20];
    r = hmac(&s->rtcp, p, n + 4, NULL, 0, mac);
    if (r == 0 && CRYPTO_memcmp(mac, p + n + 4, CM_TAG) != 0) r = TP_SRTP_ERR_AUTH;
    cm_iv(&s->rtcp, ssrc, index, iv);
    if (r == 0 && (w & E_FLAG)) r = ctr_xor(&s->rtcp, iv, p + 8, n - 8);
  }
  if (r) return r;
  if (!st) st = stream_add(s, ssrc);
  if (!st->has_rtcp) st->rtcp_index = index;
  st->has_rtcp = 1;
  uint64_t highest = st->rtcp_index;
  window_mark(&highest, st->rtcp_seen, index);
  st->rtcp_index = (uint32_t)highest;
  return (int)n;
}

#endif
