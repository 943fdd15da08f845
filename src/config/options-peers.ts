/**
 * Option table rows: which peer addresses relays may reach (RFC 8656 §21.3 recommends
 * that servers restrict them).
 */

import { Area, flag, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { ipRange } from './values.ts';

const area = Area.Peers;

/** Peer address policy options. */
export const peerOptions: readonly OptionSpec[] = [
  valued({
    name: 'allowed-peer-ip', area, type: ipRange, repeatable: true,
    meaning: "peer address or range 'IP1-IP2' always allowed; allow wins over deny",
    status: S.Supported, set: (t, v) => { t.config.allowedPeerIps.push(v); },
  }),
  valued({
    name: 'denied-peer-ip', area, type: ipRange, repeatable: true,
    meaning: "peer address or range 'IP1-IP2' refused",
    status: S.Supported, set: (t, v) => { t.config.deniedPeerIps.push(v); },
  }),
  flag({
    name: 'allow-loopback-peers', area,
    meaning: 'allow peers on 127.0.0.0/8 and ::1 (testing only)',
    status: S.Supported, note: 'loopback peers are refused without it',
    set: (t, v) => { t.config.allowLoopbackPeers = v; },
  }),
  flag({
    name: 'no-multicast-peers', area,
    meaning: 'refuse multicast and broadcast peers (224.0.0.0 and up, ff00::/8)',
    status: S.Supported, set: (t, v) => { t.config.noMulticastPeers = v; },
  }),
  flag({
    name: 'no-loopback-peers', area,
    meaning: 'old option that refused loopback peers',
    status: S.Removed,
    note: "removed from coturn (CVE-2020-26262): loopback peers are now always refused unless 'allow-loopback-peers' is set; delete this option",
  }),
  flag({
    name: 'server-relay', area,
    meaning: 'skip the permission check on relayed packets (non-standard, dangerous)',
    status: S.Unsupported, note: "refused for safety: it would relay to and from any peer without a permission, while Turnpike always checks permissions (RFC 8656 §9); run the relayed servers as ordinary TURN clients instead",
  }),
];
