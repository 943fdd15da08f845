/**
 * The structured logger every SFU layer writes to (the shape of Turnpike's `Logger`), at the
 * bottom of the SFU's layers.
 */

/** Minimal structured logger (the shape of Turnpike's `Logger`). */
export interface SfuLog {
  error(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  debug(event: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything. */
export const silentLog: SfuLog = { error() {}, warn() {}, info() {}, debug() {} };
