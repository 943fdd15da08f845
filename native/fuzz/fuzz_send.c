/* libFuzzer target: the Send indication parser (RFC 8656 §11.2) on arbitrary bytes. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tp_send s;
  if (tp_send_parse(data, size, &s) == 1) {
    /* What it hands back lies inside the input, and names a real family. */
    assert(s.data >= data && s.data + s.data_len <= data + size);
    assert(s.peer.family == 4 || s.peer.family == 6);
    /* And a Data indication carrying it has a consistent length (RFC 8656 §11.4). */
    uint8_t head[64];
    uint8_t tid[12] = { 0 };
    size_t total = tp_data_indication_len(s.peer.family, s.data_len, 1);
    size_t hl = tp_data_indication_head(head, tid, &s.peer, s.peer_port, s.data_len, total);
    uint8_t tail[16];
    size_t pad = tp_data_padding(tail, s.data_len);
    assert(hl + s.data_len + pad + 8 == total);
  }
  return 0;
}
