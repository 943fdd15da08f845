/**
 * Option table rows: where the server listens and which addresses it relays from
 * (RFC 8656 §3 transports, §7.2 relayed transport addresses).
 */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { addressPort, bindAddress, externalIp, integer, port, text } from './values.ts';

const area = Area.Listeners;
const relayPort = integer(0, 65535, '<port>');
const perTransport = 'as coturn 4.7+: when given, this list is used for its transport ahead of alternate-server, round-robin, with the same health checks';
const oneSocketEach = 'ignored: every allocation has its own relay port from min-port..max-port, as RFC 8656 §7.2 describes';

/** Listener, relay-address and transport options. */
export const listenerOptions: readonly OptionSpec[] = [
  valued({
    name: 'listening-device', short: 'd', area, type: text('<device>', 'a network device name'),
    meaning: 'bind the listeners to one network device (Linux, needs root)',
    status: S.Unsupported, note: "Turnpike's sockets cannot be bound to a device (SO_BINDTODEVICE is not in its socket layer); list the device's addresses with listening-ip",
  }),
  valued({
    name: 'listening-port', short: 'p', area, type: port, default: '3478',
    meaning: 'UDP and TCP listener port',
    status: S.Supported, set: (t, v) => { t.config.listeningPort = v; },
  }),
  valued({
    name: 'tls-listening-port', area, type: port, default: '5349',
    meaning: 'TLS and DTLS listener port',
    status: S.Supported, note: 'TURN over TLS and DTLS here when cert and pkey are set (TLS is also accepted on listening-port, as in coturn)',
    set: (t, v) => { t.config.tlsListeningPort = v; },
  }),
  valued({
    name: 'alt-listening-port', area, type: port, default: '0 (listening-port + 1)',
    meaning: 'second port for RFC 5780 NAT behaviour discovery (CHANGE-REQUEST)',
    status: S.Supported, note: 'the second port of RFC 5780 discovery, listened on when rfc5780 is on and two listening IPs of one family are given',
    set: (t, v) => { t.config.altListeningPort = v; },
  }),
  valued({
    name: 'alt-tls-listening-port', area, type: port, default: '0 (tls-listening-port + 1)',
    meaning: 'second TLS/DTLS port for RFC 5780 discovery',
    status: S.Supported, note: 'the second port of RFC 5780 discovery, listened on when rfc5780 is on and two listening IPs of one family are given',
    set: (t, v) => { t.config.altTlsListeningPort = v; },
  }),
  valued({
    name: 'tcp-proxy-port', area, type: port,
    meaning: 'extra TCP port for connections from a load balancer speaking the PROXY protocol',
    status: S.Supported, note: 'each connection must start with a PROXY protocol v1 or v2 header naming the client',
    set: (t, v) => { t.config.tcpProxyPort = v; },
  }),
  valued({
    name: 'listening-ip', short: 'L', area, type: bindAddress, repeatable: true, default: 'every local address',
    meaning: 'address to listen on; repeat for several',
    status: S.Supported, set: (t, v) => { t.config.listeningIps.push(v); },
  }),
  valued({
    name: 'aux-server', area, type: addressPort, repeatable: true,
    meaning: 'extra STUN/TURN listening endpoint without RFC 5780 support; repeat for several',
    status: S.Supported, note: 'UDP and TCP listeners on each address; without a port, listening-port',
    set: (t, v) => { t.config.auxServers.push(v); },
  }),
  flag({
    name: 'udp-self-balance', area,
    meaning: 'spread UDP clients over the aux-server endpoints with ALTERNATE-SERVER',
    status: S.Supported, set: (t, v) => { t.config.udpSelfBalance = v; },
  }),
  valued({
    name: 'alternate-server', area, type: addressPort, repeatable: true,
    meaning: 'redirect UDP/TCP Allocate requests to these servers, in turn, with 300 Try Alternate (RFC 8489 §10)',
    status: S.Supported, note: 'without a port, listening-port is sent',
    set: (t, v) => { t.config.alternateServers.push(v); },
  }),
  valued({
    name: 'tls-alternate-server', area, type: addressPort, repeatable: true,
    meaning: 'the same for TLS/DTLS clients',
    status: S.Supported, note: 'without a port, tls-listening-port is sent',
    set: (t, v) => { t.config.tlsAlternateServers.push(v); },
  }),
  valued({
    name: 'udp-alternate-server', area, type: addressPort, repeatable: true,
    meaning: 'redirect UDP/DTLS Allocate requests to these servers, instead of alternate-server and udp-self-balance (coturn 4.7+)',
    status: S.Supported, note: perTransport,
    set: (t, v) => { t.config.udpAlternateServers.push(v); },
  }),
  valued({
    name: 'tcp-alternate-server', area, type: addressPort, repeatable: true,
    meaning: 'redirect TCP Allocate requests to these servers, instead of alternate-server (coturn 4.7+)',
    status: S.Supported, note: perTransport,
    set: (t, v) => { t.config.tcpAlternateServers.push(v); },
  }),
  valued({
    name: 'relay-device', short: 'i', area, type: text('<device>', 'a network device name'),
    meaning: 'bind relay sockets to one network device (Linux, needs root)',
    status: S.Unsupported, note: "Turnpike's sockets cannot be bound to a device (SO_BINDTODEVICE is not in its socket layer); list the device's addresses with relay-ip",
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
  valued({
    name: 'sock-buf-size', area, type: integer(1, 2 ** 31 - 1, '<bytes>'), default: "Turnpike's: 4 MiB on UDP listeners, the system's on relay sockets",
    meaning: 'receive and send buffer size of UDP sockets, in bytes (coturn 4.7+)',
    status: S.Supported, note: "applies to the js data plane's UDP listeners and relay sockets; the native plane sizes its own",
    set: (t, v) => { t.config.sockBufSize = v; },
  }),
  flag({
    name: 'multiplex-peer', area,
    meaning: 'non-standard: relay every allocation of a thread through one shared UDP socket pair (coturn 4.7+)',
    status: S.Warn, note: oneSocketEach,
  }),
  valued({
    name: 'multiplex-peer-port', area, type: integer(1, 65000, '<port>'), default: '3480',
    meaning: 'first port of the multiplex-peer sockets (coturn 4.7+)',
    status: S.Warn, note: oneSocketEach,
  }),
  valued({
    name: 'multiplex-peer-max-peers', area, type: integer(1, 2 ** 31 - 1), default: 'none',
    meaning: 'most peer endpoints one multiplex-peer allocation may reach (coturn 4.7+)',
    status: S.Warn, note: oneSocketEach,
  }),
  flag({ name: 'no-udp', area, meaning: 'no UDP client listeners', status: S.Supported, set: (t, v) => { t.config.noUdp = v; } }),
  flag({ name: 'no-tcp', area, meaning: 'no TCP client listeners', status: S.Supported, set: (t, v) => { t.config.noTcp = v; } }),
  flag({ name: 'no-tls', area, meaning: 'no TLS client listeners', status: S.Supported, set: (t, v) => { t.config.noTls = v; } }),
  flag({
    name: 'no-dtls', area, meaning: 'no DTLS client listeners (coturn 4.6; deprecated in 4.7+, where DTLS is off unless dtls is given)',
    status: S.Supported, note: 'DTLS runs on tls-listening-port when cert and pkey are set, unless no-dtls is given; the last of dtls and no-dtls counts',
    set: (t, v) => { t.config.noDtls = v; },
  }),
  flag({
    name: 'dtls', area, default: 'on when cert and pkey are set', meaning: 'start the DTLS listeners (coturn 4.7+; off there unless given)',
    status: S.Supported, note: 'the opposite of no-dtls; the last of the two counts',
    set: (t, v) => { t.config.noDtls = !v; },
  }),
  flag({
    name: 'no-udp-relay', area, meaning: 'refuse UDP relays, allow only RFC 6062 TCP relays',
    status: S.Supported, set: (t, v) => { t.config.noUdpRelay = v; },
  }),
  flag({
    name: 'no-tcp-relay', area, meaning: 'refuse RFC 6062 TCP relays, allow only UDP relays',
    status: S.Supported, set: (t, v) => { t.config.noTcpRelay = v; },
  }),
];
