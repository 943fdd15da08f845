/**
 * Packs chunks into SCTP packets no larger than the MTU (RFC 9260 §6.10 bundling): control
 * chunks first, each with the Verification Tag it needs, then SACK / FORWARD-TSN / RE-CONFIG
 * ahead of DATA.
 */
import { type Chunk, encodeChunk } from './chunks.ts';
import { encodePacketFrom } from './packet.ts';

export class Outbox {
  private readonly items: { tag: number; bytes: Uint8Array; alone: boolean }[] = [];
  private readonly packets: Uint8Array[] = [];
  private readonly localPort: number;
  private readonly remotePort: number;
  private readonly mtu: number;

  constructor(localPort: number, remotePort: number, mtu: number) {
    this.localPort = localPort;
    this.remotePort = remotePort;
    this.mtu = mtu;
  }

  /**
   * A control chunk sent under `tag` (0 for INIT, the INIT's tag for an INIT-ACK, ...);
   * INIT, INIT-ACK and SHUTDOWN-COMPLETE travel alone (RFC 9260 §6.10).
   */
  control(tag: number, chunk: Chunk): void {
    const alone = chunk.type === 'init' || chunk.type === 'init-ack' || chunk.type === 'shutdown-complete';
    this.items.push({ tag, bytes: encodeChunk(chunk), alone });
  }

  /** Lead chunks, then DATA pulled to fill each packet until `pull` has nothing more. */
  data(tag: number, lead: readonly Chunk[], pull: ((room: number) => Uint8Array[]) | undefined): void {
    this.flushControl();
    const pending = lead.map(encodeChunk);
    for (;;) {
      const parts: Uint8Array[] = [];
      let size = 12;
      while (pending.length > 0 && (parts.length === 0 || size + pending[0].length <= this.mtu)) {
        const b = pending.shift() as Uint8Array;
        parts.push(b);
        size += b.length;
      }
      const more = pull && size < this.mtu ? pull(this.mtu - size) : [];
      for (const b of more) size += b.length;
      parts.push(...more);
      if (parts.length === 0) return;
      this.emit(tag, parts);
      if (more.length === 0 && pending.length === 0) return;
    }
  }

  take(): Uint8Array[] {
    this.flushControl();
    return this.packets.splice(0);
  }

  private flushControl(): void {
    while (this.items.length > 0) {
      const tag = this.items[0].tag;
      const parts: Uint8Array[] = [];
      let size = 12;
      while (this.items.length > 0 && this.items[0].tag === tag && (parts.length === 0 || (!this.items[0].alone && size + this.items[0].bytes.length <= this.mtu))) {
        const it = this.items.shift() as { bytes: Uint8Array; alone: boolean };
        parts.push(it.bytes);
        size += it.bytes.length;
        if (it.alone) break;
      }
      this.emit(tag, parts);
    }
  }

  private emit(tag: number, parts: Uint8Array[]): void {
    this.packets.push(encodePacketFrom({ sourcePort: this.localPort, destinationPort: this.remotePort, verificationTag: tag }, parts));
  }
}
