/** The user-database and migration sections of docs/configuration.md (see docs.ts). */

export const USER_DATABASES = `## User databases

A user database holds what coturn keeps in one: long-term users, TURN REST API secrets,
ORIGIN-to-realm mappings, realm options, peer ranges and admin users, in coturn's own schema
(\`/usr/share/coturn/schema.sql\`) or Redis key layout (\`schema.userdb.redis\`). A database
written by coturn's \`turnadmin\` works with Turnpike unchanged, and one written by
\`turnpike turnadmin\` works with coturn.

| Option | Backend | Value |
| --- | --- | --- |
| \`userdb\`, \`db\`, \`-b\` | SQLite (\`node:sqlite\`) | a file path; a new file gets coturn's tables |
| \`psql-userdb\`, \`sql-userdb\`, \`-e\` | PostgreSQL (\`pg\`) | \`host=127.0.0.1 dbname=coturn user=turn password=… connect_timeout=30\` or \`postgresql://turn:…@127.0.0.1/coturn\` |
| \`mysql-userdb\`, \`-M\` | MySQL, MariaDB (\`mysql2\`) | \`host=127.0.0.1 dbname=coturn user=turn password=… port=3306 connect_timeout=10 read_timeout=10\`, plus \`ca=\`, \`capath=\`, \`cert=\`, \`key=\`, \`cipher=\` for TLS |
| \`redis-userdb\`, \`-N\` | Redis (\`ioredis\`) | \`ip=127.0.0.1 dbname=2 password=… port=6379 connect_timeout=30\` |
| \`mongo-userdb\`, \`-J\` | MongoDB | refused at start-up: no MongoDB server runs where Turnpike is tested, so none ships untested |

In PostgreSQL and MySQL, create the tables once from coturn's \`schema.sql\` (as with coturn).
With \`secret-key-file\`, the password in \`mysql-userdb\` is the text \`turnadmin -E\` prints
for it (AES-128 with the key file \`turnadmin -x\` writes).

**Without any database option**, Turnpike reads coturn's default file \`/var/lib/turn/turndb\`
when it exists and the configuration asks for credentials it does not hold itself:
\`lt-cred-mech\` with no \`user\` line, or \`use-auth-secret\` with no \`static-auth-secret\`.
That is the set-up of a coturn whose users live in its default database. Start-up says so in a
warning. The file is never created for \`turnserver\`. (\`TURNPIKE_DEFAULT_USERDB\` names another
path to look at.) A database option given without \`lt-cred-mech\` or \`use-auth-secret\` turns
\`lt-cred-mech\` on, with a warning: coturn would run without credentials there.

### What is read, and when

- **Users** (\`turnusers_lt\`, or \`turn/realm/<realm>/user/<name>/key\`): at each
  authentication, after the configuration's own \`user\` lines. A user added, re-keyed or
  deleted counts from the next Allocate; nothing is cached. Requests on an existing
  allocation (Refresh, CreatePermission, ChannelBind) are checked against the key that made
  the allocation, with no database round trip, as coturn does: deleting a user refuses its
  next allocation and leaves running ones to end.
- **REST API secrets** (\`turn_secret\`, \`turn/realm/<realm>/secret\`): with \`use-auth-secret\`
  and no \`static-auth-secret\`, at each authentication, every secret of the realm. A secret
  added or deleted counts from the next authentication. With \`static-auth-secret\` the
  configured secrets decide, as in coturn.
- **Origins, realm options and peer ranges** (\`turn_origin_to_realm\`, \`turn_realm_option\`,
  \`allowed_peer_ip\`, \`denied_peer_ip\`): every 5 seconds, as coturn does, into memory; no
  request waits on the database for them. \`no-dynamic-realms\` leaves out origins and realm
  options, \`no-dynamic-ip-list\` the peer ranges.
- **Admin users** (\`admin_user\`): for the admin pages.

A request whose nonce is stale or forged, or whose realm is wrong, is answered (438 or 401)
without a database round trip, so a flood of forged requests costs the database nothing.

### Realms

The realm of a request is the one its ORIGIN attribute maps to (origins are compared in
coturn's canonical form, \`https://example.com:443\`), else \`realm\`. The 401 challenge names
that realm, users and secrets are looked up in it, and its \`max-bps\`, \`user-quota\` and
\`total-quota\` options replace the configured ones (each option on its own; quotas count per
realm). With \`check-origin-consistency\`, every request on an allocation must carry the
Allocate's ORIGIN, else 441.

### Peer ranges never weaken the configuration

A realm's \`denied_peer_ip\` rows refuse more peers (403). Its \`allowed_peer_ip\` rows only make
holes in its own denied rows: they never open an address the configured policy refuses
(loopback, private, link-local, multicast and the rest, \`denied-peer-ip\`), in any spelling.

### When the database is down

Allocations keep relaying and refreshing. New authentications get 401 at once (counted as
\`auth-database-unavailable\`). The outage is logged once, with the backend and the error,
and its end once, with how long it lasted. Calls back off (0.5 s doubling to 15 s) so a dead
database is not hammered, and service comes back by itself. A database that cannot be reached
at start-up does not stop the server.

Rows the server cannot use (a key that is not 32 hex digits, a peer range that does not
parse) are skipped, each named once in a \`user-database-bad-row\` log line. Passwords in
connection strings never appear in logs or messages; only \`postgresql://user@host:port/db\`
style descriptions do.

### \`turnpike serve\` and its data directory

\`turnpike serve\` without credential options keeps its own SQLite database, in coturn's schema,
at \`<data-dir>/turnpike.db\` (mode 0600). \`data-dir\` defaults to \`/var/lib/turnpike\` for root,
else \`$XDG_STATE_HOME/turnpike\` or \`~/.local/state/turnpike\` (\`TURNPIKE_DATA_DIR\` overrides
the default). The REST secret it generates on its first start is stored there, so credentials
from \`/api/turn-credentials\` survive restarts, and users added with
\`turnpike turnadmin -a -b <data-dir>/turnpike.db -r turnpike -u NAME -p PASSWORD\` can
authenticate at once, next to REST credentials.

## Moving from coturn

1. Keep \`turnserver.conf\` and the command line as they are: every database option keeps its
   name, short letter and connection string.
2. Point Turnpike at the same database. SQLite: the same file (\`userdb=\`, or nothing when it
   is \`/var/lib/turn/turndb\`); the user Turnpike runs as needs to read it (and write it, for
   \`turnadmin\`). PostgreSQL, MySQL, Redis: the same connection string.
3. Manage users with \`turnpike turnadmin\` or coturn's \`turnadmin\`: same commands, same output.
4. MongoDB: list the users and secrets with coturn's \`turnadmin -l\`/\`-S\` and write them into
   one of the four backends with \`turnpike turnadmin -a\`/\`-s\`; keys are the same MD5 values.
5. Check with the trickle-ICE page (\`turnpike serve\` serves one at \`/trickle-ice/\`): a \`relay\`
   candidate proves the user authenticates.
`;
