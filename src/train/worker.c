/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The background worker that owns pgml.train_queue.
 *
 * Registered by pgml_worker.so at preload, but its code lives here in
 * pgml_train.so, so the postmaster never loads XGBoost or OpenBLAS.
 *
 * Loop: reset the latch, claim queued jobs one at a time (FOR UPDATE SKIP
 * LOCKED, committed as 'running' so users see it), run each in a
 * transaction of its own as the role that queued it, then sleep until a
 * committing INSERT sets the latch (queue.c), or pgml_worker.naptime.
 *
 * A job ends in exactly one of: succeeded (model stored, status updated in
 * the same transaction), failed (the error message recorded), cancelled.
 * If the worker dies mid-job, the job's row stays 'running'; the next
 * worker start marks such rows failed with the reason.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
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
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
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

/* on_shmem_exit: forget our latch so nobody sets a dead process's latch. */
static void
worker_exit(int code, Datum arg)
{
	SpinLockAcquire(&pgml_worker_state->mutex);
	if (pgml_worker_state->pid == MyProcPid)
	{
		pgml_worker_state->pid = 0;
		pgml_worker_state->latch = NULL;
		pgml_worker_state->current_job = 0;
	}
	SpinLockRelease(&pgml_worker_state->mutex);
}

/* Run a statement in its own transaction; false if the extension is absent. */
static bool
extension_present(void)
{
	int			ret;

	ret = SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pgml_worker'",
					  true, 1);
	return ret == SPI_OK_SELECT && SPI_processed > 0;
}

/* Mark jobs a crashed worker left 'running' as failed, with the reason. */
static void
recover_running_jobs(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pgml_worker: recovering interrupted jobs");
	if (extension_present())
	{
		int			ret = SPI_execute("UPDATE pgml.train_queue SET status = 'failed', "
									  "error = 'the training worker stopped while this job was running "
									  "(server crash, restart or worker exit); queue it again', "
									  "finished_at = clock_timestamp() WHERE status = 'running'",
									  false, 0);

		if (ret == SPI_OK_UPDATE && SPI_processed > 0)
			ereport(LOG,
					(errmsg("pgml_worker marked %llu interrupted training job(s) as failed",
							(unsigned long long) SPI_processed)));
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* Claim the oldest queued job; fills job (in job_context).  False if none. */
static bool
claim_job(PgmlJob *job)
{
	bool		found = false;

	/*
	 * Forget the last posted cancellation: it was for a job that has ended,
	 * and job ids can come round again (TRUNCATE ... RESTART IDENTITY, a
	 * re-created extension).  A cancellation of the job claimed below can
	 * only be posted once its claim has committed, so none is lost here.
	 */
	pg_atomic_write_u64(&pgml_worker_state->cancel_job, 0);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "pgml_worker: claiming a job");

	if (extension_present())
	{
		int			ret;

		ret = SPI_execute("UPDATE pgml.train_queue q SET status = 'running', "
						  "started_at = clock_timestamp(), error = NULL "
						  "FROM (SELECT id FROM pgml.train_queue WHERE status = 'queued' "
						  "      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) c "
						  "WHERE q.id = c.id "
						  "RETURNING q.id, q.project_name, q.task, q.relation_name, "
						  "q.y_column_name, q.algorithm, q.hyperparams, q.test_size, "
						  "q.queued_by::oid, q.test_sampling, q.search, q.search_params, "
						  "q.search_args, q.automatic_deploy, q.preprocess",
						  false, 1);
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
			MemoryContextSwitchTo(old);
			found = true;
		}
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	return found;
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

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	/* a job the user already cancelled keeps its status */
	SPI_execute_with_args("UPDATE pgml.train_queue SET status = $2, error = $3, "
						  "finished_at = clock_timestamp() "
						  "WHERE id = $1 AND status = 'running'",
						  3, argtypes, args, NULL, false, 0);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
}

/* Set what pgml.stat_worker shows about the current job. */
static void
state_set_job(int64 job_id, Oid role, bool finished, const char *outcome)
{
	SpinLockAcquire(&pgml_worker_state->mutex);
	pgml_worker_state->current_job = finished ? 0 : job_id;
	pgml_worker_state->current_role = finished ? InvalidOid : role;
	pgml_worker_state->rounds_done = 0;
	pgml_worker_state->rounds_total = 0;
	if (finished)
	{
		pgml_worker_state->last_job_at = GetCurrentTimestamp();
		if (strcmp(outcome, "succeeded") == 0)
			pgml_worker_state->jobs_succeeded++;
		else if (strcmp(outcome, "cancelled") == 0)
			pgml_worker_state->jobs_cancelled++;
		else
			pgml_worker_state->jobs_failed++;
	}
	SpinLockRelease(&pgml_worker_state->mutex);
}

/*
 * SIGUSR2, sent by a backend whose pgml.cancel_job() has committed
 * (queue.c): if the cancelled job is the one running here, interrupt it as
 * a query cancel would, so that a job waiting for a lock or in a slow read
 * stops at once instead of at its next check between rounds.  A signal
 * about any other job (one that has already ended) only sets the latch.
 */
static void
worker_cancel_handler(SIGNAL_ARGS)
{
	int			save_errno = errno;
	int64		job = pgml_current_job_id;

	if (job != 0 &&
		pg_atomic_read_u64(&pgml_worker_state->cancel_job) == (uint64) job)
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
	else if (LockTimeout == 0 && pgml_lock_timeout > 0)
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
static void
run_job(PgmlJob *job)
{
	MemoryContext old;
	const char *volatile outcome = "succeeded";

	state_set_job(job->job_id, job->role, false, NULL);
	pgml_current_job_id = job->job_id;

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

		/* the job is over: a cancel signal from now on must not interrupt */
		job_limits_end();
		pgml_current_job_id = 0;
		pg_compiler_barrier();
		MemoryContextSwitchTo(job_context);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		QueryCancelPending = false;

		outcome = edata->sqlerrcode == ERRCODE_QUERY_CANCELED ? "cancelled" : "failed";
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
	PG_END_TRY();
	MemoryContextSwitchTo(old);

	pgml_current_job_id = 0;
	pg_compiler_barrier();
	/* a cancel signalled as the job ended has nothing left to cancel */
	QueryCancelPending = false;
	state_set_job(job->job_id, InvalidOid, true, outcome);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* Entry point of the training worker. */
void
pgml_worker_main(Datum arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	pqsignal(SIGUSR2, worker_cancel_handler);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(pgml_database, NULL, 0);
	session_settings();

	SpinLockAcquire(&pgml_worker_state->mutex);
	pgml_worker_state->pid = MyProcPid;
	pgml_worker_state->dboid = MyDatabaseId;
	pgml_worker_state->latch = MyLatch;
	pgml_worker_state->current_job = 0;
	pgml_worker_state->started_at = GetCurrentTimestamp();
	SpinLockRelease(&pgml_worker_state->mutex);
	before_shmem_exit(worker_exit, 0);

	job_context = AllocSetContextCreate(TopMemoryContext, "pgml_worker job",
										ALLOCSET_DEFAULT_SIZES);

	ereport(LOG,
			(errmsg("pgml_worker training worker started for database \"%s\"",
					pgml_database)));
	recover_running_jobs();

	for (;;)
	{
		PgmlJob		job;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		/* drain the queue */
		while (claim_job(&job))
		{
			run_job(&job);
			session_reset();
			MemoryContextReset(job_context);
			CHECK_FOR_INTERRUPTS();
		}

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 pgml_naptime * 1000L,
						 PG_WAIT_EXTENSION);
	}
}
