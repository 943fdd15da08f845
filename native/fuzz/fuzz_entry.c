/* libFuzzer target: the forwarding-table row parser (entry.h) on arbitrary bytes. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tp_entry e;
  if (tp_entry_parse(data, size, &e) != 0) return 0;
  assert(e.client_ip.family == 4 || e.client_ip.family == 6);
  for (uint16_t i = 0; i < e.nperm; i++) {
    tp_entry_perm p;
    tp_entry_perm_at(&e, i, &p);
    assert(p.ip.family == 4 || p.ip.family == 6);
  }
  for (uint16_t i = 0; i < e.nchan; i++) {
    tp_entry_chan c;
    tp_entry_chan_at(&e, i, &c);
    assert(c.ip.family == 4 || c.ip.family == 6);
  }
  return 0;
}
