/* libFuzzer target: the DTLS record-header scan (RFC 6347 §4.1) on arbitrary bytes. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dtls-record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tp_dtls_scan s;
  tp_dtls_scan_status st = tp_dtls_scan_datagram(data, size, &s);
  assert(strlen(tp_dtls_scan_name(st)) > 0);
  if (st == TP_DTLS_OK) {
    /* Every record accounted for: at least one, each at least a header long. */
    assert(s.records >= 1 && (size_t)s.records * TP_DTLS_RECORD_HEADER <= size);
    assert(s.first_type >= 20 && s.first_type <= 25);
    assert(!s.client_hello || (s.first_type == 22 && s.first_epoch == 0));
  }
  return 0;
}
