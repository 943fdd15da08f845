/**
 * The typed form of ion-sfu's `config.toml` (the file its Docker image bakes in at
 * `/configs/sfu.toml`). Option names keep ion-sfu's spelling in the file; inside the code
 * they are camelCase. `docs/sfu.md` lists every key, its default and what Turnpike does with it.
 */

/** One `[[webrtc.iceserver]]` entry: a STUN/TURN server the SFU's own ICE agent uses (RFC 8445 §5.1.1). */
export interface SfuIceServer {
  readonly urls: readonly string[];
  readonly username: string | undefined;
  readonly credential: string | undefined;
}

/** A static TURN user from `[turn.auth] credentials` ("user=pass,user2=pass2"). */
export interface SfuTurnCredential {
  readonly username: string;
  readonly password: string;
}

/** `[webrtc]`: how the SFU's peer connections gather and pick ICE candidates. */
export interface SfuWebrtcConfig {
  /** `portrange = [min, max]`: host-candidate UDP ports; undefined = any ephemeral port */
  readonly portRange: readonly [number, number] | undefined;
  /** `singleport`: one UDP port shared by every peer connection (overrides portRange) */
  readonly singlePort: number | undefined;
  readonly iceServers: readonly SfuIceServer[];
  readonly sdpSemantics: 'unified-plan' | 'plan-b' | 'unified-plan-with-fallback';
  readonly mdns: boolean;
  /** `[webrtc.candidates] nat1to1`: public addresses that replace host-candidate addresses */
  readonly nat1to1: readonly string[];
  /** `[webrtc.candidates] icelite` */
  readonly iceLite: boolean;
  /** `[webrtc.timeouts]`, seconds */
  readonly timeouts: { readonly disconnected: number; readonly failed: number; readonly keepalive: number };
  /** Turnpike addition `bindaddress`: the only local address ICE binds to (e.g. 127.0.0.1) */
  readonly bindAddress: string | undefined;
  /**
   * Turnpike addition `mediapath`: "native" (the media worker: ICE-lite, DTLS-SRTP and RTP
   * routing in the native addon, docs/sfu.md "The native media path") or "stack" (the WebRTC
   * stack, node-datachannel)
   */
  readonly mediaPath: 'native' | 'stack';
}

/** `[router]`: forwarding, NACK buffering, REMB cap, active-speaker detection (RFC 6464). */
export interface SfuRouterConfig {
  /** `maxbandwidth`, kbit/s: cap of the REMB sent to publishers; 0 = no cap */
  readonly maxBandwidth: number;
  /** `maxpackettrack`: packets kept per video track to answer NACKs (RFC 4585 §6.2.1) */
  readonly maxPacketTrack: number;
  /** `maxbuffertime` (ion-sfu 1.7 only), ms; accepted, unused */
  readonly maxBufferTime: number;
  /** `audiolevelthreshold`: RFC 6464 level 0..127 (0 loudest) at or under which a packet is "speaking" */
  readonly audioLevelThreshold: number;
  /** `audiolevelinterval`, ms: how often the loudest-speaker list is computed */
  readonly audioLevelInterval: number;
  /** `audiolevelfilter`, percent of the expected packets that must be "speaking" */
  readonly audioLevelFilter: number;
  readonly simulcast: { readonly bestQualityFirst: boolean; readonly enableTemporalLayer: boolean };
}

/** `[turn]`: ion-sfu's embedded TURN server. Parsed and exposed; the CLI maps it onto Turnpike's TURN server. */
export interface SfuTurnConfig {
  readonly enabled: boolean;
  readonly realm: string;
  /** "host:port" the TURN server listens on (UDP and TCP) */
  readonly address: string;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  /** relay port range; undefined = the TURN server's default */
  readonly portRange: readonly [number, number] | undefined;
  readonly auth: {
    readonly credentials: readonly SfuTurnCredential[];
    /** TURN REST API shared secret; takes precedence over `credentials` */
    readonly secret: string | undefined;
  };
}

/**
 * `[cluster]` (Turnpike addition): several SFU nodes sharing one Redis. Each room lives on one
 * node, recorded in Redis under a lease; a client that reaches another node has its signalling
 * relayed to the room's node (docs/sfu.md, "Several nodes"). Off while `redis` is unset.
 */
export interface SfuClusterConfig {
  /** `redis`: "host:port" or a `redis://` / `rediss://` URL; undefined = single node */
  readonly redis: string | undefined;
  /** `nodeid`: this node's name, unique in the cluster; undefined = "<hostname>-<pid>" */
  readonly nodeId: string | undefined;
  /** `address`: this node's signalling URL as clients reach it (recorded for operators) */
  readonly address: string | undefined;
  /** `leasettl`, seconds: how long a room outlives its node's last lease renewal */
  readonly leaseTtl: number;
  /** `keyprefix`: prefix of every Redis key and channel the cluster uses */
  readonly keyPrefix: string;
}

/**
 * `[auth]` (Turnpike addition): signed join tokens (HS256 JWTs in the WebSocket URL's
 * `access_token` query parameter, docs/sfu.md "Who may join"). Off while `jwtsecret` is unset:
 * anyone who reaches `/ws` joins any room, as with ion-sfu.
 */
export interface SfuAuthConfig {
  /** `jwtsecret`: the HMAC-SHA-256 key tokens are signed with (RFC 7518 §3.2: at least 32 bytes) */
  readonly jwtSecret: string | undefined;
}

/** The whole parsed `config.toml`. */
export interface SfuConfig {
  readonly sfu: { readonly ballast: number; readonly withStats: boolean };
  readonly router: SfuRouterConfig;
  readonly webrtc: SfuWebrtcConfig;
  readonly turn: SfuTurnConfig;
  readonly log: { readonly v: number; readonly level: string | undefined };
  readonly cluster: SfuClusterConfig;
  readonly auth: SfuAuthConfig;
}

/** A partial override of {@link SfuConfig}, one level of nesting deep per section. */
export type SfuConfigOverrides = {
  readonly [K in keyof SfuConfig]?: Partial<SfuConfig[K]>;
};
