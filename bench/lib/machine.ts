/**
 * The machine a bench ran on, printed with every result so figures are never read without
 * it: CPU model, cores, kernel, Node.js and coturn versions.
 */
import os from 'node:os';
import { COTURN } from '../../harness/servers.ts';
import { coturnVersion } from './coturn-binary.ts';

/** What the figures were measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  kernel: string;
  node: string;
  coturn: string;
}

/** Reads the machine description (coturn's version from `<coturnPath> --version`, Debian's turnserver by default). */
export function machineInfo(coturnPath: string = COTURN.turnserver): MachineInfo {
  const coturn = coturnVersion(coturnPath) ?? 'not installed';
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

/**
 * The CPU one thread pays on this machine to sleep briefly and wake again, µs: `n` sleeps of
 * 1 ms (a futex wait with a timeout, as an idle event loop or media thread does), the calling
 * thread's CPU time divided by `n`. On bare metal this is a few µs; in a virtual machine, where
 * an idle virtual CPU halts and must be woken by the host, it can be tens, and then a server
 * that wakes per burst of packets pays more for waking than for the packets.
 */
export function wakeCostUs(n = 300): number {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const cpu = (): number => {
    const u = process.threadCpuUsage();
    return u.user + u.system;
  };
  const before = cpu();
  for (let i = 0; i < n; i++) Atomics.wait(cell, 0, 0, 1);
  return (cpu() - before) / n;
}
