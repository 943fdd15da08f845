/** Types of ice-url.js for Turnpike's TypeScript tests. */
export interface IceUrl {
  scheme: 'stun' | 'stuns' | 'turn' | 'turns';
  host: string;
  port: number;
  transport: 'udp' | 'tcp';
  secure: boolean;
  isTurn: boolean;
}
export function parseIceUrl(text: string): IceUrl | null;
export function iceUrlProblem(text: string): string;
export function sameAddress(a: IceUrl | null, b: IceUrl | null): boolean;
