/**
 * The per-association data-transfer state built once the handshake has both initial TSNs
 * (RFC 9260 §5.1, the TCB of §14): sender, receiver and stream reconfiguration.
 */
import type { ResolvedOptions } from './options.ts';
import { DataReceiver } from './reassembly.ts';
import { DataSender } from './retransmit.ts';
import { tsnAdd } from './serial.ts';
import { StreamReset } from './stream-reset.ts';

export interface Tcb {
  sender: DataSender;
  receiver: DataReceiver;
  reset: StreamReset;
}

export function createTcb(
  o: ResolvedOptions,
  init: { localInitialTsn: number; peerInitialTsn: number; peerArwnd: number; forwardTsn: boolean },
  onStreamReset: (streamIds: number[], direction: 'incoming' | 'outgoing') => void,
): Tcb {
  const sender = new DataSender({
    initialTsn: init.localInitialTsn,
    peerArwnd: init.peerArwnd,
    mtu: o.mtu,
    rto: { initialMs: o.rtoInitialMs, minMs: o.rtoMinMs, maxMs: o.rtoMaxMs },
    partialReliability: init.forwardTsn,
  });
  const receiver = new DataReceiver(init.peerInitialTsn, { maxMessageSize: o.maxMessageSize, bufferSize: o.receiveWindow });
  const reset = new StreamReset(
    {
      lastAssignedTsn: () => tsnAdd(sender.nextTsn, -1),
      cumulativeTsnReceived: () => receiver.cumulativeTsn,
      hasQueued: (id) => sender.queuedBytes(id) > 0,
      rtoMs: () => sender.rto.rto,
      outgoingReset: (ids) => {
        sender.resetSsn(ids);
        onStreamReset(ids, 'outgoing');
      },
      incomingReset: (ids) => {
        receiver.resetStreams(ids);
        onStreamReset(ids, 'incoming');
      },
    },
    init.localInitialTsn,
    init.peerInitialTsn,
  );
  return { sender, receiver, reset };
}
