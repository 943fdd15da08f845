/**
 * Runs one of bench/*.ts in a child Node process, as its tests do in the bench's quick mode
 * (the tiny-load options each test passes), and collects stdout and stderr together.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a bench run printed (stdout and stderr interleaved) and its exit code. */
export interface BenchRun {
  code: number | null;
  out: string;
}

/** Runs `node bench/NAME.ts ARGS…` and resolves when it exits. */
export function runBench(name: string, args: string[]): Promise<BenchRun> {
  const script = fileURLToPath(new URL(`../../bench/${name}.ts`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}
