import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSfuConfig, defaultSfuConfig, loadSfuConfig } from '../../src/sfu/config.ts';
import { TurnpikeError } from '../../src/errors.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

test('the stock ion-sfu config.toml loads with its values', async () => {
  const c = await loadSfuConfig(fixture('ion-sfu-stock.toml').pathname);
  assert.equal(c.router.maxBandwidth, 1500);
  assert.equal(c.router.maxPacketTrack, 500);
  assert.equal(c.router.audioLevelThreshold, 40);
  assert.equal(c.router.audioLevelInterval, 1000);
  assert.equal(c.router.audioLevelFilter, 20);
  assert.deepEqual(c.router.simulcast, { bestQualityFirst: true, enableTemporalLayer: false });
  assert.deepEqual(c.webrtc.portRange, [5000, 5200]);
  assert.equal(c.webrtc.singlePort, undefined);
  assert.equal(c.webrtc.sdpSemantics, 'unified-plan');
  assert.deepEqual(c.webrtc.timeouts, { disconnected: 5, failed: 25, keepalive: 2 });
  assert.equal(c.turn.enabled, false);
  assert.equal(c.turn.realm, 'ion');
  assert.equal(c.turn.address, '0.0.0.0:3478');
  assert.deepEqual(c.turn.auth.credentials, [
    { username: 'pion', password: 'ion' },
    { username: 'pion2', password: 'ion2' },
  ]);
  assert.equal(c.log.v, 1);
});

test('ion-sfu 1.7 spelling loads: [turn] credentials, [log] level, maxbuffertime', () => {
  const c = parseSfuConfig(readFileSync(fixture('ion-sfu-1.7.toml'), 'utf8'));
  assert.equal(c.router.maxBufferTime, 1000);
  assert.equal(c.log.level, 'trace');
  assert.equal(c.turn.auth.credentials.length, 2);
});

test('every documented key parses into the typed object', () => {
  const c = parseSfuConfig(`
[webrtc]
singleport = 5000
bindaddress = "127.0.0.1"
[[webrtc.iceserver]]
urls = ["stun:stun.example.org:3478"]
[[webrtc.iceserver]]
urls = ["turn:turn.example.org:3478"]
username = "u"
credential = "p"
[webrtc.candidates]
nat1to1 = ["203.0.113.7", "2001:db8::1"]
icelite = true
[webrtc.timeouts]
disconnected = 3
failed = 10
keepalive = 1
[turn]
enabled = true
realm = "example.org"
address = "[::1]:3478"
portrange = [49152, 65535]
[turn.auth]
secret = "s3cret"
`);
  assert.equal(c.webrtc.singlePort, 5000);
  assert.equal(c.webrtc.bindAddress, '127.0.0.1');
  assert.equal(c.webrtc.iceServers.length, 2);
  assert.deepEqual(c.webrtc.iceServers[1], { urls: ['turn:turn.example.org:3478'], username: 'u', credential: 'p' });
  assert.deepEqual(c.webrtc.nat1to1, ['203.0.113.7', '2001:db8::1']);
  assert.equal(c.webrtc.iceLite, true);
  assert.deepEqual(c.webrtc.timeouts, { disconnected: 3, failed: 10, keepalive: 1 });
  assert.equal(c.turn.enabled, true);
  assert.equal(c.turn.address, '[::1]:3478');
  assert.deepEqual(c.turn.portRange, [49152, 65535]);
  assert.equal(c.turn.auth.secret, 's3cret');
});

test('keys are case-insensitive, as viper reads them', () => {
  const c = parseSfuConfig('[Router]\nMaxPacketTrack = 900\n[router.Simulcast]\nBestQualityFirst = false\n');
  assert.equal(c.router.maxPacketTrack, 900);
  assert.equal(c.router.simulcast.bestQualityFirst, false);
});

test('an empty file gives the stock defaults', () => {
  assert.deepEqual(parseSfuConfig(''), defaultSfuConfig());
});

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseSfuConfig(text, 'sfu.toml'),
    (err: unknown) => {
      assert.ok(err instanceof TurnpikeError);
      assert.equal(err.code, 'TURNPIKE_ERR_CONFIG_INVALID');
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test('bad values name the file, line, key path and what is accepted', () => {
  rejects('[router]\nmaxpackettrack = "lots"\n', /^sfu\.toml:2: \[router\] maxpackettrack: expected an integer from 1 to 32768, got "lots"$/);
  rejects('[webrtc]\n\nportrange = [5000, 5050]\n', /^sfu\.toml:3: \[webrtc\] portrange: the range must span at least 100 ports/);
  rejects('[webrtc]\nportrange = [6000, 5000]\n', /\[webrtc\] portrange: expected \[min, max\]/);
  rejects('[webrtc.candidates]\nnat1to1 = ["not-an-ip"]\n', /^sfu\.toml:2: \[webrtc\.candidates\] nat1to1: expected an IP address, got "not-an-ip"$/);
  rejects('[router.simulcast]\nbestqualityfirst = "yes"\n', /\[router\.simulcast\] bestqualityfirst: expected true or false/);
  rejects('[webrtc]\nsdpsemantics = "plan-c"\n', /sdpsemantics: expected one of "unified-plan", "plan-b"/);
  rejects('[turn.auth]\ncredentials = "pion:ion"\n', /^sfu\.toml:2: \[turn\.auth\] credentials: expected "user=password/);
  rejects('[turn]\naddress = "nowhere"\n', /\[turn\] address: expected "host:port", got "nowhere"/);
  rejects('[[webrtc.iceserver]]\nurls = ["http://x"]\n', /^sfu\.toml:2: \[webrtc\.iceserver\[0\]\] urls: expected a stun:/);
  rejects('[router]\naudiolevelthreshold = 128\n', /audiolevelthreshold: expected an integer from 0 to 127, got 128/);
});

test('unknown keys and tables are rejected with their path', () => {
  rejects('[router]\nmaxpacketrack = 500\n', /^sfu\.toml:2: \[router\] maxpacketrack: unknown key "maxpacketrack"$/);
  rejects('[routr]\nx = 1\n', /routr: unknown key "routr"/);
  rejects('[webrtc.timeouts]\nconnected = 5\n', /\[webrtc\.timeouts\] connected: unknown key/);
});

test('TOML syntax errors carry the line', () => {
  rejects('[router]\nmaxbandwidth = = 3\n', /^sfu\.toml:2: not valid TOML/);
});

test('overlapping TURN and WebRTC port ranges are refused when TURN is on', () => {
  rejects('[webrtc]\nportrange = [5000, 5200]\n[turn]\nenabled = true\nportrange = [5100, 5300]\n', /\[turn\] portrange: must not overlap/);
});

test('a file that cannot be read is a CONFIG_INVALID error naming it', async () => {
  await assert.rejects(loadSfuConfig('/nonexistent/sfu.toml'), /\/nonexistent\/sfu\.toml: cannot read the SFU config \(ENOENT\)/);
});
