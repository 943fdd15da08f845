/*
 * What srtp-session.c (keys, sessions) and srtp.c (packets) share: a session's layout. Not for
 * other files; they use srtp.h.
 */
#ifndef TP_SRTP_INTERNAL_H
#define TP_SRTP_INTERNAL_H

#include <openssl/evp.h>

#include "srtp.h"

#define TP_SRTP_WINDOW 128 /* RFC 3711 §3.3.2: at least 64 */
#define CM_SALT 14
#define GCM_SALT 12
#define AUTH_KEY 20
#define GCM_TAG 16
#define CM_TAG 10
#define E_FLAG 0x80000000u

/* One direction's keys for SRTP or for SRTCP: the cipher keyed once, the MAC keyed once. */
typedef struct {
  EVP_CIPHER_CTX *cipher;
  EVP_MAC_CTX *mac; /* AES-CM profiles only */
  uint8_t salt[CM_SALT];
} srtp_keys;

typedef struct {
  uint32_t ssrc;
  uint8_t has_rtp, has_rtcp;
  uint64_t rtp_highest;   /* 48-bit packet index: ROC << 16 | SEQ */
  uint64_t rtp_seen[2];   /* bit d: index rtp_highest - d was received */
  uint32_t rtcp_index;    /* sending: the next SRTCP index; receiving: the highest one */
  uint64_t rtcp_seen[2];
} srtp_stream;

struct tp_srtp {
  int profile;
  int gcm;
  size_t rtp_tag;
  srtp_keys rtp, rtcp;
  int count, last;
  srtp_stream streams[TP_SRTP_MAX_STREAMS];
};

#endif
