/**
 * The Kubernetes manifests in deploy/k8s/, checked without a cluster (no kubectl here): the
 * YAML is read by PyYAML (python3), the essentials are checked (images, ports, probes, host
 * networking, Redis reached through the Secret's connection strings), the TURN member's
 * command line is loaded by Turnpike's own config loader with the ConfigMap's turnserver.conf,
 * the SFU's sfu.toml and command line by the SFU's parsers, and both programs, started with
 * those files, answer the readiness probes' requests. Without PyYAML only a line-based check
 * of the required keys runs.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, type Readiness, type TrackedChild } from '../../harness/children.ts';
import { freeRange, freeTcpPort, freeUdpTcpPort } from '../../harness/ports.ts';
import { turnpikeCommand } from '../../harness/servers.ts';
import { loadTurnserverConfig } from '../../src/config/index.ts';
import { parseSfuArgs } from '../../src/cli/sfu.ts';
import { parseSfuConfig } from '../../src/sfu/config.ts';

const DIR = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

/** A Kubernetes object as read from YAML (only what is checked is typed). */
type K8s = Record<string, unknown> & { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  ports?: { containerPort: number; protocol?: string }[];
  readinessProbe?: { httpGet?: { path: string; port: number } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  hostNetwork?: boolean;
  dnsPolicy?: string;
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; configMap?: { name: string } }[];
}

/** Every document of every file, parsed by PyYAML; a string saying why not when it cannot run. */
function parseAll(): K8s[] | string {
  const script = 'import json, sys, yaml\njson.dump([d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d is not None], sys.stdout)';
  const r = spawnSync('python3', ['-c', script, ...FILES.map((f) => join(DIR, f))], { encoding: 'utf8' });
  if (r.error !== undefined) return `python3 cannot run: ${r.error.message}`;
  if (r.status !== 0 && /No module named .?yaml/.test(r.stderr)) return 'PyYAML is not installed (apt-get install python3-yaml)';
  assert.equal(r.status, 0, `the manifests are not valid YAML:\n${r.stderr}`);
  return JSON.parse(r.stdout) as K8s[];
}

const docs = parseAll();
const noYaml = typeof docs === 'string' ? docs : false;
const all = (): K8s[] => docs as K8s[];
const find = (kind: string, name: string): K8s => {
  const d = all().find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(d, `no ${kind} ${name} in deploy/k8s/`);
  return d;
};
const pod = (workload: K8s): PodSpec => (workload.spec as { template: { spec: PodSpec } }).template.spec;
const env = (c: Container, name: string) => c.env?.find((e) => e.name === name);

/** `args` with Kubernetes' $(NAME) expansion, from the Secret's values and sample field values. */
function expand(c: Container, secret: Record<string, string>, fields: Record<string, string>): string[] {
  return (c.args ?? []).map((a) => a.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => {
    const e = env(c, name);
    assert.ok(e, `$(${name}) in ${c.name}'s args is not in its env`);
    const ref = e.valueFrom?.secretKeyRef;
    if (ref !== undefined) {
      assert.ok(ref.key in secret, `secret key ${ref.key} missing`);
      return secret[ref.key];
    }
    const path = e.valueFrom?.fieldRef?.fieldPath ?? '';
    assert.ok(path in fields, `unexpected field ${path}`);
    return fields[path];
  }));
}

/** Polls GET url until it answers 200 with a body containing `needle`; fails when the child exits. */
function answersHttp(url: string, needle: string, limitMs = 15_000): Readiness {
  return async (child) => {
    let exited: number | string | undefined;
    void child.exited.then((c) => { exited = c; });
    const end = Date.now() + limitMs;
    for (;;) {
      if (exited !== undefined) throw new Error(`exited (${exited}) before serving ${url}:\n${child.output()}`);
      try {
        const res = await fetch(url);
        if (res.status === 200 && (await res.text()).includes(needle)) return;
      } catch { /* not listening yet */ }
      if (Date.now() > end) throw new Error(`${url} did not answer within ${limitMs / 1000} s:\n${child.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
}

describe('deploy/k8s manifests', { skip: noYaml }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'turnpike-k8s-'));
  const children: TrackedChild[] = [];
  after(async () => {
    for (const c of children) await c.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const secret = (): Record<string, string> => find('Secret', 'turnpike-fleet').stringData as Record<string, string>;
  const turnConf = (): string => (find('ConfigMap', 'turnserver-conf').data as Record<string, string>)['turnserver.conf'];
  const sfuToml = (): string => (find('ConfigMap', 'sfu-conf').data as Record<string, string>)['sfu.toml'];
  const turn = (): Container => pod(find('DaemonSet', 'turnpike-turn')).containers[0];
  const sfu = (): Container => pod(find('Deployment', 'turnpike-sfu')).containers[0];

  test('every object is named, in the turnpike namespace, and labelled part-of turnpike', () => {
    for (const d of all()) {
      assert.ok(d.apiVersion && d.kind && d.metadata?.name, JSON.stringify(d).slice(0, 200));
      if (d.kind !== 'Namespace') assert.equal(d.metadata.namespace, 'turnpike', `${d.kind} ${d.metadata.name}`);
      assert.equal(d.metadata.labels?.['app.kubernetes.io/part-of'], 'turnpike', `${d.kind} ${d.metadata.name}`);
    }
    find('Namespace', 'turnpike');
  });

  test('Redis: a Service in front of the Deployment, and every connection string points at it', () => {
    const svc = find('Service', 'redis').spec as { selector: Record<string, string>; ports: { port: number }[] };
    const deployment = find('Deployment', 'redis');
    const labels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    for (const [k, v] of Object.entries(svc.selector)) assert.equal(labels[k], v, 'the Service selects the Redis pods');
    assert.deepEqual(svc.ports.map((p) => p.port), [6379]);
    assert.match(pod(deployment).containers[0].image, /^redis:/);
    const host = 'redis.turnpike.svc.cluster.local';
    for (const key of ['REDIS_USERDB', 'REDIS_STATSDB', 'FLEET_REDIS']) assert.match(secret()[key], new RegExp(`host=${host.replaceAll('.', '\\.')} port=6379 `), key);
    assert.equal(parseSfuConfig(sfuToml()).cluster.redis, `${host}:6379`);
    const wait = pod(find('DaemonSet', 'turnpike-turn')).initContainers?.find((c) => c.name === 'wait-for-redis');
    assert.ok(wait?.command?.join(' ').includes(`6379, '${host}'`), 'the TURN pods wait for Redis');
  });

  test('TURN fleet: a DaemonSet on host networking, probed on the health endpoint of its own turnserver.conf', () => {
    const spec = pod(find('DaemonSet', 'turnpike-turn'));
    assert.equal(spec.hostNetwork, true);
    assert.equal(spec.dnsPolicy, 'ClusterFirstWithHostNet', 'cluster DNS names resolve on host networking');
    const c = turn();
    assert.match(c.image, /^turnpike:/);
    assert.deepEqual(c.ports?.filter((p) => p.containerPort === 3478).map((p) => p.protocol).sort(), ['TCP', 'UDP']);
    assert.equal(c.args?.[0], 'turnserver');
    assert.ok(c.volumeMounts?.some((m) => m.mountPath === '/etc/coturn'));
    assert.ok(spec.volumes?.some((v) => v.configMap?.name === 'turnserver-conf'));
    // The member's whole command line, as Kubernetes expands it, loaded as Turnpike loads it.
    const args = expand(c, secret(), { 'spec.nodeName': 'node-a', 'status.hostIP': '10.0.0.5' });
    const { config } = loadTurnserverConfig(args.slice(1), { readFile: (p) => (p === '/etc/coturn/turnserver.conf' ? turnConf() : readFileSync(p, 'utf8')) });
    assert.equal(config.fleetRedis, secret().FLEET_REDIS);
    assert.equal(config.fleetMemberName, 'node-a');
    assert.equal(config.fleetAdvertise, '10.0.0.5:3478');
    assert.equal(config.statelessNonceSecret, secret().STATELESS_NONCE_SECRET);
    assert.equal(config.prometheus, true);
    assert.deepEqual(c.readinessProbe?.httpGet, { path: '/', port: config.prometheusPort });
  });

  test("SFU: a Deployment whose sfu.toml has a [cluster] section, probed on its metrics port", () => {
    const spec = pod(find('Deployment', 'turnpike-sfu'));
    assert.equal(spec.hostNetwork, true);
    const c = sfu();
    assert.match(c.image, /^turnpike:/);
    const cfg = parseSfuConfig(sfuToml());
    const args = parseSfuArgs(expand(c, secret(), { 'metadata.name': 'turnpike-sfu-abc', 'status.hostIP': '10.0.0.6' }).slice(1));
    assert.equal(args.config, '/configs/sfu.toml');
    assert.equal(args.cluster?.nodeId, 'turnpike-sfu-abc');
    assert.deepEqual(c.readinessProbe?.httpGet, { path: '/metrics', port: args.metrics.port });
    assert.ok(c.ports?.some((p) => p.containerPort === cfg.webrtc.singlePort && p.protocol === 'UDP'), 'the ICE port');
    const svc = find('Service', 'turnpike-sfu').spec as { ports: { targetPort: number }[] };
    assert.deepEqual(svc.ports.map((p) => p.targetPort), [args.port]);
  });

  test('the TURN member started with the ConfigMap answers its readiness probe ("ok")', async () => {
    const file = join(tmp, 'turnserver.conf');
    writeFileSync(file, turnConf());
    const [port, metrics, { min, max }] = [await freeUdpTcpPort(), await freeTcpPort(), await freeRange(20)];
    const url = `http://127.0.0.1:${metrics}/`;
    // The same file; addresses, ports and a user instead of the fleet's Redis, which is not here.
    children.push(await launch(turnpikeCommand(['turnserver', '-c', file, '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
      `--min-port=${min}`, `--max-port=${max}`, '--prometheus-address=127.0.0.1', `--prometheus-port=${metrics}`, '-u', 'k8s:check']), answersHttp(url, 'ok')));
  });

  test('the SFU started with the ConfigMap answers its readiness probe (/metrics)', async () => {
    const file = join(tmp, 'sfu.toml');
    // The same file, with this machine's Redis and a key prefix of its own.
    writeFileSync(file, sfuToml().replace(/^redis = .*$/m, 'redis = "127.0.0.1:6379"').replace(/^keyprefix = .*$/m, `keyprefix = "k8s-test-${process.pid}:"`));
    const [signal, metrics] = [await freeTcpPort(), await freeTcpPort()];
    const url = `http://127.0.0.1:${metrics}/metrics`;
    children.push(await launch(turnpikeCommand(['sfu', '-c', file, '-a', `127.0.0.1:${signal}`, '-m', `127.0.0.1:${metrics}`, `--node-id=k8s-${process.pid}`]), answersHttp(url, '')));
  });
});

describe('deploy/k8s manifests, line by line (no PyYAML)', { skip: noYaml === false ? 'PyYAML reads them above' : false }, () => {
  test('the required keys are there', () => {
    const text = (f: string): string => readFileSync(join(DIR, f), 'utf8');
    for (const line of ['kind: DaemonSet', 'hostNetwork: true', 'dnsPolicy: ClusterFirstWithHostNet', 'readinessProbe:', 'port: 9641', 'image: turnpike:latest', '--fleet-redis=$(FLEET_REDIS)']) {
      assert.ok(text('turn-daemonset.yaml').includes(line), line);
    }
    assert.match(text('redis.yaml'), /kind: Service[\s\S]*port: 6379/);
    assert.match(text('sfu.yaml'), /\[cluster\][\s\S]*redis = /);
  });
});
