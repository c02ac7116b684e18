/*-------------------------------------------------------------------------
 *
 * queue.c
 *	  The preloaded half of pgml.train_queue: the shared state of the
 *	  training worker, waking it when a queueing transaction commits, and
 *	  passing it committed cancellations.
 *
 * The worker cannot see a queued row before the inserting transaction
 * commits, so a statement trigger only arms a transaction callback; the
 * callback sets the worker's latch at XACT_EVENT_COMMIT.  Cancellation works
 * the same way: the UPDATE to 'cancelled' is durable in the table, and at
 * commit the job id is posted to pgml_worker_state->cancel_job, which the
 * worker checks between boosting rounds, and the worker gets SIGUSR2, which
 * interrupts the job at once if it is the one running (a read waiting for a
 * lock, say).
 *
 * Locking: pgml_worker_state->mutex (spinlock) protects its plain fields;
 * cancel_job is an atomic.  The worker writes pid/latch at start and clears
 * them in its exit callback.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/memutils.h"

#include "pgml_worker.h"

PgmlWorkerState *pgml_worker_state = NULL;

static bool wake_armed = false;
static bool xact_callback_registered = false;
static int64 *cancel_ids = NULL;
static SubTransactionId *cancel_subids = NULL;	/* where each was posted */
static int	n_cancel_ids = 0;
static int	max_cancel_ids = 0;

/* Shared memory needed by the worker state. */
Size
pgml_queue_shmem_size(void)
{
	return MAXALIGN(sizeof(PgmlWorkerState));
}

/* Create or attach the worker state. */
void
pgml_queue_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	pgml_worker_state = ShmemInitStruct("pgml_worker worker state",
										pgml_queue_shmem_size(), &found);
	if (!found)
	{
		memset(pgml_worker_state, 0, sizeof(PgmlWorkerState));
		pg_atomic_init_u64(&pgml_worker_state->cancel_job, 0);
		SpinLockInit(&pgml_worker_state->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Set the worker's latch, if it is running. */
void
pgml_queue_wake_worker(void)
{
	Latch	   *latch;

	if (pgml_worker_state == NULL)
		return;
	SpinLockAcquire(&pgml_worker_state->mutex);
	latch = pgml_worker_state->latch;
	SpinLockRelease(&pgml_worker_state->mutex);
	if (latch)
		SetLatch(latch);
}

/*
 * Tell the worker that a cancellation was posted (SIGUSR2): it interrupts
 * the running job at once if that is the one cancelled (train/worker.c).
 */
static void
queue_signal_cancel(void)
{
	pid_t		pid;

	SpinLockAcquire(&pgml_worker_state->mutex);
	pid = pgml_worker_state->pid;
	SpinLockRelease(&pgml_worker_state->mutex);
	if (pid != 0)
		(void) kill(pid, SIGUSR2);
}

/*
 * At commit: wake the worker and post cancellations.  At abort: forget.  A
 * prepared transaction commits in another session, so a cancellation cannot
 * be prepared; a queued job of a prepared transaction is found by the
 * worker's next poll (pgml_worker.naptime) once COMMIT PREPARED has run.
 */
static void
queue_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_PRE_PREPARE && n_cancel_ids > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot prepare a transaction that cancels a training job"),
				 errdetail("A cancellation reaches the training worker when its transaction commits, which a prepared transaction does in another session."),
				 errhint("Cancel the job in a transaction that is not prepared.")));
	if (event == XACT_EVENT_COMMIT)
	{
		for (int i = 0; i < n_cancel_ids; i++)
		{
			pg_atomic_write_u64(&pgml_worker_state->cancel_job,
								(uint64) cancel_ids[i]);
			queue_signal_cancel();
		}
		if (wake_armed || n_cancel_ids > 0)
			pgml_queue_wake_worker();
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		wake_armed = false;
		n_cancel_ids = 0;
	}
}

/* A rolled-back savepoint takes its cancellations with it. */
static void
queue_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	int			kept = 0;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	for (int i = 0; i < n_cancel_ids; i++)
	{
		if (cancel_subids[i] == mySubid)
		{
			if (event == SUBXACT_EVENT_ABORT_SUB)
				continue;
			cancel_subids[i] = parentSubid;
		}
		cancel_ids[kept] = cancel_ids[i];
		cancel_subids[kept] = cancel_subids[i];
		kept++;
	}
	n_cancel_ids = kept;
}

/* Make sure the transaction callbacks are registered in this backend. */
static void
queue_register_callback(void)
{
	if (!xact_callback_registered)
	{
		RegisterXactCallback(queue_xact_callback, NULL);
		RegisterSubXactCallback(queue_subxact_callback, NULL);
		xact_callback_registered = true;
	}
}

PG_FUNCTION_INFO_V1(pgml_queue_notify);

/* Trigger (AFTER INSERT, per statement): wake the worker when we commit. */
Datum
pgml_queue_notify(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "pgml_queue_notify: not called by trigger manager");
	if (pgml_preloaded)
	{
		queue_register_callback();
		wake_armed = true;
	}
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(pgml_queue_cancelled);

/*
 * Trigger (AFTER UPDATE, per row, when a running job becomes cancelled):
 * post the job id to the worker when we commit.
 */
Datum
pgml_queue_cancelled(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		isnull;
	Datum		id;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "pgml_queue_cancelled: not called by trigger manager");
	if (!pgml_preloaded)
		return PointerGetDatum(NULL);

	id = heap_getattr(trigdata->tg_newtuple, 1,
					  trigdata->tg_relation->rd_att, &isnull);
	if (isnull)
		return PointerGetDatum(NULL);

	queue_register_callback();
	if (n_cancel_ids == max_cancel_ids)
	{
		int			newmax = Max(8, max_cancel_ids * 2);

		if (cancel_ids == NULL)
		{
			cancel_ids = MemoryContextAlloc(TopMemoryContext, sizeof(int64) * newmax);
			cancel_subids = MemoryContextAlloc(TopMemoryContext,
											   sizeof(SubTransactionId) * newmax);
		}
		else
		{
			cancel_ids = repalloc(cancel_ids, sizeof(int64) * newmax);
			cancel_subids = repalloc(cancel_subids, sizeof(SubTransactionId) * newmax);
		}
		max_cancel_ids = newmax;
	}
	cancel_subids[n_cancel_ids] = GetCurrentSubTransactionId();
	cancel_ids[n_cancel_ids++] = DatumGetInt64(id);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(pgml_in_worker);

/* SQL: is this session the training worker?  Used by the queue's triggers. */
Datum
pgml_in_worker(PG_FUNCTION_ARGS)
{
	bool		result = false;

	if (pgml_worker_state != NULL)
	{
		SpinLockAcquire(&pgml_worker_state->mutex);
		result = (pgml_worker_state->pid == MyProcPid);
		SpinLockRelease(&pgml_worker_state->mutex);
	}
	PG_RETURN_BOOL(result);
}
