-- part 20: the training queue's rules: who may queue, see and cancel what,
-- and the commit-time wake-up of the worker.

-- The row triggers are C (queue.c): they call no SQL function or operator,
-- so nothing on the inserting user's search_path runs inside them.  The
-- relation name is resolved once, as the inserting user sees it, and
-- stored qualified, so the worker reads exactly the relation the user meant.
CREATE FUNCTION pgml._train_queue_before_insert() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_queue_before_insert' LANGUAGE C;
CREATE FUNCTION pgml._train_queue_before_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgml_queue_before_update' LANGUAGE C;

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
-- id, queued_by, status and the result columns are the queue's, not the user's.
GRANT SELECT ON pgml.train_queue TO PUBLIC;
GRANT INSERT (project_name, task, relation_name, y_column_name, algorithm, hyperparams,
              test_size, test_sampling, search, search_params, search_args,
              automatic_deploy, preprocess) ON pgml.train_queue TO PUBLIC;
-- No UPDATE for PUBLIC: pgml.cancel_job() cancels (as the catalog identity),
-- so no role can hold a row lock on a job and make its worker wait.
-- Job ids come from the insert trigger (with no privilege on the sequence,
-- whose position would tell how many jobs every role has queued).
ALTER TABLE pgml.train_queue ALTER COLUMN id DROP DEFAULT;
REVOKE USAGE ON SEQUENCE pgml.train_queue_id_seq FROM PUBLIC;

CREATE FUNCTION pgml.cancel_job(job_id bigint) RETURNS text
    AS 'MODULE_PATHNAME', 'pgml_cancel_job' LANGUAGE C VOLATILE CALLED ON NULL INPUT;
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
