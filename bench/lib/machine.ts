/**
 * The machine a bench ran on, printed with every result so figures are never read without
 * it: CPU model, cores, kernel, Node.js and coturn versions.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { COTURN_BINARY } from './servers.ts';

/** What the figures were measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  kernel: string;
  node: string;
  coturn: string;
}

/** Reads the machine description (coturn's version from `turnserver --version`). */
export function machineInfo(): MachineInfo {
  let coturn = 'not installed';
  try {
    coturn = execFileSync(COTURN_BINARY, ['--version'], { encoding: 'utf8', timeout: 5000 }).trim().split('\n').pop() ?? '?';
  } catch {
    // reported as not installed
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    coturn,
  };
}

/** One line: `AMD EPYC, 2 cores, Linux 6.1.0, Node.js v24.0.0, coturn 4.6.1`. */
export function formatMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.kernel}, Node.js ${m.node}, coturn ${m.coturn}`;
}
