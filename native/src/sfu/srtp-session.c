/*
 * SRTP sessions (see srtp.h): the profiles' key lengths, the key derivation of RFC 3711 §4.3
 * (RFC 6188 §7 for AES-256), and the libcrypto contexts each session keys once and reuses for
 * every packet (srtp.c).
 */
#ifdef TP_HAVE_OPENSSL

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "srtp-internal.h"

size_t tp_srtp_key_len(int profile) {
  switch (profile) {
    case TP_SRTP_AES128_CM_SHA1_80:
    case TP_SRTP_AES128_CM_SHA1_32:
    case TP_SRTP_AEAD_AES_128_GCM: return 16;
    case TP_SRTP_AEAD_AES_256_GCM: return 32;
    default: return 0;
  }
}

size_t tp_srtp_salt_len(int profile) {
  switch (profile) {
    case TP_SRTP_AES128_CM_SHA1_80:
    case TP_SRTP_AES128_CM_SHA1_32: return CM_SALT;
    case TP_SRTP_AEAD_AES_128_GCM:
    case TP_SRTP_AEAD_AES_256_GCM: return GCM_SALT;
    default: return 0;
  }
}

size_t tp_srtp_auth_key_len(int profile) {
  return profile == TP_SRTP_AES128_CM_SHA1_80 || profile == TP_SRTP_AES128_CM_SHA1_32 ? AUTH_KEY : 0;
}

/* --- session keys ------------------------------------------------------------------------ */

static const EVP_CIPHER *ctr_cipher(size_t key_len) {
  return key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
}

/*
 * The AES-CM PRF of RFC 3711 §4.3.1 (AES-256 for AEAD_AES_256_GCM, RFC 6188 §7), with
 * key_derivation_rate 0: x = (label << 48) XOR master_salt, the keystream from IV x * 2^16.
 * A 96-bit master salt (RFC 7714) is the 112-bit one's leading bytes, the rest zero.
 */
static int derive(const uint8_t *master_key, size_t key_len, const uint8_t *salt, size_t salt_len, uint8_t label, uint8_t *out, size_t out_len) {
  uint8_t iv[16] = {0};
  memcpy(iv, salt, salt_len);
  iv[7] ^= label;
  memset(out, 0, out_len);
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int n = 0;
  int ok = c && EVP_EncryptInit_ex(c, ctr_cipher(key_len), NULL, master_key, iv) == 1 && EVP_EncryptUpdate(c, out, &n, out, (int)out_len) == 1 && (size_t)n == out_len;
  EVP_CIPHER_CTX_free(c);
  return ok ? 0 : -1;
}

static int keys_init(srtp_keys *k, int profile, EVP_MAC *hmac, const uint8_t *key, const uint8_t *salt, const uint8_t *auth) {
  size_t key_len = tp_srtp_key_len(profile);
  const EVP_CIPHER *cipher = profile == TP_SRTP_AEAD_AES_128_GCM ? EVP_aes_128_gcm() : profile == TP_SRTP_AEAD_AES_256_GCM ? EVP_aes_256_gcm() : ctr_cipher(key_len);
  memcpy(k->salt, salt, tp_srtp_salt_len(profile));
  k->cipher = EVP_CIPHER_CTX_new();
  if (!k->cipher || EVP_CipherInit_ex(k->cipher, cipher, NULL, key, NULL, 1) != 1) return -1;
  if (!hmac) return 0;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0), OSSL_PARAM_construct_end()};
  k->mac = EVP_MAC_CTX_new(hmac);
  return k->mac && EVP_MAC_init(k->mac, auth, AUTH_KEY, params) == 1 ? 0 : -1;
}

static void keys_free(srtp_keys *k) {
  EVP_CIPHER_CTX_free(k->cipher);
  EVP_MAC_CTX_free(k->mac);
  OPENSSL_cleanse(k->salt, sizeof k->salt);
}

/* A session from session keys; the same keys serve SRTP and SRTCP when rtcp_* are NULL. */
static tp_srtp *session_new(int profile, const uint8_t *key, const uint8_t *salt, const uint8_t *auth, const uint8_t *rtcp_key, const uint8_t *rtcp_salt, const uint8_t *rtcp_auth) {
  if (tp_srtp_key_len(profile) == 0) return NULL;
  tp_srtp *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->profile = profile;
  s->gcm = profile == TP_SRTP_AEAD_AES_128_GCM || profile == TP_SRTP_AEAD_AES_256_GCM;
  s->rtp_tag = s->gcm ? GCM_TAG : profile == TP_SRTP_AES128_CM_SHA1_32 ? 4 : CM_TAG;
  EVP_MAC *hmac = s->gcm ? NULL : EVP_MAC_fetch(NULL, "HMAC", NULL);
  int ok = (s->gcm || hmac) && keys_init(&s->rtp, profile, hmac, key, salt, auth) == 0 &&
           keys_init(&s->rtcp, profile, hmac, rtcp_key ? rtcp_key : key, rtcp_salt ? rtcp_salt : salt, rtcp_auth ? rtcp_auth : auth) == 0;
  EVP_MAC_free(hmac); /* each MAC context holds its own reference */
  if (!ok) {
    tp_srtp_free(s);
    return NULL;
  }
  return s;
}

tp_srtp *tp_srtp_new(int profile, const uint8_t *master_key, const uint8_t *master_salt) {
  size_t key_len = tp_srtp_key_len(profile), salt_len = tp_srtp_salt_len(profile);
  if (!key_len || !master_key || !master_salt) return NULL;
  /* Labels 0..2 key SRTP, 3..5 SRTCP (RFC 3711 §4.3.2): encryption key, auth key, salt. */
  uint8_t k[6][32], tp_salt[2][CM_SALT], auth[2][AUTH_KEY];
  int ok = 1;
  for (int i = 0; i < 2 && ok; i++) {
    uint8_t base = (uint8_t)(3 * i);
    ok = derive(master_key, key_len, master_salt, salt_len, base, k[i], key_len) == 0 &&
         derive(master_key, key_len, master_salt, salt_len, base + 1, auth[i], AUTH_KEY) == 0 &&
         derive(master_key, key_len, master_salt, salt_len, base + 2, tp_salt[i], salt_len) == 0;
  }
  tp_srtp *s = ok ? session_new(profile, k[0], tp_salt[0], auth[0], k[1], tp_salt[1], auth[1]) : NULL;
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(tp_salt, sizeof tp_salt);
  OPENSSL_cleanse(auth, sizeof auth);
  return s;
}

tp_srtp *tp_srtp_new_session_keys(int profile, const uint8_t *key, const uint8_t *salt, const uint8_t *auth_key) {
  static const uint8_t no_auth[AUTH_KEY] = {0};
  if (!key || !salt) return NULL;
  return session_new(profile, key, salt, auth_key ? auth_key : no_auth, NULL, NULL, NULL);
}

void tp_srtp_free(tp_srtp *s) {
  if (!s) return;
  keys_free(&s->rtp);
  keys_free(&s->rtcp);
  OPENSSL_cleanse(s, sizeof *s);
  free(s);
}

#endif
