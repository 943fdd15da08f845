/**
 * What runs next to a STUN/TURN server: the Prometheus endpoint and the admin page, each
 * started when its option is set and stopped with the server.
 */
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import type { RunningTurnServer } from './turn-server.ts';

/** A started service. */
export interface Service {
  readonly name: string;
  close(): Promise<void>;
}

/** Starts the services `config` asks for; a failure stops those already started and throws. */
export async function startServices(config: Config, server: RunningTurnServer, log: Logger): Promise<Service[]> {
  const started: Service[] = [];
  try {
    const metrics = await (await import('../metrics/index.ts')).startMetrics(config, server, log);
    if (metrics) started.push(metrics);
    const admin = await (await import('../admin/index.ts')).startAdmin(config, server, log);
    if (admin) started.push(admin);
  } catch (err) {
    await stopServices(started);
    throw err;
  }
  return started;
}

/** Stops services, last started first. */
export async function stopServices(services: Service[]): Promise<void> {
  for (const s of [...services].reverse()) await s.close().catch(() => {});
}
