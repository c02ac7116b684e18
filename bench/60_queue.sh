#!/usr/bin/env bash
# Benchmark: the job service, in database pgml_bench (not postgres).
#
# 1. Pickup latency.  BENCH_QUEUE_JOBS (default 30) tiny jobs (a linear
#    regression on 200 rows x 2 features), queued one after another from one
#    session: each INSERT commits on its own, its xmin captured by RETURNING
#    in the same statement (the worker's UPDATE later changes the row's
#    xmin), then the session waits for the job to end before queueing the
#    next, so the database's worker is alive and idle when the next commits
#    ("warm").  Then BENCH_QUEUE_COLD (default 5) more, each queued after the
#    database's worker has exited (idle for pgml_worker.naptime): the
#    launcher must start one ("cold").  The latency of a job is started_at
#    (set by the worker when it claims the job, status 'running') minus
#    pg_xact_commit_timestamp(xmin) of the INSERT: the cluster runs with
#    track_commit_timestamp = on (bench/run.sh).
#    Target: median commit-to-running latency (warm) under 20 ms.
# 2. Drain throughput.  BENCH_DRAIN_JOBS (default 200) small jobs (linear
#    regression on BENCH_DRAIN_ROWS (default 100,000) rows x 4 features, each
#    into a project of its own,
#    pgml_worker.nthread = 1) queued in one transaction, with
#    pgml_worker.max_workers = 1 and then 2: the time from the INSERT's
#    commit to the last job's finished_at, and the ratio.
#    Target: max_workers 2 drains >= 1.7x faster than 1 on two CPUs.  Also
#    printed: how many jobs ran at once (at most, and on average: busy
#    worker time over the drain time), which tells the scheduling apart
#    from CPUs taken by other work.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${BENCH_QUEUE_JOBS:-30}
COLD=${BENCH_QUEUE_COLD:-5}
DRAIN=${BENCH_DRAIN_JOBS:-200}
DRAIN_ROWS=${BENCH_DRAIN_ROWS:-100000}
if [ "$(bench_sql -c 'SHOW track_commit_timestamp')" != on ]; then
	bench_log "   track_commit_timestamp is off: cannot time the queue"
	exit 1
fi
bench_sql -v rows="$DRAIN_ROWS" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT setseed(0.6);
DROP TABLE IF EXISTS bench_tiny, bench_small, bench_queue_jobs, bench_drain;
CREATE TABLE bench_tiny AS
    SELECT a, b, (3 * a - 2 * b + 0.1 * random())::real AS y
      FROM (SELECT random()::real AS a, random()::real AS b FROM generate_series(1, 200)) s;
CREATE TABLE bench_small AS
    SELECT a, b, c, d, (3 * a - 2 * b + c * d + 0.1 * random())::real AS y
      FROM (SELECT random()::real AS a, random()::real AS b, random()::real AS c,
                   random()::real AS d FROM generate_series(1, :rows)) s;
CREATE TABLE bench_queue_jobs (job bigint, xid xid, cold boolean);
CREATE TABLE bench_drain (workers int, job bigint, xid xid);
SQL

# Queue one tiny job and wait for it; $1: true when queued with no worker.
one_job() {
	cat <<SQL
WITH j AS (
    INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm)
    VALUES ('bench_queue', 'regression', 'bench_tiny', 'y', 'linear')
    RETURNING id, xmin)
INSERT INTO bench_queue_jobs SELECT id, xmin, $1 FROM j RETURNING job \gset
SELECT pgml.wait_job(:job, '1 minute') = 'succeeded' AS ok \gset
\if :ok
\else
\warn job :job did not succeed
\quit
\endif
SQL
}

# Wait until no database worker runs in this database.
no_worker() {
	for ((w = 0; w < 600; w++)); do
		[ "$(bench_sql -c "SELECT count(*) FROM pgml.stat_worker WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")" = 0 ] && return 0
		sleep 0.1
	done
	bench_log "   a worker of the database did not exit"
	return 1
}

for ((i = 0; i < N; i++)); do one_job false; done | bench_sql >/dev/null
for ((i = 0; i < COLD; i++)); do
	no_worker
	one_job true | bench_sql >/dev/null
done

bench_begin queue "queue pickup latency in database pgml_bench, ms: $N tiny jobs one after another (linear, 200 rows), then $COLD with no worker running"
bench_sql >"$BENCH_RESULTS/queue.raw.csv" <<'SQL'
\pset fieldsep ','
\pset tuples_only off
\pset footer off
WITH t AS (
    SELECT j.cold,
           extract(epoch FROM q.started_at - pg_xact_commit_timestamp(j.xid)) * 1000 AS running,
           extract(epoch FROM q.started_at - q.queued_at) * 1000 AS queued_running,
           extract(epoch FROM q.finished_at - pg_xact_commit_timestamp(j.xid)) * 1000 AS done
      FROM bench_queue_jobs j JOIN pgml.train_queue q ON q.id = j.job
     WHERE q.status = 'succeeded'),
c(ord, label, ms) AS (
    SELECT 1, 'INSERT commit to running', running FROM t WHERE NOT cold
    UNION ALL SELECT 2, 'queued_at (before commit) to running', queued_running FROM t WHERE NOT cold
    UNION ALL SELECT 3, 'INSERT commit to succeeded', done FROM t WHERE NOT cold
    UNION ALL SELECT 4, 'INSERT commit to running (cold: no worker running)', running FROM t WHERE cold)
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
bench_target "median INSERT commit to running (warm), ms" "$med" "<=" 20
printf -- '- load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# --- drain: DRAIN small jobs with max_workers 1, then 2 ----------------------
drain() {
	local workers=$1
	bench_sql >/dev/null <<SQL
ALTER SYSTEM SET pgml_worker.max_workers = $workers;
ALTER SYSTEM SET pgml_worker.nthread = 1;
SELECT pg_reload_conf();
SQL
	no_worker
	sleep 1	# the launcher has read the new setting
	bench_sql >/dev/null <<SQL
WITH j AS (
    INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm)
    SELECT 'bench_drain_${workers}_' || g, 'regression', 'bench_small', 'y', 'linear'
      FROM generate_series(1, $DRAIN) g
    RETURNING id, xmin)
INSERT INTO bench_drain SELECT $workers, id, xmin FROM j;
SQL
	for ((w = 0; w < 6000; w++)); do
		[ "$(bench_sql -c "SELECT count(*) FROM pgml.train_queue q JOIN bench_drain d ON d.job = q.id WHERE d.workers = $workers AND q.status IN ('queued', 'running')")" = 0 ] && break
		sleep 0.1
	done
	bench_sql -c "SELECT round((extract(epoch FROM max(q.finished_at) - min(pg_xact_commit_timestamp(d.xid))) * 1000)::numeric, 1)
	                FROM pgml.train_queue q JOIN bench_drain d ON d.job = q.id WHERE d.workers = $workers"
}
bench_log "== queue_drain: $DRAIN small jobs (linear, $DRAIN_ROWS rows x 4), max_workers 1 and 2"
ms1=$(drain 1)
ms2=$(drain 2)
failed=$(bench_sql -c "SELECT count(*) FROM pgml.train_queue q JOIN bench_drain d ON d.job = q.id WHERE q.status <> 'succeeded'")
bench_sql >/dev/null <<'SQL'
ALTER SYSTEM RESET pgml_worker.max_workers;
ALTER SYSTEM RESET pgml_worker.nthread;
SELECT pg_reload_conf();
SQL
ratio=$(awk -v a="$ms1" -v b="$ms2" 'BEGIN { printf "%.2f", a / b }')
printf '\n| drain of %d small jobs (linear, %d rows x 4) | ms | jobs/s |\n|---|---:|---:|\n' "$DRAIN" "$DRAIN_ROWS"
printf '| max_workers = 1 | %s | %.1f |\n' "$ms1" "$(awk -v n="$DRAIN" -v t="$ms1" 'BEGIN { print n / t * 1000 }')"
printf '| max_workers = 2 | %s | %.1f |\n' "$ms2" "$(awk -v n="$DRAIN" -v t="$ms2" 'BEGIN { print n / t * 1000 }')"
# the most jobs running at the same moment, and the mean (busy worker time / drain time)
concurrency() {
	bench_sql -c "WITH j AS (SELECT q.started_at AS s, q.finished_at AS f FROM pgml.train_queue q
	                JOIN bench_drain d ON d.job = q.id WHERE d.workers = $1)
	  SELECT (SELECT max((SELECT count(*) FROM j j2 WHERE j2.s <= j1.s AND j1.s < j2.f)) FROM j j1)
	         || ' at most, ' ||
	         round((SELECT sum(extract(epoch FROM f - s)) / extract(epoch FROM max(f) - min(s)) FROM j)::numeric, 2)
	         || ' on average'"
}
printf '\n- jobs that did not succeed: %s\n' "$failed"
printf -- '- jobs running at once, max_workers 1: %s\n' "$(concurrency 1)"
printf -- '- jobs running at once, max_workers 2: %s\n' "$(concurrency 2)"
bench_target "drain speed-up, max_workers 2 over 1 (x)" "$ratio" ">=" 1.7
printf -- '- load average after the drain: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
bench_sql -c 'DROP TABLE bench_queue_jobs, bench_drain' >/dev/null
