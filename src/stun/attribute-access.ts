/**
 * Typed look-ups of attributes in a message (RFC 8489 §14), and the list a server answers
 * with in a 420 (Unknown Attribute) error (RFC 8489 §6.3.1.1, §14.13).
 */
import { isKnownAttribute } from './attributes/registry.ts';
import type { AttributeValues, KnownAttrType, StunMessage } from './types.ts';

/** The value of the first attribute of `type`, or undefined if the message has none. */
export function getAttribute<K extends KnownAttrType>(msg: StunMessage, type: K): AttributeValues[K] | undefined {
  const attrs = msg.attributes;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i];
    if (a.type === type && !('unknown' in a)) return a.value as AttributeValues[K];
  }
  return undefined;
}

/** The values of every attribute of `type`, in wire order (RFC 8489 §14: repeats are allowed). */
export function getAttributes<K extends KnownAttrType>(msg: StunMessage, type: K): AttributeValues[K][] {
  const values: AttributeValues[K][] = [];
  for (const a of msg.attributes) {
    if (a.type === type && !('unknown' in a)) values.push(a.value as AttributeValues[K]);
  }
  return values;
}

/**
 * The comprehension-required attribute types (below 0x8000) in the message that this codec
 * does not know, each once, in order of appearance. A server that gets a non-empty list for
 * a request answers 420 with these in UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1.1).
 */
export function unknownComprehensionRequired(msg: StunMessage): number[] {
  // A Set keeps this linear: one datagram can carry 16,000 attributes.
  const types = new Set<number>();
  for (const a of msg.attributes) {
    if (a.type < 0x8000 && !isKnownAttribute(a.type)) types.add(a.type);
  }
  return [...types];
}
