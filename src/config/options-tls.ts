/** Option table rows: certificates, ciphers and protocol versions of TLS and DTLS listeners. */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { text } from './values.ts';

const area = Area.Tls;
const tlsOnly = 'applies to the TLS and DTLS listeners and the web server';
const noFiniteFieldDh = 'ignored: Turnpike offers ECDHE key exchange (and TLS 1.3) only, which needs no DH parameters';
const noOldTls = 'ignored: Node.js offers TLS 1.2 and 1.3 only, so TLS 1.0 and 1.1 clients cannot connect';
const file = text('<file>', 'a file path');

/** TLS and DTLS options. */
export const tlsOptions: readonly OptionSpec[] = [
  valued({ name: 'cert', area, type: file, default: 'none', meaning: 'certificate chain, PEM', status: S.Supported, note: "with pkey: TURN over TLS and DTLS on tls-listening-port, and https for serve's web server", set: (t, v) => { t.config.tls.cert = v; } }),
  valued({ name: 'pkey', area, type: file, default: 'none', meaning: 'private key, PEM', status: S.Supported, note: tlsOnly, set: (t, v) => { t.config.tls.pkey = v; } }),
  valued({ name: 'pkey-pwd', area, secret: true, type: text('<password>', 'a password'), meaning: 'password of an encrypted private key', status: S.Supported, note: tlsOnly, set: (t, v) => { t.config.tls.pkeyPwd = v; } }),
  valued({ name: 'cipher-list', area, type: text('<ciphers>', 'an OpenSSL cipher list'), default: "Node.js's default", meaning: 'OpenSSL cipher list', status: S.Supported, note: tlsOnly, set: (t, v) => { t.config.tls.cipherList = v; } }),
  valued({ name: 'CA-file', area, type: file, meaning: 'CA certificates; clients must then present a certificate', status: S.Supported, note: 'TLS and DTLS clients must present a certificate signed by one of these', set: (t, v) => { t.config.tls.caFile = v; } }),
  valued({ name: 'ec-curve-name', area, type: text('<curve>', 'a curve name'), meaning: 'elliptic curve for ECDHE', status: S.Supported, note: tlsOnly, set: (t, v) => { t.config.tls.ecCurveName = v; } }),
  flag({ name: 'dh566', area, meaning: 'use a predefined 566-bit DH key', status: S.Warn, note: noFiniteFieldDh }),
  flag({ name: 'dh1066', area, meaning: 'use a predefined 1066-bit DH key', status: S.Warn, note: noFiniteFieldDh }),
  valued({ name: 'dh-file', area, type: file, meaning: 'DH parameters, PEM', status: S.Warn, note: noFiniteFieldDh }),
  flag({
    name: 'raw-public-keys', area,
    meaning: 'RFC 7250 raw public keys in TLS instead of certificates (coturn 4.7+, OpenSSL 3.2+)',
    status: S.Warn, note: 'ignored: the TLS and DTLS listeners present the X.509 certificate of cert',
  }),
  flag({ name: 'tlsv1', area, meaning: 'accept TLS 1.0 and DTLS 1.0 (coturn 4.7+; off by default there)', status: S.Warn, note: noOldTls }),
  flag({ name: 'tlsv1_1', area, meaning: 'accept TLS 1.1 (coturn 4.7+; off by default there)', status: S.Warn, note: noOldTls }),
  flag({ name: 'no-tlsv1', area, meaning: 'refuse TLS 1.0 and DTLS 1.0 (coturn 4.6)', status: S.Supported, note: 'always so: Node.js offers TLS 1.2 and 1.3 only' }),
  flag({ name: 'no-tlsv1_1', area, meaning: 'refuse TLS 1.1 (coturn 4.6)', status: S.Supported, note: 'always so: Node.js offers TLS 1.2 and 1.3 only' }),
  flag({ name: 'no-tlsv1_2', area, meaning: 'refuse TLS 1.2 and DTLS 1.2', status: S.Supported, note: 'TLS 1.3 only', set: (t, v) => { t.config.tls.minVersion = v ? 'TLSv1.3' : 'TLSv1.2'; } }),
  flag({
    name: 'no-sslv2', area, meaning: 'old option, without effect in coturn',
    status: S.Warn, note: 'ignored, as in coturn: SSLv2 is never offered',
  }),
  flag({
    name: 'no-sslv3', area, meaning: 'old option, without effect in coturn',
    status: S.Warn, note: 'ignored, as in coturn: SSLv3 is never offered',
  }),
  flag({
    name: 'dh2066', area, meaning: 'old option that chose the 2066-bit DH key',
    status: S.Removed, note: 'removed from coturn: 2066 bits is the default DH key size; delete this option',
  }),
];
