/**
 * Commands to one fleet member over Redis pub/sub: each member subscribes to its own channel,
 * `turnpike/fleet/member/<name>/commands`, and obeys what arrives there; any member's admin
 * API publishes to it. A command is a JSON object; the only one is
 * `{ "op": "kill", "id": <allocation id>, "by": "<admin>" }`: end that allocation, as the
 * member's own admin API would.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.ts';
import type { FleetHost } from './host.ts';
import type { RedisLink } from './redis-link.ts';

/** A command. */
export interface FleetCommand {
  op: 'kill';
  /** the allocation's id on that member */
  id: number;
  /** who asked, for the member's log */
  by: string;
}

/** The command channel of member `name`. */
export function commandChannel(name: string): string {
  return `turnpike/fleet/member/${name}/commands`;
}

/** Reads a command; undefined for anything else. */
export function parseCommand(text: string): FleetCommand | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (v.op === 'kill' && typeof v.id === 'number' && Number.isInteger(v.id)) return { op: 'kill', id: v.id, by: typeof v.by === 'string' ? v.by : '' };
  } catch { /* below */ }
  return undefined;
}

/** Sends `command` to member `name`; resolves with how many subscribers heard it (0: the member is not listening). */
export async function sendCommand(link: RedisLink, name: string, command: FleetCommand): Promise<number> {
  return link.redis.publish(commandChannel(name), JSON.stringify(command));
}

/** Listens on member `name`'s channel and obeys; returns the function that stops listening. */
export async function obeyCommands(link: RedisLink, name: string, host: FleetHost, log: Logger): Promise<() => Promise<void>> {
  const sub: Redis = link.duplicate();
  sub.on('message', (_channel: string, text: string) => {
    const command = parseCommand(text);
    if (command === undefined) {
      log.warn('fleet.bad_command', { text: text.slice(0, 200) });
      return;
    }
    const killed = host.kill(command.id, 'admin');
    log.info('fleet.command', { op: command.op, id: command.id, by: command.by, done: killed });
  });
  // Once subscribed, ioredis subscribes again by itself after a reconnection; until then, each time it connects.
  let subscribed = false;
  const subscribe = (): Promise<void> => sub.subscribe(commandChannel(name)).then(() => { subscribed = true; }, (e: unknown) => {
    log.warn('fleet.subscribe_failed', { channel: commandChannel(name), error: e instanceof Error ? e.message : String(e) });
  });
  sub.on('ready', () => { if (!subscribed) void subscribe(); });
  if (sub.status === 'ready') await subscribe();
  else await new Promise<void>((resolve) => { const t = setTimeout(resolve, 3000); t.unref(); sub.once('ready', () => { clearTimeout(t); resolve(); }); });
  return async () => {
    await sub.unsubscribe().catch(() => {});
  };
}
