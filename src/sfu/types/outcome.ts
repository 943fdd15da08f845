/**
 * The SFU's protocol outcomes: a value, or a reason the client is told (a JSON-RPC error
 * message). The bottom of the SFU's layers, so every layer can return one.
 */

/** A protocol outcome: a value, or a reason the client is told (JSON-RPC error message). */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** ion-sfu's error texts, kept so apps matching on them keep working. */
export const SfuErrorText = {
  alreadyJoined: 'rtc transport already exists for this connection',
  notJoined: 'no rtc transport exists for this Peer',
} as const;
