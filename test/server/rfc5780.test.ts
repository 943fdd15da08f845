/**
 * RFC 5780 NAT behaviour discovery on a real server with two listening IPs (127.0.0.1 and
 * 127.0.0.2) and two ports, on both data planes: CHANGE-REQUEST answers leave from the other
 * address (§6.1), RESPONSE-PORT sends to another port of the client's own IP, OTHER-ADDRESS
 * and RESPONSE-ORIGIN are right, PADDING never makes an answer larger than its request
 * (the amplification bound in docs/security.md), and stream transports refuse what only UDP
 * can do. Without `rfc5780` (or with one address), CHANGE-REQUEST gets 420 and nothing
 * leaves from another address.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTurnServer, type RunningTurnServer } from '../../src/server/turn-server.ts';
import { decodeMessage, encodeMessage, getAttribute, streamFrameLength } from '../../src/stun/index.ts';
import { Attr, MessageClass, Method, type DecodedStunMessage, type StunAttribute } from '../../src/stun/types.ts';
import { newTransactionId } from '../../src/client/transactions.ts';
import { freeRange } from '../../harness/ports.ts';

const A = '127.0.0.1';
const B = '127.0.0.2';

async function start(opts: { rfc5780: boolean; ips: string[]; plane?: 'js' | 'native'; burst?: number; now?: () => number }): Promise<{ server: RunningTurnServer; port: number }> {
  // listening-port and alt-listening-port (listening-port + 1)
  const port = (await freeRange(2)).min;
  const relay = await freeRange(4);
  const { config } = loadTurnserverConfig([
    '-n', ...opts.ips.flatMap((ip) => ['--listening-ip', ip]), '--listening-port', String(port),
    '--min-port', String(relay.min), '--max-port', String(relay.max), '--no-tls', '--no-dtls',
    '--lt-cred-mech', '--user', 'alice:secret', '--realm', 'example.org',
  ]);
  config.rfc5780 = opts.rfc5780;
  if (opts.plane) config.dataPlane = opts.plane;
  if (opts.burst !== undefined) config.unauthenticatedBurst = opts.burst;
  return { server: await startTurnServer(config, { logger: silentLogger, now: opts.now }), port };
}

/** A UDP client socket on 127.0.0.1 that remembers every answer and where it came from. */
class Client {
  readonly socket = dgram.createSocket('udp4');
  readonly got: { msg: DecodedStunMessage; from: string; size: number }[] = [];
  port = 0;

  async open(): Promise<this> {
    await new Promise<void>((resolve) => this.socket.bind(0, A, () => resolve()));
    this.port = this.socket.address().port;
    this.socket.on('message', (buf, rinfo) => {
      const d = decodeMessage(buf);
      if (d.ok) this.got.push({ msg: d.value, from: `${rinfo.address}:${rinfo.port}`, size: buf.length });
    });
    return this;
  }

  /**
   * Sends a Binding request and resolves with its answer, polling until it came (a deadline as
   * a safety net, not an assertion); with `wait` false, resolves at once with whatever came.
   */
  async binding(to: string, port: number, attributes: StunAttribute[], wait = true): Promise<{ msg: DecodedStunMessage; from: string; size: number; sent: number } | undefined> {
    const transactionId = newTransactionId();
    const bytes = encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId, attributes });
    this.socket.send(bytes, port, to);
    const mine = (): (typeof this.got)[number] | undefined => this.got.find((g) => Buffer.from(g.msg.transactionId).equals(Buffer.from(transactionId)));
    for (let i = 0; wait && i < 750 && mine() === undefined; i++) await new Promise((r) => setTimeout(r, 4));
    const found = mine();
    return found && { ...found, sent: bytes.length };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

function address(msg: DecodedStunMessage, type: typeof Attr.ResponseOrigin | typeof Attr.OtherAddress | typeof Attr.XorMappedAddress): string | undefined {
  const a = getAttribute(msg, type);
  return a && `${a.address}:${a.port}`;
}

for (const plane of ['js', 'native'] as const) {
  describe(`RFC 5780 with two addresses and two ports (${plane} data plane)`, () => {
    let server: RunningTurnServer;
    let port: number;
    let client: Client;
    before(async () => {
      ({ server, port } = await start({ rfc5780: true, ips: [A, B], plane }));
      client = await new Client().open();
    });
    after(async () => {
      await client?.close();
      await server?.close();
    });

    test('listens on all four (IP, port) combinations over UDP and TCP', () => {
      for (const ip of [A, B]) {
        for (const p of [port, port + 1]) {
          for (const protocol of ['udp', 'tcp']) {
            assert.ok(server.listeners.some((l) => l.protocol === protocol && l.ip === ip && l.port === p), `${protocol} ${ip}:${p}`);
          }
        }
      }
    });

    test('a plain Binding carries RESPONSE-ORIGIN and OTHER-ADDRESS (alternate IP and port)', async () => {
      const r = await client.binding(A, port, []);
      assert.ok(r);
      assert.equal(r.from, `${A}:${port}`);
      assert.equal(address(r.msg, Attr.ResponseOrigin), `${A}:${port}`);
      assert.equal(address(r.msg, Attr.OtherAddress), `${B}:${port + 1}`);
      assert.equal(address(r.msg, Attr.XorMappedAddress), `${A}:${client.port}`);
      const r2 = await client.binding(B, port + 1, []);
      assert.equal(r2 && address(r2.msg, Attr.OtherAddress), `${A}:${port}`);
    });

    for (const [changeIp, changePort, origin] of [
      [true, true, () => `${B}:${port + 1}`],
      [true, false, () => `${B}:${port}`],
      [false, true, () => `${A}:${port + 1}`],
    ] as const) {
      test(`CHANGE-REQUEST ip=${changeIp} port=${changePort}: the answer leaves from the other listener`, async () => {
        const r = await client.binding(A, port, [{ type: Attr.ChangeRequest, value: { changeIp, changePort } }]);
        assert.ok(r, 'an answer');
        assert.equal(r.from, origin());
        assert.equal(address(r.msg, Attr.ResponseOrigin), origin());
      });
    }

    test('RESPONSE-PORT: the answer goes to that port of the client\'s IP', async () => {
      const other = await new Client().open();
      try {
        const before = client.got.length;
        await client.binding(A, port, [{ type: Attr.ResponsePort, value: other.port }], false);
        for (let i = 0; i < 750 && other.got.length === 0; i++) await new Promise((res) => setTimeout(res, 4));
        assert.equal(other.got.length, 1);
        assert.equal(client.got.length, before, 'nothing back to the asking port');
        assert.equal(address(other.got[0].msg, Attr.XorMappedAddress), `${A}:${client.port}`);
      } finally {
        await other.close();
      }
    });

    test('PADDING: the answer is padded, never past the request\'s size', async () => {
      const padded = await client.binding(A, port, [{ type: Attr.Padding, value: new Uint8Array(1480) }]);
      assert.ok(padded);
      assert.ok(getAttribute(padded.msg, Attr.Padding) !== undefined, 'padded');
      assert.ok(padded.size <= padded.sent, `${padded.size} <= ${padded.sent}`);
      assert.ok(padded.size > padded.sent - 8, 'padded up to the request');
      const small = await client.binding(A, port, [{ type: Attr.Padding, value: new Uint8Array(4) }]);
      assert.ok(small);
      assert.ok(small.size <= small.sent + 60, 'a tiny PADDING is not grown');
      assert.equal(getAttribute(small.msg, Attr.Padding), undefined);
    });

    test('PADDING with RESPONSE-PORT is refused (400)', async () => {
      const r = await client.binding(A, port, [
        { type: Attr.Padding, value: new Uint8Array(8) },
        { type: Attr.ResponsePort, value: client.port },
      ]);
      assert.equal(r?.msg.class, MessageClass.ErrorResponse);
      assert.equal(getAttribute(r.msg, Attr.ErrorCode)?.code, 400);
    });

    test('over TCP: OTHER-ADDRESS given, CHANGE-REQUEST refused with 400', async () => {
      const sock = net.connect(port, A);
      await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
      let buffered = Buffer.alloc(0);
      const answers: DecodedStunMessage[] = [];
      sock.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        for (let n = streamFrameLength(buffered); n > 0 && n <= buffered.length; n = streamFrameLength(buffered)) {
          const d = decodeMessage(buffered.subarray(0, n));
          if (d.ok) answers.push(d.value);
          buffered = buffered.subarray(n);
        }
      });
      const send = (attributes: StunAttribute[]): void => {
        sock.write(encodeMessage({ method: Method.Binding, class: MessageClass.Request, transactionId: newTransactionId(), attributes }));
      };
      send([]);
      send([{ type: Attr.ChangeRequest, value: { changeIp: true, changePort: false } }]);
      for (let i = 0; i < 500 && answers.length < 2; i++) await new Promise((r) => setTimeout(r, 4));
      sock.destroy();
      assert.equal(address(answers[0], Attr.OtherAddress), `${B}:${port + 1}`);
      assert.equal(getAttribute(answers[1], Attr.ErrorCode)?.code, 400);
    });
  });
}

describe('RFC 5780 and the per-IP budget', () => {
  test('every answer of an RFC 5780 server spends the unauthenticated budget (frozen clock)', async () => {
    const { server, port } = await start({ rfc5780: true, ips: [A, B], burst: 3, now: () => 1_000_000 });
    const client = await new Client().open();
    try {
      const kinds: StunAttribute[][] = [[], [{ type: Attr.ChangeRequest, value: { changeIp: true, changePort: true } }], [{ type: Attr.ResponsePort, value: client.port }], [{ type: Attr.Padding, value: new Uint8Array(64) }], []];
      for (const attributes of kinds) await client.binding(A, port, attributes, false);
      const dropped = (): number | undefined => {
        const n = server.core.counters.drops.get('unauthenticated-rate-limit') ?? 0;
        return n >= 2 ? n : undefined;
      };
      for (let i = 0; i < 750 && dropped() === undefined; i++) await new Promise((r) => setTimeout(r, 4));
      for (let i = 0; i < 750 && client.got.length < 3; i++) await new Promise((r) => setTimeout(r, 4));
      assert.equal(dropped(), 2);
      assert.equal(client.got.length, 3);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe('RFC 5780 off', () => {
  test('without rfc5780: CHANGE-REQUEST gets 420 from the same address, no OTHER-ADDRESS', async () => {
    const { server, port } = await start({ rfc5780: false, ips: [A, B] });
    const client = await new Client().open();
    try {
      const r = await client.binding(A, port, [{ type: Attr.ChangeRequest, value: { changeIp: true, changePort: true } }]);
      assert.ok(r);
      assert.equal(r.from, `${A}:${port}`);
      assert.equal(getAttribute(r.msg, Attr.ErrorCode)?.code, 420);
      assert.deepEqual(getAttribute(r.msg, Attr.UnknownAttributes), [Attr.ChangeRequest]);
      assert.equal(client.got.filter((g) => g.from !== `${A}:${port}`).length, 0, 'nothing from another address');
      const plain = await client.binding(A, port, [{ type: Attr.ChangeRequest, value: { changeIp: false, changePort: false } }]);
      assert.equal(plain?.msg.class, MessageClass.SuccessResponse, 'an empty CHANGE-REQUEST is a plain Binding');
      assert.equal(getAttribute(plain.msg, Attr.OtherAddress), undefined);
      assert.equal(getAttribute(plain.msg, Attr.ResponseOrigin), undefined);
      assert.ok(!server.listeners.some((l) => l.port === port + 1), 'no alternate port');
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('rfc5780 with one address: answered as without it', async () => {
    const { server, port } = await start({ rfc5780: true, ips: [A] });
    const client = await new Client().open();
    try {
      const r = await client.binding(A, port, [{ type: Attr.ChangeRequest, value: { changeIp: false, changePort: true } }]);
      assert.equal(getAttribute(r!.msg, Attr.ErrorCode)?.code, 420);
      assert.equal(client.got.filter((g) => g.from !== `${A}:${port}`).length, 0);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
