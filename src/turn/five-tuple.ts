/**
 * The client side of a 5-tuple (RFC 8656 §2): the transport the request arrived on (a UDP
 * listening socket, or one TCP/TLS connection) plus the client's IP and port.
 */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'dtls';

/** A listening socket or stream connection that can send back to clients. Implemented by drivers. */
export interface ClientTransport {
  /** unique per transport for the life of the process */
  readonly id: number;
  readonly protocol: TransportProtocol;
  /** the server side of the 5-tuple */
  readonly localIp: string;
  readonly localPort: number;
  /** Carries a datagram (or a framed message on a stream) to the client. */
  send(ip: string, port: number, data: Uint8Array): void;
}

/** RFC 8656 §2 "5-tuple": (transport incl. server address, client IP, client port). */
export interface FiveTuple {
  transport: ClientTransport;
  clientIp: string;
  clientPort: number;
}

/**
 * A map keyed by 5-tuple that looks up without building a string per packet: an outer map on
 * a number made of transport id and client port, an inner map on the client IP text.
 */
export class FiveTupleMap<V> {
  readonly #outer = new Map<number, Map<string, V>>();
  #size = 0;

  static #key(transportId: number, port: number): number {
    return transportId * 65536 + port;
  }

  get(transportId: number, ip: string, port: number): V | undefined {
    return this.#outer.get(FiveTupleMap.#key(transportId, port))?.get(ip);
  }

  set(transportId: number, ip: string, port: number, value: V): void {
    const k = FiveTupleMap.#key(transportId, port);
    let inner = this.#outer.get(k);
    if (!inner) {
      inner = new Map();
      this.#outer.set(k, inner);
    }
    if (!inner.has(ip)) this.#size++;
    inner.set(ip, value);
  }

  delete(transportId: number, ip: string, port: number): boolean {
    const k = FiveTupleMap.#key(transportId, port);
    const inner = this.#outer.get(k);
    if (!inner || !inner.delete(ip)) return false;
    if (inner.size === 0) this.#outer.delete(k);
    this.#size--;
    return true;
  }

  get size(): number {
    return this.#size;
  }

  *values(): IterableIterator<V> {
    for (const inner of this.#outer.values()) yield* inner.values();
  }
}
