/**
 * Server wiring, the reload's part (SIGHUP, SIGUSR2): the configuration in force, what a
 * reload applies live (see `config-diff.ts`: users, secrets, realm, peer policy, quotas,
 * bandwidth, lifetimes, log level, certificates), and certificates read again on their own.
 */
import type { Config } from '../config/types.ts';
import type { Logger } from '../log/logger.ts';
import { createPeerPolicy } from '../turn/peer-policy.ts';
import type { RelayAddress } from '../turn/relay-plan.ts';
import type { TurnCore } from '../turn/turn-core.ts';
import { diffConfig, mergeLive, type ConfigChanges } from './config-diff.ts';
import { coreOptionsFrom, relayFamilies } from './core-setup.ts';
import type { ServerCredentials } from './credentials.ts';
import type { Ingress } from './ingress.ts';
import type { TlsListening } from './tls-listening.ts';

/** What a reload reaches into. */
export interface LiveConfigParts {
  config: Config;
  log: Logger;
  software: string;
  core: TurnCore;
  ingress: Ingress;
  credentials: ServerCredentials;
  relayAddresses: readonly RelayAddress[];
  tls: TlsListening;
}

/** The running configuration and the ways to change it live. */
export interface LiveConfig {
  current(): Config;
  /** Applies what `next` changes live, reports what needs a restart (RunningTurnServer.reload). */
  reload(next: Config): Promise<ConfigChanges>;
  /** The certificate and key files read again (RunningTurnServer.reloadCertificates). */
  reloadCertificates(): void;
}

/** The live configuration of a server started with `p.config`. */
export function liveConfig(p: LiveConfigParts): LiveConfig {
  let current = p.config;
  return {
    current: () => current,
    async reload(next) {
      const changes = diffConfig(current, next);
      const merged = mergeLive(current, next);
      p.tls.applyCertificates(merged.tls);
      if (changes.live.length > 0) {
        const policy = createPeerPolicy(merged);
        p.ingress.store = await p.credentials.reconfigure(merged);
        p.core.reconfigure(coreOptionsFrom(merged, relayFamilies(p.relayAddresses), p.software), policy, p.credentials.realms);
        p.log.setVerbosity?.(merged.log.verbose);
        current = merged;
      }
      return changes;
    },
    reloadCertificates() {
      p.tls.applyCertificates(current.tls);
    },
  };
}
