/**
 * `turnpike uclient [options] SERVER`: a TURN load and interop client with the flags of
 * coturn's `turnutils_uclient` (RFC 8656 allocations, permissions, channels or Send
 * indications, echoes through a peer), many allocations in flight, and a text or JSON report.
 */
import { parseUclientArgs, UCLIENT_USAGE } from '../client/uclient-options.ts';
import { runUclient } from '../client/uclient-run.ts';
import { exitStatus, formatReport, summaryJson } from '../client/uclient-report.ts';

/** The `uclient` command; resolves to the exit status (1 when a client could not be set up). */
export async function uclientCommand(argv: string[]): Promise<number> {
  const parsed = parseUclientArgs(argv);
  if (parsed.help) {
    process.stdout.write(UCLIENT_USAGE + '\n');
    return 0;
  }
  const o = parsed.options;
  // With --json stdout carries only the summary, so progress goes to stderr.
  const progress = o.json ? process.stderr : process.stdout;
  const summary = await runUclient(o, {
    verbose: (line) => {
      if (o.verbose) progress.write(line + '\n');
    },
  });
  if (o.json) process.stdout.write(summaryJson(summary) + '\n');
  else process.stdout.write(formatReport(summary).join('\n') + '\n');
  return exitStatus(summary, o.failOnLoss);
}
