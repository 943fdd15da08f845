/**
 * What every bench script does around its work: read the options (or print the usage), run,
 * set the exit code; on a failure or an interrupt, kill every child it started first.
 */
import { killAllChildren } from '../../harness/children.ts';

/** Runs a bench. `onInterrupt` (default: nothing) cleans up before the exit on SIGINT/SIGTERM. */
export async function benchMain<S>(
  readSettings: (argv: string[]) => S | undefined,
  run: (settings: S) => Promise<number>,
  usage: string,
  onInterrupt: () => Promise<void> = async () => {},
): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAllChildren();
      // Cleaning up (dropping scratch databases, say) gets 5 s at most.
      const timer = setTimeout(() => process.exit(130), 5000);
      void onInterrupt().finally(() => {
        clearTimeout(timer);
        process.exit(130);
      });
    });
  }
  try {
    const settings = readSettings(process.argv.slice(2));
    if (settings === undefined) console.log(usage);
    else process.exitCode = await run(settings);
  } catch (err) {
    killAllChildren();
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
