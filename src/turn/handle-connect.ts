/**
 * RFC 6062 (TURN extensions for TCP allocations): Connect (§5.2), ConnectionAttempt (§5.3),
 * ConnectionBind (§5.4), and the life of the peer data connections they make. Decisions only:
 * the TCP relay driver (src/server/tcp-relay.ts) opens, joins and closes the sockets, and
 * reports back through the functions here.
 */
import { encodeMessage, getAttribute } from '../stun/index.ts';
import { Attr, MessageClass, Method } from '../stun/types.ts';
import type { Allocation, RelayEndpoint } from './allocation.ts';
import type { CoreContext } from './core-context.ts';
import { answer, answerError, type RequestContext } from './handle-request.ts';
import { checkPeer } from './peer-check.ts';
import { errorResponse, successResponse } from './responses.ts';
import { BIND_TIMEOUT_MS, type TcpConnection } from './tcp-connections.ts';

/** RFC 6062 §5.2 on an authenticated request for an existing allocation. */
export function handleConnect(core: CoreContext, ctx: RequestContext, alloc: Allocation): void {
  const tcp = core.output.tcp;
  // As coturn: Connect on a UDP allocation is forbidden.
  if (alloc.relayTransport !== 'tcp' || tcp === undefined) return answerError(core, ctx, alloc, 403, [], 'connect-on-udp-allocation');
  const peer = getAttribute(ctx.req, Attr.XorPeerAddress);
  if (peer === undefined) return answerError(core, ctx, alloc, 400, [], 'connect-without-peer');
  // The peer policy and the backend endpoints (403), and the relay's family (443).
  const code = checkPeer(core, alloc, peer);
  if (code !== 0) return answerError(core, ctx, alloc, code);
  // §5.2: one connection per peer transport address, being made or made.
  if (core.tcpConnections.findPeer(alloc, peer.address, peer.port) !== undefined) return answerError(core, ctx, alloc, 446);
  const relay = alloc.relayFor(peer.family) as RelayEndpoint;
  const conn = core.tcpConnections.add(
    { allocation: alloc, relay, peerIp: peer.address, peerPort: peer.port, outgoing: true, connect: { request: ctx.req, key: ctx.key } },
    ctx.now,
  );
  tcp.connectPeer(relay, conn.id, peer.address, peer.port);
}

/**
 * The driver's report on a Connect's outgoing connection: established (the success answer with
 * CONNECTION-ID goes out, and the 30 s bind timer starts) or not (447). False when the
 * connection is no longer wanted (its allocation went, or it timed out): close it.
 */
export function tcpPeerConnected(core: CoreContext, id: number, ok: boolean, now: number): boolean {
  const conn = core.tcpConnections.get(id);
  if (conn === undefined || conn.state !== 'connecting' || conn.connect === undefined) return false;
  if (!ok) {
    connectFailed(core, conn);
    return false;
  }
  const { request, key } = conn.connect;
  const alloc = conn.allocation;
  conn.connect = undefined;
  conn.state = 'waiting-bind';
  conn.deadline = now + BIND_TIMEOUT_MS;
  core.counters.tcpConnectionsOpened++;
  core.counters.successResponses++;
  alloc.transport.send(alloc.clientIp, alloc.clientPort, successResponse(request, core.options, [{ type: Attr.ConnectionId, value: id }], { key }));
  return true;
}

/** RFC 6062 §5.2: the connection to the peer failed or timed out: 447 to the Connect. */
function connectFailed(core: CoreContext, conn: TcpConnection): void {
  const alloc = conn.allocation;
  const pending = conn.connect;
  core.tcpConnections.delete(conn.id);
  if (pending === undefined) return;
  core.counters.drop('tcp-connect-failed');
  core.counters.errorResponses++;
  core.output.event('request-refused', { client: `${alloc.clientIp}:${alloc.clientPort}`, method: 'Connect', code: 447, user: alloc.username || undefined });
  alloc.transport.send(alloc.clientIp, alloc.clientPort, errorResponse(pending.request, core.options, 447, [], { key: pending.key }));
}

/**
 * RFC 6062 §5.3: a peer connected to a TCP relayed address. Accepted (and announced to the
 * client with a ConnectionAttempt indication) only from a peer the policy allows that holds a
 * permission; returns its CONNECTION-ID, or 0: close the connection.
 */
export function tcpPeerArrived(core: CoreContext, relay: RelayEndpoint, peerIp: string, peerPort: number, now: number): number {
  const alloc = relay.allocation;
  if (alloc.state !== 'active' || core.allocations.find(alloc.transport, alloc.clientIp, alloc.clientPort) !== alloc) return 0;
  if (core.tcpConnections.findPeer(alloc, peerIp, peerPort) !== undefined) {
    core.counters.drop('tcp-peer-duplicate');
    return 0;
  }
  const decision = core.realms.policy(alloc.realm).check(peerIp);
  if (!decision.allowed) {
    core.counters.drop('tcp-peer-denied');
    core.output.event('peer-denied', { id: alloc.id, user: alloc.username, peer: peerIp, reason: decision.reason });
    return 0;
  }
  if (core.backends.refuses(peerIp, peerPort) !== undefined) {
    core.counters.drop('peer-is-backend');
    return 0;
  }
  if (!alloc.hasPermission(peerIp, now)) {
    core.counters.drop('tcp-peer-no-permission');
    return 0;
  }
  const conn = core.tcpConnections.add({ allocation: alloc, relay, peerIp, peerPort, outgoing: false, connect: undefined }, now);
  core.counters.tcpConnectionsOpened++;
  const indication = encodeMessage(
    {
      method: Method.ConnectionAttempt,
      class: MessageClass.Indication,
      transactionId: core.random(12),
      attributes: [
        { type: Attr.ConnectionId, value: conn.id },
        { type: Attr.XorPeerAddress, value: { family: relay.family, address: peerIp, port: peerPort } },
      ],
    },
    { fingerprint: alloc.fingerprint },
  );
  alloc.transport.send(alloc.clientIp, alloc.clientPort, indication);
  return conn.id;
}

/**
 * RFC 6062 §5.4: ConnectionBind, on a new TCP or TLS connection that holds no allocation,
 * authenticated with the credentials of the allocation whose peer data connection it names.
 * On success the answer goes out and the driver joins the two connections.
 */
export function handleConnectionBind(core: CoreContext, ctx: RequestContext, alloc: Allocation | undefined): void {
  const tcp = core.output.tcp;
  const stream = ctx.transport.protocol === 'tcp' || ctx.transport.protocol === 'tls';
  if (!stream || tcp === undefined) return answerError(core, ctx, undefined, 400, [], 'connection-bind-not-on-stream');
  if (alloc !== undefined) return answerError(core, ctx, undefined, 400, [], 'connection-bind-on-allocation');
  const id = getAttribute(ctx.req, Attr.ConnectionId);
  const conn = id === undefined ? undefined : core.tcpConnections.get(id);
  if (conn === undefined || conn.state !== 'waiting-bind') return answerError(core, ctx, undefined, 400, [], 'unknown-connection-id');
  const owner = conn.allocation;
  if (!core.options.noAuth && (owner.username !== ctx.username || owner.realm !== ctx.realm)) {
    return answerError(core, ctx, undefined, 441, [], 'connection-bind-other-credentials');
  }
  conn.state = 'bound';
  core.counters.tcpConnectionsBound++;
  answer(core, ctx, undefined, successResponse(ctx.req, core.options, [], { key: ctx.key }), true);
  core.output.event('tcp-connection-bound', { id: owner.id, connection: conn.id, peer: `${conn.peerIp}:${conn.peerPort}`, client: `${ctx.ip}:${ctx.port}` });
  tcp.bindConnection(conn.id, ctx.transport);
}

/** The driver saw a peer data connection close; its relayed bytes go to the allocation's counters. */
export function tcpConnectionClosed(core: CoreContext, id: number, toPeer: number, toClient: number): void {
  const conn = core.tcpConnections.get(id);
  if (conn === undefined) return;
  // Closed before it was established: the Connect is answered with 447.
  if (conn.state === 'connecting') return connectFailed(core, conn);
  core.tcpConnections.delete(id);
  closed(core, conn, 'closed', toPeer, toClient);
}

function closed(core: CoreContext, conn: TcpConnection, why: string, toPeer = 0, toClient = 0): void {
  core.counters.tcpConnectionsClosed++;
  const t = conn.allocation.traffic;
  t.txBytes += toPeer;
  t.rxBytes += toClient;
  core.output.event('tcp-connection-closed', { id: conn.allocation.id, connection: conn.id, peer: `${conn.peerIp}:${conn.peerPort}`, why, toPeer, toClient });
}

/** The sweep: Connects not established in time (447) and connections not bound in time, closed. */
export function sweepTcpConnections(core: CoreContext, now: number): void {
  for (const conn of core.tcpConnections.overdue(now)) {
    if (conn.state === 'connecting') connectFailed(core, conn);
    else {
      core.tcpConnections.delete(conn.id);
      core.counters.drop('tcp-bind-timeout');
      closed(core, conn, 'bind-timeout');
    }
    core.output.tcp?.closeConnection(conn.id);
  }
}

/** An allocation went: its peer data connections are forgotten (the driver closes their sockets with its relays). */
export function forgetTcpConnections(core: CoreContext, alloc: Allocation): void {
  for (const conn of core.tcpConnections.ofAllocation(alloc)) {
    core.tcpConnections.delete(conn.id);
    closed(core, conn, 'allocation-deleted');
  }
}

/** Closes a TCP allocation's relay sockets; what its open connections relayed goes to its counters. */
export function closeTcpRelays(core: CoreContext, alloc: Allocation): void {
  const relayed = (core.output.tcp ?? core.output).closeRelays(alloc);
  if (relayed) {
    alloc.traffic.txBytes += relayed.toPeer;
    alloc.traffic.rxBytes += relayed.toClient;
  }
}
