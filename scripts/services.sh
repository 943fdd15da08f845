#!/usr/bin/env bash
# Starts the database servers the user-database tests talk to (PostgreSQL on 5432, MariaDB on
# 3306, Redis on 6379, all on 127.0.0.1) when one is installed but not running, and waits until
# each accepts connections. A server that is not installed is left alone: its tests skip and say so.
set -uo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 60); do
    listening "$port" && return 0
    sleep 0.5
  done
  echo "services: $name did not come up on 127.0.0.1:$port" >&2
  return 1
}

start() {
  local name=$1 port=$2
  shift 2
  listening "$port" && return 0
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "services: $name is not installed; its tests will skip" >&2
    return 0
  fi
  echo "services: starting $name"
  "$@" >/dev/null 2>&1 || echo "services: could not start $name: $*" >&2
  wait_for "$name" "$port"
}

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  start PostgreSQL 5432 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi
if [ -x /usr/sbin/mariadbd ]; then
  start MariaDB 3306 start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
if command -v redis-server >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null
  start Redis 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
exit 0
