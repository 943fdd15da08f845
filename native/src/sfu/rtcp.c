/*
 * RTCP compound walking and the builders the router sends (see rtp.h); the TypeScript twin is
 * src/sfu/rtp/rtcp.ts.
 */
#include <string.h>

#include "rtp.h"

int tp_rtcp_walk(const uint8_t *p, size_t len, tp_rtcp_item *items, int cap) {
  size_t o = 0;
  int n = 0;
  /* RFC 3550 §6.1: packets back to back, each with a length in 32-bit words minus one; RFC 5506
   * §3 lets a reduced-size packet be a single feedback message, which this walks the same way. */
  while (o + 4 <= len) {
    if ((p[o] >> 6) != 2) return -1;
    size_t l = ((size_t)tp_get16(p + o + 2) + 1) * 4;
    if (l > len - o || n >= cap) return -1;
    items[n++] = (tp_rtcp_item){.count = p[o] & 0x1f, .pt = p[o + 1], .off = o, .len = l};
    o += l;
  }
  if (o != len || n == 0) return -1;
  return n;
}

static void header(uint8_t *dst, uint8_t count, uint8_t pt, size_t len) {
  dst[0] = (uint8_t)(0x80 | (count & 0x1f));
  dst[1] = pt;
  tp_put16(dst + 2, (uint16_t)(len / 4 - 1));
}

static void put_block(uint8_t *b, const tp_report_block *r) {
  int32_t lost = r->cumulative_lost;
  if (lost > 0x7fffff) lost = 0x7fffff;
  if (lost < -0x800000) lost = -0x800000;
  tp_put32(b, r->ssrc);
  tp_put32(b + 4, ((uint32_t)r->fraction_lost << 24) | ((uint32_t)lost & 0xffffff));
  tp_put32(b + 8, r->highest_seq);
  tp_put32(b + 12, r->jitter);
  tp_put32(b + 16, r->last_sr);
  tp_put32(b + 20, r->delay_since_last_sr);
}

size_t tp_rtcp_rr(uint8_t *dst, size_t cap, uint32_t ssrc, const tp_report_block *blocks, size_t n) {
  size_t len = 8 + n * 24; /* RFC 3550 §6.4.2 */
  if (n > 31 || len > cap) return 0;
  header(dst, (uint8_t)n, TP_RTCP_RR, len);
  tp_put32(dst + 4, ssrc);
  for (size_t i = 0; i < n; i++) put_block(dst + 8 + i * 24, &blocks[i]);
  return len;
}

size_t tp_rtcp_sr(uint8_t *dst, size_t cap, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts, uint32_t packets, uint32_t octets) {
  if (cap < 28) return 0; /* RFC 3550 §6.4.1, no report blocks */
  header(dst, 0, TP_RTCP_SR, 28);
  tp_put32(dst + 4, ssrc);
  tp_put32(dst + 8, (uint32_t)(ntp >> 32));
  tp_put32(dst + 12, (uint32_t)ntp);
  tp_put32(dst + 16, rtp_ts);
  tp_put32(dst + 20, packets);
  tp_put32(dst + 24, octets);
  return 28;
}

size_t tp_rtcp_sdes_cname(uint8_t *dst, size_t cap, uint32_t ssrc, const char *cname) {
  size_t text = strnlen(cname, 255);
  size_t body = 4 + 2 + text + 1; /* RFC 3550 §6.5: SSRC, CNAME item, the null item */
  size_t len = 4 + ((body + 3) & ~(size_t)3);
  if (len > cap) return 0;
  memset(dst, 0, len);
  header(dst, 1, TP_RTCP_SDES, len);
  tp_put32(dst + 4, ssrc);
  dst[8] = 1;
  dst[9] = (uint8_t)text;
  memcpy(dst + 10, cname, text);
  return len;
}

size_t tp_rtcp_nack(uint8_t *dst, size_t cap, uint32_t sender, uint32_t media, const uint16_t *seqs, size_t n) {
  if (cap < 12) return 0;
  size_t o = 12;
  for (size_t i = 0; i < n;) {
    /* RFC 4585 §6.2.1: a PID and a bitmask of the 16 sequence numbers after it. */
    uint16_t pid = seqs[i++];
    uint16_t blp = 0;
    while (i < n) {
      int32_t d = (uint16_t)(seqs[i] - pid);
      if (d == 0) {
        i++;
        continue;
      }
      if (d > 16) break;
      blp |= (uint16_t)(1u << (d - 1));
      i++;
    }
    if (o + 4 > cap) return 0;
    tp_put16(dst + o, pid);
    tp_put16(dst + o + 2, blp);
    o += 4;
  }
  header(dst, 1, TP_RTCP_RTPFB, o);
  tp_put32(dst + 4, sender);
  tp_put32(dst + 8, media);
  return o;
}

size_t tp_rtcp_pli(uint8_t *dst, size_t cap, uint32_t sender, uint32_t media) {
  if (cap < 12) return 0; /* RFC 4585 §6.3.1: no FCI */
  header(dst, 1, TP_RTCP_PSFB, 12);
  tp_put32(dst + 4, sender);
  tp_put32(dst + 8, media);
  return 12;
}

size_t tp_rtcp_remb(uint8_t *dst, size_t cap, uint32_t sender, uint64_t bitrate, const uint32_t *ssrcs, size_t n) {
  size_t len = 20 + n * 4;
  if (n > 255 || len > cap) return 0;
  uint8_t exp = 0;
  while (bitrate > 0x3ffff) bitrate >>= 1, exp++; /* 6-bit exponent, 18-bit mantissa */
  header(dst, 15, TP_RTCP_PSFB, len);
  tp_put32(dst + 4, sender);
  tp_put32(dst + 8, 0); /* media source: unused (draft-alvestrand-rmcat-remb-03 §2.2) */
  tp_put32(dst + 12, 0x52454d42); /* "REMB" */
  dst[16] = (uint8_t)n;
  dst[17] = (uint8_t)((exp << 2) | (bitrate >> 16));
  dst[18] = (uint8_t)(bitrate >> 8);
  dst[19] = (uint8_t)bitrate;
  for (size_t i = 0; i < n; i++) tp_put32(dst + 20 + i * 4, ssrcs[i]);
  return len;
}

uint64_t tp_ntp_from_unix_ms(uint64_t ms) {
  /* RFC 3550 §4: seconds since 1900 (70 years and 17 leap days before 1970), then a fraction. */
  uint64_t secs = ms / 1000 + 2208988800ull;
  uint64_t frac = ((ms % 1000) << 32) / 1000;
  return (secs << 32) | frac;
}
