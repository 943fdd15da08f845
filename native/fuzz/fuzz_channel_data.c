/* libFuzzer target: the ChannelData parser (RFC 8656 §12.4) on arbitrary bytes. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint16_t number;
  const uint8_t *payload;
  size_t len;
  if (tp_channel_data_parse(data, size, &number, &payload, &len) == 0) {
    assert(payload == data + 4 && len + 4 <= size);
    assert(number == (uint16_t)((data[0] << 8) | data[1]));
  }
  /* The CRC must read exactly what it is given, whatever it is. */
  (void)tp_crc32(0, data, size);
  return 0;
}
