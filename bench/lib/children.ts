/**
 * Every process the bench starts goes through here, so that all of them are killed when the
 * bench ends, fails or is interrupted: a benchmark must never leave a server holding ports.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const live = new Set<ChildProcess>();

/** A child whose output is kept (the tail) for error messages. */
export interface TrackedChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** resolves with the exit code (or the signal name) once the child has exited */
  readonly exited: Promise<number | string>;
  /** the last few kilobytes of stdout and stderr */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a tracked child; `onLine` sees each output line as it arrives. */
export function spawnTracked(command: string, args: string[], onLine?: (line: string) => void, opts: SpawnOptions = {}): TrackedChild {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (child.pid === undefined) throw new Error(`cannot start ${command}`);
  live.add(child);
  let tail = '';
  let partial = '';
  const keep = (chunk: Buffer): void => {
    const text = chunk.toString();
    tail = (tail + text).slice(-8192);
    if (onLine === undefined) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      if (partial !== '' && onLine !== undefined) onLine(partial);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      live.delete(child);
      resolve('spawn-error');
    });
  });
  return {
    process: child,
    pid: child.pid,
    exited,
    output: () => tail,
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Kills every child still running (SIGKILL); safe to call more than once. */
export function killAllChildren(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

process.once('exit', killAllChildren);
