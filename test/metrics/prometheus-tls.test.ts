/**
 * `prometheus-tls` with `prometheus-cert` and `prometheus-key` (coturn 4.7+): the metrics
 * endpoint of a running server answers over https with that certificate, and plain http on
 * the same port gets no metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { freeTcpPort } from '../../harness/ports.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startMetrics } from '../../src/metrics/index.ts';
import type { Service } from '../../src/server/services.ts';
import { HOST, startServer, type TestServer } from '../server/wire.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../http/fixtures/${name}`, import.meta.url));

let ts: TestServer;
let metrics: Service | undefined;
let port: number;

before(async () => {
  port = await freeTcpPort();
  ts = await startServer([
    '--prometheus-tls', `--prometheus-port=${port}`, `--prometheus-address=${HOST}`,
    `--prometheus-cert=${fixture('localhost-cert.pem')}`, `--prometheus-key=${fixture('localhost-key.pem')}`,
  ]);
  metrics = await startMetrics(ts.server.currentConfig(), ts.server, silentLogger);
});

after(async () => {
  await metrics?.close();
  await ts.server.close();
});

test('the metrics are served over https with the prometheus-cert certificate', async () => {
  const got = await new Promise<{ status: number; body: string; subject: string }>((resolve, reject) => {
    https
      .get({ host: HOST, port, path: '/metrics', rejectUnauthorized: false, agent: false }, (res) => {
        const subject = String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '');
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, subject }));
      })
      .on('error', reject);
  });
  assert.equal(got.status, 200);
  assert.equal(got.subject, 'localhost');
  assert.match(got.body, /^# HELP /m);
  // coturn's socket type names, DTLS among them, listed from the start
  for (const type of ['UDP', 'TCP', 'TLS/TCP', 'DTLS']) assert.match(got.body, new RegExp(`turn_total_allocations\\{type="${type}"\\} 0`));
});

test('plain http on the metrics port gets no metrics', async () => {
  const outcome = await new Promise<string>((resolve) => {
    http
      .get({ host: HOST, port, path: '/metrics', agent: false }, (res) => {
        res.resume();
        resolve(`status ${res.statusCode}`);
      })
      .on('error', (err) => resolve(`error ${err.message}`));
  });
  assert.doesNotMatch(outcome, /status 200/);
});
