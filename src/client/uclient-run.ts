/**
 * One `uclient` run: set up every client (Allocate, the RTCP allocation, CreatePermission,
 * ChannelBind; RFC 8656 §7, §9, §11) with a bounded number in parallel, run the message
 * phase, then release every allocation with a Refresh of lifetime 0 (§7.2) and close the
 * sockets. Returns the summary; printing is the command's business.
 */
import { lookup } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import type { TransportAddress } from '../stun/types.ts';
import { formatAddress } from '../stun/index.ts';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseIpAddress } from '../net/ip-parse.ts';
import { channelDataTemplate, sendIndicationTemplate } from './relay-payload.ts';
import { RelayStats } from './relay-stats.ts';
import { runTraffic, type TrafficEndpoint } from './relay-traffic.ts';
import { connectTcp, connectUdp, type ServerConnection, type ServerEndpoint } from './server-connection.ts';
import { TurnClient, type AuthCache } from './turn-client.ts';
import { channelNumberFor, restCredentials, transportAddress, type LongTermCredentials } from './turn-requests.ts';
import type { UclientOptions } from './uclient-options.ts';
import { summarize, type SetupFailure, type UclientSummary } from './uclient-report.ts';

/** Where a run writes its progress lines (`-v`), and its clocks. */
export interface UclientIo {
  verbose(line: string): void;
  /** monotonic ms */
  now?: () => number;
  /** wall-clock ms, for REST API expiry times */
  wallClock?: () => number;
}

/** Setup and teardown requests: quick retransmissions, about 16 s before giving up. */
const SETUP_RETRANSMIT = { rto: 250, tries: 6 };
/** Release requests: the run is over, do not wait long for answers. */
const TEARDOWN_RETRANSMIT = { rto: 250, tries: 3 };
/** How often long runs refresh allocations, permissions and channels (lifetimes 600 s and 300 s). */
const MAINTENANCE_MS = 120_000;

interface Slot {
  id: number;
  client: TurnClient | undefined;
  rtcp: TurnClient | undefined;
  relayed: TransportAddress | undefined;
  peer: TransportAddress | undefined;
  channel: number;
  ready: boolean;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function resolveServer(o: UclientOptions): Promise<ServerEndpoint> {
  // Addresses of this host's sockets: a link-local zone id is fine.
  const familyOf = (text: string): 4 | 6 | undefined => {
    const family = parseIpAddress(text, { zone: true })?.family;
    return family === undefined ? undefined : family === 'IPv6' ? 6 : 4;
  };
  let ip = o.server;
  if (familyOf(ip) === undefined) {
    try {
      const local = o.localIp === undefined ? undefined : familyOf(o.localIp);
      ip = (await lookup(o.server, local === undefined ? {} : { family: local })).address;
    } catch (err) {
      throw new TurnpikeError(ErrorCode.USAGE, `cannot resolve the server name '${o.server}': ${(err as Error).message}`);
    }
  }
  return { ip, port: o.serverPort, family: familyOf(ip) ?? 4, localIp: o.localIp };
}

function credentialsFor(o: UclientOptions, wallNow: number): LongTermCredentials | undefined {
  const base = o.secret !== undefined ? restCredentials(o.secret, o.user, o.separator, wallNow) : o.user !== undefined ? { username: o.user, password: o.password ?? '' } : undefined;
  if (base === undefined) return undefined;
  // RFC 8489 §9.2.3: each is used only when the server's challenge offers it.
  return { ...base, ...(o.sha256 ? { passwordAlgorithm: 'sha256' as const } : {}), ...(o.userhash ? { userhash: true } : {}) };
}

/** A run in progress: its options, its clients, its failures. */
class UclientRun {
  readonly o: UclientOptions;
  readonly io: UclientIo;
  readonly slots: Slot[];
  readonly failures: SetupFailure[] = [];
  allocations = 0;
  readonly #authCache: AuthCache = { auth: undefined };
  #endpoint: ServerEndpoint | undefined;
  #credentials: LongTermCredentials | undefined;

  constructor(o: UclientOptions, io: UclientIo) {
    this.o = o;
    this.io = io;
    this.slots = Array.from({ length: o.clients }, (_, id) => ({
      id, client: undefined, rtcp: undefined, relayed: undefined, peer: undefined,
      channel: channelNumberFor(id, o.rfc5766Channels), ready: false,
    }));
  }

  async prepare(): Promise<void> {
    this.#endpoint = await resolveServer(this.o);
    this.#credentials = credentialsFor(this.o, (this.io.wallClock ?? Date.now)());
  }

  fail(slot: Slot, step: SetupFailure['step'], reason: string): void {
    this.failures.push({ client: slot.id, step, reason });
    this.io.verbose(`client ${slot.id}: ${step} failed: ${reason}`);
  }

  async #connect(slot: Slot): Promise<ServerConnection | undefined> {
    const ep = this.#endpoint!;
    try {
      return await (this.o.tcp ? connectTcp(ep) : connectUdp(ep));
    } catch (err) {
      if (!(err instanceof TurnpikeError)) throw err;
      this.fail(slot, 'connect', err.message);
      return undefined;
    }
  }

  /** Allocate, then the RTCP allocation with the reservation token (RFC 8656 §7.1, §18.9). */
  async allocate(slot: Slot): Promise<void> {
    const o = this.o;
    const conn = await this.#connect(slot);
    if (conn === undefined) return;
    slot.client = new TurnClient(conn, this.#credentials, SETUP_RETRANSMIT, this.#authCache);
    const r = await slot.client.allocate({ family: o.relayFamily, reserveNextPort: o.rtcp, dontFragment: o.dontFragment });
    if (!r.ok) return this.fail(slot, 'allocate', r.reason);
    this.allocations++;
    slot.relayed = r.value.relayed;
    this.io.verbose(`client ${slot.id}: relayed ${formatAddress(r.value.relayed)}${r.value.mapped ? `, mapped ${formatAddress(r.value.mapped)}` : ''}`);
    if (!o.rtcp) return;
    const conn2 = await this.#connect(slot);
    if (conn2 === undefined) return;
    slot.rtcp = new TurnClient(conn2, this.#credentials, SETUP_RETRANSMIT, this.#authCache);
    const token = r.value.reservationToken;
    const r2 = await slot.rtcp.allocate({ reservationToken: token, family: token === undefined ? o.relayFamily : undefined, dontFragment: o.dontFragment });
    if (!r2.ok) return this.fail(slot, 'allocate-rtcp', r2.reason);
    this.allocations++;
    this.io.verbose(`client ${slot.id}: RTCP relayed ${formatAddress(r2.value.relayed)}`);
  }

  /**
   * Why the server cannot be reached, when the first client got no answer at all: the
   * others would each wait out the same retransmissions for nothing.
   */
  unreachable(): string | undefined {
    const first = this.failures.find((f) => f.client === 0);
    if (first === undefined || this.slots[0].relayed !== undefined) return undefined;
    return first.step === 'connect' || /^no answer/.test(first.reason) ? `client 0 could not reach the server (${first.reason})` : undefined;
  }

  /** CreatePermission and ChannelBind towards the echo peer, or the partner's relay with -y. */
  async bind(slot: Slot, echoPeer: TransportAddress | undefined): Promise<void> {
    if (slot.client === undefined || slot.relayed === undefined || (this.o.rtcp && slot.rtcp === undefined)) return;
    const peer = this.o.clientToClient ? this.slots[slot.id ^ 1].relayed : echoPeer;
    if (peer === undefined) return this.fail(slot, 'partner', `client ${slot.id ^ 1} has no relay to talk to`);
    const p = await slot.client.createPermission([peer]);
    if (!p.ok) return this.fail(slot, 'create-permission', p.reason);
    if (!this.o.sendIndications) {
      const c = await slot.client.channelBind(slot.channel, peer);
      if (!c.ok) return this.fail(slot, 'channel-bind', `channel 0x${slot.channel.toString(16)}: ${c.reason}`);
    }
    slot.peer = peer;
    slot.ready = true;
  }

  /** With -y a client whose partner is not ready has nobody to talk to. */
  dropLonePartners(): void {
    if (!this.o.clientToClient) return;
    for (const s of this.slots) {
      const partner = this.slots[s.id ^ 1];
      if (s.ready && !partner.ready) {
        s.ready = false;
        this.fail(s, 'partner', `client ${partner.id} could not be set up`);
      }
    }
  }

  endpoints(): TrafficEndpoint[] {
    const o = this.o;
    return this.slots.filter((s) => s.ready).map((s) => ({
      id: s.id,
      conn: s.client!.conn,
      template: o.sendIndications
        ? sendIndicationTemplate(s.peer!, o.length, o.dontFragment)
        : channelDataTemplate(s.channel, o.length, o.tcp),
      sendIndication: o.sendIndications,
      partnerId: o.clientToClient ? s.id ^ 1 : -1,
    }));
  }

  /** Keeps allocations, permissions and channels alive during long runs (RFC 8656 §7.2, §9, §11.3). */
  maintain(): void {
    for (const s of this.slots) {
      if (!s.ready) continue;
      void s.client!.refresh(600);
      void s.rtcp?.refresh(600);
      void s.client!.createPermission([s.peer!]);
      if (!this.o.sendIndications) void s.client!.channelBind(s.channel, s.peer!);
    }
  }

  /** Refresh with lifetime 0 for every allocation, then close every socket. */
  async release(): Promise<void> {
    await pool(this.slots, this.o.concurrency, async (s) => {
      for (const c of [s.client, s.rtcp]) {
        if (c === undefined) continue;
        if (s.relayed !== undefined) {
          const r = await c.refresh(0);
          if (!r.ok) this.io.verbose(`client ${s.id}: release failed: ${r.reason}`);
        }
        await c.conn.close();
      }
    });
  }
}

/** Runs `uclient` with parsed options; resolves with the summary once every socket is closed. */
export async function runUclient(o: UclientOptions, io: UclientIo): Promise<UclientSummary> {
  const now = io.now ?? (() => performance.now());
  const run = new UclientRun(o, io);
  await run.prepare();
  const echoPeer = o.peerIp === undefined ? undefined : transportAddress(o.peerIp, o.peerPort);
  const stats = new RelayStats();
  let setupMs = 0;
  let transmitMs = 0;
  try {
    const setupStart = now();
    // The first client learns realm and nonce alone; the others start from its cache.
    await run.allocate(run.slots[0]);
    const unreachable = run.unreachable();
    if (unreachable === undefined) await pool(run.slots.slice(1), o.concurrency, (s) => run.allocate(s));
    else for (const s of run.slots.slice(1)) run.fail(s, 'allocate', `not tried: ${unreachable}`);
    await pool(run.slots, o.concurrency, (s) => run.bind(s, echoPeer));
    run.dropLonePartners();
    setupMs = now() - setupStart;
    const endpoints = run.endpoints();
    io.verbose(`${endpoints.length} of ${o.clients} clients ready in ${(setupMs / 1000).toFixed(3)} s; sending`);
    const maintenance = setInterval(() => run.maintain(), MAINTENANCE_MS);
    const trafficStart = now();
    const progress = setInterval(() => {
      io.verbose(`${((now() - trafficStart) / 1000).toFixed(0)} s: tot_send_msgs=${stats.sentMessages}, tot_recv_msgs=${stats.receivedMessages}`);
    }, 1000);
    try {
      transmitMs = await runTraffic(endpoints, {
        messages: o.durationSeconds === undefined ? o.messages : Infinity,
        intervalMs: o.intervalMs,
        window: o.window,
        durationMs: o.durationSeconds === undefined ? undefined : o.durationSeconds * 1000,
        drainMs: Math.max(1000, 2 * o.intervalMs),
        stallMs: 500,
        now,
      }, stats);
    } finally {
      clearInterval(maintenance);
      clearInterval(progress);
    }
  } finally {
    for (const s of run.slots) {
      s.client?.setRetransmit(TEARDOWN_RETRANSMIT);
      s.rtcp?.setRetransmit(TEARDOWN_RETRANSMIT);
    }
    await run.release();
  }
  const readyClients = run.slots.filter((s) => s.ready).length;
  return summarize({
    server: `${o.server}:${o.serverPort}`,
    transport: o.tcp ? 'TCP' : 'UDP',
    method: o.sendIndications ? 'Send' : 'ChannelData',
    clientToClient: o.clientToClient,
    clients: o.clients,
    readyClients,
    allocations: run.allocations,
    failures: run.failures,
    setupSeconds: setupMs / 1000,
    transmitSeconds: transmitMs / 1000,
  }, stats);
}
