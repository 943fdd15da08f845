/** Option table rows: user databases (RFC 8489 §9.2 keys, REST API secrets) and the statistics database. */

import { Area, OptionStatus as S, valued, type OptionSpec } from './option-spec.ts';
import { text } from './values.ts';

const area = Area.Databases;
const later = 'user databases come later; use user= or static-auth-secret= meanwhile';
const conn = text('<connection-string>', 'a connection string');

/** Database options. */
export const databaseOptions: readonly OptionSpec[] = [
  valued({
    name: 'userdb', short: 'b', aliases: ['db'], area, type: text('<file>', 'a file path'), default: '/var/lib/turn/turndb',
    meaning: 'SQLite user database file', status: S.Unsupported, note: later,
  }),
  valued({
    name: 'psql-userdb', short: 'e', aliases: ['sql-userdb'], area, type: conn,
    meaning: 'PostgreSQL user database (libpq connection string)', status: S.Unsupported, note: later,
  }),
  valued({
    name: 'mysql-userdb', short: 'M', area, type: conn,
    meaning: "MySQL/MariaDB user database ('host=… dbname=… user=… password=…')", status: S.Unsupported, note: later,
  }),
  valued({
    name: 'secret-key-file', area, type: text('<file>', 'a file path'),
    meaning: 'AES key that decrypts the password in mysql-userdb', status: S.Unsupported, note: later,
  }),
  valued({
    name: 'mongo-userdb', short: 'J', area, type: conn,
    meaning: 'MongoDB user database (mongodb:// URI)', status: S.Unsupported, note: later,
  }),
  valued({
    name: 'redis-userdb', short: 'N', area, type: conn,
    meaning: "Redis user database ('ip=… dbname=… password=…')", status: S.Unsupported, note: later,
  }),
  valued({
    name: 'redis-statsdb', short: 'O', area, type: conn,
    meaning: 'Redis database that receives allocation status and traffic events',
    status: S.Unsupported, note: 'the Redis statistics database comes later',
  }),
];
