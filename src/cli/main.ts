/**
 * `turnpike <command>`: the one entry point. Each command keeps the name and the options of
 * the tool it replaces (`turnserver`, `turnadmin`, `turnutils_stunclient`, …).
 */
import { TurnpikeError } from '../errors.ts';

interface Command {
  summary: string;
  run(argv: string[], hooks: MainHooks): Promise<number>;
  /** a long-running server that calls `hooks.serving` once it listens */
  server?: boolean;
}

/** What the entry point lets a command tell it. */
export interface MainHooks {
  /** start-up is over and the command is serving (the entry point lets V8 optimise again) */
  serving(): void;
}

const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'run everything on embedded defaults (STUN/TURN on 3478, web pages and API on 127.0.0.1:7000)',
    run: async (argv, hooks) => (await import('./serve.ts')).serve(argv, hooks.serving),
    server: true,
  },
  turnserver: {
    summary: "the STUN/TURN server, with coturn's turnserver options and turnserver.conf",
    run: async (argv, hooks) => (await import('./turnserver.ts')).turnserverCommand(argv, hooks.serving),
    server: true,
  },
  turnadmin: {
    summary: "coturn's turnadmin: users, REST secrets, origins, realm options and admin users in SQLite, PostgreSQL, MySQL or Redis; -k/-P/-E keys and hashes",
    run: async (argv) =>
      (await import('./turnadmin.ts')).turnadmin(
        argv,
        (l) => process.stdout.write(l + '\n'),
        (l) => process.stderr.write(l + '\n'),
      ),
  },
  stunclient: {
    summary: 'ask a STUN server for this host\'s reflexive address (like turnutils_stunclient)',
    run: async (argv) => (await import('./stunclient.ts')).stunclientCommand(argv),
  },
  natdiscovery: {
    summary: 'discover NAT mapping, filtering, lifetime and hairpinning behaviour with RFC 5780 (like turnutils_natdiscovery)',
    run: async (argv) => (await import('./natdiscovery.ts')).natdiscoveryCommand(argv),
  },
  peer: {
    summary: 'a UDP echo peer for relay tests (like turnutils_peer)',
    run: async (argv) => (await import('./peer.ts')).peerCommand(argv),
  },
  uclient: {
    summary: 'a TURN load and interop client (like turnutils_uclient, with many allocations in flight)',
    run: async (argv) => (await import('./uclient.ts')).uclientCommand(argv),
  },
  sfu: {
    summary: "the SFU alone, with ion-sfu's config.toml (-c sfu.toml)",
    run: async (argv, hooks) => (await import('./sfu.ts')).runSfu(argv, { onListening: () => hooks.serving() }),
    server: true,
  },
};

/** The top-level usage text. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: turnpike <command> [options]', '', 'Commands:', ...lines, '', 'Run `turnpike <command> --help` for the options of a command.'].join('\n');
}

/** Runs a command line; resolves to the process exit code. */
export async function main(argv: string[], hooks: MainHooks = { serving: () => {} }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (cmd === undefined) {
    process.stderr.write(`turnpike: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  // Clients and utilities are busy from their first moment: nothing to hold back for them.
  if (!cmd.server) hooks.serving();
  try {
    return await cmd.run(rest, hooks);
  } catch (err) {
    if (err instanceof TurnpikeError) {
      process.stderr.write(`turnpike ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
