#!/usr/bin/env bash
# Benchmark: queue latency.  BENCH_QUEUE_JOBS (default 30) tiny jobs (a
# linear regression on 200 rows x 2 features), queued one after another from
# one session: each INSERT commits on its own, its xmin captured by RETURNING
# in the same statement (the worker's UPDATE later changes the row's xmin),
# then the session waits for the job to end before queueing the next.  The
# latency of a job is started_at (set by the worker when it claims the job,
# status 'running') minus pg_xact_commit_timestamp(xmin) of the INSERT: the
# cluster runs with track_commit_timestamp = on (bench/run.sh).
# Target: median commit-to-running latency under 20 ms.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${BENCH_QUEUE_JOBS:-30}
if [ "$(bench_sql -c 'SHOW track_commit_timestamp')" != on ]; then
	bench_log "   track_commit_timestamp is off: cannot time the queue"
	exit 1
fi
bench_sql >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT setseed(0.6);
DROP TABLE IF EXISTS bench_tiny, bench_queue_jobs;
CREATE TABLE bench_tiny AS
    SELECT a, b, (3 * a - 2 * b + 0.1 * random())::real AS y
      FROM (SELECT random()::real AS a, random()::real AS b FROM generate_series(1, 200)) s;
CREATE TABLE bench_queue_jobs (job bigint, xid xid);
SQL

for ((i = 0; i < N; i++)); do
	cat <<'SQL'
WITH j AS (
    INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm)
    VALUES ('bench_queue', 'regression', 'bench_tiny', 'y', 'linear')
    RETURNING id, xmin)
INSERT INTO bench_queue_jobs SELECT id, xmin FROM j RETURNING job \gset
SELECT pgml.wait_job(:job, '1 minute') = 'succeeded' AS ok \gset
\if :ok
\else
\warn job :job did not succeed
\quit
\endif
SQL
done | bench_sql >/dev/null

bench_begin queue "queue latency, ms: $N tiny jobs one after another (linear, 200 rows)"
bench_sql >"$BENCH_RESULTS/queue.raw.csv" <<'SQL'
\pset fieldsep ','
\pset tuples_only off
\pset footer off
WITH t AS (
    SELECT extract(epoch FROM q.started_at - pg_xact_commit_timestamp(j.xid)) * 1000 AS running,
           extract(epoch FROM q.started_at - q.queued_at) * 1000 AS queued_running,
           extract(epoch FROM q.finished_at - pg_xact_commit_timestamp(j.xid)) * 1000 AS done
      FROM bench_queue_jobs j JOIN pgml.train_queue q ON q.id = j.job
     WHERE q.status = 'succeeded'),
c(ord, label, ms) AS (
    SELECT 1, 'INSERT commit to running', running FROM t
    UNION ALL SELECT 2, 'queued_at (before commit) to running', queued_running FROM t
    UNION ALL SELECT 3, 'INSERT commit to succeeded', done FROM t)
SELECT format('"%s"', label) AS case, count(*) AS runs,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 3) AS median_ms,
       round(min(ms)::numeric, 3) AS min_ms,
       round(percentile_disc(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 3) AS p90_ms
  FROM c GROUP BY ord, label ORDER BY ord;
SQL
med=$(bench_case_median queue "INSERT commit to running")
if [ -z "$med" ]; then
	bench_log "   no job succeeded"
	exit 1
fi
bench_report queue "INSERT commit to running"
printf '\n'
bench_target "median INSERT commit to running, ms" "$med" "<=" 20
printf -- '- load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
bench_sql -c 'DROP TABLE bench_queue_jobs' >/dev/null
