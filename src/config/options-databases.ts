/** Option table rows: user databases (RFC 8489 §9.2 keys, REST API secrets) and the statistics database. */

import { Area, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { text } from './values.ts';
import type { UserDbKind } from '../db/types.ts';

const area = Area.Databases;
const conn = text('<connection-string>', 'a connection string');
const lastWins = 'one user database: when several are given, the last one counts, as in coturn';

const database = (kind: UserDbKind) => (t: { config: { userDb: unknown } }, v: string): void => {
  t.config.userDb = { kind, connection: v };
};

/** Database options. */
export const databaseOptions: readonly OptionSpec[] = [
  valued({
    name: 'userdb', short: 'b', aliases: ['db'], area, type: text('<file>', 'a file path'), default: '/var/lib/turn/turndb',
    meaning: 'SQLite user database file (coturn\'s schema; created with its tables when new)',
    status: S.Supported, note: `${lastWins}; without any database option, coturn's default file is used when it exists and a credential mechanism needs it`,
    set: database('sqlite'),
  }),
  valued({
    name: 'psql-userdb', short: 'e', aliases: ['sql-userdb'], area, type: conn, secret: true,
    meaning: "PostgreSQL user database: a libpq connection string ('host=… dbname=… user=… password=… connect_timeout=…') or a postgresql:// URI",
    status: S.Supported, note: lastWins, set: database('postgresql'),
  }),
  valued({
    name: 'mysql-userdb', short: 'M', area, type: conn, secret: true,
    meaning: "MySQL/MariaDB user database ('host=… dbname=… user=… password=… port=… connect_timeout=… read_timeout=…', SSL with ca= capath= cert= key= cipher=)",
    status: S.Supported, note: lastWins, set: database('mysql'),
  }),
  valued({
    name: 'secret-key-file', area, type: text('<file>', 'a file path'),
    meaning: "AES-128 key file (turnadmin -x) that decrypts the password given in mysql-userdb, which is then written as turnadmin -E prints it",
    status: S.Supported, set: (t, v) => { t.config.secretKeyFile = v; },
  }),
  valued({
    name: 'mongo-userdb', short: 'J', area, type: conn, secret: true,
    meaning: 'MongoDB user database (mongodb:// URI)',
    status: S.Unsupported,
    note: 'no MongoDB server can run where Turnpike is tested, so no MongoDB backend ships untested; move the users with turnadmin to SQLite, PostgreSQL, MySQL or Redis',
  }),
  valued({
    name: 'redis-userdb', short: 'N', area, type: conn, secret: true,
    meaning: "Redis user database ('ip=… dbname=… password=… port=… connect_timeout=…')",
    status: S.Supported, note: lastWins, set: database('redis'),
  }),
  valued({
    name: 'redis-statsdb', short: 'O', area, type: conn, secret: true,
    meaning: "Redis database that receives allocation status and traffic events, in coturn's layout ('ip=… dbname=… password=… port=…', as redis-userdb)",
    status: S.Supported, note: "keys 'turn/realm/<realm>/user/<name>/allocation/<id>/status' (with an expiry at the allocation's end, which coturn does not set) and the …/traffic, …/traffic/peer, …/total_traffic channels",
    set: (t, v) => { t.config.redisStatsDb = v; },
  }),
];
