/**
 * `userKeys`, the batched look-up the server uses, on every backend (real servers): the
 * answer for each name is what `userKey` gives for it, whatever the batch size, with missing
 * users left out and names that look like SQL or Redis patterns taken literally.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseMissing, DB_KINDS, scratchDatabase, type ScratchDb } from '../../harness/databases.ts';
import { openUserDatabase } from '../../src/db/open.ts';
import type { UserDatabase } from '../../src/db/types.ts';

const NAMES = ['ling', "o'brien", 'a%b_c', 'x*y?', 'Bob', ...Array.from({ length: 300 }, (_, i) => `user-${i}`)];
const keyOf = (i: number): string => i.toString(16).padStart(32, '0');

for (const kind of DB_KINDS) {
  describe(`userKeys on ${kind}`, async () => {
    const unreachable = await databaseMissing(kind);
    let scratch: ScratchDb;
    let db: UserDatabase;
    before(async () => {
      if (unreachable) return;
      scratch = await scratchDatabase(kind);
      db = await openUserDatabase({ kind, connection: scratch.connection });
      for (const [i, name] of NAMES.entries()) await db.setUserKey(scratch.realm, name, keyOf(i));
    });
    after(async () => {
      await db?.close();
      await scratch?.drop();
    });

    test('each name gets the key userKey gives it, in batches of 1, 3, 5 and 256; missing users are left out', { skip: unreachable }, async () => {
      for (const size of [1, 3, 5, 256]) {
        const batch = NAMES.slice(0, size);
        const found = await db.userKeys!(scratch.realm, [...batch, 'nobody']);
        assert.equal(found.has('nobody'), false);
        for (const name of batch) assert.equal(found.get(name), await db.userKey(scratch.realm, name), `${name} in a batch of ${size}`);
      }
      assert.deepEqual([...(await db.userKeys!(scratch.realm, ['a%', 'x*', 'user-%'])).keys()], [], 'patterns are literal');
      assert.equal((await db.userKeys!('another.realm', ['ling'])).size, 0);
      assert.equal((await db.userKeys!(scratch.realm, [])).size, 0);
    });
  });
}
