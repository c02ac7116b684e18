#!/usr/bin/env bash
# The main job, end to end, on a throwaway local cluster: install what is
# missing, build, start a cluster with pgml_worker preloaded, load digits,
# queue a training job, wait for the worker, predict from another
# connection, and show accuracy and the pgml.stat_* views.
#
# Usage (root, or a user with sudo, on Debian 12):  bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bash test/install-deps.sh
make -s PGML_WERROR=1
as_root make -s install

bindir=$(pg_config --bindir)
dir=$(mktemp -d /tmp/pgml_demo.XXXXXX)
port=$((20000 + RANDOM % 10000))
user=$(id -un)
if [ "$(id -u)" = 0 ]; then user=postgres; chown postgres "$dir"; fi
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() { run "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

run "$bindir/initdb" -D "$dir/data" -A trust -U "$user" >/dev/null
cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
shared_preload_libraries = 'pgml_worker'
CONF
run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
psql_() { run "$bindir/psql" -X -h "$dir" -p "$port" -U "$user" -d postgres -v ON_ERROR_STOP=1 "$@"; }

psql_ -q <<'SQL'
\echo '== CREATE EXTENSION and load the digits dataset'
CREATE EXTENSION pgml_worker;
SELECT * FROM pgml.load_dataset('digits');
\echo '== queue a training job; the background worker is woken when the INSERT commits'
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm)
VALUES ('Handwritten Digit Classifier', 'classification', 'pgml.digits', 'target', 'xgboost')
RETURNING id AS job_id, status;
SELECT pgml.wait_job(1) AS final_status;
SELECT id, status, model_id, deployed, started_at - queued_at AS queue_latency,
       finished_at - started_at AS training_time
  FROM pgml.train_queue;
SQL

echo "== predict from a new connection (served from shared memory)"
psql_ -q <<'SQL'
SELECT target, pgml.predict('Handwritten Digit Classifier', image) AS prediction
  FROM pgml.digits LIMIT 5;
SELECT round(avg((pgml.predict('Handwritten Digit Classifier', image) = target)::int), 4) AS accuracy_all_rows,
       (SELECT round((metrics ->> 'accuracy')::numeric, 4) FROM pgml.models WHERE id = 1) AS accuracy_held_out
  FROM pgml.digits;
\echo '== pgml.stat_models'
SELECT project, model_id, algorithm, bytes, generation, loads, predict_calls, rows_predicted
  FROM pgml.stat_models;
\echo '== pgml.stat_worker'
SELECT kind, pid IS NOT NULL AS running, database, state, jobs_succeeded, jobs_failed, jobs_cancelled
  FROM pgml.stat_worker;
\echo '== pgml.stat_queue'
SELECT status, jobs FROM pgml.stat_queue;
SQL
echo "== done; the throwaway cluster is removed"
