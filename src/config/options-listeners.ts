/**
 * Option table rows: where the server listens and which addresses it relays from
 * (RFC 8656 §3 transports, §7.2 relayed transport addresses).
 */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { bindAddress, externalIp, integer, port, text } from './values.ts';

const area = Area.Listeners;
const relayPort = integer(0, 65535, '<port>');

/** Listener, relay-address and transport options. */
export const listenerOptions: readonly OptionSpec[] = [
  valued({
    name: 'listening-device', short: 'd', area, type: text('<device>', 'a network device name'),
    meaning: 'bind the listeners to one network device (Linux, needs root)',
    status: S.Unsupported, note: 'binding to a device is not supported; choose addresses with listening-ip',
  }),
  valued({
    name: 'listening-port', short: 'p', area, type: port, default: '3478',
    meaning: 'UDP and TCP listener port',
    status: S.Supported, set: (t, v) => { t.config.listeningPort = v; },
  }),
  valued({
    name: 'tls-listening-port', area, type: port, default: '5349',
    meaning: 'TLS and DTLS listener port',
    status: S.Supported, note: 'TURN over TLS here when cert and pkey are set (TLS is also accepted on listening-port, as in coturn); DTLS comes later',
    set: (t, v) => { t.config.tlsListeningPort = v; },
  }),
  valued({
    name: 'alt-listening-port', area, type: port, default: '0 (listening-port + 1)',
    meaning: 'second port for RFC 5780 NAT behaviour discovery (CHANGE-REQUEST)',
    status: S.Supported, note: 'stored for RFC 5780 discovery',
    set: (t, v) => { t.config.altListeningPort = v; },
  }),
  valued({
    name: 'alt-tls-listening-port', area, type: port, default: '0 (tls-listening-port + 1)',
    meaning: 'second TLS/DTLS port for RFC 5780 discovery',
    status: S.Supported, note: 'stored for RFC 5780 discovery',
    set: (t, v) => { t.config.altTlsListeningPort = v; },
  }),
  valued({
    name: 'tcp-proxy-port', area, type: port,
    meaning: 'extra TCP port for connections from a load balancer speaking the PROXY protocol',
    status: S.Unsupported, note: 'PROXY-protocol listeners come later',
  }),
  valued({
    name: 'listening-ip', short: 'L', area, type: bindAddress, repeatable: true, default: 'every local address',
    meaning: 'address to listen on; repeat for several',
    status: S.Supported, set: (t, v) => { t.config.listeningIps.push(v); },
  }),
  valued({
    name: 'aux-server', area, type: text('<ip:port>', "an address 'IP:PORT' or '[IPv6]:PORT'"), repeatable: true,
    meaning: 'extra STUN/TURN listening endpoint without RFC 5780 support',
    status: S.Unsupported, note: 'use listening-ip and listening-port instead',
  }),
  flag({
    name: 'udp-self-balance', area,
    meaning: 'spread UDP clients over the aux-server endpoints with ALTERNATE-SERVER',
    status: S.Unsupported, note: 'needs aux-server and alternate-server, which come later',
  }),
  valued({
    name: 'alternate-server', area, type: text('<ip[:port]>', "an address 'IP[:PORT]' or '[IPv6]:PORT'"), repeatable: true,
    meaning: 'redirect UDP/TCP Allocate requests to these servers with 300 ALTERNATE-SERVER (RFC 8489 §10)',
    status: S.Unsupported, note: 'redirection with ALTERNATE-SERVER comes later',
  }),
  valued({
    name: 'tls-alternate-server', area, type: text('<ip[:port]>', "an address 'IP[:PORT]' or '[IPv6]:PORT'"), repeatable: true,
    meaning: 'the same for TLS/DTLS clients',
    status: S.Unsupported, note: 'redirection with ALTERNATE-SERVER comes later',
  }),
  valued({
    name: 'relay-device', short: 'i', area, type: text('<device>', 'a network device name'),
    meaning: 'bind relay sockets to one network device (Linux, needs root)',
    status: S.Unsupported, note: 'binding to a device is not supported; choose addresses with relay-ip',
  }),
  valued({
    name: 'relay-ip', short: 'E', area, type: bindAddress, repeatable: true, default: 'the listening addresses',
    meaning: 'local address relayed transport addresses are allocated on; repeat for several',
    status: S.Supported, set: (t, v) => { t.config.relayIps.push(v); },
  }),
  valued({
    name: 'external-ip', short: 'X', area, type: externalIp, repeatable: true, default: 'none',
    meaning: "public address to advertise when behind NAT: 'PUBLIC', or 'PUBLIC/PRIVATE' once per relay address",
    status: S.Supported,
    note: "as in coturn, the PRIVATE address of each 'PUBLIC/PRIVATE' pair is also added to allowed-peer-ip",
    set: (t, v) => { t.config.externalIps.push(v); },
  }),
  valued({
    name: 'min-port', area, type: relayPort, default: '49152',
    meaning: 'lowest relay port (RFC 8656 §7.2 range)',
    status: S.Supported, set: (t, v) => { t.config.minPort = v; },
  }),
  valued({
    name: 'max-port', area, type: relayPort, default: '65535',
    meaning: 'highest relay port',
    status: S.Supported, set: (t, v) => { t.config.maxPort = v; },
  }),
  flag({ name: 'no-udp', area, meaning: 'no UDP client listeners', status: S.Supported, set: (t, v) => { t.config.noUdp = v; } }),
  flag({ name: 'no-tcp', area, meaning: 'no TCP client listeners', status: S.Supported, set: (t, v) => { t.config.noTcp = v; } }),
  flag({ name: 'no-tls', area, meaning: 'no TLS client listeners', status: S.Supported, set: (t, v) => { t.config.noTls = v; } }),
  flag({ name: 'no-dtls', area, meaning: 'no DTLS client listeners', status: S.Supported, set: (t, v) => { t.config.noDtls = v; } }),
  flag({
    name: 'no-udp-relay', area, meaning: 'refuse UDP relays, allow only RFC 6062 TCP relays',
    status: S.Supported, set: (t, v) => { t.config.noUdpRelay = v; },
  }),
  flag({
    name: 'no-tcp-relay', area, meaning: 'refuse RFC 6062 TCP relays, allow only UDP relays',
    status: S.Supported, set: (t, v) => { t.config.noTcpRelay = v; },
  }),
];
