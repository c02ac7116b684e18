-- pgml_worker install script, part 00: schema, tables, the queue.
-- The install script is the concatenation of sql/parts/*.sql, in name order.

\echo Use "CREATE EXTENSION pgml_worker" to load this file. \quit

CREATE FUNCTION pgml._assert_preloaded() RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_assert_preloaded' LANGUAGE C;
SELECT pgml._assert_preloaded();
REVOKE EXECUTE ON FUNCTION pgml._assert_preloaded() FROM PUBLIC;

GRANT USAGE ON SCHEMA pgml TO PUBLIC;

CREATE TABLE pgml.projects (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    task        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    owner       regrole NOT NULL,
    acl         aclitem[]
);
COMMENT ON TABLE pgml.projects IS 'one row per project: a name, the task its models solve, its owner and who else may use it (docs/security.md)';
COMMENT ON COLUMN pgml.projects.owner IS 'the role whose members may train into, deploy, rename, drop and grant the project';
COMMENT ON COLUMN pgml.projects.acl IS 'USAGE grants (predict, export, read the models): pgml.grant_project() and pgml.revoke_project()';

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

CREATE TABLE pgml.models (
    id               bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES pgml.projects (id) ON DELETE CASCADE,
    num_features     integer NOT NULL,
    algorithm        text NOT NULL,
    runtime          text NOT NULL DEFAULT 'c',
    hyperparams      jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'successful',
    metrics          jsonb,
    search           text,
    search_params    jsonb NOT NULL DEFAULT '{}',
    search_args      jsonb NOT NULL DEFAULT '{}',
    relation_name    text,
    y_column_name    text,
    test_size        real,
    test_sampling    text,
    seed             bigint,
    artifact         bytea NOT NULL,
    timings          jsonb,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    snapshot_id      bigint REFERENCES pgml.snapshots (id) ON DELETE SET NULL
);
CREATE INDEX ON pgml.models (project_id);
COMMENT ON TABLE pgml.models IS 'trained models; artifact is the durable msgpack model (docs/artifact.md)';

CREATE TABLE pgml.deployments (
    id          bigserial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES pgml.projects (id) ON DELETE CASCADE,
    model_id    bigint NOT NULL REFERENCES pgml.models (id) ON DELETE CASCADE,
    strategy    text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON pgml.deployments (project_id, id DESC);
COMMENT ON TABLE pgml.deployments IS 'deploy history; the newest row of a project is what predict serves';

-- Each role sees the projects it may use (owner's privileges or a USAGE
-- grant), and their models and deployments.  The extension's own C code
-- reads as the tables' owner, which row security does not restrict.
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
ALTER TABLE pgml.snapshots ENABLE ROW LEVEL SECURITY;
CREATE POLICY snapshots_usable ON pgml.snapshots FOR SELECT
    USING (id IN (SELECT m.snapshot_id FROM pgml.models m)
           OR (materialized AND pg_catalog.has_table_privilege(
                   pg_catalog.to_regclass('pgml.snapshot_' OPERATOR(pg_catalog.||) id), 'SELECT')));
GRANT SELECT ON pgml.projects, pgml.models, pgml.deployments, pgml.snapshots TO PUBLIC;

CREATE TABLE pgml.train_queue (
    id             bigserial PRIMARY KEY,
    project_name   text NOT NULL,
    task           text,
    relation_name  text,
    y_column_name  text,
    algorithm      text NOT NULL DEFAULT 'linear',
    hyperparams    jsonb NOT NULL DEFAULT '{}',
    test_size      real NOT NULL DEFAULT 0.25,
    test_sampling  text NOT NULL DEFAULT 'stratified',
    search         text,
    search_params  jsonb NOT NULL DEFAULT '{}',
    search_args    jsonb NOT NULL DEFAULT '{}',
    automatic_deploy boolean NOT NULL DEFAULT true,
    preprocess     jsonb NOT NULL DEFAULT '{}',
    queued_by      regrole NOT NULL DEFAULT current_user::regrole,
    status         text NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    error          text,
    model_id       bigint REFERENCES pgml.models (id) ON DELETE SET NULL,
    deployed       boolean,
    progress       real,
    queued_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at     timestamptz,
    finished_at    timestamptz
);
CREATE INDEX train_queue_queued ON pgml.train_queue (id) WHERE status = 'queued';
-- running jobs per role: the workers' fair claim and their recovery (issue 13)
CREATE INDEX train_queue_running ON pgml.train_queue (queued_by) WHERE status = 'running';
-- when each role was last served: roles take turns (train/worker.c's claim)
CREATE INDEX train_queue_role_started ON pgml.train_queue (queued_by, started_at);
COMMENT ON TABLE pgml.train_queue IS 'training jobs; the pgml_worker background worker claims queued rows';

-- pg_dump keeps the models, their history and the sequence positions
-- (docs/operations.md).  Restored queue rows that are not 'queued' are kept
-- as history and never run (the queue's insert trigger).
SELECT pg_catalog.pg_extension_config_dump('pgml.snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.snapshots_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.projects', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.projects_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.models', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.models_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.deployments', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.deployments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.train_queue', '');
SELECT pg_catalog.pg_extension_config_dump('pgml.train_queue_id_seq', '');
