/**
 * The amplification figures docs/security.md gives for this round's unauthenticated answers,
 * measured on running servers with the realm `turnpike`: the 401 with PASSWORD-ALGORITHMS
 * (RFC 8489 §9.2), the 401 with THIRD-PARTY-AUTHORIZATION (`oauth`, RFC 7635 §5), and 300 Try
 * Alternate (`alternate-server`, RFC 8489 §10), each to a 28-byte Allocate without credentials;
 * and the 300, like the 401, limited by the per-IP budget (frozen clock: the burst, no more).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { decodeMessage, encodeMessage, getAttribute } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method } from '../../src/stun/types.ts';
import { freeRange, freeUdpTcpPort } from '../../harness/ports.ts';
import { writeOAuthDb, type OAuthDb } from '../helpers/oauth-db.ts';
import { answerTo, eventually } from './wire.ts';

const HOST = '127.0.0.1';
const FROZEN = 1_800_000_000_000;

async function start(extra: string[]): Promise<{ server: RunningTurnServer; port: number }> {
  const port = await freeUdpTcpPort();
  const range = await freeRange(4);
  const { config } = loadTurnserverConfig([
    '-n', '--listening-ip', HOST, '--listening-port', String(port), '--min-port', String(range.min), '--max-port', String(range.max),
    '--realm', 'turnpike', '--lt-cred-mech', '-u', 'ling:ling1234', ...extra,
  ]);
  return { server: await startTurnServer(config, { logger: silentLogger, now: () => FROZEN, alternateHealth: { intervalMs: 0 } }), port };
}

/** An Allocate without credentials: 20 B header + REQUESTED-TRANSPORT. */
function allocate(): Buffer {
  return Buffer.from(encodeMessage({ method: Method.Allocate, class: MessageClass.Request, transactionId: randomBytes(12), attributes: [{ type: Attr.RequestedTransport, value: 17 }] }));
}

describe('unauthenticated answers of this round, in bytes (realm turnpike)', () => {
  let plain: { server: RunningTurnServer; port: number };
  let oauth: { server: RunningTurnServer; port: number };
  let redirecting: { server: RunningTurnServer; port: number };
  let db: OAuthDb;
  before(async () => {
    db = writeOAuthDb([]);
    [plain, oauth, redirecting] = await Promise.all([
      start([]),
      start(['--userdb', db.file, '--oauth']),
      start(['--alternate-server', '127.0.0.9:3478']),
    ]);
  });
  after(async () => {
    await Promise.all([plain?.server.close(), oauth?.server.close(), redirecting?.server.close()]);
    db?.remove();
  });

  it('401 with PASSWORD-ALGORITHMS: 116 B for 28 B (4.1×)', async () => {
    const request = allocate();
    assert.equal(request.length, 28);
    const answer = await answerTo(plain.port, request);
    const decoded = decodeMessage(answer);
    assert.ok(decoded.ok);
    assert.equal(getAttribute(decoded.value, Attr.ErrorCode)?.code, 401);
    assert.ok(getAttribute(decoded.value, Attr.PasswordAlgorithms) !== undefined);
    assert.equal(answer.length, 116);
  });

  it('401 with THIRD-PARTY-AUTHORIZATION (server name = realm): 128 B (4.6×)', async () => {
    const answer = await answerTo(oauth.port, allocate());
    const decoded = decodeMessage(answer);
    assert.ok(decoded.ok);
    assert.equal(getAttribute(decoded.value, Attr.ThirdPartyAuthorization), 'turnpike');
    assert.equal(answer.length, 128);
  });

  it('300 Try Alternate with an IPv4 ALTERNATE-SERVER: 56 B (2.0×), unsigned', async () => {
    const answer = await answerTo(redirecting.port, allocate());
    const decoded = decodeMessage(answer);
    assert.ok(decoded.ok);
    assert.equal(getAttribute(decoded.value, Attr.ErrorCode)?.code, 300);
    assert.deepEqual(getAttribute(decoded.value, Attr.AlternateServer), { family: 'IPv4', address: '127.0.0.9', port: 3478 });
    assert.equal(decoded.value.integrityOffset, -1);
    assert.equal(answer.length, 56);
  });

  it('300 answers to one source pass the per-IP budget: the burst of 100, then dropped and counted', async () => {
    const socket = dgram.createSocket('udp4');
    let answers = 0;
    socket.on('message', () => answers++);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.2', () => resolve()));
    const drops = (): number => redirecting.server.core.counters.drops.get('unauthenticated-rate-limit') ?? 0;
    const dropsBefore = drops();
    const before = answers + dropsBefore;
    try {
      for (let i = 0; i < 300; i++) {
        socket.send(allocate(), redirecting.port, HOST);
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      await eventually('every request answered or dropped', () => (answers + drops() - before === 300 ? true : undefined));
      assert.equal(answers, 100, 'the default burst, at one instant');
      assert.equal(drops() - dropsBefore, 200);
    } finally {
      socket.close();
    }
  });
});
