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
