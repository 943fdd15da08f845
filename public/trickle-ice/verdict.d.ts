/** Types of verdict.js for Turnpike's TypeScript tests. */
export interface ServerRow { url: string; username?: string; password?: string }
export interface SeenCandidate { type: string; address: string; port: number; protocol: string; url?: string | null }
export interface SeenError { url?: string | null; errorCode: number; errorText?: string }
export type VerdictState = 'ok' | 'fail' | 'warn' | 'skip' | 'wait';
export interface Verdict { url: string; state: VerdictState; headline: string; detail: string; noAnswer?: boolean }
export function judgeServers(input: {
  servers: ServerRow[];
  candidates: SeenCandidate[];
  errors: SeenError[];
  policy: 'all' | 'relay';
  complete: boolean;
}): Verdict[];
export function summarize(verdicts: Verdict[], state: { complete: boolean; gathering: boolean }): { state: VerdictState; text: string };
export function isPrivate(address: string): boolean;
