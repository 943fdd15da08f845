/**
 * Turning client-library failures into `TurnpikeError` DATABASE for the SQL backends: one
 * message naming the backend and the reason, with any password scrubbed out, and deadlines
 * for operations that a client library would let hang.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';

const MISSING_TABLE_HINT = "coturn's tables are missing: load /usr/share/coturn/schema.sql or call createSchema";

/** The reason an error gives, including the codes of the errors it aggregates (e.g. `localhost` on ::1 and 127.0.0.1). */
export function errorReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  let text = err.message;
  if (!text && err instanceof AggregateError) {
    text = [...new Set(err.errors.map((e) => errorReason(e)))].join('; ');
  }
  if (!text) text = err.name;
  if (typeof code === 'string' && code && !text.includes(code) && !(err instanceof TurnpikeError)) text += ` (${code})`;
  return text;
}

function isMissingTable(err: unknown, reason: string): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === '42P01' || code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(reason);
}

/** Replaces every occurrence of each non-empty secret with `***`. */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/**
 * An error `<prefix>: <reason>` (DATABASE, or `code`); `secrets` (passwords, as written and
 * decrypted) never appear in the message. The original error is not kept as `cause`, since a
 * client library may keep its configuration on it. A DATABASE error passes with its message.
 */
export function databaseError(
  prefix: string,
  err: unknown,
  secrets: readonly (string | undefined)[] = [],
  code: ErrorCode = ErrorCode.DATABASE,
): TurnpikeError {
  if (err instanceof TurnpikeError && err.code === ErrorCode.DATABASE) {
    return new TurnpikeError(ErrorCode.DATABASE, scrub(err.message, secrets));
  }
  let reason = errorReason(err);
  if (isMissingTable(err, reason)) reason += `; ${MISSING_TABLE_HINT}`;
  return new TurnpikeError(code, scrub(`${prefix}: ${reason}`, secrets));
}

/** Rejects with DATABASE `<prefix>: timed out after <ms> ms` when `promise` has not settled in time. */
export function withDeadline<T>(promise: Promise<T>, ms: number, prefix: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new TurnpikeError(ErrorCode.DATABASE, `${prefix}: timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
