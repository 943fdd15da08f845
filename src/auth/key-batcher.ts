/**
 * Batches the user-key look-ups that arrive together into one query per realm: a burst of
 * Allocates (a datagram batch, a reconnecting office) costs the database and the server one
 * round trip instead of one each. A look-up waits for the rest of the current turn of the
 * event loop, no longer; alone, it is a batch of one. Each answer is as fresh as the query
 * it rode in: nothing is kept afterwards.
 */
import type { UserDatabase } from '../db/types.ts';

/** Most names in one query. */
export const MAX_BATCH = 256;

interface Waiter {
  resolve(hmackey: string | undefined): void;
  reject(err: unknown): void;
}

/** See the module comment. */
export class KeyBatcher {
  readonly #db: UserDatabase;
  /** realm → name → who waits for it */
  #pending = new Map<string, Map<string, Waiter[]>>();
  #scheduled = false;

  constructor(db: UserDatabase) {
    this.#db = db;
  }

  /** The stored key of `name` in `realm` (undefined: no such user); rejects as the database does. */
  key(realm: string, name: string): Promise<string | undefined> {
    if (this.#db.userKeys === undefined) return this.#db.userKey(realm, name);
    return new Promise((resolve, reject) => {
      let names = this.#pending.get(realm);
      if (names === undefined) this.#pending.set(realm, (names = new Map()));
      const waiters = names.get(name);
      if (waiters === undefined) names.set(name, [{ resolve, reject }]);
      else waiters.push({ resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const pending = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    for (const [realm, names] of pending) {
      const all = [...names.keys()];
      for (let i = 0; i < all.length; i += MAX_BATCH) void this.#query(realm, all.slice(i, i + MAX_BATCH), names);
    }
  }

  async #query(realm: string, batch: string[], waiters: Map<string, Waiter[]>): Promise<void> {
    try {
      const found = await this.#db.userKeys!(realm, batch);
      for (const name of batch) for (const w of waiters.get(name)!) w.resolve(found.get(name));
    } catch (err) {
      for (const name of batch) for (const w of waiters.get(name)!) w.reject(err);
    }
  }
}
