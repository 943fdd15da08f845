/*
 * RTCP into the media router (router.h): a subscriber's NACKs answered from history
 * (RFC 4585 §6.2.1), its PLI and FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1) passed up as events, a
 * publisher's sender reports noted for the receiver reports' LSR/DLSR (RFC 3550 §6.4.1), and
 * everything else handed to JavaScript as it came.
 */
#include <string.h>

#include "router-internal.h"

/* A subscriber's feedback about one of its down-tracks (RFC 4585 §6.2.1, §6.3.1; RFC 5104 §4.3.1). */
static int down_by_ssrc(tp_router *r, int conn, uint32_t ssrc) {
  for (int d = r->conns[conn].first_down; d != TP_R_NONE; d = r->downs[d].next_in_conn)
    if (r->downs[d].spec.ssrc == ssrc) return d;
  return TP_R_NONE;
}

static void pli_event(tp_router *r, int d, tp_event_log *ev) {
  uint8_t body[4];
  uint32_t id = r->downs[d].id;
  tp_le32(body, id);
  tp_r_event(ev, TP_EV_PLI, body, 4);
}

/* Handles one RTCP item natively; 0 when it is for JavaScript. */
static int rtcp_item(tp_router *r, int conn, const uint8_t *p, const tp_rtcp_item *it, uint64_t now_us, tp_out_batch *out, tp_event_log *ev) {
  const uint8_t *b = p + it->off;
  if (it->pt == TP_RTCP_SR && it->len >= 28) {
    tp_r_up_sr(r, conn, tp_get32(b + 4), ((uint64_t)tp_get32(b + 8) << 32) | tp_get32(b + 12), now_us);
    return 0; /* also for JavaScript (its sender's clock) */
  }
  if (it->len < 12) return 0;
  uint32_t media = tp_get32(b + 8);
  if (it->pt == TP_RTCP_RTPFB && it->count == 1) {
    int d = down_by_ssrc(r, conn, media);
    if (d == TP_R_NONE) return 0;
    for (size_t i = 12; i + 4 <= it->len; i += 4) {
      uint16_t pid = tp_get16(b + i), blp = tp_get16(b + i + 2);
      r->c.nacks_received++;
      tp_r_down_nack(r, d, pid, now_us, out);
      for (int bit = 0; bit < 16; bit++) {
        if (!(blp & (1u << bit))) continue;
        r->c.nacks_received++;
        tp_r_down_nack(r, d, (uint16_t)(pid + bit + 1), now_us, out);
      }
    }
    return 1;
  }
  if (it->pt == TP_RTCP_PSFB && it->count == 1) {
    int d = down_by_ssrc(r, conn, media);
    if (d == TP_R_NONE) return 0;
    pli_event(r, d, ev);
    return 1;
  }
  if (it->pt == TP_RTCP_PSFB && it->count == 4) {
    /* FIR: the media SSRCs are in the FCI entries (RFC 5104 §4.3.1.1). */
    int any = 0;
    for (size_t i = 12; i + 8 <= it->len; i += 8) {
      int d = down_by_ssrc(r, conn, tp_get32(b + i));
      if (d != TP_R_NONE) pli_event(r, d, ev), any = 1;
    }
    return any;
  }
  return 0;
}

void tp_router_rtcp(tp_router *r, uint32_t conn, const uint8_t *p, size_t len, uint64_t now_us, tp_out_batch *out, tp_event_log *ev) {
  tp_rtcp_item items[32];
  int n = p && len <= TP_ROUTER_MAX_PACKET ? tp_rtcp_walk(p, len, items, 32) : -1;
  if (n < 0) {
    r->c.dropped_malformed++;
    return;
  }
  int c = tp_r_conn_slot(r, conn);
  if (c == TP_R_NONE) {
    r->c.dropped_unknown++;
    return;
  }
  r->c.rtcp_in++;
  int for_js = 0;
  for (int i = 0; i < n; i++)
    if (!rtcp_item(r, c, p, &items[i], now_us, out, ev)) for_js = 1;
  if (!for_js) return;
  /* One event per compound packet, bytes as received: u32 conn, then the packet. */
  uint8_t body[4 + TP_ROUTER_MAX_PACKET];
  tp_le32(body, conn);
  memcpy(body + 4, p, len);
  tp_r_event(ev, TP_EV_RTCP, body, 4 + len);
}
