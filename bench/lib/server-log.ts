/**
 * What a server under test said while it was measured: every warning or error it logged
 * once it served (start-up complaints about the bench's own options are expected and left
 * out), grouped so that a thousand alike lines make one, and, for Turnpike, which data plane
 * it says it runs. A relay that drops or fails quietly must not hide behind good figures.
 */

/** One kind of warning or error, how often it came, and its first line. */
export interface LogNote {
  count: number;
  first: string;
}

const LEVEL = /\b(WARN|WARNING|ERROR)\b:?\s*(.*)$/;
const DATA_PLANE = /\bdata-plane kind=(\w+)(?: threads=(\d+))?(?: why="?([^"]*)"?)?/;

/** Reads a server's output line by line (`onLine`). */
export class ServerLogWatch {
  readonly #notes = new Map<string, LogNote>();
  #serving = false;
  #dataPlane: string | undefined;

  /** Feed every line the server prints here. */
  readonly onLine = (line: string): void => {
    const plane = DATA_PLANE.exec(line);
    if (plane !== null) {
      const [, kind, threads, why] = plane;
      this.#dataPlane = threads !== undefined ? `${kind}, ${threads} thread${threads === '1' ? '' : 's'}` : `${kind}${why === undefined ? '' : ` (${why})`}`;
    }
    if (!this.#serving) return;
    const m = LEVEL.exec(line);
    if (m === null) return;
    // Alike lines differ in numbers (ports, counts, ids): group by level and the first words.
    const key = `${m[1]} ${m[2].split(/\s+/).slice(0, 2).join(' ').replace(/\d+/g, '#')}`;
    const note = this.#notes.get(key);
    if (note === undefined) this.#notes.set(key, { count: 1, first: line.trim().slice(0, 240) });
    else note.count++;
  };

  /** From now on warnings and errors count: the server has started. */
  serving(): void {
    this.#serving = true;
  }

  /** `native, 1 thread` or `js (…why…)` as the server logged it; undefined when it did not. */
  get dataPlane(): string | undefined {
    return this.#dataPlane;
  }

  /** `3 × 2026-… WARN relay-… …`, one line per kind of warning or error. */
  notes(): string[] {
    return [...this.#notes.values()].map((n) => `${n.count} × ${n.first}`);
  }
}
