-- part 60: pgml.stat_* views, in the style of pg_stat_*.

CREATE FUNCTION pgml.stat_get_models(
    OUT dbid oid, OUT project text, OUT model_id bigint, OUT algorithm text,
    OUT bytes bigint, OUT generation bigint, OUT loads bigint, OUT hits bigint,
    OUT evictions bigint, OUT compile_time double precision,
    OUT predict_calls bigint, OUT rows_predicted bigint,
    OUT published_at timestamptz)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pgml_stat_models' LANGUAGE C VOLATILE PARALLEL RESTRICTED;

CREATE VIEW pgml.stat_models AS
    SELECT s.dbid, d.datname, s.project, s.model_id, s.algorithm, s.bytes,
           s.generation, s.loads, s.hits, s.evictions, s.compile_time,
           s.predict_calls, s.rows_predicted, s.published_at
      FROM pgml.stat_get_models() s
      LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid;
COMMENT ON VIEW pgml.stat_models IS
    'one row per model image of this database published in shared memory (project is NULL for images published by model id); loads (compilations), hits, evictions, compile_time (ms) and the predict counters are kept across evictions; roles without pg_read_all_stats see the projects they may use';

CREATE FUNCTION pgml.stat_get_registry(
    OUT slots integer, OUT slots_used integer, OUT max_models integer,
    OUT max_segments integer, OUT hits bigint, OUT loads bigint,
    OUT evictions bigint, OUT unpublished bigint)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pgml_stat_registry' LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE VIEW pgml.stat_registry AS SELECT * FROM pgml.stat_get_registry();
COMMENT ON VIEW pgml.stat_registry IS
    'the server''s model registry: image slots (max_models, fewer if the DSM segment limit allows fewer), slots in use, resolutions served from shared memory (hits), compilations (loads), evictions, and deploys left to load on demand for want of a segment (unpublished)';

CREATE FUNCTION pgml.stat_get_worker(
    OUT kind text, OUT pid integer, OUT dbid oid, OUT database text, OUT state text,
    OUT job_id bigint, OUT queued_by regrole, OUT rounds_done integer, OUT rounds_total integer,
    OUT jobs_succeeded bigint, OUT jobs_failed bigint, OUT jobs_cancelled bigint,
    OUT started_at timestamptz, OUT job_started_at timestamptz, OUT last_job_at timestamptz,
    OUT start_failures bigint)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pgml_stat_worker' LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE VIEW pgml.stat_worker AS SELECT * FROM pgml.stat_get_worker();
COMMENT ON VIEW pgml.stat_worker IS
    'the job service: the launcher (server-wide job counts since start, worker starts refused for want of a background worker slot) and one row per database worker of any database (state: starting, recovering, claiming, training, idle, exiting; job_id, queued_by, rounds and job_started_at only to members of the role that queued the job and pg_read_all_stats; job counts since the worker started)';

CREATE VIEW pgml.stat_queue WITH (security_invoker = true) AS
    SELECT s.status, count(q.id) AS jobs,
           min(q.queued_at) AS oldest_queued_at,
           max(q.finished_at) AS last_finished_at
      FROM unnest(ARRAY['queued', 'running', 'succeeded', 'failed', 'cancelled']) WITH ORDINALITY AS s(status, ord)
      LEFT JOIN pgml.train_queue q ON q.status = s.status
     GROUP BY s.status, s.ord
     ORDER BY s.ord;
COMMENT ON VIEW pgml.stat_queue IS
    'jobs in pgml.train_queue by status (each user sees their own jobs)';

GRANT SELECT ON pgml.stat_models, pgml.stat_registry, pgml.stat_worker, pgml.stat_queue TO PUBLIC;
