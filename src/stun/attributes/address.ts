/**
 * Transport address attributes: MAPPED-ADDRESS (RFC 8489 §14.1) and the forms that share its
 * layout (ALTERNATE-SERVER §14.15, RESPONSE-ORIGIN and OTHER-ADDRESS RFC 5780 §7.3–7.4), and
 * XOR-MAPPED-ADDRESS (RFC 8489 §14.2) with its TURN siblings XOR-PEER-ADDRESS and
 * XOR-RELAYED-ADDRESS (RFC 8656 §18.3, §18.5).
 *
 * Value: one reserved byte, the family (0x01 IPv4, 0x02 IPv6), the port, then 4 or 16 address
 * bytes. The XOR forms xor the port with the cookie's top 16 bits and the address with the
 * cookie (IPv4) or the cookie followed by the transaction id (IPv6), i.e. with header bytes
 * 4..20.
 */
import type { TransportAddress } from '../types.ts';
import { formatIp } from '../../net/ip-format.ts';
import { parseIpInto } from '../../net/ip-parse.ts';
import { AttributeFault, badLength, checkInt, unencodable, type AttributeCodec } from './codec.ts';

/** RFC 8489 §14.1 family codes. */
const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;

/** Reused for un-xoring and for parsing: coding is synchronous, so one buffer serves all. */
const scratch = new Uint8Array(16);

function decodeAddress(name: string, xor: boolean, msg: Uint8Array, offset: number, length: number): TransportAddress | AttributeFault {
  if (length !== 8 && length !== 20) return badLength(name, length, '8 (IPv4) or 20 (IPv6)');
  const family = msg[offset + 1];
  if (family !== FAMILY_IPV4 && family !== FAMILY_IPV6) {
    return new AttributeFault('attribute-bad-value', `${name} has unknown address family 0x${family.toString(16)}`);
  }
  if ((family === FAMILY_IPV4) !== (length === 8)) {
    return badLength(name, length, family === FAMILY_IPV4 ? '8 for IPv4' : '20 for IPv6');
  }
  let port = (msg[offset + 2] << 8) | msg[offset + 3];
  // The xor mask is header bytes 4..20: the magic cookie, then the transaction id.
  if (xor) port ^= (msg[4] << 8) | msg[5];
  const a = offset + 4;
  if (family === FAMILY_IPV4) {
    if (!xor) return { family: 'IPv4', address: formatIp('IPv4', msg, a), port };
    scratch[0] = msg[a] ^ msg[4];
    scratch[1] = msg[a + 1] ^ msg[5];
    scratch[2] = msg[a + 2] ^ msg[6];
    scratch[3] = msg[a + 3] ^ msg[7];
    return { family: 'IPv4', address: formatIp('IPv4', scratch), port };
  }
  if (!xor) return { family: 'IPv6', address: formatIp('IPv6', msg, a), port };
  for (let i = 0; i < 16; i++) scratch[i] = msg[a + i] ^ msg[4 + i];
  return { family: 'IPv6', address: formatIp('IPv6', scratch), port };
}

function sizeAddress(name: string, value: TransportAddress): number {
  checkInt(name, value.port, 0, 0xffff);
  if (value.family === 'IPv4') return 8;
  if (value.family === 'IPv6') return 20;
  return unencodable(name, `unknown family ${String(value.family)}`);
}

function writeAddress(name: string, xor: boolean, out: Buffer, offset: number, value: TransportAddress): void {
  const v4 = value.family === 'IPv4';
  const a = offset + 4;
  // Parsed aside first: IPv6 text would write 16 bytes where an IPv4 value has room for 4.
  if (parseIpInto(value.address, scratch) !== value.family) {
    unencodable(name, `${JSON.stringify(value.address)} is not an ${value.family} address`);
  }
  out.set(scratch.subarray(0, v4 ? 4 : 16), a);
  out[offset + 1] = v4 ? FAMILY_IPV4 : FAMILY_IPV6;
  const port = xor ? value.port ^ ((out[4] << 8) | out[5]) : value.port;
  out[offset + 2] = port >> 8;
  out[offset + 3] = port & 0xff;
  if (xor) {
    const n = v4 ? 4 : 16;
    for (let i = 0; i < n; i++) out[a + i] ^= out[4 + i];
  }
}

/** A codec for an address attribute in plain (MAPPED-ADDRESS) or XOR (XOR-MAPPED-ADDRESS) form. */
export function addressCodec(name: string, xor: boolean): AttributeCodec<TransportAddress> {
  return {
    name,
    decode: (msg, offset, length) => decodeAddress(name, xor, msg, offset, length),
    size: (value) => sizeAddress(name, value),
    write: (out, offset, value) => writeAddress(name, xor, out, offset, value),
  };
}
