#!/usr/bin/env bash
# Start PostgreSQL and MariaDB on 127.0.0.1 (installing the Debian packages when missing), and wait until
# both accept connections. Idempotent: does nothing when both already run.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
my_up() { command -v mariadb-admin >/dev/null && mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }

wait_for() { # name, check function
  for _ in $(seq 1 60); do "$2" && return 0; sleep 1; done
  echo "ERROR: $1 did not start on 127.0.0.1 (see its log); fix: start it by hand and re-run" >&2; return 1
}

if ! pg_up; then
  installed_pg=""
  if [ ! -d /etc/postgresql ] || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    echo "installing PostgreSQL (Debian packages)..."
    apt_install postgresql postgresql-client
    installed_pg=1
  fi
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  if [ -n "$installed_pg" ]; then
    # test services use trust auth on loopback only
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  wait_for PostgreSQL pg_up
  if [ -n "$installed_pg" ]; then
    psql -h 127.0.0.1 -U postgres -qc "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='root') THEN CREATE ROLE root SUPERUSER LOGIN; END IF; END\$\$" || true
  fi
fi

if ! my_up; then
  installed_my=""
  if [ ! -x /usr/sbin/mariadbd ]; then
    echo "installing MariaDB (Debian packages)..."
    apt_install mariadb-server mariadb-client
    installed_my=1
  fi
  as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null 2>&1 \
    || as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  if [ -n "$installed_my" ]; then
    for _ in $(seq 1 30); do as_root mariadb -e "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
    as_root mariadb -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" || true
  fi
  wait_for MariaDB my_up
fi
