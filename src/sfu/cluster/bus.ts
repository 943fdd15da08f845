/**
 * The relay bus: Redis pub/sub between SFU nodes. Each node subscribes to its own channel and
 * publishes to others'. PUBLISH answers how many subscribers received a message, so a node whose
 * process is gone (its subscription died with its connection) is seen at once; PUBSUB NUMSUB asks
 * the same without sending. Messages reach the handler one per event-loop turn, in the order they
 * were published, so work a reply resumes finishes before the next message is looked at.
 */
import type { Redis } from 'ioredis';
import type { SfuLog } from '../signal/ws-endpoint.ts';
import type { ClusterKeys } from './lease.ts';
import { decodeRelay, encodeRelay, type RelayMessage } from './relay-protocol.ts';

/** Sends to and hears from other nodes. */
export interface RelayBus {
  /** publishes to `node`; resolves with the number of receivers (0: that node is not listening) */
  send(node: string, msg: RelayMessage): Promise<number>;
  /** whether `node` is subscribed to its channel now */
  listening(node: string): Promise<boolean>;
}

/** A {@link RelayBus} on two connections: one for commands, one in subscriber mode. */
export class RedisBus implements RelayBus {
  readonly #cmd: Redis;
  readonly #sub: Redis;
  readonly #keys: ClusterKeys;
  readonly #log: SfuLog;
  #handler: (msg: RelayMessage) => void = () => {};
  #channel: string | undefined;

  constructor(cmd: Redis, sub: Redis, keys: ClusterKeys, log: SfuLog) {
    this.#cmd = cmd;
    this.#sub = sub;
    this.#keys = keys;
    this.#log = log;
  }

  /**
   * Subscribes to this node's channel; resolves once subscribed. Called again after a failure
   * (Redis was down), it subscribes again; ioredis renews the subscription after reconnects.
   */
  async listen(node: string, handler: (msg: RelayMessage) => void): Promise<void> {
    this.#handler = handler;
    if (this.#channel === undefined) {
      const channel = (this.#channel = this.#keys.channel(node));
      this.#sub.on('message', (ch: string, text: string) => {
        if (ch !== channel) return;
        // One message per turn: a reply's continuation (e.g. sending the join answer to the
        // client) runs before a notification published right after it is delivered.
        setImmediate(() => this.#deliver(text));
      });
    }
    await this.#sub.subscribe(this.#channel);
  }

  #deliver(text: string): void {
    const d = decodeRelay(text);
    if (!d.ok) {
      this.#log.warn('sfu.cluster.bad_message', { error: d.error });
      return;
    }
    try {
      this.#handler(d.msg);
    } catch (err) {
      this.#log.error('sfu.cluster.fault', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  send(node: string, msg: RelayMessage): Promise<number> {
    return this.#cmd.publish(this.#keys.channel(node), encodeRelay(msg));
  }

  async listening(node: string): Promise<boolean> {
    const reply = (await this.#cmd.pubsub('NUMSUB', this.#keys.channel(node))) as unknown[];
    return Number(reply[1] ?? 0) > 0;
  }
}
