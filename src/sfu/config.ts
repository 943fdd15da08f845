/**
 * ion-sfu's `config.toml`, read unchanged: the v1.7 spelling (`[turn] credentials`, `[log] level`,
 * `[router] maxbuffertime`) and the v1.10 one (`[turn.auth]`, `[log] v`, `[webrtc.timeouts]`,
 * `singleport`, audio-level keys) both load. Keys are case-insensitive like viper's. Unknown keys
 * and bad values are errors that name the file, line and key path.
 */
import { readFile } from 'node:fs/promises';
import { parse, TomlError } from 'smol-toml';
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { TableReader, checkHostPort, checkIp, type ConfigSource } from './config-reader.ts';
import type {
  SfuAuthConfig,
  SfuClusterConfig,
  SfuConfig,
  SfuConfigOverrides,
  SfuIceServer,
  SfuRouterConfig,
  SfuTurnConfig,
  SfuTurnCredential,
  SfuWebrtcConfig,
} from './config-types.ts';

export type * from './config-types.ts';

/** ion-sfu's main() refuses port ranges narrower than this. */
const MIN_PORT_SPAN = 100;

/** The values of ion-sfu's stock `config.toml`; also what an absent key means. */
export function defaultSfuConfig(): SfuConfig {
  return {
    sfu: { ballast: 0, withStats: false },
    router: {
      maxBandwidth: 1500,
      maxPacketTrack: 500,
      maxBufferTime: 1000,
      audioLevelThreshold: 40,
      audioLevelInterval: 1000,
      audioLevelFilter: 20,
      simulcast: { bestQualityFirst: true, enableTemporalLayer: false },
    },
    webrtc: {
      portRange: undefined,
      singlePort: undefined,
      iceServers: [],
      sdpSemantics: 'unified-plan',
      mdns: true,
      nat1to1: [],
      iceLite: false,
      timeouts: { disconnected: 5, failed: 25, keepalive: 2 },
      bindAddress: undefined,
      mediaPath: 'native',
    },
    turn: {
      enabled: false,
      realm: 'ion',
      address: '0.0.0.0:3478',
      cert: undefined,
      key: undefined,
      portRange: undefined,
      auth: { credentials: parseCredentials('pion=ion,pion2=ion2') ?? [], secret: undefined },
    },
    log: { v: 1, level: undefined },
    cluster: { redis: undefined, nodeId: undefined, address: undefined, leaseTtl: 10, keyPrefix: 'turnpike:sfu:' },
    auth: { jwtSecret: undefined },
  };
}

/** Merges section-level overrides into a config (for embedding and tests). */
export function withOverrides(base: SfuConfig, over: SfuConfigOverrides): SfuConfig {
  return {
    sfu: { ...base.sfu, ...over.sfu },
    router: { ...base.router, ...over.router },
    webrtc: { ...base.webrtc, ...over.webrtc },
    turn: { ...base.turn, ...over.turn },
    log: { ...base.log, ...over.log },
    cluster: { ...base.cluster, ...over.cluster },
    auth: { ...base.auth, ...over.auth },
  };
}

/** "user=pass,user2=pass2" → pairs; undefined if any pair is not `\w+=\w+`. */
function parseCredentials(s: string): SfuTurnCredential[] | undefined {
  if (s.trim() === '') return [];
  const out: SfuTurnCredential[] = [];
  for (const pair of s.split(',')) {
    const m = /^\s*(\w+)=(\w+)\s*$/.exec(pair);
    if (!m) return undefined;
    out.push({ username: m[1], password: m[2] });
  }
  return out;
}

function checkIceUrl(s: string): string | undefined {
  return /^(stun|stuns|turn|turns):[^\s]+$/i.test(s) ? undefined : 'expected a stun:, stuns:, turn: or turns: URL';
}

function readRouter(t: TableReader, d: SfuRouterConfig): SfuRouterConfig {
  const sim = t.table('simulcast');
  const simulcast = {
    bestQualityFirst: sim.bool('bestqualityfirst', d.simulcast.bestQualityFirst),
    enableTemporalLayer: sim.bool('enabletemporallayer', d.simulcast.enableTemporalLayer),
  };
  sim.finish();
  const r: SfuRouterConfig = {
    maxBandwidth: t.int('maxbandwidth', d.maxBandwidth, 0, 10_000_000),
    maxPacketTrack: t.int('maxpackettrack', d.maxPacketTrack, 1, 32768),
    maxBufferTime: t.int('maxbuffertime', d.maxBufferTime, 0, 3_600_000),
    audioLevelThreshold: t.int('audiolevelthreshold', d.audioLevelThreshold, 0, 127),
    audioLevelInterval: t.int('audiolevelinterval', d.audioLevelInterval, 1, 3_600_000),
    audioLevelFilter: t.int('audiolevelfilter', d.audioLevelFilter, 0, 100),
    simulcast,
  };
  t.finish();
  return r;
}

function readIceServer(t: TableReader): SfuIceServer {
  const urls = t.strings('urls', checkIceUrl);
  if (urls.length === 0) t.fail('urls', 'expected at least one URL');
  const s = { urls, username: t.string('username', undefined), credential: t.string('credential', undefined) };
  t.finish();
  return s;
}

function readWebrtc(t: TableReader, d: SfuWebrtcConfig): SfuWebrtcConfig {
  const cand = t.table('candidates');
  const nat1to1 = cand.strings('nat1to1', checkIp);
  const iceLite = cand.bool('icelite', d.iceLite);
  cand.finish();
  const to = t.table('timeouts');
  const timeouts = {
    disconnected: to.number('disconnected', d.timeouts.disconnected, 0, 86400),
    failed: to.number('failed', d.timeouts.failed, 0, 86400),
    keepalive: to.number('keepalive', d.timeouts.keepalive, 0, 86400),
  };
  to.finish();
  const bindAddress = t.string('bindaddress', d.bindAddress);
  if (bindAddress !== undefined && checkIp(bindAddress)) t.fail('bindaddress', `expected an IP address, got "${bindAddress}"`);
  const w: SfuWebrtcConfig = {
    portRange: t.portRange('portrange', MIN_PORT_SPAN) ?? d.portRange,
    singlePort: t.has('singleport') ? t.int('singleport', 0, 1, 65535) : d.singlePort,
    iceServers: t.tables('iceserver').map(readIceServer),
    sdpSemantics: t.oneOf('sdpsemantics', d.sdpSemantics, ['unified-plan', 'plan-b', 'unified-plan-with-fallback']),
    mdns: t.bool('mdns', d.mdns),
    nat1to1,
    iceLite,
    timeouts,
    bindAddress,
    mediaPath: t.oneOf('mediapath', d.mediaPath, ['native', 'stack']),
  };
  t.finish();
  return w;
}

function readTurn(t: TableReader, d: SfuTurnConfig): SfuTurnConfig {
  const address = t.string('address', d.address);
  const why = checkHostPort(address);
  if (why) t.fail('address', `${why}, got "${address}"`);
  // v1.7 kept credentials directly under [turn]; v1.8+ moved them to [turn.auth].
  const legacy = t.string('credentials', undefined);
  const auth = t.table('auth');
  const credText = auth.string('credentials', undefined) ?? legacy;
  const credentials = credText === undefined ? d.auth.credentials : parseCredentials(credText);
  if (!credentials) {
    const where: TableReader = auth.has('credentials') ? auth : t;
    where.fail('credentials', `expected "user=password,user2=password2" (letters, digits, _), got "${credText}"`);
  }
  const secret = auth.string('secret', d.auth.secret);
  auth.finish();
  const r: SfuTurnConfig = {
    enabled: t.bool('enabled', d.enabled),
    realm: t.string('realm', d.realm),
    address,
    cert: t.string('cert', d.cert),
    key: t.string('key', d.key),
    portRange: t.portRange('portrange', 0) ?? d.portRange,
    auth: { credentials, secret },
  };
  if ((r.cert === undefined) !== (r.key === undefined)) t.fail(r.cert ? 'key' : 'cert', 'cert and key must be set together');
  t.finish();
  return r;
}

/** `[cluster]`: a Turnpike addition (several nodes over one Redis); absent means one node. */
function readCluster(t: TableReader, d: SfuClusterConfig): SfuClusterConfig {
  const redis = t.string('redis', d.redis);
  if (redis !== undefined && !/^rediss?:\/\/\S+$/.test(redis) && checkHostPort(redis)) {
    t.fail('redis', `expected "host:port" or a redis:// URL, got "${redis}"`);
  }
  const nodeId = t.string('nodeid', d.nodeId);
  if (nodeId !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) {
    t.fail('nodeid', `expected 1 to 64 letters, digits, ".", "_" or "-", got "${nodeId}"`);
  }
  const c: SfuClusterConfig = {
    redis,
    nodeId,
    address: t.string('address', d.address),
    leaseTtl: t.number('leasettl', d.leaseTtl, 1, 300),
    keyPrefix: t.string('keyprefix', d.keyPrefix),
  };
  t.finish();
  return c;
}

/** `[auth]`: a Turnpike addition (signed join tokens); absent means anyone may join. */
function readAuth(t: TableReader, d: SfuAuthConfig): SfuAuthConfig {
  const jwtSecret = t.string('jwtsecret', d.jwtSecret);
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < 32) {
    t.fail('jwtsecret', 'expected a secret of at least 32 bytes (RFC 7518 §3.2)');
  }
  t.finish();
  return { jwtSecret };
}

/** Parses the text of an ion-sfu `config.toml`; throws `TurnpikeError` (CONFIG_INVALID). */
export function parseSfuConfig(text: string, file = 'config.toml'): SfuConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    const line = err instanceof TomlError ? `:${err.line}` : '';
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `${file}${line}: not valid TOML: ${msg}`, { cause: err });
  }
  const d = defaultSfuConfig();
  const src: ConfigSource = { file, text };
  const root = new TableReader(src, '', doc);
  const sfuT = root.table('sfu');
  const sfu = { ballast: sfuT.int('ballast', d.sfu.ballast, 0, 1 << 20), withStats: sfuT.bool('withstats', d.sfu.withStats) };
  sfuT.finish();
  const router = readRouter(root.table('router'), d.router);
  const webrtc = readWebrtc(root.table('webrtc'), d.webrtc);
  const turn = readTurn(root.table('turn'), d.turn);
  const logT = root.table('log');
  const log = { v: logT.int('v', d.log.v, 0, 10), level: logT.string('level', d.log.level) };
  logT.finish();
  const cluster = readCluster(root.table('cluster'), d.cluster);
  const auth = readAuth(root.table('auth'), d.auth);
  root.finish();
  if (turn.enabled && turn.portRange && webrtc.portRange) {
    const [a, b] = turn.portRange;
    const [c, e] = webrtc.portRange;
    if (a <= e && c <= b) {
      root.table('turn').fail('portrange', `must not overlap [webrtc] portrange [${c}, ${e}]`);
    }
  }
  return { sfu, router, webrtc, turn, log, cluster, auth };
}

/** Reads and parses a config file. */
export async function loadSfuConfig(path: string): Promise<SfuConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `${path}: cannot read the SFU config (${why})`, { cause: err });
  }
  return parseSfuConfig(text, path);
}
