/* Placeholder until this part of the media path lands: registers nothing. */
#define NAPI_VERSION 8
#include "sfu.h"

void tp_srtp_register(napi_env env, napi_value exports) {
  (void)env, (void)exports;
}
