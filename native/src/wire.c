/*
 * The wire formats of the data plane; see wire.h. Every branch names the RFC section it
 * follows; every read is bounded by the length it was given.
 */
#include "wire.h"

#include <string.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t rd32(const uint8_t *p) { return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
  crc_ready = 1;
}

uint32_t tp_crc32(uint32_t crc, const uint8_t *p, size_t len) {
  if (!crc_ready) crc_init();
  uint32_t c = ~crc;
  for (size_t i = 0; i < len; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

int tp_channel_data_parse(const uint8_t *p, size_t len, uint16_t *number, const uint8_t **data, size_t *data_len) {
  /* RFC 8656 §12.4: a 4-byte header, then Length bytes of application data. */
  if (len < 4) return -1;
  size_t n = rd16(p + 2);
  /* §12.5: padding may follow over UDP too and is ignored; a length past the end is a lie. */
  if (4 + n > len) return -1;
  *number = rd16(p);
  *data = p + 4;
  *data_len = n;
  return 0;
}

/* RFC 8656 §14.3 (XOR-PEER-ADDRESS is XOR-MAPPED-ADDRESS's format, RFC 8489 §14.2). */
static int xor_address(const uint8_t *v, size_t vlen, const uint8_t *tid, tp_ip *ip, uint16_t *port) {
  if (vlen < 4 || v[0] != 0) return -1;
  uint8_t fam = v[1];
  *port = (uint16_t)(rd16(v + 2) ^ (TP_MAGIC_COOKIE >> 16));
  uint8_t mask[16];
  wr32(mask, TP_MAGIC_COOKIE);
  memcpy(mask + 4, tid, 12);
  if (fam == 0x01) {
    if (vlen != 8) return -1;
    ip->family = 4;
    memset(ip->bytes, 0, 10);
    ip->bytes[10] = 0xFF;
    ip->bytes[11] = 0xFF;
    for (int i = 0; i < 4; i++) ip->bytes[12 + i] = v[4 + i] ^ mask[i];
    return 0;
  }
  if (fam == 0x02) {
    if (vlen != 20) return -1;
    ip->family = 6;
    for (int i = 0; i < 16; i++) ip->bytes[i] = v[4 + i] ^ mask[i];
    return 0;
  }
  return -1;
}

int tp_send_parse(const uint8_t *p, size_t len, tp_send *out) {
  /* RFC 8489 §5: a 20-byte header whose length field counts whole 4-byte attributes. */
  if (len < 20) return 0;
  if (rd16(p) != TP_SEND_INDICATION) return 0;
  size_t body = rd16(p + 2);
  if ((body & 3) != 0 || 20 + body != len) return 0;
  if (rd32(p + 4) != TP_MAGIC_COOKIE) return 0;
  const uint8_t *tid = p + 8;
  int have_peer = 0, have_data = 0;
  size_t off = 20;
  while (off < len) {
    if (off + 4 > len) return 0;
    uint16_t type = rd16(p + off);
    size_t vlen = rd16(p + off + 2);
    size_t padded = (vlen + 3) & ~(size_t)3;
    if (off + 4 + padded > len) return 0;
    const uint8_t *v = p + off + 4;
    if (type == TP_ATTR_XOR_PEER_ADDRESS) {
      /* §11.2: only the first XOR-PEER-ADDRESS of an indication counts; a second is the core's call. */
      if (have_peer || xor_address(v, vlen, tid, &out->peer, &out->peer_port) != 0) return 0;
      have_peer = 1;
    } else if (type == TP_ATTR_DATA) {
      if (have_data) return 0;
      out->data = v;
      out->data_len = vlen;
      have_data = 1;
    } else if (type == TP_ATTR_DONT_FRAGMENT) {
      /* §14.8: honoured by the relay socket's defaults; nothing to read. */
      if (vlen != 0) return 0;
    } else if (type == TP_ATTR_FINGERPRINT) {
      /* RFC 8489 §14.7: the last attribute, the CRC of everything before it. */
      if (vlen != 4 || off + 8 != len) return 0;
      uint32_t want = tp_crc32(0, p, off) ^ TP_FINGERPRINT_XOR;
      if (rd32(v) != want) return 0;
    } else {
      /* Anything else (an unknown attribute, integrity on an indication): the core decides. */
      return 0;
    }
    off += 4 + padded;
  }
  return have_peer && have_data ? 1 : 0;
}

size_t tp_data_indication_len(uint8_t family, size_t data_len, int fingerprint) {
  size_t peer = 4 + (family == 6 ? 20 : 8);
  size_t data = 4 + ((data_len + 3) & ~(size_t)3);
  return 20 + peer + data + (fingerprint ? 8 : 0);
}

size_t tp_data_indication_head(uint8_t *out, const uint8_t tid[12], const tp_ip *peer, uint16_t peer_port, size_t data_len, size_t total_len) {
  /* RFC 8489 §5 header: type, length of what follows the header, cookie, transaction id. */
  wr16(out, TP_DATA_INDICATION);
  wr16(out + 2, (uint16_t)(total_len - 20));
  wr32(out + 4, TP_MAGIC_COOKIE);
  memcpy(out + 8, tid, 12);
  size_t o = 20;
  /* RFC 8656 §11.4: XOR-PEER-ADDRESS of the peer the datagram came from. */
  uint8_t mask[16];
  wr32(mask, TP_MAGIC_COOKIE);
  memcpy(mask + 4, tid, 12);
  wr16(out + o, TP_ATTR_XOR_PEER_ADDRESS);
  if (peer->family == 6) {
    wr16(out + o + 2, 20);
    out[o + 4] = 0;
    out[o + 5] = 0x02;
    wr16(out + o + 6, (uint16_t)(peer_port ^ (TP_MAGIC_COOKIE >> 16)));
    for (int i = 0; i < 16; i++) out[o + 8 + i] = peer->bytes[i] ^ mask[i];
    o += 24;
  } else {
    wr16(out + o + 2, 8);
    out[o + 4] = 0;
    out[o + 5] = 0x01;
    wr16(out + o + 6, (uint16_t)(peer_port ^ (TP_MAGIC_COOKIE >> 16)));
    for (int i = 0; i < 4; i++) out[o + 8 + i] = peer->bytes[12 + i] ^ mask[i];
    o += 12;
  }
  /* §11.4: DATA with the datagram's payload, which the caller sends after these bytes. */
  wr16(out + o, TP_ATTR_DATA);
  wr16(out + o + 2, (uint16_t)data_len);
  return o + 4;
}

size_t tp_data_padding(uint8_t *out, size_t data_len) {
  size_t pad = ((data_len + 3) & ~(size_t)3) - data_len;
  memset(out, 0, pad);
  return pad;
}

void tp_fingerprint_attr(uint8_t out[8], uint32_t crc) {
  wr16(out, TP_ATTR_FINGERPRINT);
  wr16(out + 2, 4);
  wr32(out + 4, crc ^ TP_FINGERPRINT_XOR);
}
