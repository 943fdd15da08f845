/*
 * The forwarding-table row the TURN core publishes for one allocation (RFC 8656 §9, §12), as
 * the bytes JavaScript sends (src/dataplane/native/entry-codec.ts writes them). Little-endian:
 *
 *   u32 'TPE1'  u32 allocation id  u32 listener id  u16 client port  u8 client family  u8 fingerprint
 *   u8[16] client ip  f64 expiresAt (ms)  f64 max-bps (bytes/s, 0 none)
 *   u32 relay id [2] (0 = none)  u8 relay family [2]  u16 permission count  u16 channel count  u16 0
 *   permission × n: u8 family  u8[7] 0  u8[16] ip  f64 expiresAt
 *   channel × n: u16 number  u16 peer port  u8 family  u8[3] 0  u8[16] peer ip  f64 expiresAt
 */
#ifndef TURNPIKE_ENTRY_H
#define TURNPIKE_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define TP_ENTRY_MAGIC 0x31455054u /* "TPE1" little-endian */
#define TP_ENTRY_HEAD 64
#define TP_ENTRY_ITEM 32
/* More than the core ever allows (max-permissions / max-channels-per-allocation cap at 65535 / 4096). */
#define TP_ENTRY_MAX_ITEMS 65535

typedef struct {
  tp_ip ip;
  double expires;
} tp_entry_perm;

typedef struct {
  uint16_t number;
  uint16_t port;
  tp_ip ip;
  double expires;
} tp_entry_chan;

typedef struct {
  uint32_t alloc_id;
  uint32_t listener_id;
  uint16_t client_port;
  tp_ip client_ip;
  int fingerprint;
  double expires;
  double max_bps;
  uint32_t relay_id[2];
  uint8_t relay_family[2];
  uint16_t nperm;
  uint16_t nchan;
  const uint8_t *perms; /* nperm items, read with tp_entry_perm_at */
  const uint8_t *chans; /* nchan items, read with tp_entry_chan_at */
} tp_entry;

/* Parses a row; 0 on success, -1 when anything is out of bounds or inconsistent. */
int tp_entry_parse(const uint8_t *p, size_t len, tp_entry *out);
void tp_entry_perm_at(const tp_entry *e, uint16_t i, tp_entry_perm *out);
void tp_entry_chan_at(const tp_entry *e, uint16_t i, tp_entry_chan *out);

#endif
