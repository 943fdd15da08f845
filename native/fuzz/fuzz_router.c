/*
 * libFuzzer target: the SFU's media router (native/src/sfu/router*.c, rtp.c, rtcp.c) on arbitrary
 * bytes. A fixed set-up (a publisher with a three-layer simulcast video track and an audio track,
 * a subscriber receiving both with transport-wide sequence numbers) is fed records
 * [op, len, bytes...] from the input: RTP or RTCP from the publisher or the subscriber, ticks and
 * layer changes and tracks removed and added again. Every packet the router emits must parse, and
 * the event log must walk to its end.
 * The extension codecs, keyframe detectors and the VP9 layer parser get each record's bytes too.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sfu/router.h"
#include "sfu/rtp.h"

enum { PUB = 1, SUB = 2, VIDEO = 10, AUDIO = 11, DOWN_V = 20, DOWN_A = 21 };

static tp_out_packet packets[64];
static uint8_t events[1 << 16];

static void add_video(tp_router *r) {
  tp_up_spec v = {.conn = PUB, .video = 1, .mid = "0", .rids = {"q", "h", "f"}, .clock_rate = 90000, .history = 16, .max_bitrate = 1000000};
  memset(v.codec_of_pt, 0xff, sizeof v.codec_of_pt);
  v.codec_of_pt[96] = TP_CODEC_VP8, v.codec_of_pt[98] = TP_CODEC_VP9, v.codec_of_pt[102] = TP_CODEC_H264;
  v.ssrcs[0] = 0x100;
  assert(tp_router_up_add(r, VIDEO, &v) == TP_ROUTER_OK);
}

static void add_down(tp_router *r, uint32_t id, uint32_t up, uint32_t ssrc) {
  tp_down_spec d = {.conn = SUB, .up = up, .ssrc = ssrc, .ext_transport_cc = 4, .first_seq = 65530, .first_ts = 0xfffffff0u, .history = 32, .cname = "fuzz"};
  memset(d.pt_of_pt, 0xff, sizeof d.pt_of_pt);
  d.pt_of_pt[96] = 100, d.pt_of_pt[98] = 101, d.pt_of_pt[102] = 102, d.pt_of_pt[111] = 111;
  d.ext_of_ext[3] = 1, d.ext_of_ext[6] = 15, d.ext_of_ext[7] = 200; /* 200: forces the two-byte form */
  assert(tp_router_down_add(r, id, &d) == TP_ROUTER_OK);
}

static tp_router *make_router(void) {
  tp_router *r = tp_router_new();
  assert(r);
  tp_conn_spec pub = {.ext_mid = 1, .ext_rid = 2, .ext_repaired_rid = 10, .ext_audio_level = 3, .ext_transport_cc = 5, .rtcp_ssrc = 0x5f0};
  tp_conn_spec sub = {.rtcp_ssrc = 0x5a};
  assert(tp_router_conn_add(r, PUB, &pub) == TP_ROUTER_OK);
  assert(tp_router_conn_add(r, SUB, &sub) == TP_ROUTER_OK);
  add_video(r);
  tp_up_spec a = {.conn = PUB, .video = 0, .mid = "1", .clock_rate = 48000, .history = 8};
  memset(a.codec_of_pt, 0xff, sizeof a.codec_of_pt);
  a.codec_of_pt[111] = TP_CODEC_OPUS;
  assert(tp_router_up_add(r, AUDIO, &a) == TP_ROUTER_OK);
  add_down(r, DOWN_V, VIDEO, 0xd0);
  add_down(r, DOWN_A, AUDIO, 0xd1);
  return r;
}

/* Control changes between packets: a layer target or pause, a temporal target (4 is refused), or a
 * track removed and added again. */
static void control(tp_router *r, const uint8_t *b, size_t len) {
  uint8_t what = len > 2 ? b[2] % 4 : 0;
  if (what == 1) {
    tp_router_down_remove(r, DOWN_V);
    add_down(r, DOWN_V, VIDEO, 0xd0);
  } else if (what == 2) {
    tp_router_up_remove(r, VIDEO); /* its down-track goes too */
    add_video(r);
    add_down(r, DOWN_V, VIDEO, 0xd0);
  }
  tp_router_down_target(r, DOWN_V, len ? b[0] % 4 : 0, len > 1 && (b[1] & 1));
  /* VP8 temporal layers: TIDs above it left out, PictureIDs shifted (router-down.c). */
  tp_router_down_temporal(r, DOWN_V, len > 1 ? (uint8_t)((b[1] >> 1) % 5) : 3);
}

static void check(tp_out_batch *out, tp_event_log *ev) {
  for (size_t i = 0; i < out->count; i++) {
    const tp_out_packet *p = &out->packets[i];
    assert(p->len > 0 && p->len <= TP_ROUTER_MAX_PACKET);
    if (p->rtcp) {
      tp_rtcp_item items[32];
      assert(tp_rtcp_walk(p->data, p->len, items, 32) > 0);
    } else {
      tp_rtp_view v;
      assert(tp_rtp_parse(p->data, p->len, &v) == 0);
      assert(v.ssrc == 0xd0 || v.ssrc == 0xd1);
    }
  }
  size_t o = 0;
  while (o < ev->len) {
    assert(ev->len - o >= 4);
    size_t len = ev->bytes[o + 2] | (size_t)ev->bytes[o + 3] << 8;
    assert(ev->len - o - 4 >= len);
    o += 4 + len;
  }
  out->count = 0;
  ev->len = 0;
}

/* The extension codecs and keyframe detectors on raw bytes. */
static void codecs(const uint8_t *data, size_t n) {
  uint8_t buf[TP_ROUTER_MAX_PACKET + 64], dst[TP_ROUTER_MAX_PACKET + 64];
  if (n > TP_ROUTER_MAX_PACKET) n = TP_ROUTER_MAX_PACKET;
  memcpy(buf, data, n);
  for (uint8_t c = 0; c <= TP_CODEC_H264; c++) (void)tp_keyframe(c, buf, n);
  tp_vp9_layer l;
  (void)tp_vp9_layer_of(buf, n, &l);
  tp_rtp_view v;
  if (tp_rtp_parse(buf, n, &v) != 0) return;
  uint8_t map[256] = {0}, drop[256] = {0};
  for (int i = 1; i < 256; i++) map[i] = (uint8_t)(i * 7), drop[i] = i % 3 == 0;
  tp_rtp_ext all[32];
  size_t n_in = tp_rtp_ext_list(buf, &v, all, 32);
  size_t off = 0;
  size_t m = tp_rtp_rewrite_ext(buf, n, &v, map, 9, dst, sizeof dst, &off);
  if (m) {
    tp_rtp_view w;
    tp_rtp_ext e;
    assert(tp_rtp_parse(dst, m, &w) == 0);
    assert(w.payload_end - w.payload_off == v.payload_end - v.payload_off);
    if (n_in < 31) assert(tp_rtp_ext_find(dst, &w, 9, &e) && e.len == 2 && e.off == off);
  }
  size_t before_payload = v.payload_end - v.payload_off;
  size_t k = tp_rtp_drop_ext_in_place(buf, n, &v, drop);
  assert(k <= n);
  tp_rtp_view w;
  assert(tp_rtp_parse(buf, k, &w) == 0);
  assert(w.payload_end - w.payload_off == before_payload);
  size_t ne = tp_rtp_ext_list(buf, &w, all, 32);
  for (size_t i = 0; i < ne; i++) assert(!drop[all[i].id]);
}

/* The transport-wide feedback builder alone: arrivals (some lost, some out of order, some far
 * apart) from the input, any capacity; what it writes is one whole RTCP packet within `cap`. */
static void twcc(const uint8_t *data, size_t n) {
  int64_t at[512];
  size_t count = n / 2 < 512 ? n / 2 : 512;
  int64_t t = 5000000000;
  for (size_t i = 0; i < count; i++) {
    uint16_t w = tp_get16(data + 2 * i);
    t += (int64_t)(w & 0x3fff) * ((w & 0x4000) ? 1000 : 10);
    at[i] = (w & 0x8000) ? -1 : t - ((w & 0x100) ? 30000 : 0);
  }
  uint8_t dst[1600];
  size_t cap = n ? 16 + data[0] * 6 : 1200;
  if (cap > sizeof dst) cap = sizeof dst;
  size_t used = 0;
  size_t len = tp_rtcp_twcc(dst, cap, 0x5f0, 0, 7, 1, at, count, &used);
  assert(used <= count && len <= cap && len % 4 == 0);
  if (count > 0 && cap >= 24) assert(used >= 1);
  if (len > 0) {
    tp_rtcp_item items[2];
    assert(tp_rtcp_walk(dst, len, items, 2) == 1 && items[0].pt == 205 && items[0].count == 15);
    assert(at[used - 1] >= 0); /* a message ends on a received packet */
  } else {
    for (size_t i = 0; i < used && cap >= 24; i++) assert(at[i] < 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tp_router *r = make_router();
  tp_out_batch out = {.packets = packets, .cap = sizeof packets / sizeof packets[0]};
  tp_event_log ev = {.bytes = events, .cap = sizeof events};
  uint64_t now = 1000000;
  size_t i = 0;
  while (i + 2 <= size) {
    uint8_t op = data[i];
    size_t len = data[i + 1] | (size_t)(op & 0xf0) << 4; /* up to 4095 bytes */
    i += 2;
    if (len > size - i) len = size - i;
    const uint8_t *b = data + i;
    i += len;
    now += 1000 + (uint64_t)(op & 0x0f) * 10000;
    switch (op & 0x07) {
    case 0:
      /* what load shedding asks first, on the packet's own SSRC when it has one */
      (void)tp_router_rtp_is_audio(r, PUB, len >= 12 ? tp_get32(b + 8) : 0);
      tp_router_rtp(r, PUB, b, len, now, &out, &ev);
      break;
    case 1: tp_router_rtcp(r, PUB, b, len, now, &out, &ev); break;
    case 2: tp_router_rtp(r, SUB, b, len, now, &out, &ev); break;
    case 3: tp_router_rtcp(r, SUB, b, len, now, &out, &ev); break;
    case 4: tp_router_tick(r, now, now / 1000, &out, &ev); break;
    case 5: control(r, b, len); break;
    case 6:
      if (op & 0x08) twcc(b, len);
      else tp_router_request_keyframe(r, VIDEO, len ? b[0] % 4 : 0, &out);
      break;
    default: codecs(b, len); break;
    }
    check(&out, &ev);
  }
  tp_router_free(r);
  return 0;
}
