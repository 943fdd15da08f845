/**
 * HTTP requests that reach a STUN/TURN stream listener, answered as coturn answers them:
 *
 * - `acme-redirect`: an ACME HTTP-01 challenge (RFC 8555 §8.3) on a plain TCP connection —
 *   `GET /.well-known/acme-challenge/TOKEN HTTP/1.x` — gets a 301 redirect to the configured
 *   URL followed by TOKEN, so a TURN server on port 80 can still renew its certificate.
 * - `respond-http-unsupported` (coturn 4.7+): any other HTTP request (GET, POST, PUT, DELETE)
 *   on TCP or TLS gets `400 Not supported`, instead of a connection that just goes quiet.
 *
 * Either way the connection is then closed. Only the first chunk of a connection is looked
 * at; anything else goes on to the STUN framer untouched.
 */
import type { Socket } from 'node:net';

const ACME_PREFIX = 'GET /.well-known/acme-challenge/';
/** RFC 8555 §8.1 tokens are base64url of at least 128 bits (22 characters); coturn accepts 10 or more. */
const MIN_TOKEN = 10;
/** A longer request line is not a challenge (coturn's bound too). */
const MAX_TOKEN = 131 - ACME_PREFIX.length;
const TOKEN = /^[A-Za-z0-9_-]+$/;
/** The methods coturn recognises as HTTP on its STUN ports. */
const HTTP_REQUEST = /^(GET|POST|PUT|DELETE) [^\r\n]* HTTP\/\d/;
/** How much of a first chunk is read as text: enough for a request line. */
const HEAD_BYTES = 512;

/** What the listener is told to answer. */
export interface HttpAnswers {
  /** `acme-redirect`: the URL challenge tokens are appended to */
  acmeRedirect?: string;
  /** `respond-http-unsupported` */
  respondHttpUnsupported?: boolean;
}

function head(chunk: Uint8Array): string {
  return Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.length, HEAD_BYTES)).toString('latin1');
}

/** The redirect target for a challenge request in `chunk`, or undefined when it is not one. Pure. */
export function acmeRedirectTarget(chunk: Uint8Array, url: string): string | undefined {
  if (chunk.length < ACME_PREFIX.length || chunk[0] !== 0x47) return undefined;
  const text = head(chunk);
  if (!text.startsWith(ACME_PREFIX)) return undefined;
  const end = text.indexOf(' ', ACME_PREFIX.length);
  if (end < 0 || !text.startsWith(' HTTP/1.', end)) return undefined;
  const token = text.slice(ACME_PREFIX.length, end);
  if (token.length < MIN_TOKEN || token.length > MAX_TOKEN || !TOKEN.test(token)) return undefined;
  return `${url}${token}`;
}

/** Whether `chunk` starts with an HTTP request line. Pure. */
export function isHttpRequest(chunk: Uint8Array): boolean {
  // STUN starts with 0x00 or 0x01, ChannelData with 0x40-0x7F; HTTP methods are upper-case letters.
  return chunk.length >= 12 && HTTP_REQUEST.test(head(chunk));
}

/** The whole HTTP answer that redirects to `target`. */
export function acmeRedirectResponse(target: string): string {
  const body = '<html><head><title>301 Moved Permanently</title></head><body><h1>301 Moved Permanently</h1></body></html>';
  return `HTTP/1.1 301 Moved Permanently\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\nLocation: ${target}\r\n\r\n${body}`;
}

/** The whole `400 Not supported` answer, naming the transport as coturn does. */
export function httpUnsupportedResponse(protocol: string): string {
  const body = 'HTTP not supported.\n';
  return `HTTP/1.1 400 ${protocol.toUpperCase()} Not supported\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

/**
 * A per-connection check: given each chunk, true when the chunk was an HTTP request that has
 * been answered (the caller stops there). ACME redirects are for plain TCP only, as in coturn.
 */
export function httpFirstChunkCheck(socket: Socket, protocol: string, answers: HttpAnswers): (chunk: Uint8Array) => boolean {
  const acme = protocol === 'tcp' && answers.acmeRedirect ? answers.acmeRedirect : undefined;
  let first = acme !== undefined || answers.respondHttpUnsupported === true;
  return (chunk) => {
    if (!first) return false;
    first = false;
    const target = acme === undefined ? undefined : acmeRedirectTarget(chunk, acme);
    if (target !== undefined) {
      socket.end(acmeRedirectResponse(target));
      return true;
    }
    if (!answers.respondHttpUnsupported || !isHttpRequest(chunk)) return false;
    socket.end(httpUnsupportedResponse(protocol));
    return true;
  };
}
