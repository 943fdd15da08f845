/**
 * Typed, case-insensitive reading of one TOML table, the way ion-sfu's config loader (viper)
 * matches keys. Every bad value or unknown key becomes a `TurnpikeError` naming the file, the
 * line, the key path and what would be accepted.
 */
import { ErrorCode, TurnpikeError } from '../errors.ts';
import { parseIpAddress } from '../net/ip-parse.ts';

/** Where a key sits in the source text, for error messages. */
export interface ConfigSource {
  readonly file: string;
  readonly text: string;
}

/** Finds the 1-based line of `key` inside the table `tablePath` ("router.simulcast", "webrtc.iceserver#1"). */
export function locateKey(text: string, tablePath: string, key: string): number | undefined {
  const lines = text.split(/\r?\n/);
  const arrayCounts = new Map<string, number>();
  let current = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const arrayHeader = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(line);
    const header = arrayHeader ? undefined : /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (arrayHeader) {
      const name = arrayHeader[1].toLowerCase().replace(/\s+/g, '');
      const n = arrayCounts.get(name) ?? 0;
      arrayCounts.set(name, n + 1);
      current = `${name}#${n}`;
      if (key === '' && current === tablePath) return i + 1;
      continue;
    }
    if (header) {
      current = header[1].toLowerCase().replace(/\s+/g, '');
      if (key === '' && current === tablePath) return i + 1;
      continue;
    }
    const m = /^([A-Za-z0-9_-]+)\s*=/.exec(line);
    if (m && current === tablePath && m[1].toLowerCase() === key) return i + 1;
  }
  return undefined;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

/** Reads one table; call {@link TableReader.finish} after the last key to reject unknown ones. */
export class TableReader {
  readonly #src: ConfigSource;
  readonly #path: string;
  readonly #entries = new Map<string, { key: string; value: unknown }>();
  readonly #used = new Set<string>();

  constructor(src: ConfigSource, path: string, table: Record<string, unknown>) {
    this.#src = src;
    this.#path = path;
    for (const [k, v] of Object.entries(table)) {
      const lower = k.toLowerCase();
      const prev = this.#entries.get(lower);
      if (prev === undefined) {
        this.#entries.set(lower, { key: k, value: v });
      } else if (isTable(prev.value) && isTable(v)) {
        // `[Router]` and `[router.simulcast]` are one table to viper.
        this.#entries.set(lower, { key: prev.key, value: { ...prev.value, ...v } });
      } else {
        this.fail(lower, `duplicate key "${k}" (keys are case-insensitive)`);
      }
    }
  }

  /** Throws the standard error for `key` in this table. */
  fail(key: string, why: string): never {
    const line = locateKey(this.#src.text, this.#path.replace(/\[(\d+)\]/g, '#$1'), key);
    const where = line === undefined ? this.#src.file : `${this.#src.file}:${line}`;
    const shown = this.#path.replace(/#(\d+)/g, '[$1]');
    const name = key === '' ? `[${shown}]` : shown === '' ? key : `[${shown}] ${key}`;
    throw new TurnpikeError(ErrorCode.CONFIG_INVALID, `${where}: ${name}: ${why}`);
  }

  #take(key: string): unknown {
    this.#used.add(key);
    return this.#entries.get(key)?.value;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  int(key: string, def: number, min: number, max: number): number {
    const v = this.#take(key);
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(key, `expected an integer from ${min} to ${max}, got ${describe(v)}`);
    }
    return v;
  }

  number(key: string, def: number, min: number, max: number): number {
    const v = this.#take(key);
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.fail(key, `expected a number from ${min} to ${max}, got ${describe(v)}`);
    }
    return v;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.#take(key);
    if (v === undefined) return def;
    if (typeof v !== 'boolean') this.fail(key, `expected true or false, got ${describe(v)}`);
    return v;
  }

  string(key: string, def: string): string;
  string(key: string, def: string | undefined): string | undefined;
  string(key: string, def: string | undefined): string | undefined {
    const v = this.#take(key);
    if (v === undefined) return def;
    if (typeof v !== 'string') this.fail(key, `expected a string, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, def: T, allowed: readonly T[]): T {
    const v = this.string(key, def);
    if (!(allowed as readonly string[]).includes(v)) {
      this.fail(key, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
    }
    return v as T;
  }

  strings(key: string, check?: (s: string) => string | undefined): string[] {
    const v = this.#take(key);
    if (v === undefined) return [];
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) {
      this.fail(key, `expected a list of strings, got ${describe(v)}`);
    }
    for (const s of list as string[]) {
      const why = check?.(s);
      if (why) this.fail(key, `${why}, got ${describe(s)}`);
    }
    return list as string[];
  }

  /** `[min, max]` of UDP ports; ion-sfu insists on at least `minSpan` ports. */
  portRange(key: string, minSpan: number): [number, number] | undefined {
    const v = this.#take(key);
    if (v === undefined) return undefined;
    const ok =
      Array.isArray(v) &&
      v.length === 2 &&
      v.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535) &&
      (v[0] as number) <= (v[1] as number);
    if (!ok) this.fail(key, `expected [min, max] with 1 <= min <= max <= 65535, got ${describe(v)}`);
    const [lo, hi] = v as [number, number];
    if (hi - lo < minSpan) this.fail(key, `the range must span at least ${minSpan} ports, got ${describe(v)}`);
    return [lo, hi];
  }

  /** A sub-table; absent means empty. */
  table(key: string): TableReader {
    const v = this.#take(key);
    const path = this.#path === '' ? key : `${this.#path}.${key}`;
    if (v === undefined) return new TableReader(this.#src, path, {});
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, `expected a table, got ${describe(v)}`);
    return new TableReader(this.#src, path, v as Record<string, unknown>);
  }

  /** An array of tables (`[[key]]`). */
  tables(key: string): TableReader[] {
    const v = this.#take(key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((t) => typeof t === 'object' && t !== null && !Array.isArray(t))) {
      this.fail(key, `expected an array of tables ([[${this.#path}.${key}]]), got ${describe(v)}`);
    }
    const path = this.#path === '' ? key : `${this.#path}.${key}`;
    return (v as Record<string, unknown>[]).map((t, i) => new TableReader(this.#src, `${path}#${i}`, t));
  }

  /** Rejects keys nobody asked for. */
  finish(): void {
    for (const [lower, { key }] of this.#entries) {
      if (!this.#used.has(lower)) this.fail(lower, `unknown key "${key}"`);
    }
  }
}

/** Returns a reason when `s` is not an IPv4/IPv6 literal (no zone id: ICE candidates cannot carry one). */
export function checkIp(s: string): string | undefined {
  return parseIpAddress(s) === undefined ? 'expected an IP address' : undefined;
}

/** Returns a reason when `s` is not "host:port" (IPv6 in brackets). */
export function checkHostPort(s: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  if (!m || Number(m[3]) > 65535) return 'expected "host:port"';
  return undefined;
}
