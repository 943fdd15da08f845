/**
 * RFC 5780 NAT behaviour discovery across implementations, all on loopback (no NAT, so every
 * verdict is endpoint-independent): coturn's `turnutils_natdiscovery` against `turnpike
 * turnserver` with two listening IPs and `--rfc5780`; `turnpike natdiscovery` against coturn's
 * `turnserver` with two listening IPs (RFC 5780 on by default in coturn 4.6); `turnpike
 * natdiscovery` against Turnpike, with hairpinning and a short binding-lifetime probe; and
 * Turnpike without `--rfc5780`, where no verdict can be drawn.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freeRange } from '../../harness/ports.ts';
import { coturnMissing, launchTurnServer, runCoturn, runTurnpike, type Launched } from '../../harness/servers.ts';

const skip = coturnMissing('turnserver', 'natdiscovery');
const EIM = 'NAT with Endpoint Independent Mapping!';
const EIF = 'NAT with Endpoint Independent Filtering!';
/** Short retransmission waits: on loopback an answer comes at once or never. */
const QUICK = ['--rto', '100', '--tries', '3'];

/** A server of `kind` on 127.0.0.1 and 127.0.0.2, listening-port P and alt-listening-port P+1. */
async function startTwoAddressServer(kind: 'coturn' | 'turnpike', rfc5780 = true): Promise<Launched> {
  const port = (await freeRange(2)).min;
  const relay = await freeRange(8);
  const options = [
    '-n', '--listening-ip=127.0.0.1', '--listening-ip=127.0.0.2', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
    `--min-port=${relay.min}`, `--max-port=${relay.max}`, '--no-tls', '--no-dtls', '--log-file=stdout',
    ...(kind === 'turnpike' ? ['--lt-cred-mech', '-u', 'ling:ling1234', '-r', 'demo', ...(rfc5780 ? ['--rfc5780'] : [])] : []),
  ];
  return launchTurnServer(kind, options, { port, keep: 20_000 });
}

describe('RFC 5780 NAT behaviour discovery between coturn and Turnpike', { skip }, () => {
  let turnpike: Launched;
  let coturn: Launched;
  before(async () => {
    [turnpike, coturn] = await Promise.all([startTwoAddressServer('turnpike'), startTwoAddressServer('coturn')]);
  });
  after(async () => {
    await Promise.all([turnpike?.stop(), coturn?.stop()]);
  });

  test('turnutils_natdiscovery -m -f against turnpike: endpoint-independent mapping and filtering', async () => {
    const r = await runCoturn('natdiscovery', ['-m', '-f', '-p', String(turnpike.port), '127.0.0.1'], 30_000);
    assert.match(r.stdout, new RegExp(EIM), r.stdout + turnpike.output());
    assert.match(r.stdout, new RegExp(EIF), r.stdout);
    // The filtering answer left from the other address and port (CHANGE-REQUEST, RFC 5780 §4.4).
    assert.match(r.stdout, new RegExp(`Response origin: : 127\\.0\\.0\\.2:${turnpike.port + 1}`), r.stdout);
  });

  test('turnpike natdiscovery -m -f against coturn: the same verdicts', async () => {
    const r = await runTurnpike(['natdiscovery', '-m', '-f', ...QUICK, '-p', String(coturn.port), '127.0.0.1'], 30_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(EIM));
    assert.match(r.stdout, new RegExp(EIF));
  });

  test('turnpike natdiscovery against turnpike: mapping, filtering, hairpinning, binding lifetime', async () => {
    const r = await runTurnpike(['natdiscovery', '-m', '-f', '-H', '-t', '-T', '0.05', '--max-lifetime', '0.1', '-P', ...QUICK, '-L', '127.0.0.1', '-p', String(turnpike.port), '127.0.0.1'], 30_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(EIM));
    assert.match(r.stdout, new RegExp(EIF));
    assert.match(r.stdout, /No NAT! \(Endpoint Independent Mapping\)/);
    assert.match(r.stdout, /Received a request \(maybe a successful hairpinning\)/);
    assert.match(r.stdout, /Mapping lifetime: at least 0\.1 s/);
  });
});

describe('turnpike natdiscovery against turnpike without --rfc5780', { skip }, () => {
  let server: Launched;
  before(async () => {
    server = await startTwoAddressServer('turnpike', false);
  });
  after(async () => {
    await server?.stop();
  });

  test('no OTHER-ADDRESS, no verdict, exit code 1', async () => {
    const r = await runTurnpike(['natdiscovery', '-m', '-f', ...QUICK, '-p', String(server.port), '127.0.0.1'], 30_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /does not support RFC 5780/);
    assert.doesNotMatch(r.stdout, /NAT with/);
  });

  test('turnutils_natdiscovery draws no verdict either', async () => {
    const r = await runCoturn('natdiscovery', ['-f', '-p', String(server.port), '127.0.0.1'], 30_000);
    assert.doesNotMatch(r.stdout, /NAT with/, r.stdout);
  });
});
