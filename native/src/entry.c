/* The forwarding-table row from JavaScript; see entry.h for the layout. */
#include "entry.h"

#include <math.h>
#include <string.h>

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
static double lef64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  double d;
  memcpy(&d, &v, sizeof d);
  return d;
}

static int read_ip(uint8_t family, const uint8_t *p, tp_ip *ip) {
  if (family != 4 && family != 6) return -1;
  ip->family = family;
  memcpy(ip->bytes, p, 16);
  return 0;
}

int tp_entry_parse(const uint8_t *p, size_t len, tp_entry *out) {
  if (len < TP_ENTRY_HEAD || le32(p) != TP_ENTRY_MAGIC) return -1;
  out->alloc_id = le32(p + 4);
  out->listener_id = le32(p + 8);
  out->client_port = le16(p + 12);
  if (read_ip(p[14], p + 16, &out->client_ip) != 0) return -1;
  out->fingerprint = p[15] != 0;
  out->expires = lef64(p + 32);
  out->max_bps = lef64(p + 40);
  out->relay_id[0] = le32(p + 48);
  out->relay_id[1] = le32(p + 52);
  out->relay_family[0] = p[56];
  out->relay_family[1] = p[57];
  out->nperm = le16(p + 58);
  out->nchan = le16(p + 60);
  if (!isfinite(out->expires) || !isfinite(out->max_bps) || out->max_bps < 0) return -1;
  for (int i = 0; i < 2; i++) {
    if (out->relay_id[i] != 0 && out->relay_family[i] != 4 && out->relay_family[i] != 6) return -1;
  }
  size_t need = TP_ENTRY_HEAD + ((size_t)out->nperm + out->nchan) * TP_ENTRY_ITEM;
  if (len != need) return -1;
  out->perms = p + TP_ENTRY_HEAD;
  out->chans = out->perms + (size_t)out->nperm * TP_ENTRY_ITEM;
  for (uint16_t i = 0; i < out->nperm; i++) {
    const uint8_t *q = out->perms + (size_t)i * TP_ENTRY_ITEM;
    if ((q[0] != 4 && q[0] != 6) || !isfinite(lef64(q + 24))) return -1;
  }
  for (uint16_t i = 0; i < out->nchan; i++) {
    const uint8_t *q = out->chans + (size_t)i * TP_ENTRY_ITEM;
    if ((q[4] != 4 && q[4] != 6) || !isfinite(lef64(q + 24))) return -1;
  }
  return 0;
}

void tp_entry_perm_at(const tp_entry *e, uint16_t i, tp_entry_perm *out) {
  const uint8_t *q = e->perms + (size_t)i * TP_ENTRY_ITEM;
  out->ip.family = q[0];
  memcpy(out->ip.bytes, q + 8, 16);
  out->expires = lef64(q + 24);
}

void tp_entry_chan_at(const tp_entry *e, uint16_t i, tp_entry_chan *out) {
  const uint8_t *q = e->chans + (size_t)i * TP_ENTRY_ITEM;
  out->number = le16(q);
  out->port = le16(q + 2);
  out->ip.family = q[4];
  memcpy(out->ip.bytes, q + 8, 16);
  out->expires = lef64(q + 24);
}
