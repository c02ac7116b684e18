-- part 25: synchronous training, the same code path as the worker's.

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

CREATE FUNCTION pgml._models_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_models_changed' LANGUAGE C;
CREATE TRIGGER models_changed AFTER UPDATE OF artifact OR DELETE ON pgml.models
    FOR EACH ROW EXECUTE FUNCTION pgml._models_changed('id');
-- a deployment changed or removed by hand: its model's images stop being
-- served, and the next predict reads what the table now says
CREATE TRIGGER deployments_changed AFTER UPDATE OR DELETE ON pgml.deployments
    FOR EACH ROW EXECUTE FUNCTION pgml._models_changed('model_id');
-- TRUNCATE fires no row trigger: forget every image of the database
CREATE TRIGGER models_truncated AFTER TRUNCATE ON pgml.models
    FOR EACH STATEMENT EXECUTE FUNCTION pgml._models_changed();
CREATE TRIGGER deployments_truncated AFTER TRUNCATE ON pgml.deployments
    FOR EACH STATEMENT EXECUTE FUNCTION pgml._models_changed();
CREATE TRIGGER projects_truncated AFTER TRUNCATE ON pgml.projects
    FOR EACH STATEMENT EXECUTE FUNCTION pgml._models_changed();
-- images are found by project name: a renamed project's old name serves nothing
CREATE TRIGGER projects_renamed AFTER UPDATE OF name ON pgml.projects
    FOR EACH ROW EXECUTE FUNCTION pgml._models_changed('name');

-- cached privilege checks of every session are dropped when a project's
-- name, owner or grants change, or a project or model goes (acl.c)
CREATE FUNCTION pgml._projects_acl_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_projects_acl_changed' LANGUAGE C;
CREATE TRIGGER projects_acl_changed AFTER UPDATE OF name, owner, acl OR DELETE OR TRUNCATE
    ON pgml.projects FOR EACH STATEMENT EXECUTE FUNCTION pgml._projects_acl_changed();
CREATE TRIGGER models_acl_changed AFTER UPDATE OF project_id OR DELETE OR TRUNCATE
    ON pgml.models FOR EACH STATEMENT EXECUTE FUNCTION pgml._projects_acl_changed();

CREATE FUNCTION pgml._registry_reset_database() RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_registry_reset_database' LANGUAGE C;
-- a re-created extension must not serve images of the dropped one
SELECT pgml._registry_reset_database();
