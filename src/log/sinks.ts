/**
 * Where log lines go. coturn semantics: `log-file=stdout|-` → standard output only;
 * `log-file=syslog` or `syslog` → the system log; a path → that file (with `_YYYY-MM-DD`
 * before the extension and a daily roll-over unless `simple-log`), plus standard output
 * unless `no-stdout-log`.
 */
import { createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { dirname, extname } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { LogLevel, LogSettings } from './logger.ts';

export interface LogSink {
  write(line: string, level: LogLevel): void;
  reopen(): void;
  close(): Promise<void>;
}

/** The file name coturn-style rollover uses for a given day: `/var/log/turn.log` → `/var/log/turn_2026-11-22.log`. */
export function datedLogPath(path: string, day: Date): string {
  const ext = extname(path);
  const base = ext ? path.slice(0, -ext.length) : path;
  return `${base}_${day.toISOString().slice(0, 10)}${ext}`;
}

function streamSink(stream: Writable): LogSink {
  return {
    write: (line) => {
      stream.write(line + '\n');
    },
    reopen: () => {},
    close: async () => {},
  };
}

function fileSink(path: string, simple: boolean): LogSink {
  let day = '';
  let stream: WriteStream | undefined;
  const open = (now: Date): void => {
    const target = simple ? path : datedLogPath(path, now);
    let fd: number;
    try {
      mkdirSync(dirname(target), { recursive: true });
      fd = openSync(target, 'a');
    } catch (err) {
      // A file that cannot be (re)opened (a dropped privilege, a full disk) leaves the one in
      // use writing, and the server running; only the very first open has nothing to keep.
      process.stderr.write(`log file ${target}: ${(err as Error).message}${stream ? '; still writing to the file open before' : ''}\n`);
      if (stream) return;
      throw err;
    }
    stream?.end();
    stream = createWriteStream(target, { fd, flags: 'a' });
    // A log file that cannot be written must not take the server down.
    stream.on('error', (err) => process.stderr.write(`log file ${target}: ${err.message}\n`));
    day = now.toISOString().slice(0, 10);
  };
  open(new Date());
  return {
    write: (line) => {
      const now = new Date();
      if (!simple && now.toISOString().slice(0, 10) !== day) open(now);
      stream?.write(line + '\n');
    },
    reopen: () => open(new Date()),
    close: () => new Promise<void>((resolve) => (stream ? stream.end(resolve) : resolve())),
  };
}

const SYSLOG_PRIORITY: Record<LogLevel, string> = { error: 'err', warn: 'warning', info: 'info', debug: 'debug', trace: 'debug' };

function syslogSink(): LogSink {
  let child: ChildProcess | undefined;
  const open = (): void => {
    // util-linux `logger` reads lines on stdin; each line becomes one syslog record.
    // Loaded only for syslog: a server that logs elsewhere never pays for child_process.
    const { spawn } = process.getBuiltinModule('node:child_process');
    child = spawn('logger', ['-t', 'turnpike', '--id=' + process.pid], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => {
      child = undefined;
    });
    child.stdin?.on('error', () => {});
  };
  open();
  return {
    write: (line, level) => {
      child?.stdin?.write(`<${SYSLOG_PRIORITY[level]}> ${line}\n`);
    },
    reopen: () => {},
    close: async () => {
      child?.stdin?.end();
    },
  };
}

/** Opens the sinks the settings ask for. */
export function openLogSinks(s: LogSettings, stdout: Writable): LogSink[] {
  const sinks: LogSink[] = [];
  const file = s.file;
  const toSyslog = s.syslog === true || file === 'syslog';
  const toStdoutOnly = file === 'stdout' || file === '-';
  if (toSyslog) sinks.push(syslogSink());
  if (file && !toSyslog && !toStdoutOnly) sinks.push(fileSink(file, s.simpleLog));
  if (toStdoutOnly || !s.noStdoutLog) sinks.push(streamSink(stdout));
  return sinks;
}
