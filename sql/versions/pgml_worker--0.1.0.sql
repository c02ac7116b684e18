-- pgml_worker install script, part 00: schema, tables, the queue.
-- The install script is the concatenation of sql/parts/*.sql, in name order.

\echo Use "CREATE EXTENSION pgml_worker" to load this file. \quit

CREATE FUNCTION pgml._assert_preloaded() RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_assert_preloaded' LANGUAGE C;
SELECT pgml._assert_preloaded();

GRANT USAGE ON SCHEMA pgml TO PUBLIC;

CREATE TABLE pgml.projects (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    task        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE pgml.projects IS 'one row per project: a name, and the task its models solve';

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
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp()
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

GRANT SELECT ON pgml.projects, pgml.models, pgml.deployments TO PUBLIC;

CREATE TABLE pgml.train_queue (
    id             bigserial PRIMARY KEY,
    project_name   text NOT NULL,
    task           text,
    relation_name  text NOT NULL,
    y_column_name  text,
    algorithm      text NOT NULL DEFAULT 'linear',
    hyperparams    jsonb NOT NULL DEFAULT '{}',
    test_size      real NOT NULL DEFAULT 0.25,
    test_sampling  text NOT NULL DEFAULT 'random',
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
COMMENT ON TABLE pgml.train_queue IS 'training jobs; the pgml_worker background worker claims queued rows';
-- pgml_worker install script, part 10: the toy datasets (src/datasets.c).

CREATE FUNCTION pgml.load_dataset(source text, "limit" bigint DEFAULT NULL)
    RETURNS TABLE (table_name text, rows bigint)
    AS 'MODULE_PATHNAME', 'pgml_load_dataset'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.load_dataset(text, bigint) IS
    'drop, recreate and fill pgml.<source> with a scikit-learn toy dataset (breast_cancer, diabetes, digits, iris, wine); at most "limit" rows';
-- part 20: the training queue's rules: who may queue, see and cancel what,
-- and the commit-time wake-up of the worker.

CREATE FUNCTION pgml._in_worker() RETURNS boolean
    AS 'MODULE_PATHNAME', 'pgml_in_worker' LANGUAGE C STABLE PARALLEL SAFE;

-- No SET search_path here: relation_name must resolve as the inserting user
-- sees it (pg_catalog is still searched first).  It is stored qualified, so
-- the worker reads exactly the relation the user meant.
CREATE FUNCTION pgml._train_queue_before_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    rel regclass;
BEGIN
    -- the job runs with the privileges of whoever queued it: never trust a given value
    NEW.queued_by := current_user::regrole;
    NEW.status := 'queued';
    NEW.error := NULL;
    NEW.model_id := NULL;
    NEW.deployed := NULL;
    NEW.progress := NULL;
    NEW.queued_at := clock_timestamp();
    NEW.started_at := NULL;
    NEW.finished_at := NULL;
    IF NEW.task IS NOT NULL AND NEW.task NOT IN ('regression', 'classification', 'clustering', 'decomposition') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown task "%s"', NEW.task),
            HINT = 'Supported tasks are regression, classification, clustering and decomposition.';
    END IF;
    IF NEW.algorithm NOT IN ('xgboost', 'xgboost_random_forest', 'linear', 'logistic_regression',
                             'ridge', 'lasso', 'elastic_net', 'kmeans', 'pca') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown algorithm "%s"', NEW.algorithm),
            HINT = 'Supported algorithms are xgboost, xgboost_random_forest, linear, logistic_regression, ridge, lasso, elastic_net, kmeans and pca.';
    END IF;
    -- the worker's rule (job.c); NaN sorts above every number in SQL
    IF NOT (NEW.test_size > 0) OR NEW.test_size IN ('NaN', 'Infinity')
       OR (NEW.test_size >= 1 AND NEW.test_size <> floor(NEW.test_size)) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'test_size must be a fraction between 0 and 1, or a whole number of rows',
            DETAIL = format('Got %s.', NEW.test_size);
    END IF;
    rel := pg_catalog.to_regclass(NEW.relation_name);
    IF rel IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_table',
            MESSAGE = format('relation "%s" does not exist', NEW.relation_name);
    END IF;
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO NEW.relation_name
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = rel;
    RETURN NEW;
END
$$;

CREATE FUNCTION pgml._train_queue_before_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pgml._in_worker() THEN
        RETURN NEW;
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.status <> 'cancelled' OR OLD.status NOT IN ('queued', 'running') THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = format('cannot change the status of job %s from %s to %s',
                                 OLD.id, OLD.status, NEW.status),
                HINT = 'Only a queued or running job can be cancelled, by setting its status to ''cancelled''.';
        END IF;
        NEW.finished_at := clock_timestamp();
        NEW.error := 'cancelled by ' || current_user;
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION pgml._queue_notify() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_queue_notify' LANGUAGE C;
CREATE FUNCTION pgml._queue_cancelled() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_queue_cancelled' LANGUAGE C;

CREATE TRIGGER train_queue_before_insert BEFORE INSERT ON pgml.train_queue
    FOR EACH ROW EXECUTE FUNCTION pgml._train_queue_before_insert();
CREATE TRIGGER train_queue_before_update BEFORE UPDATE ON pgml.train_queue
    FOR EACH ROW EXECUTE FUNCTION pgml._train_queue_before_update();
CREATE TRIGGER train_queue_wake AFTER INSERT ON pgml.train_queue
    FOR EACH STATEMENT EXECUTE FUNCTION pgml._queue_notify();
CREATE TRIGGER train_queue_cancel AFTER UPDATE ON pgml.train_queue
    FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status = 'cancelled')
    EXECUTE FUNCTION pgml._queue_cancelled();

-- Users see and cancel their own jobs (members of the queueing role too).
ALTER TABLE pgml.train_queue ENABLE ROW LEVEL SECURITY;
CREATE POLICY train_queue_own_jobs ON pgml.train_queue
    USING (pg_catalog.pg_has_role(current_user, queued_by::oid, 'MEMBER'))
    WITH CHECK (pg_catalog.pg_has_role(current_user, queued_by::oid, 'MEMBER'));
GRANT SELECT, INSERT ON pgml.train_queue TO PUBLIC;
GRANT UPDATE (status) ON pgml.train_queue TO PUBLIC;
GRANT USAGE ON SEQUENCE pgml.train_queue_id_seq TO PUBLIC;

CREATE FUNCTION pgml.cancel_job(job_id bigint) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st text;
BEGIN
    IF job_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'job_id must not be NULL';
    END IF;
    UPDATE pgml.train_queue SET status = 'cancelled'
     WHERE id = job_id AND status IN ('queued', 'running')
    RETURNING status INTO st;
    IF st IS NULL THEN
        SELECT status INTO st FROM pgml.train_queue WHERE id = job_id;
        IF st IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'undefined_object',
                MESSAGE = format('training job %s does not exist', job_id);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('training job %s has already ended with status %s', job_id, st);
    END IF;
    RETURN st;
END
$$;
COMMENT ON FUNCTION pgml.cancel_job(bigint) IS
    'cancel a queued or running training job; a running job stops at once';

CREATE FUNCTION pgml.wait_job(job_id bigint, timeout interval DEFAULT '5 minutes')
RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st text;
    deadline timestamptz := clock_timestamp() + timeout;
BEGIN
    IF job_id IS NULL OR timeout IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'job_id and timeout must not be NULL';
    END IF;
    LOOP
        SELECT status INTO st FROM pgml.train_queue WHERE id = job_id;
        IF st IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'undefined_object',
                MESSAGE = format('training job %s does not exist', job_id);
        END IF;
        IF st IN ('succeeded', 'failed', 'cancelled') THEN
            RETURN st;
        END IF;
        IF clock_timestamp() > deadline THEN
            RAISE EXCEPTION USING ERRCODE = 'query_canceled',
                MESSAGE = format('training job %s is still %s after %s', job_id, st, timeout),
                HINT = 'Check pgml.stat_worker: is the worker running for this database?';
        END IF;
        PERFORM pg_sleep(0.02);
    END LOOP;
END
$$;
COMMENT ON FUNCTION pgml.wait_job(bigint, interval) IS
    'wait until a training job ends; returns its final status';
-- part 25: synchronous training, the same code path as the worker's.

CREATE FUNCTION pgml.train(
    project_name     text,
    task             text    DEFAULT NULL,
    relation_name    text    DEFAULT NULL,
    y_column_name    text    DEFAULT NULL,
    algorithm        text    DEFAULT 'linear',
    hyperparams      jsonb   DEFAULT '{}',
    search           text    DEFAULT NULL,
    search_params    jsonb   DEFAULT '{}',
    search_args      jsonb   DEFAULT '{}',
    test_size        real    DEFAULT 0.25,
    test_sampling    text    DEFAULT 'random',
    automatic_deploy boolean DEFAULT true,
    preprocess       jsonb   DEFAULT '{}'
) RETURNS TABLE (project text, task text, algorithm text, deployed boolean)
    AS '$libdir/pgml_train', 'pgml_train_sql' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.train(text, text, text, text, text, jsonb, text, jsonb, jsonb, real, text, boolean, jsonb) IS
    'train a model in this session (inside the caller''s transaction), store it and deploy it when it is at least as good as the deployed one';

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
-- images are found by project name: a renamed project is read again
CREATE TRIGGER projects_renamed AFTER UPDATE OF name ON pgml.projects
    FOR EACH STATEMENT EXECUTE FUNCTION pgml._models_changed();

CREATE FUNCTION pgml._registry_reset_database() RETURNS void
    AS 'MODULE_PATHNAME', 'pgml_registry_reset_database' LANGUAGE C;
-- a re-created extension must not serve images of the dropped one
SELECT pgml._registry_reset_database();
-- only for the install script: it drops every image of the database
REVOKE EXECUTE ON FUNCTION pgml._registry_reset_database() FROM PUBLIC;
-- part 30: predict.  One C function serves every feature type; the overloads
-- exist so that literals such as ARRAY[1, 2.5] resolve without a cast.

CREATE FUNCTION pgml.predict(project_name text, features real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, real[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, real[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, real[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, real[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features double precision[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features double precision[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, double precision[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, double precision[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, double precision[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, double precision[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features integer[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features integer[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, integer[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, integer[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, integer[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, integer[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features bigint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features bigint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, bigint[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, bigint[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, bigint[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, bigint[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features smallint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features smallint[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, smallint[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, smallint[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, smallint[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, smallint[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features numeric[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features numeric[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, numeric[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, numeric[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, numeric[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, numeric[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, features boolean[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict(model_id bigint, features boolean[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(project_name text, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_proba(model_id bigint, features boolean[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, boolean[]) IS 'prediction of the deployed model of a project, served from shared memory: the regression value or the class label';
COMMENT ON FUNCTION pgml.predict(bigint, boolean[]) IS 'prediction of a model by id, served from shared memory';
COMMENT ON FUNCTION pgml.predict_proba(text, boolean[]) IS 'class probabilities of the deployed classification model of a project, in ascending label order';
COMMENT ON FUNCTION pgml.predict_proba(bigint, boolean[]) IS 'class probabilities of a classification model by id';

CREATE FUNCTION pgml.predict(project_name text, "row" anyelement) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_row' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(text, anyelement) IS
    'prediction from a row value: its numeric and text fields and numeric arrays, in order, are the inputs';
CREATE FUNCTION pgml.predict(model_id bigint, "row" anyelement) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_predict_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict(bigint, anyelement) IS
    'prediction of a model by id from a row value (see pgml.predict(text, anyelement))';
CREATE FUNCTION pgml.predict_proba(model_id bigint, "row" anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_proba(bigint, anyelement) IS
    'class probabilities of a model by id from a row value';
CREATE FUNCTION pgml.predict_label(model_id bigint, "row" anyelement) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(bigint, anyelement) IS
    'the predicted class label of a model by id, as text, from a row value';
CREATE FUNCTION pgml.decompose(model_id bigint, "row" anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(bigint, anyelement) IS
    'the principal components of a row value under a model by id';
CREATE FUNCTION pgml.predict_proba(project_name text, "row" anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_predict_proba' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_proba(text, anyelement) IS
    'class probabilities from a row value (see pgml.predict(text, anyelement))';
CREATE FUNCTION pgml.predict_label(project_name text, "row" anyelement) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, anyelement) IS
    'the predicted class label, as text, from a row value (see pgml.predict(text, anyelement))';
CREATE FUNCTION pgml.decompose(project_name text, "row" anyelement) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, anyelement) IS
    'the principal components of a row value (see pgml.predict(text, anyelement))';

CREATE FUNCTION pgml.predict_batch(project_name text, features real[]) RETURNS SETOF real
    AS 'MODULE_PATHNAME', 'pgml_predict_batch' LANGUAGE C STABLE PARALLEL SAFE COST 10 ROWS 100;
COMMENT ON FUNCTION pgml.predict_batch(text, real[]) IS
    'one prediction per row of a flat array holding whole rows one after another';

-- pgml.decompose: the components of a row under a PCA model.
CREATE FUNCTION pgml.decompose(project_name text, vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, real[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, real[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, double precision[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, double precision[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector integer[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, integer[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, integer[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector bigint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, bigint[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, bigint[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector smallint[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, smallint[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, smallint[]) IS 'the principal components of a row under a decomposition (pca) model, by id';
CREATE FUNCTION pgml.decompose(project_name text, vector numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.decompose(model_id bigint, vector numeric[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_decompose_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.decompose(text, numeric[]) IS 'the principal components of a row under the deployed decomposition (pca) model of a project';
COMMENT ON FUNCTION pgml.decompose(bigint, numeric[]) IS 'the principal components of a row under a decomposition (pca) model, by id';

-- pgml.predict_label: the class label itself, as text (text labels, booleans, numbers).
CREATE FUNCTION pgml.predict_label(project_name text, features real[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features real[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, real[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, real[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features double precision[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features double precision[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, double precision[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, double precision[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features integer[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features integer[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, integer[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, integer[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features bigint[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features bigint[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, bigint[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, bigint[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features smallint[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features smallint[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, smallint[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, smallint[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features numeric[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features numeric[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, numeric[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, numeric[]) IS 'the predicted class label of a classification model by id, as text';
CREATE FUNCTION pgml.predict_label(project_name text, features boolean[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label' LANGUAGE C STABLE PARALLEL SAFE COST 10;
CREATE FUNCTION pgml.predict_label(model_id bigint, features boolean[]) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_predict_label_by_id' LANGUAGE C STABLE PARALLEL SAFE COST 10;
COMMENT ON FUNCTION pgml.predict_label(text, boolean[]) IS 'the predicted class label of the deployed classification model of a project, as text: a text label as it was trained, true/false for boolean labels, the number otherwise';
COMMENT ON FUNCTION pgml.predict_label(bigint, boolean[]) IS 'the predicted class label of a classification model by id, as text';
-- part 35: deploys and the PostgresML-shaped views of projects and models.

CREATE FUNCTION pgml.deploy(project_name text, strategy text DEFAULT 'best_score',
                            algorithm text DEFAULT NULL)
RETURNS TABLE (project text, strategy text, algorithm text)
    AS 'MODULE_PATHNAME', 'pgml_deploy' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.deploy(text, text, text) IS
    'deploy a model of a project: best_score (r2 or f1, as numbers), most_recent or rollback, optionally of one algorithm; published when the transaction commits';

CREATE FUNCTION pgml.deploy(model_id bigint)
RETURNS TABLE (project text, strategy text, algorithm text)
    AS 'MODULE_PATHNAME', 'pgml_deploy_by_id' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION pgml.deploy(bigint) IS
    'deploy a model by id for its project; published when the transaction commits';

CREATE VIEW pgml.deployed_models AS
    SELECT m.id, p.name, p.task, m.algorithm, d.created_at AS deployed_at
      FROM pgml.projects p
      JOIN (SELECT DISTINCT ON (project_id) project_id, model_id, created_at
              FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.project_id = p.id
      JOIN pgml.models m ON m.id = d.model_id
     ORDER BY p.name;
COMMENT ON VIEW pgml.deployed_models IS 'the model each project serves';

CREATE VIEW pgml.trained_models AS
    SELECT m.id, p.name, p.task, m.algorithm, m.created_at, m.test_sampling, m.test_size,
           d.model_id IS NOT NULL AS deployed
      FROM pgml.projects p
      JOIN pgml.models m ON m.project_id = p.id
      LEFT JOIN (SELECT DISTINCT ON (project_id) project_id, model_id
                   FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.model_id = m.id
     ORDER BY m.created_at DESC, m.id DESC;
COMMENT ON VIEW pgml.trained_models IS 'every model, and whether its project serves it';

CREATE VIEW pgml.overview AS
    SELECT p.name, d.created_at AS deployed_at, p.task, m.algorithm, m.relation_name,
           m.y_column_name, m.test_sampling, m.test_size
      FROM pgml.projects p
      JOIN (SELECT DISTINCT ON (project_id) project_id, model_id, created_at
              FROM pgml.deployments ORDER BY project_id, id DESC) d ON d.project_id = p.id
      JOIN pgml.models m ON m.id = d.model_id
     ORDER BY d.created_at DESC;
COMMENT ON VIEW pgml.overview IS 'each project with its deployed model and what it was trained on';

GRANT SELECT ON pgml.deployed_models, pgml.trained_models, pgml.overview TO PUBLIC;
-- pgml_worker install script, part 40: vector functions (src/vector.c).
--
-- Every function exists for real[] and for double precision[]; real[] input
-- gives real results.  A vector is a one-dimensional array without NULL
-- elements; vectors of different lengths are an error (PostgresML silently
-- truncates).  docs/vector.md documents the semantics and the accuracy.
-- Integer or numeric arrays need a cast (::real[] or ::float8[]): with both
-- overloads candidates, PostgreSQL cannot choose one and says so.

-- Element-wise arithmetic of two vectors of the same length.

CREATE FUNCTION pgml.add(vector real[], addend real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_add'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.add(real[], real[]) IS
    'element-wise sum of two vectors of the same length';

CREATE FUNCTION pgml.add(vector double precision[], addend double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_add'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.add(double precision[], double precision[]) IS
    'element-wise sum of two vectors of the same length';

CREATE FUNCTION pgml.subtract(minuend real[], subtrahend real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_subtract'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.subtract(real[], real[]) IS
    'element-wise difference of two vectors of the same length';

CREATE FUNCTION pgml.subtract(minuend double precision[], subtrahend double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_subtract'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.subtract(double precision[], double precision[]) IS
    'element-wise difference of two vectors of the same length';

CREATE FUNCTION pgml.multiply(vector real[], multiplicand real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_multiply'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.multiply(real[], real[]) IS
    'element-wise product of two vectors of the same length';

CREATE FUNCTION pgml.multiply(vector double precision[], multiplicand double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_multiply'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.multiply(double precision[], double precision[]) IS
    'element-wise product of two vectors of the same length';

CREATE FUNCTION pgml.divide(dividend real[], divisor real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_divide'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.divide(real[], real[]) IS
    'element-wise quotient of two vectors of the same length (IEEE: x/0 is Infinity)';

CREATE FUNCTION pgml.divide(dividend double precision[], divisor double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_divide'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.divide(double precision[], double precision[]) IS
    'element-wise quotient of two vectors of the same length (IEEE: x/0 is Infinity)';

-- Arithmetic of a vector and a scalar.

CREATE FUNCTION pgml.add(vector real[], addend real) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_add_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.add(real[], real) IS
    'adds a scalar to every element of a vector';

CREATE FUNCTION pgml.add(vector double precision[], addend double precision) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_add_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.add(double precision[], double precision) IS
    'adds a scalar to every element of a vector';

CREATE FUNCTION pgml.subtract(minuend real[], subtrahend real) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_subtract_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.subtract(real[], real) IS
    'subtracts a scalar from every element of a vector';

CREATE FUNCTION pgml.subtract(minuend double precision[], subtrahend double precision) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_subtract_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.subtract(double precision[], double precision) IS
    'subtracts a scalar from every element of a vector';

CREATE FUNCTION pgml.multiply(vector real[], multiplicand real) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_multiply_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.multiply(real[], real) IS
    'multiplies every element of a vector by a scalar';

CREATE FUNCTION pgml.multiply(vector double precision[], multiplicand double precision) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_multiply_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.multiply(double precision[], double precision) IS
    'multiplies every element of a vector by a scalar';

CREATE FUNCTION pgml.divide(dividend real[], divisor real) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_divide_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.divide(real[], real) IS
    'divides every element of a vector by a scalar (IEEE: x/0 is Infinity)';

CREATE FUNCTION pgml.divide(dividend double precision[], divisor double precision) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_divide_scalar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.divide(double precision[], double precision) IS
    'divides every element of a vector by a scalar (IEEE: x/0 is Infinity)';

-- Norms (accumulated in double precision).

CREATE FUNCTION pgml.norm_l0(vector real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l0'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l0(real[]) IS
    'number of non-zero elements of a vector';

CREATE FUNCTION pgml.norm_l0(vector double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l0'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l0(double precision[]) IS
    'number of non-zero elements of a vector';

CREATE FUNCTION pgml.norm_l1(vector real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l1(real[]) IS
    'L1 norm of a vector: the sum of absolute values';

CREATE FUNCTION pgml.norm_l1(vector double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l1(double precision[]) IS
    'L1 norm of a vector: the sum of absolute values';

CREATE FUNCTION pgml.norm_l2(vector real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l2(real[]) IS
    'L2 norm of a vector: its Euclidean length';

CREATE FUNCTION pgml.norm_l2(vector double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_l2(double precision[]) IS
    'L2 norm of a vector: its Euclidean length';

CREATE FUNCTION pgml.norm_max(vector real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_max'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_max(real[]) IS
    'max norm of a vector: the largest absolute value (NaN if any element is NaN)';

CREATE FUNCTION pgml.norm_max(vector double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_norm_max'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.norm_max(double precision[]) IS
    'max norm of a vector: the largest absolute value (NaN if any element is NaN)';

-- Normalization: the vector divided by its norm; an all-zero vector is returned unchanged.

CREATE FUNCTION pgml.normalize_l1(vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_l1(real[]) IS
    'the vector divided by its L1 norm (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_l1(vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_l1(double precision[]) IS
    'the vector divided by its L1 norm (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_l2(vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_l2(real[]) IS
    'the vector divided by its L2 norm, a unit vector (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_l2(vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_l2(double precision[]) IS
    'the vector divided by its L2 norm, a unit vector (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_max(vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_max'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_max(real[]) IS
    'the vector divided by its largest absolute value (an all-zero vector is returned unchanged)';

CREATE FUNCTION pgml.normalize_max(vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_normalize_max'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.normalize_max(double precision[]) IS
    'the vector divided by its largest absolute value (an all-zero vector is returned unchanged)';

-- Distances and similarities of two vectors of the same length.

CREATE FUNCTION pgml.distance_l1(vector real[], other real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_distance_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.distance_l1(real[], real[]) IS
    'L1 (Manhattan) distance between two vectors of the same length';

CREATE FUNCTION pgml.distance_l1(vector double precision[], other double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_distance_l1'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.distance_l1(double precision[], double precision[]) IS
    'L1 (Manhattan) distance between two vectors of the same length';

CREATE FUNCTION pgml.distance_l2(vector real[], other real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_distance_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.distance_l2(real[], real[]) IS
    'L2 (Euclidean) distance between two vectors of the same length';

CREATE FUNCTION pgml.distance_l2(vector double precision[], other double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_distance_l2'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.distance_l2(double precision[], double precision[]) IS
    'L2 (Euclidean) distance between two vectors of the same length';

CREATE FUNCTION pgml.dot_product(vector real[], other real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_dot_product'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.dot_product(real[], real[]) IS
    'dot product of two vectors of the same length (0 for two empty vectors)';

CREATE FUNCTION pgml.dot_product(vector double precision[], other double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_dot_product'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.dot_product(double precision[], double precision[]) IS
    'dot product of two vectors of the same length (0 for two empty vectors)';

CREATE FUNCTION pgml.cosine_similarity(vector real[], other real[]) RETURNS real
    AS 'MODULE_PATHNAME', 'pgml_vector_cosine_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.cosine_similarity(real[], real[]) IS
    'cosine of the angle between two vectors of the same length, in [-1, 1]; NaN if either is all zeros';

CREATE FUNCTION pgml.cosine_similarity(vector double precision[], other double precision[]) RETURNS double precision
    AS 'MODULE_PATHNAME', 'pgml_vector_cosine_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.cosine_similarity(double precision[], double precision[]) IS
    'cosine of the angle between two vectors of the same length, in [-1, 1]; NaN if either is all zeros';

-- Element-wise aggregates over rows of vectors of the same length.  NULL rows
-- are skipped; no row gives NULL.  Each transition function is also the
-- combine function, so the aggregates run in parallel plans.  pgml.sum
-- accumulates in double precision for both types.

CREATE FUNCTION pgml._vector_sum_step(state double precision[], vector real[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_sum_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_sum_step(double precision[], real[]) IS
    'transition function of pgml.sum(real[])';

CREATE FUNCTION pgml._vector_sum_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_sum_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_sum_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.sum';

CREATE FUNCTION pgml._vector_sum_final(state double precision[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_sum_final_real'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_sum_final(double precision[]) IS
    'final function of pgml.sum(real[]): rounds the double precision sums to real';

CREATE AGGREGATE pgml.sum(real[]) (
    SFUNC = pgml._vector_sum_step,
    STYPE = double precision[],
    FINALFUNC = pgml._vector_sum_final,
    COMBINEFUNC = pgml._vector_sum_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.sum(real[]) IS
    'element-wise sum of vectors, accumulated in double precision';

CREATE AGGREGATE pgml.sum(double precision[]) (
    SFUNC = pgml._vector_sum_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_sum_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.sum(double precision[]) IS
    'element-wise sum of vectors';

CREATE FUNCTION pgml._vector_min_step(state real[], vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_min_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_min_step(real[], real[]) IS
    'transition and combine function of pgml.min(real[])';

CREATE FUNCTION pgml._vector_min_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_min_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_min_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.min(double precision[])';

CREATE AGGREGATE pgml.min(real[]) (
    SFUNC = pgml._vector_min_step,
    STYPE = real[],
    COMBINEFUNC = pgml._vector_min_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.min(real[]) IS
    'element-wise minimum of vectors (NaN only where every row is NaN)';

CREATE AGGREGATE pgml.min(double precision[]) (
    SFUNC = pgml._vector_min_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_min_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.min(double precision[]) IS
    'element-wise minimum of vectors (NaN only where every row is NaN)';

CREATE FUNCTION pgml._vector_max_step(state real[], vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_max_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_max_step(real[], real[]) IS
    'transition and combine function of pgml.max(real[])';

CREATE FUNCTION pgml._vector_max_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_max_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_max_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.max(double precision[])';

CREATE AGGREGATE pgml.max(real[]) (
    SFUNC = pgml._vector_max_step,
    STYPE = real[],
    COMBINEFUNC = pgml._vector_max_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.max(real[]) IS
    'element-wise maximum of vectors (NaN is larger than any number)';

CREATE AGGREGATE pgml.max(double precision[]) (
    SFUNC = pgml._vector_max_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_max_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.max(double precision[]) IS
    'element-wise maximum of vectors (NaN is larger than any number)';

CREATE FUNCTION pgml._vector_min_abs_step(state real[], vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_min_abs_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_min_abs_step(real[], real[]) IS
    'transition and combine function of pgml.min_abs(real[])';

CREATE FUNCTION pgml._vector_min_abs_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_min_abs_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_min_abs_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.min_abs(double precision[])';

CREATE AGGREGATE pgml.min_abs(real[]) (
    SFUNC = pgml._vector_min_abs_step,
    STYPE = real[],
    COMBINEFUNC = pgml._vector_min_abs_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.min_abs(real[]) IS
    'element-wise minimum of the absolute values of vectors';

CREATE AGGREGATE pgml.min_abs(double precision[]) (
    SFUNC = pgml._vector_min_abs_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_min_abs_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.min_abs(double precision[]) IS
    'element-wise minimum of the absolute values of vectors';

CREATE FUNCTION pgml._vector_max_abs_step(state real[], vector real[]) RETURNS real[]
    AS 'MODULE_PATHNAME', 'pgml_vector_max_abs_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_max_abs_step(real[], real[]) IS
    'transition and combine function of pgml.max_abs(real[])';

CREATE FUNCTION pgml._vector_max_abs_step(state double precision[], vector double precision[]) RETURNS double precision[]
    AS 'MODULE_PATHNAME', 'pgml_vector_max_abs_step'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION pgml._vector_max_abs_step(double precision[], double precision[]) IS
    'transition and combine function of pgml.max_abs(double precision[])';

CREATE AGGREGATE pgml.max_abs(real[]) (
    SFUNC = pgml._vector_max_abs_step,
    STYPE = real[],
    COMBINEFUNC = pgml._vector_max_abs_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.max_abs(real[]) IS
    'element-wise maximum of the absolute values of vectors';

CREATE AGGREGATE pgml.max_abs(double precision[]) (
    SFUNC = pgml._vector_max_abs_step,
    STYPE = double precision[],
    COMBINEFUNC = pgml._vector_max_abs_step,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pgml.max_abs(double precision[]) IS
    'element-wise maximum of the absolute values of vectors';
-- part 50: the native XGBoost predictor (a reference for tests and benchmarks)
-- and the export of a model as XGBoost's own bytes.
-- It lives in pgml_train.so (XGBoost is never loaded into pgml_worker.so).

CREATE FUNCTION pgml.predict_native(model_id bigint, features real[]) RETURNS real[]
    AS '$libdir/pgml_train', 'pgml_predict_native'
    LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION pgml.predict_native(bigint, real[]) IS
    'test/benchmark reference: XGBoost''s own prediction for one row (class probabilities, or the value), from the booster bytes of the model''s artifact, loaded once per connection; NULL elements are missing values';

CREATE FUNCTION pgml.export_model(project_name text, format text DEFAULT 'ubj') RETURNS bytea
    AS '$libdir/pgml_train', 'pgml_export_model'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.export_model(text, text) IS
    'the XGBoost booster of the project''s deployed model, as stock XGBoost (1.6 or later) loads it (Booster(model_file=bytearray(...))): format ubj (as stored) or json';

CREATE FUNCTION pgml.export_model(model_id bigint, format text DEFAULT 'ubj') RETURNS bytea
    AS '$libdir/pgml_train', 'pgml_export_model_by_id'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.export_model(bigint, text) IS
    'the XGBoost booster of a model, as stock XGBoost (1.6 or later) loads it (Booster(model_file=bytearray(...))): format ubj (as stored) or json';
-- part 60: pgml.stat_* views, in the style of pg_stat_*.

CREATE FUNCTION pgml._stat_models(
    OUT dbid oid, OUT project text, OUT model_id bigint, OUT algorithm text,
    OUT bytes bigint, OUT generation bigint, OUT loads bigint,
    OUT predict_calls bigint, OUT rows_predicted bigint,
    OUT published_at timestamptz)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pgml_stat_models' LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE VIEW pgml.stat_models AS
    SELECT s.dbid, d.datname, s.project, s.model_id, s.algorithm, s.bytes,
           s.generation, s.loads, s.predict_calls, s.rows_predicted,
           s.published_at
      FROM pgml._stat_models() s
      LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid;
COMMENT ON VIEW pgml.stat_models IS
    'one row per model image published in shared memory (project is NULL for images published by model id); loads counts compilations from pgml.models';

CREATE FUNCTION pgml._stat_worker(
    OUT pid integer, OUT database text, OUT state text, OUT job_id bigint,
    OUT rounds_done integer, OUT rounds_total integer,
    OUT jobs_succeeded bigint, OUT jobs_failed bigint, OUT jobs_cancelled bigint,
    OUT started_at timestamptz, OUT last_job_at timestamptz)
RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pgml_stat_worker' LANGUAGE C VOLATILE PARALLEL SAFE;

CREATE VIEW pgml.stat_worker AS SELECT * FROM pgml._stat_worker();
COMMENT ON VIEW pgml.stat_worker IS
    'the training worker: state (stopped, idle, training), the job and round it is on, and job counts since it started';

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

GRANT SELECT ON pgml.stat_models, pgml.stat_worker, pgml.stat_queue TO PUBLIC;
