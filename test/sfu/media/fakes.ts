/** In-memory stand-ins for the transport interfaces, for unit tests of media and rooms. */
import type { ReceiveTrack, SendTrack } from '../../../src/sfu/transport/types.ts';

export class FakeSendTrack implements SendTrack {
  readonly mid: string;
  readonly sent: Buffer[] = [];
  readonly rtcp: Buffer[] = [];
  onRtcp: ((p: Buffer) => void) | undefined;
  onOpen: (() => void) | undefined;
  open = true;
  closed = false;
  constructor(mid = '1') {
    this.mid = mid;
  }
  isOpen(): boolean {
    return this.open && !this.closed;
  }
  sendRtp(p: Uint8Array): boolean {
    // The real stack copies on send; so must the fake, since senders reuse buffers.
    this.sent.push(Buffer.from(p));
    return true;
  }
  sendRtcp(p: Uint8Array): void {
    this.rtcp.push(Buffer.from(p));
  }
  close(): void {
    this.closed = true;
  }
}

export class FakeReceiveTrack implements ReceiveTrack {
  readonly mid: string;
  readonly kind: 'audio' | 'video';
  readonly rtcp: Buffer[] = [];
  onPacket: ((p: Buffer) => void) | undefined;
  constructor(mid: string, kind: 'audio' | 'video') {
    this.mid = mid;
    this.kind = kind;
  }
  sendRtcp(p: Uint8Array): void {
    this.rtcp.push(Buffer.from(p));
  }
  close(): void {}
}
