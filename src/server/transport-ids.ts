/** Process-wide ids for client transports (part of the 5-tuple key). */
let next = 1;

/** A new transport id, never reused while the process runs. */
export function nextTransportId(): number {
  return next++;
}
