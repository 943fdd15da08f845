/*
 * Weak stand-ins for SRTP (srtp.h) and the router (router.h), so the media worker links before
 * srtp.c and router.c exist, and in builds without OpenSSL's headers (srtp.c is built only with
 * TP_HAVE_OPENSSL). The real definitions are strong and win wherever they are built.
 *
 * Without them: every SRTP session fails to be made (TP_SRTP_ERR_CRYPTO where a call returns a
 * result), so only the plaintext test profile carries media; the router accepts every control
 * call and routes nothing.
 */
#include <stddef.h>

#include "router.h"
#include "srtp.h"

#define WEAK __attribute__((weak))

/* --- SRTP -------------------------------------------------------------------------------------- */

/* RFC 5764 §4.1.2 and RFC 7714 §12: the profiles' master key and salt lengths. */
WEAK size_t tp_srtp_key_len(int profile) {
  switch (profile) {
    case TP_SRTP_AES128_CM_SHA1_80:
    case TP_SRTP_AES128_CM_SHA1_32:
    case TP_SRTP_AEAD_AES_128_GCM: return 16;
    case TP_SRTP_AEAD_AES_256_GCM: return 32;
    default: return 0;
  }
}

WEAK size_t tp_srtp_salt_len(int profile) {
  switch (profile) {
    case TP_SRTP_AES128_CM_SHA1_80:
    case TP_SRTP_AES128_CM_SHA1_32: return 14;
    case TP_SRTP_AEAD_AES_128_GCM:
    case TP_SRTP_AEAD_AES_256_GCM: return 12;
    default: return 0;
  }
}

WEAK tp_srtp *tp_srtp_new(int profile, const uint8_t *master_key, const uint8_t *master_salt) {
  (void)profile, (void)master_key, (void)master_salt;
  return NULL;
}

WEAK void tp_srtp_free(tp_srtp *s) { (void)s; }

WEAK int tp_srtp_protect_rtp(tp_srtp *s, uint8_t *packet, size_t len, size_t cap) {
  (void)s, (void)packet, (void)len, (void)cap;
  return TP_SRTP_ERR_CRYPTO;
}

WEAK int tp_srtp_unprotect_rtp(tp_srtp *s, uint8_t *packet, size_t len) {
  (void)s, (void)packet, (void)len;
  return TP_SRTP_ERR_CRYPTO;
}

WEAK int tp_srtp_protect_rtcp(tp_srtp *s, uint8_t *packet, size_t len, size_t cap) {
  (void)s, (void)packet, (void)len, (void)cap;
  return TP_SRTP_ERR_CRYPTO;
}

WEAK int tp_srtp_unprotect_rtcp(tp_srtp *s, uint8_t *packet, size_t len) {
  (void)s, (void)packet, (void)len;
  return TP_SRTP_ERR_CRYPTO;
}

/* --- the router -------------------------------------------------------------------------------- */

/* One placeholder object: the stubs keep no state, but callers need a non-NULL router. */
static char stub_router;

WEAK tp_router *tp_router_new(void) { return (tp_router *)(void *)&stub_router; }
WEAK void tp_router_free(tp_router *r) { (void)r; }

WEAK int tp_router_conn_add(tp_router *r, uint32_t conn, const tp_conn_spec *spec) {
  (void)r, (void)conn, (void)spec;
  return TP_ROUTER_OK;
}

WEAK int tp_router_conn_remove(tp_router *r, uint32_t conn) {
  (void)r, (void)conn;
  return TP_ROUTER_OK;
}

WEAK int tp_router_conn_set(tp_router *r, uint32_t conn, const tp_conn_spec *spec) {
  (void)r, (void)conn, (void)spec;
  return TP_ROUTER_OK;
}

WEAK void tp_router_set_audio_threshold(tp_router *r, uint8_t level) { (void)r, (void)level; }

WEAK int tp_router_up_add(tp_router *r, uint32_t up, const tp_up_spec *spec) {
  (void)r, (void)up, (void)spec;
  return TP_ROUTER_OK;
}

WEAK int tp_router_up_remove(tp_router *r, uint32_t up) {
  (void)r, (void)up;
  return TP_ROUTER_OK;
}

WEAK int tp_router_down_add(tp_router *r, uint32_t down, const tp_down_spec *spec) {
  (void)r, (void)down, (void)spec;
  return TP_ROUTER_OK;
}

WEAK int tp_router_down_remove(tp_router *r, uint32_t down) {
  (void)r, (void)down;
  return TP_ROUTER_OK;
}

WEAK int tp_router_conn_ready(tp_router *r, uint32_t conn, uint8_t ready) {
  (void)r, (void)conn, (void)ready;
  return TP_ROUTER_OK;
}

WEAK int tp_router_conn_rtx_rate(tp_router *r, uint32_t conn, uint32_t bps) {
  (void)r, (void)conn, (void)bps;
  return TP_ROUTER_OK;
}

WEAK int tp_router_down_set(tp_router *r, uint32_t down, const tp_down_spec *spec) {
  (void)r, (void)down, (void)spec;
  return TP_ROUTER_OK;
}

WEAK int tp_router_down_target(tp_router *r, uint32_t down, uint8_t layer, uint8_t paused) {
  (void)r, (void)down, (void)layer, (void)paused;
  return TP_ROUTER_OK;
}

WEAK int tp_router_down_temporal(tp_router *r, uint32_t down, uint8_t tid_max) {
  (void)r, (void)down, (void)tid_max;
  return TP_ROUTER_OK;
}

WEAK int tp_router_request_keyframe(tp_router *r, uint32_t up, uint8_t layer, tp_out_batch *out) {
  (void)r, (void)up, (void)layer, (void)out;
  return TP_ROUTER_OK;
}

WEAK void tp_router_rtp(tp_router *r, uint32_t conn, const uint8_t *packet, size_t len, uint64_t now_us, tp_out_batch *out, tp_event_log *ev) {
  (void)r, (void)conn, (void)packet, (void)len, (void)now_us, (void)out, (void)ev;
}

WEAK void tp_router_rtcp(tp_router *r, uint32_t conn, const uint8_t *packet, size_t len, uint64_t now_us, tp_out_batch *out, tp_event_log *ev) {
  (void)r, (void)conn, (void)packet, (void)len, (void)now_us, (void)out, (void)ev;
}

WEAK void tp_router_tick(tp_router *r, uint64_t now_us, uint64_t wall_ms, tp_out_batch *out, tp_event_log *ev) {
  (void)r, (void)now_us, (void)wall_ms, (void)out, (void)ev;
}

WEAK void tp_router_counters_get(const tp_router *r, tp_router_counters *c) {
  (void)r;
  *c = (tp_router_counters){ 0 };
}
