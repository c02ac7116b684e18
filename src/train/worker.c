/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  A database worker of the job service: runs the queued jobs of one
 *	  database, then exits when idle.
 *
 * Started by the launcher (launcher.c, in pgml_worker.so) as a dynamic
 * background worker connected to one database, in a slot of the shared
 * state (queue.c) that names the database and the job; its code lives here
 * in pgml_train.so, so neither the postmaster nor the launcher loads
 * XGBoost or OpenBLAS.
 *
 * Start: fail the jobs of this database left 'running' by a worker that
 * died (server crash, restart, worker exit), except those a live worker of
 * the database runs; exit at once if the extension is not installed here.
 * Loop: claim a job (FOR UPDATE SKIP LOCKED, roles taking turns: the role with the fewest
 * running jobs first, then the oldest job; committed as 'running' so users
 * see it), ask the launcher for another worker if more jobs are queued, run
 * the job in a transaction of its own as the role that queued it; then give
 * the slot up if another database waits for one, or wait for the next
 * commit (queue.c sets the latch) and exit after pgml_worker.naptime with
 * nothing to do, so that an idle worker never holds a slot long nor blocks
 * DROP DATABASE.
 *
 * A job ends in exactly one of: succeeded (model stored, status updated in
 * the same transaction), failed (the error message recorded), cancelled.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "pgml_job.h"
#include "pgml_worker.h"

/* pgml_train.so is a library of its own: this is its magic block. */
PG_MODULE_MAGIC;

PGDLLEXPORT void pgml_worker_main(Datum arg);

static MemoryContext job_context = NULL;

/* Set this worker's phase (pgml.stat_worker, the launcher's scheduling). */
static void
set_phase(PgmlWorkerPhase phase)
{
	SpinLockAcquire(&pgml_worker_state->mutex);
	pgml_worker_state->phase = phase;
	SpinLockRelease(&pgml_worker_state->mutex);
}

/*
 * on_shmem_exit: free the slot, so nobody sets a dead process's latch and
 * the launcher may start another worker (a job still held gets a worker to
 * fail it: queue.c).
 */
static void
worker_exit(int code, Datum arg)
{
	pgml_queue_release_slot(pgml_worker_state, DatumGetUInt32(arg));
}

/* The extension's oid in this database, or InvalidOid if absent. */
static Oid
extension_present(void)
{
	return get_extension_oid("pgml_worker", true);
}

/*
 * The lock that orders claims and recovery in this database: a claim holds
 * it (RowExclusiveLock) until its 'running' row and its slot's job are both
 * set, recovery (ShareLock) sees every committed claim in a live slot.
 */
static void
lock_claims(Oid extoid, LOCKMODE mode)
{
	LockDatabaseObject(ExtensionRelationId, extoid, 1, mode);
}

/*
 * Mark jobs of this database left 'running' by a worker that is gone as
 * failed, with the reason; a job a live worker of this database runs is
 * kept.  Every worker does this when it starts (the first one after a
 * server start finds the jobs the restart interrupted).  False if the
 * extension is not installed here.
 */
static bool
recover_running_jobs(void)
{
	Oid			extoid;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pgml_worker: recovering interrupted jobs");
	extoid = extension_present();
	if (OidIsValid(extoid))
	{
		Datum	   *live = palloc(sizeof(Datum) * pgml_queue_shared->nslots);
		int			nlive = 0;
		Oid			argtypes[1] = {INT8ARRAYOID};
		Datum		args[1];
		int			ret;

		lock_claims(extoid, ShareLock);
		for (int i = 0; i < pgml_queue_shared->nslots; i++)
		{
			PgmlWorkerState *w = &pgml_queue_shared->slots[i];

			SpinLockAcquire(&w->mutex);
			if (w->phase != PGML_PHASE_FREE && w->dboid == MyDatabaseId &&
				w->current_job != 0)
				live[nlive++] = Int64GetDatum(w->current_job);
			SpinLockRelease(&w->mutex);
		}
		args[0] = PointerGetDatum(construct_array(live, nlive, INT8OID, 8,
												  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		ret = SPI_execute_with_args("UPDATE pgml.train_queue SET status = 'failed', "
									"error = 'the training worker stopped while this job was running "
									"(server crash, restart or worker exit); queue it again', "
									"finished_at = clock_timestamp() "
									"WHERE status = 'running' AND id <> ALL ($1)",
									1, argtypes, args, NULL, false, 0);
		if (ret == SPI_OK_UPDATE && SPI_processed > 0)
			ereport(LOG,
					(errmsg("pgml_worker marked %llu interrupted training job(s) as failed",
							(unsigned long long) SPI_processed)));
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	return OidIsValid(extoid);
}

/*
 * Claim a queued job; fills job (in job_context) and *more (other jobs are
 * queued).  False if none.  Fair across roles: the role with the fewest
 * running jobs first, then the oldest job; SKIP LOCKED lets workers of the
 * same database claim side by side.  The slot names the job before the
 * claim commits, so a cancellation or a recovery never misses it.
 */
static bool
claim_job(PgmlJob *job, bool *more, Oid prefer_role)
{
	bool		found = false;
	bool		requeued_before = false;
	Oid			extoid;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(prefer_role)};

	/*
	 * Forget the last posted cancellation: it was for a job that has ended,
	 * and job ids can come round again (TRUNCATE ... RESTART IDENTITY, a
	 * re-created extension).  A cancellation of the job claimed below can
	 * only be posted once its claim has committed, so none is lost here.
	 */
	pg_atomic_write_u64(&pgml_worker_state->cancel_job, 0);
	pg_atomic_write_u64(&pgml_worker_state->yield_job, 0);
	SpinLockAcquire(&pgml_worker_state->mutex);
	pgml_worker_state->yielded_before = false;
	SpinLockRelease(&pgml_worker_state->mutex);
	*more = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pgml_worker: claiming a job");

	extoid = extension_present();
	if (OidIsValid(extoid))
	{
		int			ret;
		TimestampTz now;

		lock_claims(extoid, RowExclusiveLock);
		/*
		 * A role's k-th oldest queued job has turn k plus the role's
		 * running jobs: the lowest turn goes first; among equal turns, the
		 * role served longest ago (its newest started_at, from an index),
		 * then the oldest job.  A worker freed for a role (queue_fair.c)
		 * takes that role's job first ($1; InvalidOid otherwise).  So roles take turns, one job each, oldest
		 * first per role, with one worker as with several; a role with jobs
		 * running waits behind those without.
		 */
		ret = SPI_execute_with_args("WITH running AS ("
						  "  SELECT r.queued_by::oid AS role, count(*) AS n FROM pgml.train_queue r "
						  "   WHERE r.status = 'running' GROUP BY r.queued_by), "
						  "queued AS ("
						  "  SELECT j.id, j.queued_by FROM pgml.train_queue j WHERE j.status = 'queued'), "
						  /* once per role, not per queued job: n queued jobs are not n^2 */
						  "served AS ("
						  "  SELECT r.queued_by, (SELECT max(s.started_at) FROM pgml.train_queue s "
						  "                        WHERE s.queued_by = r.queued_by) AS at "
						  "    FROM (SELECT DISTINCT queued_by FROM queued) r), "
						  "turns AS ("
						  "  SELECT q.id, coalesce(running.n, 0) + row_number() OVER "
						  "         (PARTITION BY q.queued_by ORDER BY q.id) AS turn, "
						  "         served.at AS served "
						  "    FROM queued q "
						  "    LEFT JOIN running ON running.role = q.queued_by::oid "
						  "    LEFT JOIN served ON served.queued_by = q.queued_by), "
						  "c AS ("
						  "  SELECT j.id, j.error IS NOT NULL AS requeued "
						  "    FROM pgml.train_queue j JOIN turns t ON t.id = j.id "
						  "   WHERE j.status = 'queued' "
						  "   ORDER BY j.queued_by::oid = $1 DESC, t.turn, t.served NULLS FIRST, j.id "
						  "   LIMIT 1 FOR UPDATE OF j SKIP LOCKED) "
						  "UPDATE pgml.train_queue q SET status = 'running', "
						  "started_at = clock_timestamp(), error = NULL "
						  "FROM c WHERE q.id = c.id "
						  "RETURNING q.id, q.project_name, q.task, q.relation_name, "
						  "q.y_column_name, q.algorithm, q.hyperparams, q.test_size, "
						  "q.queued_by::oid, q.test_sampling, q.search, q.search_params, "
						  "q.search_args, q.automatic_deploy, q.preprocess, "
						  "(SELECT count(*) > 1 FROM pgml.train_queue m WHERE m.status = 'queued'), "
						  "c.requeued",
						  1, argtypes, args, NULL, false, 1);
		if (ret != SPI_OK_UPDATE_RETURNING)
			elog(ERROR, "could not claim a job: %s", SPI_result_code_string(ret));
		if (SPI_processed == 1)
		{
			HeapTuple	tup = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			MemoryContext old = MemoryContextSwitchTo(job_context);
			bool		isnull;
			Datum		d;

			memset(job, 0, sizeof(*job));
			job->job_id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			job->project_name = SPI_getvalue(tup, desc, 2);
			job->task = SPI_getvalue(tup, desc, 3);
			job->relation_name = SPI_getvalue(tup, desc, 4);
			job->y_column_name = SPI_getvalue(tup, desc, 5);
			job->algorithm = SPI_getvalue(tup, desc, 6);
			d = SPI_getbinval(tup, desc, 7, &isnull);
			job->hyperparams = isnull ? NULL : DatumGetJsonbPCopy(d);
			d = SPI_getbinval(tup, desc, 8, &isnull);
			job->test_size = isnull ? 0.25 : DatumGetFloat4(d);
			job->role = DatumGetObjectId(SPI_getbinval(tup, desc, 9, &isnull));
			job->test_sampling = SPI_getvalue(tup, desc, 10);
			job->search = SPI_getvalue(tup, desc, 11);
			d = SPI_getbinval(tup, desc, 12, &isnull);
			job->search_params = isnull ? NULL : DatumGetJsonbPCopy(d);
			d = SPI_getbinval(tup, desc, 13, &isnull);
			job->search_args = isnull ? NULL : DatumGetJsonbPCopy(d);
			d = SPI_getbinval(tup, desc, 14, &isnull);
			job->automatic_deploy = isnull ? true : DatumGetBool(d);
			d = SPI_getbinval(tup, desc, 15, &isnull);
			job->preprocess = isnull ? NULL : DatumGetJsonbPCopy(d);
			d = SPI_getbinval(tup, desc, 16, &isnull);
			*more = !isnull && DatumGetBool(d);
			/* a queued job has no error, unless it was put back (requeue()) */
			d = SPI_getbinval(tup, desc, 17, &isnull);
			requeued_before = !isnull && DatumGetBool(d);
			MemoryContextSwitchTo(old);
			found = true;

			now = GetCurrentTimestamp();
			SpinLockAcquire(&pgml_worker_state->mutex);
			pgml_worker_state->current_job = job->job_id;
			pgml_worker_state->current_role = job->role;
			pgml_worker_state->rounds_done = 0;
			pgml_worker_state->rounds_total = 0;
			pgml_worker_state->job_started_at = now;
			pgml_worker_state->yielded_before = requeued_before;
			SpinLockRelease(&pgml_worker_state->mutex);
			pgml_queue_role_served(MyDatabaseId, job->role);
		}
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	return found;
}

/*
 * Run an UPDATE of pgml.train_queue in a transaction of its own (after a
 * job's transaction was aborted); returns the rows it changed.
 */
static uint64
update_in_own_xact(const char *sql, int nargs, Oid *argtypes, Datum *args)
{
	uint64		n;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_execute_with_args(sql, nargs, argtypes, args, NULL, false, 0);
	n = SPI_processed;
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	return n;
}

/* Record the end of a job in its own transaction (after a failure). */
static void
finish_failed(int64 job_id, const char *status, const char *error)
{
	Oid			argtypes[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		args[3];

	args[0] = Int64GetDatum(job_id);
	args[1] = CStringGetTextDatum(status);
	args[2] = CStringGetTextDatum(error);
	/* a job the user already cancelled keeps its status */
	(void) update_in_own_xact("UPDATE pgml.train_queue SET status = $2, error = $3, "
							  "finished_at = clock_timestamp() "
							  "WHERE id = $1 AND status = 'running'",
							  3, argtypes, args);
}

/*
 * Put a job back in the queue (queue_fair.c took its worker for another
 * role): 'queued' again, with its id and queued_at, so it keeps its place
 * among its role's jobs.  Unless the user cancelled it meanwhile.
 */
static bool
requeue(int64 job_id, Oid for_role)
{
	Oid			argtypes[2] = {INT8OID, OIDOID};
	Datum		args[2];

	args[0] = Int64GetDatum(job_id);
	args[1] = ObjectIdGetDatum(for_role);
	/* the trace of it, until the job runs again (and its only marker) */
	return update_in_own_xact("UPDATE pgml.train_queue SET status = 'queued', "
							  "error = 'put back in the queue to free a worker for role ' "
							  "|| $2::pg_catalog.regrole::pg_catalog.text "
							  "|| '; it runs again from the start', "
							  "progress = NULL, started_at = NULL "
							  "WHERE id = $1 AND status = 'running'",
							  2, argtypes, args) == 1;
}

/* Set what pgml.stat_worker shows about the current job. */
static void
state_set_job(int64 job_id, Oid role, bool finished, const char *outcome)
{
	PgmlQueueShared *q = pgml_queue_shared;
	PgmlWorkerState *w = pgml_worker_state;
	uint64	   *count;
	uint64	   *total;
	TimestampTz now = GetCurrentTimestamp();

	SpinLockAcquire(&w->mutex);
	w->phase = finished ? PGML_PHASE_CLAIMING : PGML_PHASE_TRAINING;
	w->current_job = finished ? 0 : job_id;
	w->current_role = finished ? InvalidOid : role;
	w->rounds_done = 0;
	w->rounds_total = 0;
	if (finished && strcmp(outcome, "requeued") == 0)
	{
		/* not an outcome: the job runs again */
		SpinLockRelease(&w->mutex);
		return;
	}
	if (finished)
	{
		w->last_job_at = now;
		count = strcmp(outcome, "succeeded") == 0 ? &w->jobs_succeeded :
			strcmp(outcome, "cancelled") == 0 ? &w->jobs_cancelled : &w->jobs_failed;
		(*count)++;
	}
	SpinLockRelease(&w->mutex);
	if (!finished)
	{
		Latch	   *latch = NULL;

		/*
		 * A role may have queued a job while this worker was claiming
		 * another: the launcher looks again whether it should have a worker
		 * back (queue_fair.c).
		 */
		SpinLockAcquire(&q->mutex);
		if (q->nwaiting > 0)
			latch = q->launcher_latch;
		SpinLockRelease(&q->mutex);
		if (latch)
			SetLatch(latch);
		return;
	}
	SpinLockAcquire(&q->mutex);
	total = strcmp(outcome, "succeeded") == 0 ? &q->jobs_succeeded :
		strcmp(outcome, "cancelled") == 0 ? &q->jobs_cancelled : &q->jobs_failed;
	(*total)++;
	SpinLockRelease(&q->mutex);
}

/*
 * SIGUSR2, sent by a backend of this database whose pgml.cancel_job() has
 * committed (queue.c): if the cancelled job is the one running here,
 * interrupt it as a query cancel would, so that a job waiting for a lock or
 * in a slow read stops at once instead of at its next check between rounds.  A signal
 * about any other job (one that has already ended) only sets the latch.
 */
static void
worker_cancel_handler(SIGNAL_ARGS)
{
	int			save_errno = errno;
	int64		job = pgml_current_job_id;

	if (job != 0 &&
		(pg_atomic_read_u64(&pgml_worker_state->cancel_job) == (uint64) job ||
		 pg_atomic_read_u64(&pgml_worker_state->yield_job) == (uint64) job))
	{
		QueryCancelPending = true;
		InterruptPending = true;
	}
	SetLatch(MyLatch);
	errno = save_errno;
}

/*
 * The worker's session settings: nothing it runs on its own account
 * resolves a name through a schema a user can create objects in (relation
 * names in the queue are stored qualified).
 */
static void
session_settings(void)
{
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_SESSION);
}

/*
 * After each job, the session is as clean as a new one, whatever the job's
 * code did (a function of a view it read runs as the queueing role): its
 * session advisory locks are released, settings reset, temporary objects
 * dropped, LISTENs and cached plans forgotten, as DISCARD ALL does.
 */
static void
session_reset(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	ResetAllOptions();
	session_settings();
	Async_UnlistenAll();
	LockReleaseAll(USER_LOCKMETHOD, true);
	ResetPlanCache();
	ResetTempTableNamespace();
	ResetSequenceCaches();
	CommitTransactionCommand();
}

/* ---- a job's limits: the statement_timeout and lock_timeout of its role ---- */

static TimeoutId job_timeout_id = MAX_TIMEOUTS;
static volatile sig_atomic_t job_timed_out = false;
static int	job_limit_ms = 0;
static char job_role_name[NAMEDATALEN];

/* Timeout handler: the job ran out of time; interrupt it as a cancel would. */
static void
job_timeout_handler(void)
{
	job_timed_out = true;
	QueryCancelPending = true;
	InterruptPending = true;
	SetLatch(MyLatch);
}

/*
 * In the job's transaction: take the statement_timeout and lock_timeout the
 * queueing role would have in its own session here (its settings for this
 * database, for every database, this database's, then the server's, in
 * PostgreSQL's order of precedence), else pgml_worker.job_timeout and
 * pgml_worker.lock_timeout; set lock_timeout for the transaction, and arm
 * the job's own timer for the time limit (a background worker has no
 * statement timer).
 */
static void
job_limits_begin(const PgmlJob *job)
{
	Oid			argtypes[2] = {OIDOID, OIDOID};
	Datum		args[2] = {ObjectIdGetDatum(job->role), ObjectIdGetDatum(MyDatabaseId)};
	char	   *statement = NULL;
	char	   *lock = NULL;
	char	   *name = GetUserNameFromId(job->role, true);

	/* for the error message, which is made outside any transaction */
	strlcpy(job_role_name, name ? name : "?", NAMEDATALEN);
	SPI_connect();
	if (SPI_execute_with_args("SELECT c FROM pg_catalog.pg_db_role_setting s, "
							  "LATERAL pg_catalog.unnest(s.setconfig) c "
							  "WHERE s.setrole IN (0, $1) AND s.setdatabase IN (0, $2) "
							  "ORDER BY CASE WHEN s.setrole = 0 AND s.setdatabase = 0 THEN 0 "
							  "WHEN s.setrole = 0 THEN 1 WHEN s.setdatabase = 0 THEN 2 ELSE 3 END",
							  2, argtypes, args, NULL, true, 0) == SPI_OK_SELECT)
	{
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			char	   *c = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

			if (strncmp(c, "statement_timeout=", 18) == 0)
				statement = pstrdup(c + 18);
			else if (strncmp(c, "lock_timeout=", 13) == 0)
				lock = pstrdup(c + 13);
		}
	}
	SPI_finish();

	/* GUC_ACTION_LOCAL: gone when the job's transaction ends */
	if (statement != NULL)
		(void) set_config_option("statement_timeout", statement, PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	if (lock != NULL)
		(void) set_config_option("lock_timeout", lock, PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	/* as for the time limit: a role's 0 (no limit) takes the server's default */
	if (LockTimeout == 0 && pgml_lock_timeout > 0)
		(void) set_config_option("lock_timeout", psprintf("%d", pgml_lock_timeout),
								 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);

	job_limit_ms = StatementTimeout > 0 ? StatementTimeout : pgml_job_timeout;
	/* the job's own timer stands for the statement timer, never both */
	(void) set_config_option("statement_timeout", "0", PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	job_timed_out = false;
	if (job_timeout_id == MAX_TIMEOUTS)
		job_timeout_id = RegisterTimeout(USER_TIMEOUT, job_timeout_handler);
	if (job_limit_ms > 0)
		enable_timeout_after(job_timeout_id, job_limit_ms);
}

/* Disarm the job's timer. */
static void
job_limits_end(void)
{
	if (job_timeout_id != MAX_TIMEOUTS)
		disable_timeout(job_timeout_id, false);
}

/* Run one claimed job to its end state. */
static bool
run_job(PgmlJob *job)
{
	MemoryContext old;
	const char *volatile outcome = "succeeded";
	volatile bool requeued = false;

	state_set_job(job->job_id, job->role, false, NULL);
	pgml_current_job_id = job->job_id;
	pg_compiler_barrier();
	/* a cancel posted between the claim's commit and now interrupts at once */
	if (pg_atomic_read_u64(&pgml_worker_state->cancel_job) == (uint64) job->job_id ||
		pg_atomic_read_u64(&pgml_worker_state->yield_job) == (uint64) job->job_id)
	{
		QueryCancelPending = true;
		InterruptPending = true;
	}

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING,
						   psprintf("pgml_worker: training job %lld (project \"%s\")",
									(long long) job->job_id, job->project_name));
	old = CurrentMemoryContext;
	PG_TRY();
	{
		PgmlJobResult res;
		Oid			argtypes[3] = {INT8OID, INT8OID, BOOLOID};
		Datum		args[3];
		int			ret;

		job_limits_begin(job);
		pgml_job_run(job, &res);

		args[0] = Int64GetDatum(job->job_id);
		args[1] = Int64GetDatum(res.model_id);
		args[2] = BoolGetDatum(res.deployed);
		SPI_connect();
		ret = SPI_execute_with_args("UPDATE pgml.train_queue SET status = 'succeeded', "
									"model_id = $2, deployed = $3, progress = 1, "
									"finished_at = clock_timestamp() "
									"WHERE id = $1 AND status = 'running'",
									3, argtypes, args, NULL, false, 0);
		if (ret != SPI_OK_UPDATE)
			elog(ERROR, "could not record the end of job %lld", (long long) job->job_id);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("training job %lld was cancelled", (long long) job->job_id)));
		SPI_finish();
		PopActiveSnapshot();
		job_limits_end();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *msg;
		Oid			for_role;

		/* the job is over: a cancel signal from now on must not interrupt */
		job_limits_end();
		pgml_current_job_id = 0;
		pg_compiler_barrier();
		MemoryContextSwitchTo(job_context);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		QueryCancelPending = false;

		SpinLockAcquire(&pgml_worker_state->mutex);
		for_role = pgml_worker_state->yield_for_role;
		SpinLockRelease(&pgml_worker_state->mutex);
		outcome = edata->sqlerrcode == ERRCODE_QUERY_CANCELED ? "cancelled" : "failed";
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED && !job_timed_out &&
			pg_atomic_read_u64(&pgml_worker_state->cancel_job) != (uint64) job->job_id &&
			pg_atomic_read_u64(&pgml_worker_state->yield_job) == (uint64) job->job_id &&
			requeue(job->job_id, for_role))
		{
			/* its worker goes to a role that had none (queue_fair.c) */
			outcome = "requeued";
			requeued = true;
			ereport(LOG,
					(errmsg("pgml_worker: training job %lld went back to the queue",
							(long long) job->job_id)));
		}
		else
		{
			if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED && job_timed_out)
			{
				outcome = "failed";
				msg = psprintf("training job %lld ran longer than its time limit of %d ms "
							   "(the statement_timeout of role %s, else pgml_worker.job_timeout)",
							   (long long) job->job_id, job_limit_ms, job_role_name);
			}
			else if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED &&
					 pg_atomic_read_u64(&pgml_worker_state->cancel_job) == (uint64) job->job_id)
				msg = psprintf("training job %lld was cancelled", (long long) job->job_id);
			else
				msg = edata->detail ? psprintf("%s: %s", edata->message, edata->detail)
					: pstrdup(edata->message);
			ereport(LOG,
					(errmsg("pgml_worker: training job %lld %s: %s",
							(long long) job->job_id, outcome, msg)));
			finish_failed(job->job_id, outcome, msg);
		}
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);

	pgml_current_job_id = 0;
	pg_compiler_barrier();
	/* a cancel signalled as the job ended has nothing left to cancel */
	QueryCancelPending = false;
	state_set_job(job->job_id, InvalidOid, true, outcome);
	pgstat_report_activity(STATE_IDLE, NULL);
	return requeued;
}

/*
 * A database in the launcher's list of prepared queue INSERTs (queue.c) is
 * looked at every naptime until none of its prepared transactions is left:
 * then take it off the list, and return true: the caller claims once more,
 * since the last of them may have committed a job since its last claim.
 */
static bool
prepared_check(void)
{
	bool		listed = false;
	bool		done = false;
	int			ret;

	SpinLockAcquire(&pgml_queue_shared->mutex);
	for (int i = 0; i < pgml_queue_shared->nprepared && !listed; i++)
		listed = (pgml_queue_shared->prepared[i] == MyDatabaseId);
	SpinLockRelease(&pgml_queue_shared->mutex);
	if (!listed)
		return false;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	ret = SPI_execute("SELECT 1 FROM pg_catalog.pg_prepared_xacts "
					  "WHERE database = pg_catalog.current_database()", true, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 0)
	{
		pgml_queue_prepared_done(MyDatabaseId);
		done = true;
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	return done;
}

/*
 * Take the slot the launcher reserved (bgw_main_arg, its generation in
 * bgw_extra).  False if the launcher gave it up meanwhile.
 */
static bool
take_slot(int slot, const PgmlWorkerArgs *args)
{
	PgmlWorkerState *w;
	bool		ok;

	if (slot < 0 || slot >= pgml_queue_shared->nslots)
		return false;
	w = &pgml_queue_shared->slots[slot];
	SpinLockAcquire(&w->mutex);
	ok = (w->generation == args->generation && w->phase == PGML_PHASE_STARTING &&
		  w->dboid == args->dboid);
	if (ok)
	{
		w->pid = MyProcPid;
		w->latch = MyLatch;
	}
	SpinLockRelease(&w->mutex);
	if (ok)
		pgml_worker_state = w;
	return ok;
}

/*
 * Between jobs: should this worker give its slot up?  Yes when the launcher
 * asked for it back, when max_workers was lowered below the workers
 * running, or when another database waits and no slot is free (databases
 * take turns; more: jobs were left queued here at the last claim).
 */
static bool
should_leave(bool after_job, bool more)
{
	PgmlWorkerState *w = pgml_worker_state;
	bool		leave;
	bool		poked;
	int			in_use = pgml_queue_workers_in_use();
	int			allowed = pgml_queue_workers_allowed();

	leave = in_use > allowed ||
		(after_job && in_use >= allowed && pgml_queue_others_waiting(MyDatabaseId));
	SpinLockAcquire(&w->mutex);
	leave = leave || w->exit_requested;
	poked = w->poked;
	if (leave)
		w->phase = PGML_PHASE_EXITING;
	w->poked = false;
	w->exit_requested = false;
	SpinLockRelease(&w->mutex);

	/*
	 * Jobs may be left here (more at the last claim, an INSERT committed
	 * since, or too many workers): this database waits its turn for a
	 * worker again, behind the databases waiting now.
	 */
	if (leave)
		pgml_queue_give_way(MyDatabaseId, more || poked || in_use > allowed);
	return leave;
}

/*
 * Nothing to claim: wait up to naptime for a committed INSERT.  False when
 * the worker should exit (no job came, nobody chose this worker).  A worker
 * that never had a job exits at once: it was started for a job another
 * worker took, or to look for work after a server start.
 */
static bool
wait_for_job(bool had_job)
{
	PgmlWorkerState *w = pgml_worker_state;
	bool		stay;

	set_phase(PGML_PHASE_IDLE);
	if (had_job)
	{
		int			rc = WaitLatch(MyLatch,
								   WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
								   pgml_naptime * 1000L,
								   PG_WAIT_EXTENSION);

		if (rc & WL_LATCH_SET)
			return true;
	}
	stay = prepared_check();
	SpinLockAcquire(&w->mutex);
	stay |= w->poked;
	if (!stay)
		w->phase = PGML_PHASE_EXITING;
	SpinLockRelease(&w->mutex);
	return stay;
}

/* Entry point of a database worker (started by launcher.c). */
void
pgml_worker_main(Datum arg)
{
	PgmlWorkerArgs args;
	bool		had_job = false;
	bool		requeued;
	bool		claimed;
	Oid			prefer_role = InvalidOid;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	pqsignal(SIGUSR2, worker_cancel_handler);
	BackgroundWorkerUnblockSignals();

	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	pgml_queue_check_layout();
	if (!take_slot(DatumGetInt32(arg), &args))
		proc_exit(0);
	before_shmem_exit(worker_exit, UInt32GetDatum(args.generation));

	BackgroundWorkerInitializeConnectionByOid(args.dboid, InvalidOid, 0);
	session_settings();

	job_context = AllocSetContextCreate(TopMemoryContext, "pgml_worker job",
										ALLOCSET_DEFAULT_SIZES);

	set_phase(PGML_PHASE_RECOVERING);
	if (!recover_running_jobs())
	{
		/* the extension is not installed in this database */
		set_phase(PGML_PHASE_EXITING);
		(void) prepared_check();
		proc_exit(0);
	}
	for (;;)
	{
		PgmlJob		job;
		bool		more;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (should_leave(false, false))
			break;

		set_phase(PGML_PHASE_CLAIMING);
		/* a worker freed elsewhere for a role here: its job first */
		if (!OidIsValid(prefer_role))
			prefer_role = pgml_queue_take_preference(MyDatabaseId);
		claimed = claim_job(&job, &more, prefer_role);
		prefer_role = InvalidOid;
		if (claimed)
		{
			/* more jobs wait here: a second worker may take one */
			if (more)
				pgml_queue_request(MyDatabaseId);
			requeued = run_job(&job);
			session_reset();
			MemoryContextReset(job_context);
			had_job = true;
			CHECK_FOR_INTERRUPTS();
			if (requeued)
			{
				Oid			for_db;
				Oid			for_role;

				/*
				 * This worker was freed for a role waiting in for_db
				 * (queue_fair.c): here, claim again, the waiting role's job
				 * first (its turn is lower); elsewhere, give the slot to
				 * for_db before any other database, and leave this one
				 * asking for a worker for the job put back.
				 */
				SpinLockAcquire(&pgml_worker_state->mutex);
				for_db = pgml_worker_state->yield_for_db;
				for_role = pgml_worker_state->yield_for_role;
				SpinLockRelease(&pgml_worker_state->mutex);
				if (for_db == MyDatabaseId)
				{
					/* its turn may tie with the job put back: it goes first */
					prefer_role = for_role;
					continue;
				}
				set_phase(PGML_PHASE_EXITING);
				pgml_queue_request_first(for_db, for_role);
				pgml_queue_give_way(MyDatabaseId, true);
				break;
			}
			if (should_leave(true, more))
				break;
			continue;
		}
		if (!wait_for_job(had_job))
			break;
	}
	proc_exit(0);
}
