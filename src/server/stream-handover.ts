/**
 * RFC 6062 §5.4: after a successful ConnectionBind, a client connection stops carrying STUN and
 * carries the peer's raw bytes. The stream listener holds back whatever follows a ConnectionBind
 * request until it is answered: an error answer lets the held bytes be framed as STUN again; a
 * success lets the TCP relay driver take the socket over, held bytes put back in front.
 */
import type net from 'node:net';
import type { ClientTransport } from '../turn/five-tuple.ts';

/** Bytes held behind an unanswered ConnectionBind before the connection counts as abusive. */
const MAX_HELD = 256 * 1024;

/** A ConnectionBind request (method 0x00B, class request: type 0x000B). */
export function isConnectionBindRequest(frame: Uint8Array): boolean {
  return frame.length >= 20 && frame[0] === 0x00 && frame[1] === 0x0b;
}

/** A ConnectionBind error response (type 0x011B). */
export function isConnectionBindError(message: Uint8Array): boolean {
  return message.length >= 20 && message[0] === 0x01 && message[1] === 0x1b;
}

/** The bytes of one connection held behind its ConnectionBind. */
export class BindHold {
  #held: Uint8Array[] | undefined;
  #bytes = 0;

  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** Starts holding, with the bytes that came after the request in its chunk. */
  start(rest: Uint8Array): void {
    this.#held = rest.length > 0 ? [rest] : [];
    this.#bytes = rest.length;
  }

  /** Holds a chunk; false when too much is held (close the connection). */
  add(chunk: Uint8Array): boolean {
    this.#held?.push(chunk);
    this.#bytes += chunk.length;
    return this.#bytes <= MAX_HELD;
  }

  /** Stops holding; the held bytes, in order. */
  release(): Uint8Array[] {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#bytes = 0;
    return held;
  }
}

const handovers = new WeakMap<ClientTransport, () => net.Socket | undefined>();

/** The stream listener offers a connection for taking over. */
export function offerHandover(transport: ClientTransport, take: () => net.Socket | undefined): void {
  handovers.set(transport, take);
}

/**
 * Takes a client connection over after its ConnectionBind succeeded: no more STUN framing, the
 * socket paused with the bytes after the request unshifted. Undefined when the transport is
 * no stream, is closed, or has no ConnectionBind waiting.
 */
export function takeOverConnection(transport: ClientTransport): net.Socket | undefined {
  const take = handovers.get(transport);
  if (take === undefined) return undefined;
  const socket = take();
  if (socket !== undefined) handovers.delete(transport);
  return socket;
}
