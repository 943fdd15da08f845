/*
 * SRTP and SRTCP (RFC 3711; AEAD AES-GCM, RFC 7714) for the SFU's media path, on the libcrypto
 * the Node binary carries and exports (built against libssl-dev's headers, never linked against
 * a second copy). One tp_srtp is one direction of one DTLS-SRTP association: every SSRC sent
 * (or received) under one master key. Per-SSRC state (rollover counter, highest index, replay
 * window) is made on first use, up to TP_SRTP_MAX_STREAMS streams.
 *
 * Every call works in place on the caller's buffer, allocates nothing per packet, and is used
 * from one thread at a time. Built only when TP_HAVE_OPENSSL is set.
 */
#ifndef TP_SRTP_H
#define TP_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* DTLS-SRTP protection profiles, by their IANA numbers (RFC 5764 §4.1.2, RFC 7714 §14.2). */
#define TP_SRTP_AES128_CM_SHA1_80 0x0001
#define TP_SRTP_AES128_CM_SHA1_32 0x0002
#define TP_SRTP_AEAD_AES_128_GCM 0x0007
#define TP_SRTP_AEAD_AES_256_GCM 0x0008

/* The most bytes protect adds to an RTP packet (tag) or an RTCP packet (tag + E|index). */
#define TP_SRTP_MAX_TRAILER 20

#define TP_SRTP_MAX_STREAMS 64

/* Results below zero. */
#define TP_SRTP_ERR_MALFORMED (-1) /* not an RTP/RTCP packet this can read */
#define TP_SRTP_ERR_AUTH (-2)      /* authentication tag does not match */
#define TP_SRTP_ERR_REPLAY (-3)    /* index already seen, or too old for the replay window */
#define TP_SRTP_ERR_STREAMS (-4)   /* a new SSRC beyond TP_SRTP_MAX_STREAMS */
#define TP_SRTP_ERR_SPACE (-5)     /* the buffer has no room for the trailer */
#define TP_SRTP_ERR_CRYPTO (-6)    /* libcrypto failed */

typedef struct tp_srtp tp_srtp;

/* Master key and salt lengths of a profile (16/14, 16/12, 32/12), or 0 for an unknown one. */
size_t tp_srtp_key_len(int profile);
size_t tp_srtp_salt_len(int profile);

/* A session for one direction. NULL for an unknown profile or a libcrypto failure. */
tp_srtp *tp_srtp_new(int profile, const uint8_t *master_key, const uint8_t *master_salt);

/*
 * The HMAC-SHA1 session key's length for a profile (20 for AES-CM, 0 for AEAD ones). Session
 * keys are what the key derivation (RFC 3711 §4.3) makes from the master key and salt.
 */
size_t tp_srtp_auth_key_len(int profile);

/*
 * A session from session keys rather than master ones, the same for SRTP and SRTCP: for
 * known-answer tests (RFC 3711 Appendix B.2, RFC 7714 §16-17 give session keys). auth_key has
 * tp_srtp_auth_key_len bytes, or is NULL (all zero; AEAD profiles have none).
 */
tp_srtp *tp_srtp_new_session_keys(int profile, const uint8_t *key, const uint8_t *salt, const uint8_t *auth_key);

void tp_srtp_free(tp_srtp *s);

/*
 * RTP. protect encrypts packet[0..len) in place and appends the tag; cap is the buffer's size.
 * The same index may be protected again (a retransmission answering a NACK): outbound has no
 * replay check. unprotect checks the tag and the replay window, decrypts in place, and returns
 * the plaintext length. Both return a negative TP_SRTP_ERR_* on failure and leave the session's
 * state as it was; a failed unprotect leaves the packet's bytes as they were too.
 */
int tp_srtp_protect_rtp(tp_srtp *s, uint8_t *packet, size_t len, size_t cap);
int tp_srtp_unprotect_rtp(tp_srtp *s, uint8_t *packet, size_t len);

/* RTCP (compound packets), with the SRTCP index and E flag (RFC 3711 §3.4). */
int tp_srtp_protect_rtcp(tp_srtp *s, uint8_t *packet, size_t len, size_t cap);
int tp_srtp_unprotect_rtcp(tp_srtp *s, uint8_t *packet, size_t len);

#endif
