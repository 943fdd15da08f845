/**
 * What the libFuzzer tests share: whether clang and its fuzzer runtime are here, the time per
 * target (`TURNPIKE_FUZZ_SECONDS`, default 6), and one bounded run of a built target over a
 * seeded corpus, with the number of inputs it tried.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const FUZZ_SECONDS = Number(process.env.TURNPIKE_FUZZ_SECONDS ?? 6);

function fuzzerRuntime(): string | undefined {
  if (spawnSync('clang', ['--version'], { stdio: 'ignore' }).status !== 0) return 'clang is not installed (apt-get install clang libclang-rt-dev)';
  const probe = path.join(mkdtempSync(path.join(tmpdir(), 'tp-fuzz-probe-')), 'p');
  writeFileSync(`${probe}.c`, 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n');
  const r = spawnSync('clang', ['-fsanitize=fuzzer', `${probe}.c`, '-o', probe], { encoding: 'utf8' });
  return r.status === 0 ? undefined : "clang's fuzzer runtime is missing (apt-get install libclang-rt-dev)";
}

/** Why libFuzzer targets cannot run here, or undefined. */
export const fuzzerMissing: string | undefined = process.platform === 'linux' ? fuzzerRuntime() : 'libFuzzer targets are built on Linux';

/** Runs a built target over `corpus` for `seconds`; its exit status, stderr and inputs tried. */
export function runFuzzer(bin: string, corpus: string, seconds = FUZZ_SECONDS): { status: number | null; stderr: string; runs: string } {
  const r = spawnSync(bin, [`-max_total_time=${seconds}`, '-rss_limit_mb=1024', '-timeout=10', '-print_final_stats=1', corpus], { encoding: 'utf8', cwd: corpus });
  return { status: r.status, stderr: r.stderr, runs: /stat::number_of_executed_units:\s*(\d+)/.exec(r.stderr)?.[1] ?? '?' };
}
