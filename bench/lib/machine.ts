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
