/*
 * SRTP (srtp.c) as JavaScript sees it, for tests and tools; the media path calls srtp.h from C.
 *
 *   srtpSession(profile, masterKey, masterSalt)               → session (freed when collected)
 *   srtpSessionFromSessionKeys(profile, key, salt, authKey?)  → session, keys used as given
 *   srtpProtectRtp(session, packet)    → a new Buffer, or a TP_SRTP_ERR_* number below zero
 *   srtpUnprotectRtp(session, packet)  → likewise
 *   srtpProtectRtcp(session, packet)   → likewise
 *   srtpUnprotectRtcp(session, packet) → likewise
 *
 * The packet passed in is copied, never changed. Wrong argument types throw a TypeError, a
 * profile or key length that does not fit a RangeError. Without OpenSSL's headers only
 * `srtpUnavailable`, the reason, is exported.
 */
#define NAPI_VERSION 8
#include "sfu.h"

#ifndef TP_HAVE_OPENSSL

void tp_srtp_register(napi_env env, napi_value exports) {
  napi_value why;
  napi_create_string_utf8(env, "the native addon was built without OpenSSL's headers: install libssl-dev and rebuild it (node scripts/build-native.mjs)", NAPI_AUTO_LENGTH, &why);
  napi_set_named_property(env, exports, "srtpUnavailable", why);
}

#else

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srtp.h"

#define CODE "TURNPIKE_ERR_SRTP"

/* Marks the externals this file makes, so another addon handle is refused, not misread. */
static const napi_type_tag session_tag = {0x7470737274707365ULL, 0x7373696f6e000001ULL};

static int get_args(napi_env env, napi_callback_info info, size_t min, size_t max, napi_value *argv, size_t *argc) {
  *argc = max;
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok || *argc < min || *argc > max) {
    napi_throw_type_error(env, CODE, "wrong number of arguments");
    return -1;
  }
  return 0;
}

static int get_bytes(napi_env env, napi_value v, const char *what, const uint8_t **p, size_t *n) {
  bool is_buffer = false;
  void *data = NULL;
  if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, v, &data, n) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be a Buffer", what);
    napi_throw_type_error(env, CODE, msg);
    return -1;
  }
  *p = data;
  return 0;
}

static int get_profile(napi_env env, napi_value v, int *profile) {
  napi_valuetype t;
  int32_t n;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_int32(env, v, &n) != napi_ok) {
    napi_throw_type_error(env, CODE, "profile must be a number");
    return -1;
  }
  if (tp_srtp_key_len(n) == 0) {
    napi_throw_range_error(env, CODE, "unknown SRTP protection profile (1, 2, 7 or 8)");
    return -1;
  }
  *profile = n;
  return 0;
}

static int check_len(napi_env env, const char *what, size_t got, size_t want) {
  if (got == want) return 0;
  char msg[96];
  snprintf(msg, sizeof msg, "%s must be %zu bytes for this profile, not %zu", what, want, got);
  napi_throw_range_error(env, CODE, msg);
  return -1;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  tp_srtp_free(data);
}

static napi_value wrap(napi_env env, tp_srtp *s) {
  napi_value ext;
  if (!s) {
    napi_throw_error(env, CODE, "libcrypto could not make the SRTP session");
    return NULL;
  }
  if (napi_create_external(env, s, finalize, NULL, &ext) != napi_ok) {
    tp_srtp_free(s);
    return NULL;
  }
  napi_type_tag_object(env, ext, &session_tag);
  return ext;
}

static napi_value session(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc;
  int profile;
  const uint8_t *key, *salt;
  size_t key_len, salt_len;
  if (get_args(env, info, 3, 3, argv, &argc) || get_profile(env, argv[0], &profile) || get_bytes(env, argv[1], "masterKey", &key, &key_len) ||
      get_bytes(env, argv[2], "masterSalt", &salt, &salt_len) || check_len(env, "masterKey", key_len, tp_srtp_key_len(profile)) ||
      check_len(env, "masterSalt", salt_len, tp_srtp_salt_len(profile)))
    return NULL;
  return wrap(env, tp_srtp_new(profile, key, salt));
}

static napi_value session_from_session_keys(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc;
  int profile;
  const uint8_t *key, *salt, *auth = NULL;
  size_t key_len, salt_len, auth_len = 0;
  if (get_args(env, info, 3, 4, argv, &argc) || get_profile(env, argv[0], &profile) || get_bytes(env, argv[1], "key", &key, &key_len) ||
      get_bytes(env, argv[2], "salt", &salt, &salt_len) || check_len(env, "key", key_len, tp_srtp_key_len(profile)) ||
      check_len(env, "salt", salt_len, tp_srtp_salt_len(profile)))
    return NULL;
  if (argc == 4) {
    napi_valuetype t;
    napi_typeof(env, argv[3], &t);
    if (t != napi_undefined && (get_bytes(env, argv[3], "authKey", &auth, &auth_len) || check_len(env, "authKey", auth_len, tp_srtp_auth_key_len(profile)))) return NULL;
  }
  return wrap(env, tp_srtp_new_session_keys(profile, key, salt, auth));
}

typedef int (*srtp_op)(tp_srtp *, uint8_t *, size_t, size_t);

static int unprotect_rtp(tp_srtp *s, uint8_t *p, size_t len, size_t cap) {
  (void)cap;
  return tp_srtp_unprotect_rtp(s, p, len);
}

static int unprotect_rtcp(tp_srtp *s, uint8_t *p, size_t len, size_t cap) {
  (void)cap;
  return tp_srtp_unprotect_rtcp(s, p, len);
}

/* (session, packet) → a new Buffer with the result, or the negative TP_SRTP_ERR_* number. */
static napi_value run(napi_env env, napi_callback_info info, srtp_op op) {
  napi_value argv[2], out;
  size_t argc, len;
  const uint8_t *packet;
  tp_srtp *s = NULL;
  bool tagged = false;
  if (get_args(env, info, 2, 2, argv, &argc)) return NULL;
  if (napi_check_object_type_tag(env, argv[0], &session_tag, &tagged) != napi_ok || !tagged || napi_get_value_external(env, argv[0], (void **)&s) != napi_ok || !s) {
    napi_throw_type_error(env, CODE, "expected an SRTP session from srtpSession");
    return NULL;
  }
  if (get_bytes(env, argv[1], "packet", &packet, &len)) return NULL;
  size_t cap = len + TP_SRTP_MAX_TRAILER;
  uint8_t *buf = malloc(cap);
  if (!buf) {
    napi_throw_error(env, CODE, "out of memory");
    return NULL;
  }
  if (len) memcpy(buf, packet, len);
  int r = op(s, buf, len, cap);
  void *copy;
  if (r < 0) napi_create_int32(env, r, &out);
  else napi_create_buffer_copy(env, (size_t)r, buf, &copy, &out);
  free(buf);
  return out;
}

static napi_value protect_rtp_js(napi_env env, napi_callback_info info) {
  return run(env, info, tp_srtp_protect_rtp);
}

static napi_value unprotect_rtp_js(napi_env env, napi_callback_info info) {
  return run(env, info, unprotect_rtp);
}

static napi_value protect_rtcp_js(napi_env env, napi_callback_info info) {
  return run(env, info, tp_srtp_protect_rtcp);
}

static napi_value unprotect_rtcp_js(napi_env env, napi_callback_info info) {
  return run(env, info, unprotect_rtcp);
}

void tp_srtp_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"srtpSession", NULL, session, NULL, NULL, NULL, napi_enumerable, NULL},
      {"srtpSessionFromSessionKeys", NULL, session_from_session_keys, NULL, NULL, NULL, napi_enumerable, NULL},
      {"srtpProtectRtp", NULL, protect_rtp_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"srtpUnprotectRtp", NULL, unprotect_rtp_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"srtpProtectRtcp", NULL, protect_rtcp_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"srtpUnprotectRtcp", NULL, unprotect_rtcp_js, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}

#endif
