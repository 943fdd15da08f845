/**
 * Structured logging with coturn's switches: `log-file` (path, `stdout`, `-`, `syslog`),
 * `simple-log`, `no-stdout-log`, `syslog`, `verbose` / `Verbose`. One line per event, text
 * (`key=value`) or JSON lines (`log-format=json`). Per-packet lines only at `Verbose` (level 2).
 */
import type { Writable } from 'node:stream';
import { openLogSinks, type LogSink } from './sinks.ts';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';
export type LogFields = Record<string, unknown>;

export interface LogSettings {
  /** path | 'stdout' | '-' | 'syslog' | undefined (stdout only) */
  file: string | undefined;
  simpleLog: boolean;
  noStdoutLog: boolean;
  syslog?: boolean;
  /** 0 = normal, 1 = verbose (-v), 2 = very verbose (-V, per-packet lines) */
  verbose: 0 | 1 | 2;
  format: 'text' | 'json';
}

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

/** The logger every component receives. `enabled` lets hot paths skip building fields. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  debug(event: string, fields?: LogFields): void;
  trace(event: string, fields?: LogFields): void;
  enabled(level: LogLevel): boolean;
  /** a reload: 0 = info, 1 = debug (`verbose`), 2 = trace (`Verbose`) */
  setVerbosity?(verbose: 0 | 1 | 2): void;
  /** reopen files (SIGHUP, as coturn) */
  reopen(): void;
  close(): Promise<void>;
}

/** Formats one event as a text line: `2026-11-22T10:00:00.000Z INFO event key=value ...`. */
export function formatText(time: Date, level: LogLevel, event: string, fields: LogFields | undefined): string {
  let line = `${time.toISOString()} ${level.toUpperCase()} ${event}`;
  if (fields) {
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      line += ` ${k}=${formatValue(v)}`;
    }
  }
  return line;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

/** Formats one event as a JSON line. */
export function formatJson(time: Date, level: LogLevel, event: string, fields: LogFields | undefined): string {
  const rec: LogFields = { time: time.toISOString(), level, event };
  if (fields) {
    for (const [k, v] of Object.entries(fields)) rec[k] = v instanceof Error ? v.message : v;
  }
  return JSON.stringify(rec, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * A `Logger` around one function: the level methods, `enabled`, and no files to reopen or
 * close unless `extra` says otherwise. Every logger is built here.
 */
export function loggerAround(
  log: (level: LogLevel, event: string, fields?: LogFields) => void,
  enabled: (level: LogLevel) => boolean = () => true,
  extra: Partial<Pick<Logger, 'reopen' | 'close' | 'setVerbosity'>> = {},
): Logger {
  return {
    log,
    error: (e, f) => log('error', e, f),
    warn: (e, f) => log('warn', e, f),
    info: (e, f) => log('info', e, f),
    debug: (e, f) => log('debug', e, f),
    trace: (e, f) => log('trace', e, f),
    enabled,
    reopen: extra.reopen ?? (() => {}),
    close: extra.close ?? (async () => {}),
    ...(extra.setVerbosity ? { setVerbosity: extra.setVerbosity } : {}),
  };
}

/** Creates a logger from coturn-style settings. `stdout` may be replaced in tests. */
export function createLogger(settings: LogSettings, stdout: Writable = process.stdout): Logger {
  const rank = (v: 0 | 1 | 2): number => (v === 2 ? LEVEL_RANK.trace : v === 1 ? LEVEL_RANK.debug : LEVEL_RANK.info);
  let threshold = rank(settings.verbose);
  const sinks: LogSink[] = openLogSinks(settings, stdout);
  const format = settings.format === 'json' ? formatJson : formatText;
  const log = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (LEVEL_RANK[level] > threshold) return;
    const line = format(new Date(), level, event, fields);
    for (const s of sinks) s.write(line, level);
  };
  return loggerAround(log, (level) => LEVEL_RANK[level] <= threshold, {
    setVerbosity: (v) => {
      threshold = rank(v);
    },
    reopen: () => sinks.forEach((s) => s.reopen()),
    close: async () => {
      await Promise.all(sinks.map((s) => s.close()));
    },
  });
}

/** A logger that discards everything (library use, tests). */
export const silentLogger: Logger = loggerAround(() => {}, () => false);
