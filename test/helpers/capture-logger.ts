/** A logger that keeps every event, for tests that check what is logged (and what is not). */
import type { Logger, LogFields, LogLevel } from '../../src/log/logger.ts';

export interface LoggedEvent {
  level: LogLevel;
  event: string;
  fields: LogFields;
}

/** A `Logger` whose `events` list grows with each call. */
export function captureLogger(): Logger & { events: LoggedEvent[] } {
  const events: LoggedEvent[] = [];
  const log = (level: LogLevel, event: string, fields: LogFields = {}): void => {
    events.push({ level, event, fields });
  };
  return {
    events,
    log,
    error: (e, f) => log('error', e, f),
    warn: (e, f) => log('warn', e, f),
    info: (e, f) => log('info', e, f),
    debug: (e, f) => log('debug', e, f),
    trace: (e, f) => log('trace', e, f),
    enabled: () => true,
    reopen() {},
    close: async () => {},
  };
}
