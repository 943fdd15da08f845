/**
 * Every child process that tests and benchmarks start goes through here (see servers.ts for
 * why this lives in harness/): all of them are killed when this process exits, whether the run
 * ended, failed or was interrupted, so that no server is ever left holding ports; and each
 * keeps the tail of what it printed, for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

/** An executable and its arguments. */
export interface Command {
  command: string;
  args: string[];
  /** the environment; default: this process's */
  env?: NodeJS.ProcessEnv;
}

/** A child whose output is kept (the tail) for error messages. */
export interface TrackedChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** resolves with the exit code (or the signal name) once the child has exited and all its output is read */
  readonly exited: Promise<number | string>;
  /** the tail of stdout and stderr, interleaved as they arrived */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited */
  stop(graceMs?: number): Promise<void>;
}

/** How a tracked child's output is read. */
export interface TrackOptions {
  /** sees each line of stdout and stderr as it arrives */
  onLine?: (line: string) => void;
  /** how many characters `output()` keeps; default 8192 */
  keep?: number;
}

/** Spawns a tracked child (stdin closed, stdout and stderr piped); throws when it cannot start. */
export function spawnTracked({ command, args, env }: Command, opts: TrackOptions = {}): TrackedChild {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const keep = opts.keep ?? 8192;
  child.once('exit', () => live.delete(child));
  const exited = new Promise<number | string>((resolve) => {
    // 'close' comes after 'exit' once stdout and stderr are drained: all output has been read.
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    // Listened to before the pid check below, so a missing binary is an exception, not a crash.
    child.once('error', () => {
      live.delete(child);
      resolve('spawn-error');
    });
  });
  if (child.pid === undefined) throw new Error(`cannot start ${command}`);
  live.add(child);
  let tail = '';
  const follow = (stream: NodeJS.ReadableStream | null): void => {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-keep);
      if (opts.onLine === undefined) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l);
    });
    stream?.on('end', () => {
      if (partial !== '') opts.onLine?.(partial);
    });
  };
  follow(child.stdout);
  follow(child.stderr);
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

/** Waits until a just-spawned child serves; rejects with why not (it exited, or stayed silent). */
export type Readiness = (child: TrackedChild) => Promise<void>;

/** Spawns a tracked child and resolves once `ready` says it serves; a child that never does is stopped. */
export async function launch(cmd: Command, ready: Readiness, opts: TrackOptions = {}): Promise<TrackedChild> {
  const child = spawnTracked(cmd, opts);
  try {
    // Called in the same tick as the spawn, so a readiness check that reads output misses none.
    await ready(child);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return child;
}

/** Kills every child still running (SIGKILL); safe to call more than once. */
export function killAllChildren(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

process.once('exit', killAllChildren);

/** What a program run to its end printed. */
export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (killed after `timeoutMs`) and collects all it printed. */
export function runTool({ command, args, env }: Command, timeoutMs = 45_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}
