/*
 * The wire formats the data plane reads and writes without the TURN core (RFC 8656 §11-§12,
 * RFC 8489 §5, §14): ChannelData, the Send indication, the Data indication, FINGERPRINT.
 * Pure functions over byte ranges: every length is checked before it is used, nothing is
 * allocated, nothing is read past `len`.
 */
#ifndef TURNPIKE_WIRE_H
#define TURNPIKE_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* RFC 8489 §5: the magic cookie in every STUN header. */
#define TP_MAGIC_COOKIE 0x2112A442u
/* RFC 8489 §14.7: FINGERPRINT is the CRC-32 xored with this ("STUN"). */
#define TP_FINGERPRINT_XOR 0x5354554eu

/* Message types (RFC 8656 §17): method and class bits together. */
#define TP_SEND_INDICATION 0x0016u
#define TP_DATA_INDICATION 0x0017u

/* Attribute types (RFC 8656 §18, RFC 8489 §14). */
#define TP_ATTR_XOR_PEER_ADDRESS 0x0012u
#define TP_ATTR_DATA 0x0013u
#define TP_ATTR_FINGERPRINT 0x8028u
#define TP_ATTR_MESSAGE_INTEGRITY 0x0008u
#define TP_ATTR_DONT_FRAGMENT 0x001Au

/* An IP address: IPv4 in the last four bytes of a v4-mapped IPv6 address. */
typedef struct {
  uint8_t family; /* 4 or 6 */
  uint8_t bytes[16];
} tp_ip;

/* CRC-32 (ISO 3309, reflected 0xEDB88320) of `len` bytes, continuing from `crc` (0 to start). */
uint32_t tp_crc32(uint32_t crc, const uint8_t *p, size_t len);

/*
 * RFC 8656 §12.4: a ChannelData message. Returns 0 and sets number and the data range, or -1
 * when it is shorter than its header or its length field claims more than arrived. Bytes after
 * the data (padding, §12.5) are ignored.
 */
int tp_channel_data_parse(const uint8_t *p, size_t len, uint16_t *number, const uint8_t **data, size_t *data_len);

/* What a Send indication carries (RFC 8656 §11.2). */
typedef struct {
  tp_ip peer;
  uint16_t peer_port;
  const uint8_t *data;
  size_t data_len;
} tp_send;

/*
 * RFC 8656 §11.2: parses a Send indication with XOR-PEER-ADDRESS and DATA, and optionally
 * DONT-FRAGMENT and a FINGERPRINT that must match (RFC 8489 §14.7). Returns:
 *   1  a Send indication the data plane can relay by itself (`out` filled);
 *   0  not a Send indication, or one with anything else in it: the core decides it;
 *  -1  malformed (lengths that lie, a bad FINGERPRINT): dropped.
 */
int tp_send_parse(const uint8_t *p, size_t len, tp_send *out);

/*
 * RFC 8656 §11.4: the bytes of a Data indication before its DATA value: the 20-byte header,
 * XOR-PEER-ADDRESS, and the DATA attribute header. Writes at most 48 bytes to `out` and
 * returns how many. `total_len` is the whole message's length (from `tp_data_indication_len`).
 */
size_t tp_data_indication_head(uint8_t *out, const uint8_t tid[12], const tp_ip *peer, uint16_t peer_port, size_t data_len, size_t total_len);

/* The length of a Data indication carrying `data_len` bytes from a peer of `family`. */
size_t tp_data_indication_len(uint8_t family, size_t data_len, int fingerprint);

/* Writes the padding after DATA (0 to 3 zero bytes); returns how many. */
size_t tp_data_padding(uint8_t *out, size_t data_len);

/* Writes the FINGERPRINT attribute (8 bytes) for a message whose bytes before it have CRC `crc`. */
void tp_fingerprint_attr(uint8_t out[8], uint32_t crc);

#endif
