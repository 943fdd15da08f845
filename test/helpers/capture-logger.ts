/** A logger that keeps every event, for tests that check what is logged (and what is not). */
import { loggerAround, type Logger, type LogFields, type LogLevel } from '../../src/log/logger.ts';

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
  return { ...loggerAround(log), events };
}
