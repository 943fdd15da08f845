/**
 * Program failures: every `Error` Turnpike throws carries a stable `code` from this list.
 * Protocol outcomes (STUN error responses, JSON-RPC error objects) are values, never these.
 */
export const ErrorCode = {
  /** a configuration file or command line that cannot be used */
  CONFIG_INVALID: 'TURNPIKE_ERR_CONFIG_INVALID',
  /** an option coturn has that Turnpike does not implement yet */
  CONFIG_UNSUPPORTED: 'TURNPIKE_ERR_CONFIG_UNSUPPORTED',
  /** a configuration that would run an open relay */
  OPEN_RELAY_REFUSED: 'TURNPIKE_ERR_OPEN_RELAY_REFUSED',
  /** a socket could not be bound */
  LISTEN_FAILED: 'TURNPIKE_ERR_LISTEN_FAILED',
  /** a command line for a utility (turnadmin, stunclient, uclient, peer) that cannot be used */
  USAGE: 'TURNPIKE_ERR_USAGE',
  /** a network operation that did not answer in time */
  TIMEOUT: 'TURNPIKE_ERR_TIMEOUT',
  /** a user database that cannot be reached or read */
  DATABASE: 'TURNPIKE_ERR_DATABASE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every program failure. */
export class TurnpikeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TurnpikeError';
    this.code = code;
  }
}
