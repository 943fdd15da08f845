/**
 * Process CPU, memory and file descriptors under prom-client's default names, read at each
 * scrape. prom-client's own `collectDefaultMetrics` is not used: its garbage-collection
 * observer runs on every collection, which under relay load (the `js` plane allocates per
 * datagram) costs on the hot path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Open descriptors (Linux /proc), or undefined elsewhere. */
function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1; // the directory being read
  } catch {
    return undefined;
  }
}

function maxFds(): number | undefined {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Registers the process metrics; they read themselves when collected. */
export function processMetrics(registry: Registry): void {
  const registers = [registry];
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const cpu = (name: string, help: string, pick: (u: NodeJS.CpuUsage) => number): void => {
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(pick(process.cpuUsage()) / 1e6); } });
  };
  cpu('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', (u) => u.user);
  cpu('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', (u) => u.system);
  cpu('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', (u) => u.user + u.system);
  const gauge = (name: string, help: string, read: () => number | undefined): void => {
    new Gauge({ name, help, registers, collect() { const v = read(); if (v !== undefined) this.set(v); } });
  };
  gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', () => startSeconds);
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss());
  gauge('process_open_fds', 'Number of open file descriptors.', openFds);
  gauge('process_max_fds', 'Maximum number of open file descriptors.', maxFds);
  gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', () => process.memoryUsage().heapTotal);
  gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', () => process.memoryUsage().heapUsed);
  gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', () => process.memoryUsage().external);
}
