-- pgml_worker 0.1.0 -> 0.2.0: project owners and grants, row security on
-- the model tables, C queue triggers, internal functions revoked from
-- PUBLIC (docs/security.md, docs/upgrading.md).  Models, deployments and
-- the queue are kept as they are: every model predicts as before.

\echo Use "ALTER EXTENSION pgml_worker UPDATE" to load this file. \quit

-- Owners: existing projects belong to the extension's owner.
ALTER TABLE pgml.projects ADD COLUMN owner regrole, ADD COLUMN acl aclitem[];
UPDATE pgml.projects SET owner = (SELECT e.extowner FROM pg_catalog.pg_extension e
                                   WHERE e.extname OPERATOR(pg_catalog.=) 'pgml_worker')::regrole;
ALTER TABLE pgml.projects ALTER COLUMN owner SET NOT NULL;
COMMENT ON TABLE pgml.projects IS 'one row per project: a name, the task its models solve, its owner and who else may use it (docs/security.md)';
COMMENT ON COLUMN pgml.projects.owner IS 'the role whose members may train into, deploy, rename, drop and grant the project';
COMMENT ON COLUMN pgml.projects.acl IS 'USAGE grants (predict, export, read the models): pgml.grant_project() and pgml.revoke_project()';

ALTER TABLE pgml.projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgml.models ENABLE ROW LEVEL SECURITY;
ALTER TABLE pgml.deployments ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_usable ON pgml.projects FOR SELECT
    USING (pg_catalog.pg_has_role(owner::oid, 'USAGE')
           OR EXISTS (SELECT FROM pg_catalog.aclexplode(acl) a
                       WHERE a.privilege_type OPERATOR(pg_catalog.=) 'USAGE'
                         AND (a.grantee OPERATOR(pg_catalog.=) 0::oid
                              OR pg_catalog.pg_has_role(a.grantee, 'USAGE'))));
CREATE POLICY models_usable ON pgml.models FOR SELECT
    USING (project_id IN (SELECT p.id FROM pgml.projects p));
CREATE POLICY deployments_usable ON pgml.deployments FOR SELECT
    USING (project_id IN (SELECT p.id FROM pgml.projects p));

-- The queue's row triggers become C functions; _in_worker goes.
CREATE OR REPLACE FUNCTION pgml._train_queue_before_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_queue_before_insert' LANGUAGE C;
CREATE OR REPLACE FUNCTION pgml._train_queue_before_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_queue_before_update' LANGUAGE C;
ALTER FUNCTION pgml._train_queue_before_update() RESET ALL;
DROP FUNCTION pgml._in_worker();
REVOKE INSERT ON pgml.train_queue FROM PUBLIC;
-- Job ids come from the insert trigger (with no privilege on the sequence,
-- whose position would tell how many jobs every role has queued).
ALTER TABLE pgml.train_queue ALTER COLUMN id DROP DEFAULT;
REVOKE USAGE ON SEQUENCE pgml.train_queue_id_seq FROM PUBLIC;
GRANT INSERT (project_name, task, relation_name, y_column_name, algorithm, hyperparams,
              test_size, test_sampling, search, search_params, search_args,
              automatic_deploy, preprocess) ON pgml.train_queue TO PUBLIC;

-- Cached privilege checks follow changes of projects and models.
CREATE FUNCTION pgml._projects_acl_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_projects_acl_changed' LANGUAGE C;
CREATE TRIGGER projects_acl_changed AFTER UPDATE OF name, owner, acl OR DELETE OR TRUNCATE
    ON pgml.projects FOR EACH STATEMENT EXECUTE FUNCTION pgml._projects_acl_changed();
CREATE TRIGGER models_acl_changed AFTER UPDATE OF project_id OR DELETE OR TRUNCATE
    ON pgml.models FOR EACH STATEMENT EXECUTE FUNCTION pgml._projects_acl_changed();

-- A rename drops the image of the old name only, not every image of the
-- database (any owner renames now).
DROP TRIGGER projects_renamed ON pgml.projects;
-- images are found by project name: a renamed project's old name serves nothing
CREATE TRIGGER projects_renamed AFTER UPDATE OF name ON pgml.projects
    FOR EACH ROW EXECUTE FUNCTION pgml._models_changed('name');


-- Project management.
CREATE FUNCTION pgml.grant_project(project_name text, role text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_grant_project' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.grant_project(text, text) IS
    'let a role (or PUBLIC) use a project: predict, export, read its models; needs the privileges of the project''s owner';
CREATE FUNCTION pgml.revoke_project(project_name text, role text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_revoke_project' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.revoke_project(text, text) IS
    'take back a grant of pgml.grant_project(); every session sees it from its next statement';
CREATE FUNCTION pgml.alter_project_owner(project_name text, new_owner text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_alter_project_owner' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.alter_project_owner(text, text) IS
    'transfer a project, as ALTER TABLE OWNER: the caller needs the current owner''s privileges and membership in the new owner';
CREATE FUNCTION pgml.rename_project(project_name text, new_name text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_rename_project' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.rename_project(text, text) IS
    'rename a project; predictions follow the new name';
CREATE FUNCTION pgml.drop_project(project_name text) RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_drop_project' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.drop_project(text) IS
    'drop a project with its models and deployments';

-- PostgresML's pgml.version(); deploy's best_score ranks clustering by silhouette.
CREATE FUNCTION pgml.version() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'pgml_worker'
$$;
COMMENT ON FUNCTION pgml.version() IS 'the installed version of pgml_worker, as PostgresML''s pgml.version()';
COMMENT ON FUNCTION pgml.deploy(text, text, text) IS
    'deploy a model of a project: best_score (r2, f1, silhouette or cumulative_explained_variance by task, as numbers), most_recent or rollback, optionally of one algorithm; published when the transaction commits';

-- Datasets: PostgresML's signature; EXECUTE is the DBA's to grant.
DROP FUNCTION pgml.load_dataset(text, bigint);
CREATE FUNCTION pgml.load_dataset(source text, subset text DEFAULT NULL, "limit" bigint DEFAULT NULL,
                                  kwargs jsonb DEFAULT '{}')
    RETURNS TABLE (table_name text, rows bigint)
    AS 'MODULE_PATHNAME', 'pgml_load_dataset'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.load_dataset(text, text, bigint, jsonb) IS
    'fill pgml.<source> (created on the first load, emptied on the next, so views on it stay) with a scikit-learn toy dataset (breast_cancer, diabetes, digits, iris, linnerud, wine); at most "limit" rows';
REVOKE EXECUTE ON FUNCTION pgml.load_dataset(text, text, bigint, jsonb) FROM PUBLIC;

-- Stat functions are public under pg_stat_get_* style names.
DROP VIEW pgml.stat_models;
DROP FUNCTION pgml._stat_models();
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
GRANT SELECT ON pgml.stat_models, pgml.stat_registry TO PUBLIC;
-- The job service (launcher, database workers): running jobs per role for
-- the fair claim, and one row per worker in pgml.stat_worker.
CREATE INDEX train_queue_running ON pgml.train_queue (queued_by) WHERE status = 'running';
-- when each role was last served: roles take turns (train/worker.c's claim)
CREATE INDEX train_queue_role_started ON pgml.train_queue (queued_by, started_at);
DROP VIEW pgml.stat_worker;
DROP FUNCTION pgml._stat_worker();
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
GRANT SELECT ON pgml.stat_worker TO PUBLIC;

-- pg_dump keeps the models, their history and the sequence positions
-- (docs/operations.md).  Restored queue rows that are not 'queued' are kept
-- as history and never run (the queue's insert trigger).
SELECT pg_catalog.pg_extension_config_dump('pgml.projects', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.projects_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.models', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.models_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.deployments', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.deployments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.train_queue', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.train_queue_id_seq', '');

-- Snapshots: what each model was trained on; training again without a
-- relation uses the project's last one.  The queue accepts that omission.
CREATE TABLE pgml.snapshots (
    id              bigserial PRIMARY KEY,
    relation_name   text NOT NULL,
    y_column_name   text[],
    test_size       real,
    test_sampling   text,
    status          text NOT NULL DEFAULT 'successful',
    columns         jsonb,
    analysis        jsonb,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    materialized    boolean NOT NULL DEFAULT false,
    preprocess      jsonb,
    seed            bigint
);
COMMENT ON TABLE pgml.snapshots IS 'what each model was trained on: the relation, label, split and preprocessing; pgml.train without a relation trains again on the project''s last snapshot';
ALTER TABLE pgml.models ADD COLUMN snapshot_id bigint REFERENCES pgml.snapshots (id) ON DELETE SET NULL;
ALTER TABLE pgml.snapshots ENABLE ROW LEVEL SECURITY;
CREATE POLICY snapshots_usable ON pgml.snapshots FOR SELECT
    USING (id IN (SELECT m.snapshot_id FROM pgml.models m)
           OR (materialized AND pg_catalog.has_table_privilege(
                   pg_catalog.to_regclass('pgml.snapshot_' OPERATOR(pg_catalog.||) id), 'SELECT')));
GRANT SELECT ON pgml.snapshots TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('pgml.snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.snapshots_id_seq', '');
ALTER TABLE pgml.train_queue ALTER COLUMN relation_name DROP NOT NULL;
-- PostgresML's default split
ALTER TABLE pgml.train_queue ALTER COLUMN test_sampling SET DEFAULT 'stratified';
-- Cancelling is pgml.cancel_job()'s, made as the catalog identity: no role
-- may hold a row lock on a job (UPDATE) and make its worker wait.
REVOKE UPDATE (status) ON pgml.train_queue FROM PUBLIC;
CREATE OR REPLACE FUNCTION pgml.cancel_job(job_id bigint) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_cancel_job' LANGUAGE C VOLATILE CALLED ON NULL INPUT;
COMMENT ON FUNCTION pgml.cancel_job(bigint) IS
    'cancel a queued or running training job; a running job stops at once';

DROP FUNCTION pgml.train(text, text, text, text, text, jsonb, text, jsonb, jsonb, real, text, boolean, jsonb);
-- PostgresML's parameters, in its order: runtime is accepted (every model
-- here runs in C), materialize_snapshot is not supported yet.
CREATE FUNCTION pgml.train(
    project_name         text,
    task                 text    DEFAULT NULL,
    relation_name        text    DEFAULT NULL,
    y_column_name        text    DEFAULT NULL,
    algorithm            text    DEFAULT 'linear',
    hyperparams          jsonb   DEFAULT '{}',
    search               text    DEFAULT NULL,
    search_params        jsonb   DEFAULT '{}',
    search_args          jsonb   DEFAULT '{}',
    test_size            real    DEFAULT 0.25,
    test_sampling        text    DEFAULT 'stratified',
    runtime              text    DEFAULT NULL,
    automatic_deploy     boolean DEFAULT true,
    materialize_snapshot boolean DEFAULT false,
    preprocess           jsonb   DEFAULT '{}'
) RETURNS TABLE (project text, task text, algorithm text, deployed boolean)
    AS '$libdir/pgml_train', 'pgml_train_sql' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.train(text, text, text, text, text, jsonb, text, jsonb, jsonb, real, text, text, boolean, boolean, jsonb) IS
    'train a model in this session (inside the caller''s transaction), store it and deploy it when it is at least as good as the deployed one; without relation_name, train again on the project''s last snapshot';

-- Predict functions are STRICT, as PostgresML's: a NULL argument gives NULL.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'pgml'::regnamespace
                AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['predict', 'predict_proba',
                        'predict_label', 'decompose', 'predict_batch'])
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s STRICT', f);
    END LOOP;
END
$$;

-- The views show each role the projects it may use (security_invoker), with
-- PostgresML's columns.
DROP VIEW pgml.deployed_models, pgml.trained_models, pgml.overview;
-- PostgresML's views, with its columns in its order (runtime: every model
-- runs in C here; y_column_name of overview as text[], from the snapshot).
CREATE VIEW pgml.deployed_models WITH (security_invoker = true) AS
    SELECT m.id, p.name, p.task, m.algorithm, m.runtime, d.created_at AS deployed_at
      FROM pgml.projects p
      JOIN (SELECT DISTINCT ON (project_id) project_id, model_id, created_at
              FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.project_id = p.id
      JOIN pgml.models m ON m.id = d.model_id
     ORDER BY p.name;
COMMENT ON VIEW pgml.deployed_models IS 'the model each project serves';

CREATE VIEW pgml.trained_models WITH (security_invoker = true) AS
    SELECT m.id, p.name, p.task, m.algorithm, m.runtime, m.created_at, m.test_sampling, m.test_size,
           d.model_id IS NOT NULL AS deployed
      FROM pgml.projects p
      JOIN pgml.models m ON m.project_id = p.id
      LEFT JOIN (SELECT DISTINCT ON (project_id) project_id, model_id
                   FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.model_id = m.id
     ORDER BY m.created_at DESC, m.id DESC;
COMMENT ON VIEW pgml.trained_models IS 'every model, and whether its project serves it';

CREATE VIEW pgml.overview WITH (security_invoker = true) AS
    SELECT p.name, d.created_at AS deployed_at, p.task, m.algorithm, m.runtime, m.relation_name,
           coalesce(s.y_column_name, ARRAY[m.y_column_name]) AS y_column_name,
           m.test_sampling, m.test_size
      FROM pgml.projects p
      JOIN (SELECT DISTINCT ON (project_id) project_id, model_id, created_at
              FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.project_id = p.id
      JOIN pgml.models m ON m.id = d.model_id
      LEFT JOIN pgml.snapshots s ON s.id = m.snapshot_id
     ORDER BY d.created_at DESC;
COMMENT ON VIEW pgml.overview IS 'each project with its deployed model and what it was trained on';

GRANT SELECT ON pgml.deployed_models, pgml.trained_models, pgml.overview TO PUBLIC;

CREATE FUNCTION pgml.snapshot(relation_name text, y_column_name text DEFAULT NULL,
                              test_size real DEFAULT 0.25, test_sampling text DEFAULT 'stratified',
                              preprocess jsonb DEFAULT '{}')
RETURNS TABLE (relation text, y_column_name text)
    AS '$libdir/pgml_train', 'pgml_snapshot_sql' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.snapshot(text, text, real, text, jsonb) IS
    'as PostgresML''s: copy a relation''s rows (read as the caller) into pgml.snapshot_<id>, which the caller may read, and record the snapshot';

CREATE FUNCTION pgml.algorithms(OUT name text, OUT tasks text[], OUT family text, OUT kind text,
    OUT missing_values boolean)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pgml_algorithms' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml.algorithms() IS
    'the algorithms pgml.train accepts: the tasks each solves, its trainer family, the model kind it serves as, and whether it takes missing values as they are';

CREATE FUNCTION pgml.hyperparameters(OUT algorithm text, OUT tasks text[], OUT name text,
    OUT alias text, OUT type text, OUT default_value text, OUT minimum double precision,
    OUT maximum double precision, OUT choices text[], OUT description text)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pgml_hyperparameters' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml.hyperparameters() IS
    'the hyperparameters each algorithm of pgml.algorithms() accepts, for the tasks listed: type, default, range or choices, and what a value must be; type "compatible" marks another library''s key accepted without effect';

-- pgml.train_joint and pgml.predict_joint (issue 15: joint models)
-- PostgresML's multi-output regression: y_column_name names every target.
-- A joint model predicts them all at once (pgml.predict_joint).
CREATE FUNCTION pgml.train_joint(
    project_name         text,
    task                 text    DEFAULT NULL,
    relation_name        text    DEFAULT NULL,
    y_column_name        text[]  DEFAULT NULL,
    algorithm            text    DEFAULT 'linear',
    hyperparams          jsonb   DEFAULT '{}',
    search               text    DEFAULT NULL,
    search_params        jsonb   DEFAULT '{}',
    search_args          jsonb   DEFAULT '{}',
    test_size            real    DEFAULT 0.25,
    test_sampling        text    DEFAULT 'stratified',
    runtime              text    DEFAULT NULL,
    automatic_deploy     boolean DEFAULT true,
    materialize_snapshot boolean DEFAULT false,
    preprocess           jsonb   DEFAULT '{}'
) RETURNS TABLE (project text, task text, algorithm text, deployed boolean)
    AS '$libdir/pgml_train', 'pgml_train_joint_sql' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.train_joint(text, text, text, text[], text, jsonb, text, jsonb, jsonb, real, text, text, boolean, boolean, jsonb) IS
    'as pgml.train, for a regression model of several targets at once (y_column_name names them); pgml.predict_joint serves it';

-- pgml.predict_joint: every target of a regression model, in the order of
-- its y_column_name (one for a model of one target).  The same overloads
-- as pgml.predict, for the same reason.
CREATE FUNCTION pgml.predict_joint(project_name text, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, real[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, real[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, double precision[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, double precision[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, integer[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, integer[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, bigint[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, bigint[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, smallint[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, smallint[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, numeric[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, numeric[]) IS 'every target of a regression model by id';
CREATE FUNCTION pgml.predict_joint(project_name text, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_joint(model_id bigint, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_joint_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_joint(text, boolean[]) IS 'every target of the deployed regression model of a project (pgml.train_joint), served from shared memory';
COMMENT ON FUNCTION pgml.predict_joint(bigint, boolean[]) IS 'every target of a regression model by id';

-- Internal functions are nobody's but the extension's.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'pgml'::regnamespace
                AND p.proname OPERATOR(pg_catalog.~~) '\_%'
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
