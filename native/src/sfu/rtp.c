/*
 * RTP header (RFC 3550 §5.1), header extensions (RFC 8285) and keyframe detection; see rtp.h.
 * The TypeScript twins are src/sfu/rtp/rtp-packet.ts and keyframe.ts.
 */
#include "rtp.h"

#include <string.h>

#include "router.h"

int tp_rtp_parse(const uint8_t *p, size_t len, tp_rtp_view *v) {
  if (len < 12 || (p[0] >> 6) != 2) return -1;
  size_t off = 12 + (size_t)(p[0] & 0x0f) * 4;
  v->ext_off = 0;
  if (p[0] & 0x10) {
    /* RFC 3550 §5.3.1: a 16-bit profile word, a length in 32-bit words, the data. */
    if (off + 4 > len) return -1;
    v->ext_off = off;
    off += 4 + (size_t)tp_get16(p + off + 2) * 4;
  }
  if (off > len) return -1;
  size_t end = len;
  if (p[0] & 0x20) {
    /* §5.1 P bit: the last octet counts the padding, itself included. */
    uint8_t pad = p[len - 1];
    if (pad == 0 || end - off < pad) return -1;
    end -= pad;
  }
  v->marker = p[1] >> 7;
  v->pt = p[1] & 0x7f;
  v->seq = tp_get16(p + 2);
  v->ts = tp_get32(p + 4);
  v->ssrc = tp_get32(p + 8);
  v->payload_off = off;
  v->payload_end = end;
  return 0;
}

int tp_rtp_is_rtcp(const uint8_t *p, size_t len) {
  return len >= 2 && p[1] >= 192 && p[1] <= 223;
}

void tp_rtp_write_ids(uint8_t *p, uint16_t seq, uint32_t ts, uint32_t ssrc) {
  tp_put16(p + 2, seq);
  tp_put32(p + 4, ts);
  tp_put32(p + 8, ssrc);
}

/* --- header extensions ------------------------------------------------------------------ */

static int two_byte_profile(uint16_t profile) {
  return (profile & 0xfff0) == 0x1000; /* RFC 8285 §4.3: 0x100 and 4 bits of app data */
}

size_t tp_rtp_ext_list(const uint8_t *p, const tp_rtp_view *v, tp_rtp_ext *out, size_t cap) {
  if (v->ext_off == 0) return 0;
  uint16_t profile = tp_get16(p + v->ext_off);
  size_t i = v->ext_off + 4, end = v->payload_off, n = 0;
  if (profile == TP_RTP_ONE_BYTE_PROFILE) {
    while (i < end && n < cap) {
      uint8_t b = p[i];
      if (b == 0) { /* padding between elements (§4.2) */
        i++;
        continue;
      }
      uint8_t id = b >> 4;
      if (id == 15) break; /* §4.2: reserved, stop parsing */
      size_t l = (size_t)(b & 0x0f) + 1;
      if (i + 1 + l > end) break;
      out[n++] = (tp_rtp_ext){.id = id, .len = (uint8_t)l, .off = i + 1};
      i += 1 + l;
    }
  } else if (two_byte_profile(profile)) {
    while (i + 1 < end && n < cap) {
      uint8_t id = p[i];
      if (id == 0) {
        i++;
        continue;
      }
      size_t l = p[i + 1];
      if (i + 2 + l > end) break;
      out[n++] = (tp_rtp_ext){.id = id, .len = (uint8_t)l, .off = i + 2};
      i += 2 + l;
    }
  }
  return n;
}

int tp_rtp_ext_find(const uint8_t *p, const tp_rtp_view *v, uint8_t id, tp_rtp_ext *e) {
  if (id == 0) return 0;
  tp_rtp_ext all[32];
  size_t n = tp_rtp_ext_list(p, v, all, 32);
  for (size_t i = 0; i < n; i++) {
    if (all[i].id == id) {
      *e = all[i];
      return 1;
    }
  }
  return 0;
}

/* Writes `kept` elements (ids already final; an element with `off` 0 gets zeroed data) as an
 * extension block at `dst`, returning its length; `data_off[i]` is where element i's data went. */
static size_t write_block(uint8_t *dst, const uint8_t *src, const tp_rtp_ext *kept, const uint8_t *ids, size_t n, int one_byte, size_t *data_off) {
  size_t body = 0;
  for (size_t i = 0; i < n; i++) body += (one_byte ? 1u : 2u) + kept[i].len;
  size_t padded = (body + 3) & ~(size_t)3;
  tp_put16(dst, one_byte ? TP_RTP_ONE_BYTE_PROFILE : 0x1000);
  tp_put16(dst + 2, (uint16_t)(padded / 4));
  size_t o = 4;
  for (size_t i = 0; i < n; i++) {
    if (one_byte) {
      dst[o++] = (uint8_t)((ids[i] << 4) | (kept[i].len - 1));
    } else {
      dst[o++] = ids[i];
      dst[o++] = kept[i].len;
    }
    if (kept[i].off) memmove(dst + o, src + kept[i].off, kept[i].len);
    else memset(dst + o, 0, kept[i].len);
    if (data_off) data_off[i] = o;
    o += kept[i].len;
  }
  memset(dst + o, 0, 4 + padded - o); /* padding to the 32-bit boundary */
  return 4 + padded;
}

static size_t block_len(const tp_rtp_ext *kept, size_t n, int one_byte) {
  size_t body = 0;
  for (size_t i = 0; i < n; i++) body += (one_byte ? 1u : 2u) + kept[i].len;
  return n ? 4 + ((body + 3) & ~(size_t)3) : 0;
}

size_t tp_rtp_rewrite_ext(const uint8_t *p, size_t len, const tp_rtp_view *v, const uint8_t map[256], uint8_t reserve_id,
                          uint8_t *dst, size_t cap, size_t *reserve_off) {
  tp_rtp_ext all[32], kept[33];
  uint8_t ids[33];
  size_t n = tp_rtp_ext_list(p, v, all, 32), k = 0;
  int one_byte = 1;
  for (size_t i = 0; i < n; i++) {
    uint8_t id = map[all[i].id];
    if (id == 0 || (reserve_id && id == reserve_id)) continue;
    kept[k] = all[i];
    ids[k++] = id;
    if (id > 14 || all[i].len < 1 || all[i].len > 16) one_byte = 0;
  }
  if (reserve_id) {
    kept[k] = (tp_rtp_ext){.id = reserve_id, .len = 2, .off = 0};
    ids[k++] = reserve_id;
    if (reserve_id > 14) one_byte = 0;
  }
  size_t head = v->ext_off ? v->ext_off : v->payload_off;
  size_t ext_len = block_len(kept, k, one_byte);
  size_t total = head + ext_len + (len - v->payload_off);
  if (total > cap) return 0;
  memcpy(dst, p, head);
  if (k == 0) {
    dst[0] &= (uint8_t)~0x10;
  } else {
    dst[0] |= 0x10;
    size_t offs[33];
    write_block(dst + head, p, kept, ids, k, one_byte, offs);
    if (reserve_id && reserve_off) *reserve_off = head + offs[k - 1];
  }
  memcpy(dst + head + ext_len, p + v->payload_off, len - v->payload_off);
  return total;
}

size_t tp_rtp_drop_ext_in_place(uint8_t *p, size_t len, tp_rtp_view *v, const uint8_t drop[256]) {
  if (v->ext_off == 0) return len;
  tp_rtp_ext all[32], kept[32];
  uint8_t ids[32];
  size_t n = tp_rtp_ext_list(p, v, all, 32), k = 0;
  uint16_t profile = tp_get16(p + v->ext_off);
  int one_byte = profile == TP_RTP_ONE_BYTE_PROFILE;
  if (!one_byte && !two_byte_profile(profile)) return len; /* an unknown profile is left alone */
  for (size_t i = 0; i < n; i++) {
    if (drop[all[i].id]) continue;
    kept[k] = all[i];
    ids[k++] = all[i].id;
  }
  if (k == n) return len;
  size_t old_block = v->payload_off - v->ext_off;
  size_t new_block = 0;
  if (k > 0) {
    /* Elements only move towards the start, so copying in order never overwrites unread data. */
    new_block = write_block(p + v->ext_off, p, kept, ids, k, one_byte, NULL);
  } else {
    p[0] &= (uint8_t)~0x10;
  }
  size_t payload_len = len - v->payload_off;
  memmove(p + v->ext_off + new_block, p + v->payload_off, payload_len);
  size_t shrink = old_block - new_block;
  v->payload_off -= shrink;
  v->payload_end -= shrink;
  if (k == 0) v->ext_off = 0;
  return len - shrink;
}

/* --- keyframes (src/sfu/rtp/keyframe.ts) --------------------------------------------------- */

int tp_vp8_keyframe(const uint8_t *p, size_t len) {
  if (len < 1) return 0;
  uint8_t b0 = p[0];
  /* RFC 7741 §4.2: S bit set and partition index 0 begin a frame. */
  if (!(b0 & 0x10) || (b0 & 0x07) != 0) return 0;
  size_t i = 1;
  if (b0 & 0x80) {
    if (len < 2) return 0;
    uint8_t x = p[1];
    i = 2;
    if (x & 0x80) i += (len > i && (p[i] & 0x80)) ? 2 : 1; /* PictureID, 7 or 15 bits */
    if (x & 0x40) i += 1;                                    /* TL0PICIDX */
    if (x & 0x30) i += 1;                                    /* TID/Y/KEYIDX */
  }
  /* §4.3: the payload header's P bit is 0 on a key frame. */
  return i < len && (p[i] & 0x01) == 0;
}

int tp_vp8_desc_of(const uint8_t *p, size_t len, tp_vp8_desc *out) {
  memset(out, 0, sizeof *out);
  if (len < 1) return 0;
  out->start = (p[0] & 0x10) && (p[0] & 0x07) == 0;
  if (!(p[0] & 0x80)) return 1; /* X clear: no extension octet, no PictureID, no TID */
  if (len < 2) return 0;
  uint8_t x = p[1]; /* I|L|T|K */
  size_t i = 2;
  if (x & 0x80) {
    if (i >= len) return 0;
    out->has_pid = 1;
    out->pid_at = (uint16_t)i;
    out->pid_long = (p[i] & 0x80) != 0;
    if (out->pid_long) {
      if (i + 1 >= len) return 0;
      out->pid = (uint16_t)(((p[i] & 0x7f) << 8) | p[i + 1]);
      i += 2;
    } else {
      out->pid = p[i] & 0x7f;
      i += 1;
    }
  }
  if (x & 0x40) i += 1; /* TL0PICIDX */
  if (x & 0x30) {       /* TID|Y|KEYIDX */
    if (i >= len) return 0;
    if (x & 0x20) {
      out->has_tid = 1;
      out->tid = (uint8_t)(p[i] >> 6);
      out->sync = (p[i] & 0x20) != 0;
    }
    i += 1;
  }
  return i <= len;
}

void tp_vp8_put_pid(uint8_t *payload, const tp_vp8_desc *d, uint16_t pid) {
  if (!d->has_pid) return;
  if (d->pid_long) {
    payload[d->pid_at] = (uint8_t)(0x80 | ((pid >> 8) & 0x7f));
    payload[d->pid_at + 1] = (uint8_t)pid;
  } else {
    payload[d->pid_at] = (uint8_t)(pid & 0x7f);
  }
}

int tp_vp9_keyframe(const uint8_t *p, size_t len) {
  if (len < 1) return 0;
  /* RFC 9628 §4.2: P (inter-picture predicted) clear, B (beginning of a frame) set. */
  if ((p[0] & 0x40) || !(p[0] & 0x08)) return 0;
  if (!(p[0] & 0x20)) return 1; /* no layer indices: a single layer */
  tp_vp9_layer l;
  return tp_vp9_layer_of(p, len, &l) && l.sid == 0; /* spatial layer 0 */
}

int tp_vp9_layer_of(const uint8_t *p, size_t len, tp_vp9_layer *out) {
  if (len < 2 || !(p[0] & 0x20)) return 0; /* I|P|L|F|B|E|V|Z: no L, no layer indices */
  size_t i = 1;
  if (p[0] & 0x80) i += (p[1] & 0x80) ? 2 : 1; /* PictureID, 7 or 15 bits */
  if (i >= len) return 0;
  out->tid = (uint8_t)(p[i] >> 5); /* TID|U|SID|D */
  out->switch_up = (p[i] & 0x10) != 0;
  out->sid = (uint8_t)((p[i] >> 1) & 0x07);
  out->begin = (p[0] & 0x08) != 0;
  out->end = (p[0] & 0x04) != 0;
  return 1;
}

static int idr_or_sps(uint8_t nal) {
  return nal == 5 || nal == 7;
}

int tp_h264_keyframe(const uint8_t *p, size_t len) {
  if (len < 1) return 0;
  uint8_t type = p[0] & 0x1f;
  if (type >= 1 && type <= 23) return idr_or_sps(type); /* RFC 6184 §5.6 single NAL unit */
  if (type == 24) {                                      /* §5.7.1 STAP-A */
    for (size_t i = 1; i + 2 < len;) {
      size_t size = tp_get16(p + i);
      if (size == 0 || i + 2 + size > len) return 0;
      if (idr_or_sps(p[i + 2] & 0x1f)) return 1;
      i += 2 + size;
    }
    return 0;
  }
  if (type == 28 && len >= 2) return (p[1] & 0x80) && idr_or_sps(p[1] & 0x1f); /* §5.8 FU-A, S bit */
  return 0;
}

int tp_keyframe(uint8_t codec, const uint8_t *payload, size_t len) {
  switch (codec) {
  case TP_CODEC_VP8: return tp_vp8_keyframe(payload, len);
  case TP_CODEC_VP9: return tp_vp9_keyframe(payload, len);
  case TP_CODEC_H264: return tp_h264_keyframe(payload, len);
  default: return 0;
  }
}
