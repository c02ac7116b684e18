#!/usr/bin/env bash
# Start (or restart) a throwaway development cluster with pgml_worker
# preloaded, as the postgres user.  Usage: test/devcluster.sh PORT [DBNAME]
# Prints the psql command to reach it.  The cluster lives in /tmp/pgml_dev_PORT.
set -euo pipefail
port=${1:?usage: devcluster.sh PORT [DBNAME]}
db=${2:-pgml}
bindir=$(pg_config --bindir)
dir=/tmp/pgml_dev_$port
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -f "$dir/postmaster.pid" ]; then run "$bindir/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true; fi
rm -rf "$dir"
install -d -o postgres -g postgres "$dir"
run "$bindir/initdb" -D "$dir" -A trust -U postgres >/dev/null
cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '/tmp'
shared_preload_libraries = 'pgml_worker'
pgml_worker.naptime = 1
lc_messages = 'C'
CONF
run "$bindir/pg_ctl" -D "$dir" -l "$dir/log" -w start >/dev/null
run "$bindir/createdb" -h /tmp -p "$port" -U postgres "$db"
echo "psql -h /tmp -p $port -U postgres $db    # log: $dir/log"
