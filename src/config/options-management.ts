/** Option table rows: coturn's telnet CLI, web admin, Prometheus endpoint and ACME redirect. */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { integer, ipAddress, port, text } from './values.ts';

const area = Area.Management;
const noTelnet = 'ignored: Turnpike has no telnet CLI; use the HTTP API (http-port, api-key)';
const pem = text('<file>', 'a file path');

/** Management interface options. */
export const managementOptions: readonly OptionSpec[] = [
  flag({
    name: 'no-cli', area, meaning: 'turn off the telnet CLI (coturn 4.6; without effect in 4.7+, where the CLI is off unless cli is given)',
    status: S.Supported, note: 'Turnpike never starts a telnet CLI, so this is always true',
  }),
  flag({ name: 'cli', area, meaning: 'turn on the telnet CLI (coturn 4.7+; off by default there)', status: S.Warn, note: noTelnet }),
  valued({ name: 'cli-ip', area, type: ipAddress, default: '127.0.0.1', meaning: 'telnet CLI address', status: S.Warn, note: noTelnet }),
  valued({ name: 'cli-port', area, type: port, default: '5766', meaning: 'telnet CLI port', status: S.Warn, note: noTelnet }),
  valued({ name: 'cli-password', area, secret: true, type: text('<password>', 'a password'), meaning: 'telnet CLI password (plain or turnadmin -P hash)', status: S.Warn, note: noTelnet }),
  valued({
    name: 'cli-max-output-sessions', area, type: integer(0, 2 ** 31 - 1), default: '256',
    meaning: 'sessions listed by the CLI ps command', status: S.Warn, note: noTelnet,
  }),
  flag({
    name: 'web-admin', area, meaning: 'serve the admin page and its JSON API (sessions, users, secrets, realm options, authentication failures)',
    status: S.Supported, note: 'https when cert and pkey are set, else http on loopback only', set: (t, on) => { t.config.webAdmin = on; },
  }),
  valued({ name: 'web-admin-ip', area, type: ipAddress, default: '127.0.0.1', meaning: 'admin page address', status: S.Supported, set: (t, v) => { t.config.webAdminIp = v; } }),
  valued({ name: 'web-admin-port', area, type: port, default: '8080', meaning: 'admin page port', status: S.Supported, set: (t, v) => { t.config.webAdminPort = v; } }),
  flag({
    name: 'web-admin-listen-on-workers', area, meaning: 'also serve web admin on the STUN/TURN ports',
    status: S.Warn, note: 'ignored: the admin page listens on web-admin-ip:web-admin-port only',
  }),
  flag({ name: 'prometheus', area, meaning: 'serve Prometheus metrics (coturn\'s names, plus Turnpike\'s own)', status: S.Supported, set: (t, on) => { t.config.prometheus = on; } }),
  valued({ name: 'prometheus-port', area, type: port, bare: 9641, default: '9641', meaning: 'Prometheus metrics port', status: S.Supported, set: (t, v) => { t.config.prometheusPort = v; } }),
  valued({ name: 'prometheus-address', area, type: ipAddress, default: '0.0.0.0', meaning: 'Prometheus metrics address (coturn 4.7)', status: S.Supported, set: (t, v) => { t.config.prometheusAddress = v; } }),
  valued({ name: 'prometheus-path', area, type: text('<path>', 'a URL path'), default: '/metrics', meaning: 'Prometheus metrics path (coturn 4.7)', status: S.Supported, set: (t, v) => { t.config.prometheusPath = v; } }),
  flag({
    name: 'prometheus-tls', area, meaning: 'serve the metrics over https; implies prometheus (coturn 4.7+)',
    status: S.Supported, note: 'with prometheus-cert and prometheus-key, else cert and pkey',
    set: (t, on) => {
      t.config.prometheusTls = on;
      if (on) t.config.prometheus = true;
    },
  }),
  valued({ name: 'prometheus-cert', area, type: pem, default: 'cert', meaning: 'certificate chain of the https metrics endpoint, PEM (coturn 4.7+)', status: S.Supported, set: (t, v) => { t.config.prometheusCert = v; } }),
  valued({ name: 'prometheus-key', area, type: pem, default: 'pkey', meaning: 'private key of the https metrics endpoint, PEM (coturn 4.7+)', status: S.Supported, note: 'unlocked with pkey-pwd, as pkey is', set: (t, v) => { t.config.prometheusKey = v; } }),
  flag({ name: 'prometheus-username-labels', area, meaning: 'label traffic metrics with user names', status: S.Supported, set: (t, on) => { t.config.prometheusUsernameLabels = on; } }),
  valued({
    name: 'acme-redirect', area, type: text('<url>', 'a URL'),
    meaning: "answer HTTP GETs of '/.well-known/acme-challenge/NAME' with a redirect to '<url>NAME' (ACME HTTP-01)",
    status: S.Supported, note: 'on plain TCP connections to the STUN/TURN listeners, as in coturn; other HTTP requests get no answer unless respond-http-unsupported is set',
    set: (t, v) => { t.config.acmeRedirect = v; },
  }),
];
