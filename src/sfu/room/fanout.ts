/**
 * Data-channel fan-out (ion-sfu's "fanOutDCs"): a channel a client opens on its publisher
 * connection under some label is mirrored, under the same label, on every other peer's
 * subscriber connection, and late joiners get it too. A message sent on any of them reaches
 * every other peer once, text as text and binary as binary (RFC 8831 §6.6 keeps the PPID).
 *
 * Delivery picks, per receiving peer, the channel it most likely listens on: the one it opened
 * itself under that label if it did, otherwise the one the SFU opened for it.
 */
import type { DataEndpoint } from '../transport/types.ts';

/** A session member as the fan-out sees it. */
export interface FanoutMember {
  readonly id: string;
  /** opens a same-label channel on the member's subscriber connection (undefined: it has none) */
  openSubscriberChannel(label: string): DataEndpoint | undefined;
}

interface Ends {
  own: DataEndpoint | undefined;
  sub: DataEndpoint | undefined;
}

/** The fanned-out data channels of one session, by label (RFC 8831). */
export class DataFanout {
  readonly #labels = new Map<string, Map<FanoutMember, Ends>>();
  /** messages relayed, for stats */
  relayed = 0;

  /** Labels in use. */
  get labels(): string[] {
    return [...this.#labels.keys()];
  }

  /** A member opened `channel` on its publisher connection. */
  addOwn(member: FanoutMember, channel: DataEndpoint, members: Iterable<FanoutMember>): void {
    const label = channel.label;
    let group = this.#labels.get(label);
    if (!group) {
      group = new Map();
      this.#labels.set(label, group);
      for (const m of members) if (m !== member) this.#openSub(group, m, label);
    }
    const ends = group.get(member) ?? { own: undefined, sub: undefined };
    ends.own?.close();
    ends.own = channel;
    group.set(member, ends);
    channel.onMessage = (data) => this.relay(label, member, data);
    channel.onClose = () => {
      if (ends.own === channel) ends.own = undefined;
    };
  }

  /** A member joined: it gets every label already in use. */
  addMember(member: FanoutMember): void {
    for (const [label, group] of this.#labels) if (!group.has(member)) this.#openSub(group, member, label);
  }

  #openSub(group: Map<FanoutMember, Ends>, member: FanoutMember, label: string): void {
    const ch = member.openSubscriberChannel(label);
    if (!ch) return;
    const ends = group.get(member) ?? { own: undefined, sub: undefined };
    ends.sub = ch;
    group.set(member, ends);
    ch.onMessage = (data) => this.relay(label, member, data);
  }

  /** Sends `data` from `from` to every other member of the label. */
  relay(label: string, from: FanoutMember, data: string | Buffer): void {
    const group = this.#labels.get(label);
    if (!group) return;
    for (const [m, ends] of group) {
      if (m === from) continue;
      const target = ends.own?.isOpen() ? ends.own : ends.sub;
      if (target?.send(data)) this.relayed++;
    }
  }

  /** A member left: its channels go away (the labels stay, as in ion-sfu). */
  removeMember(member: FanoutMember): void {
    for (const group of this.#labels.values()) {
      const ends = group.get(member);
      if (!ends) continue;
      group.delete(member);
      ends.own?.close();
      ends.sub?.close();
    }
  }
}
