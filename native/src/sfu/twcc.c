/*
 * The transport-wide feedback builder (rtp.h, tp_rtcp_twcc): what a receiver tells a sender with
 * send-side bandwidth estimation about each packet's arrival. The TypeScript twin (the parser,
 * and a builder for tests) is src/sfu/rtp/twcc.ts.
 *
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1: after the feedback header, packet
 * status chunks (§3.1.3 run length, §3.1.4 status vector), then one receive delta per received
 * packet (§3.1.5) in 250 µs ticks: 1 byte when 0..255 ("small"), else 2 bytes signed ("large").
 * The first delta counts from the reference time (24 bits of 64 ms), each later one from the
 * packet received before it.
 */
#include <string.h>

#include "rtp.h"

#define HEADER 20
#define MAX_STATUS 4096 /* per message; more go in the next */
#define RUN_MAX 8191
enum { NOT_RECEIVED = 0, SMALL = 1, LARGE = 2 };

/* 250 µs ticks since `base_us`, to the nearest (arrivals are never before the reference time). */
static int64_t ticks_since(int64_t at_us, int64_t base_us) { return (at_us - base_us + 125) / 250; }

/* The chunk starting at symbol `i` of `n`; returns how many symbols it covers. */
static size_t chunk(const uint8_t *sym, size_t i, size_t n, uint16_t *out) {
  size_t run = 1;
  while (i + run < n && run < RUN_MAX && sym[i + run] == sym[i]) run++;
  if (run >= 7) {
    *out = (uint16_t)((sym[i] << 13) | run); /* T=0: run length */
    return run;
  }
  size_t one_bit = 1;
  for (size_t k = 0; k < 14 && i + k < n; k++)
    if (sym[i + k] > SMALL) one_bit = 0;
  uint16_t c = one_bit ? 0x8000 : 0xc000; /* T=1, S=0: 14 one-bit symbols; S=1: 7 two-bit symbols */
  size_t per = one_bit ? 14 : 7;
  for (size_t k = 0; k < per && i + k < n; k++) c |= one_bit ? (uint16_t)(sym[i + k] << (13 - k)) : (uint16_t)(sym[i + k] << (12 - 2 * k));
  *out = c;
  return per;
}

size_t tp_rtcp_twcc(uint8_t *dst, size_t cap, uint32_t sender, uint32_t media, uint16_t base_seq, uint8_t fb_count, const int64_t *arrival_us, size_t count, size_t *used) {
  *used = 0;
  if (count == 0) return 0;
  if (count > MAX_STATUS) count = MAX_STATUS;
  if (cap < HEADER + 4) return 0;
  /* The reference time: the first received packet's arrival, in whole 64 ms. */
  size_t first = 0;
  while (first < count && arrival_us[first] < 0) first++;
  if (first == count) {
    *used = count; /* nothing received: nothing to say about these */
    return 0;
  }
  int64_t ref = arrival_us[first] / 64000;
  int64_t base_us = ref * 64000;

  /* Which packets fit: symbols and delta bytes, and a chunk bound of one per 7 symbols. */
  uint8_t sym[MAX_STATUS];
  size_t n = 0, last_received = 0, delta_bytes = 0, bytes_at_last = 0;
  int64_t prev = 0;
  for (size_t i = 0; i < count; i++) {
    uint8_t s = NOT_RECEIVED;
    size_t extra = 0;
    int64_t t = 0;
    if (arrival_us[i] >= 0) {
      t = ticks_since(arrival_us[i], base_us);
      int64_t d = t - prev;
      if (d >= 0 && d <= 255) s = SMALL, extra = 1;
      else if (d >= INT16_MIN && d <= INT16_MAX) s = LARGE, extra = 2;
      else break; /* more than 8 s from the one before: the next message starts here */
    }
    size_t need = HEADER + (i + 1 + 6) / 7 * 2 + delta_bytes + extra;
    if ((need + 3) / 4 * 4 > cap) break;
    sym[i] = s;
    n = i + 1;
    if (s != NOT_RECEIVED) {
      delta_bytes += extra;
      prev = t;
      last_received = i;
      bytes_at_last = delta_bytes;
    }
  }
  if (n == 0) return 0; /* `cap` holds not even the first packet's feedback */
  n = last_received + 1; /* end on a received packet; the lost after it go in the next message */
  delta_bytes = bytes_at_last;
  *used = n;

  size_t o = HEADER;
  for (size_t i = 0; i < n;) {
    uint16_t c;
    i += chunk(sym, i, n, &c);
    tp_put16(dst + o, c);
    o += 2;
  }
  prev = 0;
  for (size_t i = 0; i < n; i++) {
    if (sym[i] == NOT_RECEIVED) continue;
    int64_t t = ticks_since(arrival_us[i], base_us);
    int64_t d = t - prev;
    prev = t;
    if (sym[i] == SMALL) dst[o++] = (uint8_t)d;
    else tp_put16(dst + o, (uint16_t)(int16_t)d), o += 2;
  }
  size_t len = (o + 3) / 4 * 4, pad = len - o;
  /* RFC 3550 §6.4.1 padding: zeros, the last byte their count, and the P bit. */
  memset(dst + o, 0, pad);
  if (pad > 0) dst[len - 1] = (uint8_t)pad;
  dst[0] = (uint8_t)(0x80 | (pad > 0 ? 0x20 : 0) | 15);
  dst[1] = 205;
  tp_put16(dst + 2, (uint16_t)(len / 4 - 1));
  tp_put32(dst + 4, sender);
  tp_put32(dst + 8, media);
  tp_put16(dst + 12, base_seq);
  tp_put16(dst + 14, (uint16_t)n);
  tp_put32(dst + 16, ((uint32_t)(ref & 0xffffff) << 8) | fb_count);
  return len;
}
