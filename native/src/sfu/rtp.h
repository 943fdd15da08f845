/*
 * RTP and RTCP codecs of the SFU's native media path, the C twin of src/sfu/rtp/rtp-packet.ts,
 * rtcp.ts and keyframe.ts. Pure: bytes in, a view or a status out; every read is bounds-checked
 * against the length passed in, and nothing allocates.
 */
#ifndef TP_SFU_RTP_H
#define TP_SFU_RTP_H

#include <stddef.h>
#include <stdint.h>

/* --- RTP (RFC 3550 §5.1) ------------------------------------------------------------------- */

/* Offsets and fields of one RTP packet. */
typedef struct {
  uint8_t marker, pt;
  uint16_t seq;
  uint32_t ts, ssrc;
  size_t ext_off;     /* offset of the extension block's profile word; 0 when there is none */
  size_t payload_off; /* after CSRCs and extensions */
  size_t payload_end; /* before padding */
} tp_rtp_view;

/* 0 and a view, or -1: shorter than a header, not version 2, CSRCs, extension or padding past the end. */
int tp_rtp_parse(const uint8_t *p, size_t len, tp_rtp_view *v);

/* RFC 5761 §4: a second byte of 192..223 on a shared port is RTCP (PT 64..95 with the marker). */
int tp_rtp_is_rtcp(const uint8_t *p, size_t len);

/* Writes sequence number, timestamp and SSRC into a header in place. */
void tp_rtp_write_ids(uint8_t *p, uint16_t seq, uint32_t ts, uint32_t ssrc);

/* --- header extensions (RFC 8285 §4) --------------------------------------------------------- */

#define TP_RTP_ONE_BYTE_PROFILE 0xBEDE

/* One element: its id, and where its data is. */
typedef struct {
  uint8_t id;
  uint8_t len;
  size_t off;
} tp_rtp_ext;

/* Walks the elements of a packet's extension block (one-byte §4.2 or two-byte §4.3 form).
 * Returns the number found (at most `cap`); 0 for none or an unknown profile. */
size_t tp_rtp_ext_list(const uint8_t *p, const tp_rtp_view *v, tp_rtp_ext *out, size_t cap);

/* Finds one element by id (id 0: none). */
int tp_rtp_ext_find(const uint8_t *p, const tp_rtp_view *v, uint8_t id, tp_rtp_ext *e);

/*
 * Copies packet `p` into `dst` keeping only elements whose `map[id]` is non-zero, renamed to
 * `map[id]` (RFC 8285 §5: ids are per session), plus, when `reserve_id` is non-zero, one more
 * element of that id with 2 zero bytes for the sender to fill (transport-wide sequence number,
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 §2), whose data offset is put in
 * `*reserve_off`. Elements already carrying `reserve_id` after renaming are dropped. The one-byte
 * form is used when every kept element fits it, else the two-byte form. Returns the new length,
 * or 0 when it does not fit `cap`.
 */
size_t tp_rtp_rewrite_ext(const uint8_t *p, size_t len, const tp_rtp_view *v, const uint8_t map[256], uint8_t reserve_id,
                          uint8_t *dst, size_t cap, size_t *reserve_off);

/* Drops the elements with `drop[id]` set, in place, moving the later bytes (the block stays in its
 * form, padded to 32 bits; without elements left the block and the X bit go). Returns the new
 * length of the packet; `v` is updated. */
size_t tp_rtp_drop_ext_in_place(uint8_t *p, size_t len, tp_rtp_view *v, const uint8_t drop[256]);

/* --- keyframes -------------------------------------------------------------------------------- */

int tp_vp8_keyframe(const uint8_t *p, size_t len);  /* RFC 7741 §4.2-4.3 */
int tp_vp9_keyframe(const uint8_t *p, size_t len);  /* RFC 9628 §4.2 */
int tp_h264_keyframe(const uint8_t *p, size_t len); /* RFC 6184 §5.6-5.8 */
/* By TP_CODEC_* of router.h; 0 for audio and unknown codecs. */
int tp_keyframe(uint8_t codec, const uint8_t *payload, size_t len);

/* The layer indices of a VP9 payload descriptor (RFC 9628 §4.2): spatial and temporal layer,
 * B (a layer frame begins), E (it ends) and U (a switching-up point: a temporal layer may be
 * added from this picture on). */
typedef struct {
  uint8_t sid, tid, begin, end, switch_up;
} tp_vp9_layer;
/* 1 when the descriptor carries layer indices (L bit), filling `out`; else 0. */
int tp_vp9_layer_of(const uint8_t *p, size_t len, tp_vp9_layer *out);

/* What temporal scalability needs of a VP8 payload descriptor (RFC 7741 §4.2). */
typedef struct {
  uint8_t start;             /* S set and partition index 0: a picture's first packet */
  uint8_t has_pid, pid_long; /* PictureID present; 15 bits (M set) or 7 */
  uint16_t pid;
  uint16_t pid_at;           /* the PictureID's offset in the payload */
  uint8_t has_tid, tid, sync; /* TID present (T bit), its value, and Y (layer sync) */
} tp_vp8_desc;
/* 1 with `out` filled when the descriptor is whole; 0 when it is cut short. */
int tp_vp8_desc_of(const uint8_t *p, size_t len, tp_vp8_desc *out);
/* Writes a PictureID back in place, in the width the descriptor has. */
void tp_vp8_put_pid(uint8_t *payload, const tp_vp8_desc *d, uint16_t pid);

/* --- RTCP (RFC 3550 §6, RFC 4585 §6, RFC 5506) --------------------------------------------- */

#define TP_RTCP_SR 200
#define TP_RTCP_RR 201
#define TP_RTCP_SDES 202
#define TP_RTCP_BYE 203
#define TP_RTCP_APP 204
#define TP_RTCP_RTPFB 205
#define TP_RTCP_PSFB 206

/* One packet of a compound (or reduced-size) RTCP packet. */
typedef struct {
  uint8_t count; /* RC / SC / FMT */
  uint8_t pt;
  size_t off, len; /* the whole packet, header included */
} tp_rtcp_item;

/* Splits a compound packet (RFC 3550 §6.1; a single feedback packet, RFC 5506 §3, is one item).
 * Returns the number of items (at most `cap`), or -1 when a header is not version 2, a length
 * runs past the end, bytes trail, or there are more than `cap` items. */
int tp_rtcp_walk(const uint8_t *p, size_t len, tp_rtcp_item *items, int cap);

/* Report block (RFC 3550 §6.4.1). */
typedef struct {
  uint32_t ssrc;
  uint8_t fraction_lost;
  int32_t cumulative_lost;
  uint32_t highest_seq, jitter, last_sr, delay_since_last_sr;
} tp_report_block;

/* Builders: each writes one RTCP packet into `dst` and returns its length, or 0 when `cap` is too small. */
size_t tp_rtcp_rr(uint8_t *dst, size_t cap, uint32_t ssrc, const tp_report_block *blocks, size_t n);
size_t tp_rtcp_sr(uint8_t *dst, size_t cap, uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts, uint32_t packets, uint32_t octets);
size_t tp_rtcp_sdes_cname(uint8_t *dst, size_t cap, uint32_t ssrc, const char *cname);
/* Generic NACK (RFC 4585 §6.2.1) from sequence numbers in ascending order (mod 2^16 runs). */
size_t tp_rtcp_nack(uint8_t *dst, size_t cap, uint32_t sender, uint32_t media, const uint16_t *seqs, size_t n);
size_t tp_rtcp_pli(uint8_t *dst, size_t cap, uint32_t sender, uint32_t media);
/* REMB (draft-alvestrand-rmcat-remb-03 §2.2). */
size_t tp_rtcp_remb(uint8_t *dst, size_t cap, uint32_t sender, uint64_t bitrate, const uint32_t *ssrcs, size_t n);

/*
 * Transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1, RTPFB FMT=15)
 * of `count` packets from transport-wide sequence number `base_seq`: `arrival_us[i]` is when the
 * i-th arrived on a monotonic µs clock, or -1 when it did not. Writes as many of them as fit
 * `cap` and the 16-bit receive deltas (±8 s), ending on a received packet, and puts how many in
 * `*used` (always ≥ 1 when `count` is); the caller sends the rest in another message. Returns
 * the length, or 0 when the packets used hold no received one (nothing to send for them) or
 * `cap` cannot hold one packet's feedback.
 */
size_t tp_rtcp_twcc(uint8_t *dst, size_t cap, uint32_t sender, uint32_t media, uint16_t base_seq, uint8_t fb_count, const int64_t *arrival_us, size_t count, size_t *used);

/* NTP timestamp (RFC 3550 §4) of a Unix time in ms. */
uint64_t tp_ntp_from_unix_ms(uint64_t ms);

static inline uint16_t tp_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t tp_get32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static inline void tp_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static inline void tp_put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v; }
/* Signed distance a→b in 16-bit sequence space (RFC 3550 A.1). */
static inline int32_t tp_seq_delta(uint16_t a, uint16_t b) { return (int16_t)(uint16_t)(b - a); }

#endif
