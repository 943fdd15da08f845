/**
 * User databases both ways, on every backend (SQLite, PostgreSQL, MariaDB, Redis):
 * coturn's own `turnadmin` writes users and a REST secret, and `turnutils_uclient` relays
 * through `turnpike turnserver` with them; a wrong password fails; users added and deleted
 * while Turnpike runs count from the next try; a realm option (user-quota) takes effect and
 * raising it is seen without a restart. Then `turnpike turnadmin` writes a user and
 * coturn's own `turnserver` accepts it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ToolResult } from '../../harness/children.ts';
import { databaseMissing, DB_KINDS, scratchDatabase, type ScratchDb } from '../../harness/databases.ts';
import { coturnMissing, runCoturn, runTurnpike, type Launched } from '../../harness/servers.ts';
import { startTurnServer, type RunningTurnServer } from '../helpers/coturn.ts';
import { startTurnutilsPeer, turnutilsMissing } from './processes.ts';
import { assertRelayed } from './uclient-output.ts';

const missing = turnutilsMissing || coturnMissing('turnserver', 'admin');

for (const kind of DB_KINDS) {
  describe(`a ${kind} user database`, { skip: missing, concurrency: false }, async () => {
    const unreachable = missing ? false : await databaseMissing(kind);
    let db: ScratchDb;
    let peer: Launched;
    const servers: RunningTurnServer[] = [];
    const admin = async (args: string[]): Promise<void> => {
      const r = await runCoturn('admin', [...args, ...db.flag]);
      assert.equal(r.code, 0, `turnadmin ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    };
    const uclient = (server: RunningTurnServer, auth: string[]): Promise<ToolResult> =>
      runCoturn('uclient', [...auth, '-e', '127.0.0.1', '-r', String(peer.port), '-m', '2', '-n', '20', '-l', '120', '-p', String(server.port), '127.0.0.1'], 30_000);
    const turnpike = async (extra: string[]): Promise<RunningTurnServer> => {
      const s = await startTurnServer('turnpike', { users: [], realm: db.realm, extraArgs: [db.option, '--rfc5766-channel-numbers', '--log-file=stdout', ...extra] });
      servers.push(s);
      return s;
    };

    before(async () => {
      if (unreachable) return;
      db = await scratchDatabase(kind);
      peer = await startTurnutilsPeer(['127.0.0.1']);
      await admin(['-a', '-u', 'ling', '-r', db.realm, '-p', 'ling1234']);
      await admin(['-s', 'logen', '-r', db.realm]);
    });
    after(async () => {
      for (const s of servers) await s.stop();
      await peer?.stop();
      await db?.drop();
    });

    test("users written by coturn's turnadmin relay through turnpike; wrong passwords and users added or deleted live count at once", { skip: unreachable }, async () => {
      const server = await turnpike([]);
      assertRelayed(await uclient(server, ['-u', 'ling', '-w', 'ling1234']), 40, server.output);
      const wrong = await uclient(server, ['-u', 'ling', '-w', 'nope']);
      assert.notEqual(wrong.code, 0, wrong.stdout);
      assert.doesNotMatch(wrong.stdout, /Total lost packets/);

      const before = await uclient(server, ['-u', 'newbie', '-w', 'fresh']);
      assert.notEqual(before.code, 0, 'not a user yet');
      await admin(['-a', '-u', 'newbie', '-r', db.realm, '-p', 'fresh']);
      assertRelayed(await uclient(server, ['-u', 'newbie', '-w', 'fresh']), 40, server.output);
      await admin(['-d', '-u', 'newbie', '-r', db.realm]);
      const gone = await uclient(server, ['-u', 'newbie', '-w', 'fresh']);
      assert.notEqual(gone.code, 0, `a deleted user is refused:\n${gone.stdout}`);
    });

    test('a REST API secret stored only in the database (turnadmin -s) authenticates turnutils_uclient -W', { skip: unreachable }, async () => {
      const server = await turnpike(['--use-auth-secret']);
      assertRelayed(await uclient(server, ['-W', 'logen', '-u', 'ling']), 40, server.output);
      const wrong = await uclient(server, ['-W', 'bloody9', '-u', 'ling']);
      assert.notEqual(wrong.code, 0, wrong.stdout);
      await admin(['-s', 'bloody9', '-r', db.realm]);
      assertRelayed(await uclient(server, ['-W', 'bloody9', '-u', 'ling']), 40, server.output);
      await admin(['-X', 'bloody9', '-r', db.realm]);
      assert.notEqual((await uclient(server, ['-W', 'bloody9', '-u', 'ling'])).code, 0, 'a deleted secret is refused');
    });

    test("realm options written by coturn's turnadmin take effect: user-quota 1 refuses a second allocation until it is raised", { skip: unreachable }, async () => {
      await admin(['-g', '-r', db.realm, '--user-quota', '1']);
      const server = await turnpike([]);
      const two = await uclient(server, ['-u', 'ling', '-w', 'ling1234']);
      assert.notEqual(two.code, 0, `two allocations of one user with user-quota 1:\n${two.stdout.slice(-2000)}`);
      // Raised, not removed: coturn's turnadmin leaves a 0 in SQLite in place (its other drivers delete it).
      await admin(['-g', '-r', db.realm, '--user-quota', '10']);
      // Realm options are re-read every 5 s, as coturn does.
      let last = two;
      for (let i = 0; i < 12 && last.code !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        last = await uclient(server, ['-u', 'ling', '-w', 'ling1234']);
      }
      assertRelayed(last, 40, server.output);
    });

    test("a user written by turnpike turnadmin is accepted by coturn's turnserver", { skip: unreachable }, async () => {
      const r = await runTurnpike(['turnadmin', '-a', ...db.flag, '-u', 'bayaz', '-r', db.realm, '-p', 'magi']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const coturn = await startTurnServer('coturn', { users: [], realm: db.realm, extraArgs: [...db.flag] });
      servers.push(coturn);
      assertRelayed(await uclient(coturn, ['-u', 'bayaz', '-w', 'magi']), 40, coturn.output);
    });
  });
}
