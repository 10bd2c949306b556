#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, user postgres, no password) and Redis (127.0.0.1:6379)
# answer. Starts them when they are installed but stopped; installs Debian's packages when they
# are missing. Meant for development and CI machines, never for production.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q >/dev/null 2>&1; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "installing $* from Debian's packages" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 60); do "$check" && return 0; sleep 0.5; done
  echo "$what did not start" >&2
  return 1
}

if ! pg_up; then
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql postgresql-contrib
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    as_root pg_createcluster "$version" main >/dev/null
  fi
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q 'fusionpbx-sync' "$hba"; then
    # Local test machines only: the tests connect as postgres over TCP without a password.
    as_root sed -i '1i host all all 127.0.0.1/32 trust # fusionpbx-sync tests\nhost all all ::1/128 trust # fusionpbx-sync tests' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  wait_for PostgreSQL pg_up
fi

if ! redis_up; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  # noeviction: BullMQ must never lose a key to memory pressure.
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
    --maxmemory-policy noeviction --dir /tmp --logfile /tmp/fusionpbx-sync-redis.log
  wait_for Redis redis_up
fi
echo "PostgreSQL and Redis are answering" >&2
