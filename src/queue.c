/*-------------------------------------------------------------------------
 *
 * queue.c
 *	  The preloaded half of pgml.train_queue: the shared state of the job
 *	  service (launcher and database workers), waking a worker when a
 *	  queueing transaction commits, and passing committed cancellations.
 *
 * A worker cannot see a queued row before the inserting transaction
 * commits, so a statement trigger only arms a transaction callback; at
 * XACT_EVENT_COMMIT the callback sets the latch of an idle worker of the
 * database, or asks the launcher for one.  Cancellation works the same way:
 * the UPDATE to 'cancelled' is durable in the table, and at commit the job
 * id is posted to the cancel_job of the slot running that job in this
 * database, which its worker checks between boosting rounds, and the
 * worker gets SIGUSR2, which interrupts the job at once (a read waiting for
 * a lock, say).
 *
 * The queue's row triggers are C functions too (pgml_queue_before_insert,
 * pgml_queue_before_update): they call no SQL function or operator, so
 * nothing a user creates on the inserting session's search_path can run
 * inside them, and the relation name is resolved exactly once, under that
 * search_path, and stored qualified.
 *
 * The shared state (PgmlQueueShared) has a slot per database worker and the
 * list of databases waiting for one (launcher.c starts them).  Locking: the
 * state's mutex protects the pending list and the launcher's fields; each
 * slot's mutex its plain fields; cancel_job is an atomic.  A worker writes
 * its pid and latch when it starts and frees its slot in its exit callback.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "pgml_acl.h"
#include "pgml_algorithms.h"
#include "pgml_worker.h"

PgmlQueueShared *pgml_queue_shared = NULL;
PgmlWorkerState *pgml_worker_state = NULL;

static bool wake_armed = false;
/*
 * The roles of the jobs this transaction queued (queue_fair.c), and the
 * subtransaction each was queued in: a rolled-back savepoint takes its
 * roles with it.
 */
#define MAX_QUEUEING_ROLES 8
static Oid	queueing_roles[MAX_QUEUEING_ROLES];
static SubTransactionId queueing_subids[MAX_QUEUEING_ROLES];
static int	n_queueing_roles = 0;

static void queue_register_callback(void);
static bool xact_callback_registered = false;
static int64 *cancel_ids = NULL;
static SubTransactionId *cancel_subids = NULL;	/* where each was posted */
static int	n_cancel_ids = 0;
static int	max_cancel_ids = 0;

/* Shared memory of the job service: one slot per possible bgworker. */
Size
pgml_queue_shmem_size(void)
{
	return MAXALIGN(add_size(offsetof(PgmlQueueShared, slots),
							 mul_size(sizeof(PgmlWorkerState), max_worker_processes)));
}

/* Create or attach the job service's state. */
void
pgml_queue_shmem_startup(void)
{
	bool		found;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	pgml_queue_shared = ShmemInitStruct("pgml_worker job service",
										pgml_queue_shmem_size(), &found);
	if (!found)
	{
		memset(pgml_queue_shared, 0, pgml_queue_shmem_size());
		pgml_queue_shared->magic = PGML_QUEUE_MAGIC;
		SpinLockInit(&pgml_queue_shared->mutex);
		pgml_queue_shared->nslots = max_worker_processes;
		for (int i = 0; i < max_worker_processes; i++)
		{
			pg_atomic_init_u64(&pgml_queue_shared->slots[i].cancel_job, 0);
			pg_atomic_init_u64(&pgml_queue_shared->slots[i].yield_job, 0);
			SpinLockInit(&pgml_queue_shared->slots[i].mutex);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Take dboid off the pending list; caller holds the state's mutex. */
static void
pending_remove_locked(PgmlQueueShared *q, Oid dboid)
{
	int			kept = 0;

	for (int i = 0; i < q->npending; i++)
		if (q->pending[i] != dboid)
			q->pending[kept++] = q->pending[i];
	q->npending = kept;
}

/*
 * Ask the launcher for a worker in database dboid: appended to the pending
 * list unless it is there already.  give_way: a worker of dboid gives its
 * slot up for other databases, so dboid goes behind them: moved to the end
 * if it is listed, appended only if append (jobs are left there).
 */
static void
queue_request(Oid dboid, bool give_way, bool append)
{
	PgmlQueueShared *q = pgml_queue_shared;
	Latch	   *latch;
	bool		listed = false;

	if (q == NULL || !OidIsValid(dboid))
		return;
	SpinLockAcquire(&q->mutex);
	for (int i = 0; i < q->npending && !listed; i++)
		listed = (q->pending[i] == dboid);
	if (give_way && listed)
	{
		pending_remove_locked(q, dboid);
		listed = false;
		append = true;
	}
	if (!listed && append)
	{
		if (q->npending < PGML_PENDING_MAX)
			q->pending[q->npending++] = dboid;
		else
			q->pending_overflow = true;
	}
	latch = q->launcher_latch;
	SpinLockRelease(&q->mutex);
	if (latch)
		SetLatch(latch);
}

void
pgml_queue_request(Oid dboid)
{
	queue_request(dboid, false, true);
}

void
pgml_queue_give_way(Oid dboid, bool more)
{
	queue_request(dboid, true, more);
}

/* The launcher served dboid: off the pending list. */
void
pgml_queue_served(Oid dboid)
{
	SpinLockAcquire(&pgml_queue_shared->mutex);
	pending_remove_locked(pgml_queue_shared, dboid);
	if (pgml_queue_shared->priority_db == dboid)
		pgml_queue_shared->priority_db = InvalidOid;
	SpinLockRelease(&pgml_queue_shared->mutex);
}

void
pgml_queue_request_first(Oid dboid, Oid role)
{
	PgmlQueueShared *q = pgml_queue_shared;

	SpinLockAcquire(&q->mutex);
	q->priority_db = dboid;
	q->prefer_db = dboid;
	q->prefer_role = role;
	SpinLockRelease(&q->mutex);
	queue_request(dboid, false, true);
}

Oid
pgml_queue_take_preference(Oid dboid)
{
	PgmlQueueShared *q = pgml_queue_shared;
	Oid			role = InvalidOid;

	SpinLockAcquire(&q->mutex);
	if (q->prefer_db == dboid)
	{
		role = q->prefer_role;
		q->prefer_db = InvalidOid;
		q->prefer_role = InvalidOid;
	}
	SpinLockRelease(&q->mutex);
	return role;
}

/*
 * Wake a worker of this database: an idle one (waiting for a job) if there
 * is one, marked as poked under its lock so that it cannot time out and
 * exit without claiming.  Otherwise, or if every worker of the database is
 * busy, ask the launcher for another, which it starts if max_workers
 * allows; a worker that is looking for a job is woken as well, in case its
 * snapshot was taken before this commit.
 */
bool
pgml_queue_wake_worker(void)
{
	PgmlQueueShared *q = pgml_queue_shared;
	bool		idle_found = false;

	if (q == NULL)
		return false;
	for (int i = 0; i < q->nslots && !idle_found; i++)
	{
		PgmlWorkerState *w = &q->slots[i];
		Latch	   *latch = NULL;

		SpinLockAcquire(&w->mutex);
		if (w->dboid == MyDatabaseId && w->latch != NULL &&
			(w->phase == PGML_PHASE_IDLE || w->phase == PGML_PHASE_CLAIMING))
		{
			w->poked = true;
			latch = w->latch;
			idle_found = (w->phase == PGML_PHASE_IDLE);
		}
		SpinLockRelease(&w->mutex);
		if (latch)
			SetLatch(latch);
	}
	if (!idle_found)
		pgml_queue_request(MyDatabaseId);
	return idle_found;
}

/* Remember a database with a prepared INSERT into the queue. */
void
pgml_queue_prepared(Oid dboid)
{
	PgmlQueueShared *q = pgml_queue_shared;
	bool		listed = false;

	if (q == NULL)
		return;
	SpinLockAcquire(&q->mutex);
	for (int i = 0; i < q->nprepared && !listed; i++)
		listed = (q->prepared[i] == dboid);
	if (!listed && q->nprepared < PGML_PENDING_MAX)
		q->prepared[q->nprepared++] = dboid;
	else if (!listed)
		q->pending_overflow = true;
	SpinLockRelease(&q->mutex);
}

/* No prepared transaction is left in dboid: stop polling it. */
void
pgml_queue_prepared_done(Oid dboid)
{
	PgmlQueueShared *q = pgml_queue_shared;
	int			kept = 0;

	SpinLockAcquire(&q->mutex);
	for (int i = 0; i < q->nprepared; i++)
		if (q->prepared[i] != dboid)
			q->prepared[kept++] = q->prepared[i];
	q->nprepared = kept;
	SpinLockRelease(&q->mutex);
}

/*
 * Free slot w if it still holds the worker of generation (launcher.c when
 * the postmaster reports the worker stopped, train/worker.c at exit).  A
 * job it held is left 'running' in the table: ask for a worker of its
 * database, which fails the job with the reason.
 */
void
pgml_queue_release_slot(PgmlWorkerState *w, uint32 generation)
{
	Oid			orphan = InvalidOid;

	SpinLockAcquire(&w->mutex);
	if (w->generation == generation && w->phase != PGML_PHASE_FREE)
	{
		if (w->current_job != 0)
			orphan = w->dboid;
		w->phase = PGML_PHASE_FREE;
		w->pid = 0;
		w->latch = NULL;
		w->current_job = 0;
	}
	SpinLockRelease(&w->mutex);
	if (OidIsValid(orphan))
		pgml_queue_request(orphan);
}

/* Slots reserved (starting, running or exiting workers). */
int
pgml_queue_workers_in_use(void)
{
	int			n = 0;

	for (int i = 0; i < pgml_queue_shared->nslots; i++)
	{
		PgmlWorkerState *w = &pgml_queue_shared->slots[i];

		SpinLockAcquire(&w->mutex);
		if (w->phase != PGML_PHASE_FREE)
			n++;
		SpinLockRelease(&w->mutex);
	}
	return n;
}

/* pgml_worker.max_workers, within the slots there are. */
int
pgml_queue_workers_allowed(void)
{
	return Min(pgml_max_workers, pgml_queue_shared->nslots);
}

/* Is a database other than dboid waiting for a worker? */
bool
pgml_queue_others_waiting(Oid dboid)
{
	PgmlQueueShared *q = pgml_queue_shared;
	bool		others = false;

	SpinLockAcquire(&q->mutex);
	for (int i = 0; i < q->npending && !others; i++)
		others = (q->pending[i] != dboid);
	others |= q->pending_overflow;
	SpinLockRelease(&q->mutex);
	return others;
}

/*
 * Post a committed cancellation of job_id to the worker of this database
 * that runs it (its slot names the database and the job, set before the
 * job's claim commits), and signal that worker (SIGUSR2): it interrupts the
 * job at once (train/worker.c).  Job ids are per database.
 */
static void
queue_post_cancel(int64 job_id)
{
	for (int i = 0; i < pgml_queue_shared->nslots; i++)
	{
		PgmlWorkerState *w = &pgml_queue_shared->slots[i];
		pid_t		pid = 0;

		SpinLockAcquire(&w->mutex);
		if (w->phase != PGML_PHASE_FREE && w->dboid == MyDatabaseId &&
			w->current_job == job_id)
		{
			pg_atomic_write_u64(&w->cancel_job, (uint64) job_id);
			pid = w->pid;
		}
		SpinLockRelease(&w->mutex);
		if (pid != 0)
			(void) kill(pid, SIGUSR2);
	}
}

/*
 * At commit: wake a worker and post cancellations.  At abort: forget.  A
 * prepared transaction commits in another session, so a cancellation cannot
 * be prepared; a queued job of a prepared transaction is found by the
 * launcher's fallback poll (launcher.c) once COMMIT PREPARED has run.
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
	if (event == XACT_EVENT_COMMIT && pgml_queue_shared != NULL)
	{
		for (int i = 0; i < n_cancel_ids; i++)
			queue_post_cancel(cancel_ids[i]);
		if (wake_armed && !pgml_queue_wake_worker())
			pgml_queue_roles_wait(MyDatabaseId, queueing_roles, n_queueing_roles);
	}
	if (event == XACT_EVENT_PREPARE && wake_armed)
		pgml_queue_prepared(MyDatabaseId);
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		wake_armed = false;
		n_queueing_roles = 0;
		n_cancel_ids = 0;
	}
}

/* A job of role was queued (a row that will run): remember the role. */
static void
queue_note_role(Oid role)
{
	SubTransactionId sub = GetCurrentSubTransactionId();

	if (!pgml_preloaded)
		return;
	queue_register_callback();
	for (int i = 0; i < n_queueing_roles; i++)
	{
		if (queueing_roles[i] == role && queueing_subids[i] == sub)
			return;
	}
	if (n_queueing_roles < MAX_QUEUEING_ROLES)
	{
		queueing_roles[n_queueing_roles] = role;
		queueing_subids[n_queueing_roles] = sub;
		n_queueing_roles++;
	}
}

/* A rolled-back savepoint takes its cancellations and queued roles with it. */
static void
queue_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	int			kept = 0;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	for (int i = 0; i < n_queueing_roles; i++)
	{
		bool		dup = false;

		if (queueing_subids[i] == mySubid)
		{
			if (event == SUBXACT_EVENT_ABORT_SUB)
				continue;
			queueing_subids[i] = parentSubid;
		}
		/* the same role, now in the same subtransaction: once is enough */
		for (int k = 0; k < kept && !dup; k++)
			dup = (queueing_roles[k] == queueing_roles[i] &&
				   queueing_subids[k] == queueing_subids[i]);
		if (dup)
			continue;
		queueing_roles[kept] = queueing_roles[i];
		queueing_subids[kept] = queueing_subids[i];
		kept++;
	}
	n_queueing_roles = kept;
	kept = 0;
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
	static const char *const tables[] = {"train_queue", NULL};

	pgml_trigger_check(fcinfo, "pgml_queue_notify", tables, false, false,
					   PGML_TRIGGER_EVENT(INSERT));
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
	static const char *const tables[] = {"train_queue", NULL};
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		isnull;
	Datum		id;

	pgml_trigger_check(fcinfo, "pgml_queue_cancelled", tables, true, false,
					   PGML_TRIGGER_EVENT(UPDATE));
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

/* Is this session a database worker? */
static bool
in_worker(void)
{
	return pgml_worker_state != NULL;
}

PG_FUNCTION_INFO_V1(pgml_in_worker);

/* SQL (0.1.0 only): is this session the training worker? */
Datum
pgml_in_worker(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(in_worker());
}

/* Tasks a job may name; algorithms are pgml_algorithms.h's (the worker checks the pair). */
static const char *const queue_tasks[] = {
	"regression", "classification", "clustering", "decomposition", NULL
};

static bool
name_in(const char *name, const char *const *list)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* Column number of a train_queue column, by name. */
static int
queue_attnum(TupleDesc desc, const char *name)
{
	int			attnum = SPI_fnumber(desc, name);

	if (attnum <= 0)
		elog(ERROR, "pgml.train_queue has no column \"%s\"", name);
	return attnum;
}

/* A text column of the row, or NULL. */
static char *
queue_text(HeapTuple tup, TupleDesc desc, const char *name)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, queue_attnum(desc, name), desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* Columns a trigger sets, collected for heap_modify_tuple_by_cols. */
typedef struct QueueSet
{
	int			n;
	int			cols[16];
	Datum		values[16];
	bool		nulls[16];
} QueueSet;

static void
queue_set(QueueSet *qs, TupleDesc desc, const char *name, Datum value, bool isnull)
{
	Assert(qs->n < lengthof(qs->cols));
	qs->cols[qs->n] = queue_attnum(desc, name);
	qs->values[qs->n] = value;
	qs->nulls[qs->n] = isnull;
	qs->n++;
}

PG_FUNCTION_INFO_V1(pgml_queue_before_insert);

/*
 * Trigger (BEFORE INSERT, per row, on pgml.train_queue): check a new job and
 * fill in what the user may not choose.  The job runs with the privileges
 * of the inserting role, so queued_by is forced to it (unless the inserter
 * owns the table, which only a restore or a DBA does), and the status and
 * result columns to a new job's.  Training into an existing project needs
 * the privileges of its owner, as pgml.train does.
 */
Datum
pgml_queue_before_insert(PG_FUNCTION_ARGS)
{
	static const char *const tables[] = {"train_queue", NULL};
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tup;
	QueueSet	qs;
	char	   *task;
	char	   *algorithm;
	char	   *project;
	char	   *relname;
	bool		isnull;
	Datum		d;
	char	   *qualified;
	Oid			role = GetUserId();
	bool		trusted;
	TimestampTz now = GetCurrentTimestamp();

	pgml_trigger_check(fcinfo, "pgml_queue_before_insert", tables, true, true,
					   PGML_TRIGGER_EVENT(INSERT));
	desc = td->tg_relation->rd_att;
	tup = td->tg_trigtuple;

	/*
	 * History restored from a dump (pg_restore, or a copy by the table's
	 * owner): only the owner and superusers may set the status, so a row
	 * that is not 'queued' is kept as it was, unchecked: it never runs.  A
	 * job that was running when the dump was taken did not finish.
	 */
	trusted = pg_class_ownercheck(RelationGetRelid(td->tg_relation), GetUserId());
	if (trusted)
	{
		char	   *status = queue_text(tup, desc, "status");

		if (status != NULL && strcmp(status, "queued") != 0)
		{
			if (strcmp(status, "running") != 0)
				return PointerGetDatum(tup);
			memset(&qs, 0, sizeof(qs));
			queue_set(&qs, desc, "status", CStringGetTextDatum("failed"), false);
			queue_set(&qs, desc, "error",
					  CStringGetTextDatum("the job was running when the database was dumped; queue it again"),
					  false);
			queue_set(&qs, desc, "finished_at", TimestampTzGetDatum(now), false);
			return PointerGetDatum(heap_modify_tuple_by_cols(tup, desc, qs.n, qs.cols,
															 qs.values, qs.nulls));
		}
	}

	task = queue_text(tup, desc, "task");
	if (task != NULL && !name_in(task, queue_tasks))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown task \"%s\"", task),
				 errhint("Supported tasks are regression, classification, clustering and decomposition.")));
	algorithm = queue_text(tup, desc, "algorithm");
	if (algorithm != NULL)
		(void) pgml_algorithm_lookup(algorithm);

	/* the worker's rule (job.c) */
	d = heap_getattr(tup, queue_attnum(desc, "test_size"), desc, &isnull);
	if (!isnull)
	{
		float4		ts = DatumGetFloat4(d);

		if (!(ts > 0) || isinf(ts) || (ts >= 1 && ts != floorf(ts)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("test_size must be a fraction between 0 and 1, or a whole number of rows"),
					 errdetail("Got %s.", DatumGetCString(DirectFunctionCall1(float4out, d)))));
	}

	/*
	 * The relation, resolved once as the user sees it, stored qualified.
	 * Without one, the job trains the project again on its last snapshot
	 * (the worker reads it), so the project must exist.
	 */
	relname = queue_text(tup, desc, "relation_name");
	qualified = NULL;
	if (relname != NULL)
	{
		qualified = pgml_qualified_relation(relname, true);
		if (qualified == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"%s\" does not exist", relname)));
	}

	/*
	 * The job runs as the inserting role.  The table's owner (a restore)
	 * may queue a job for another role, as it names it.
	 */
	if (trusted)
	{
		d = heap_getattr(tup, queue_attnum(desc, "queued_by"), desc, &isnull);
		if (!isnull)
			role = DatumGetObjectId(d);
	}

	/* a job into another role's project would fail: refuse it now */
	project = queue_text(tup, desc, "project_name");
	if (project != NULL && pgml_acl_schema_ready())
	{
		PgmlProject p;

		if (pgml_project_read(project, 0, false, &p))
			pgml_acl_check_owner(&p, role);
		else if (relname == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("relation_name is required to create project \"%s\"", project),
					 errhint("Without relation_name, a job trains an existing project again on its last snapshot.")));
	}

	memset(&qs, 0, sizeof(qs));
	/* the id: the queue's sequence, which no user may read or advance */
	(void) heap_getattr(tup, queue_attnum(desc, "id"), desc, &isnull);
	if (isnull || !trusted)
	{
		Oid			seq = get_relname_relid("train_queue_id_seq",
											RelationGetNamespace(td->tg_relation));

		if (!OidIsValid(seq))
			elog(ERROR, "sequence pgml.train_queue_id_seq does not exist");
		queue_set(&qs, desc, "id", Int64GetDatum(nextval_internal(seq, false)), false);
	}
	if (qualified != NULL)
		queue_set(&qs, desc, "relation_name", CStringGetTextDatum(qualified), false);
	queue_set(&qs, desc, "queued_by", ObjectIdGetDatum(role), false);
	queue_set(&qs, desc, "status", CStringGetTextDatum("queued"), false);
	queue_note_role(role);
	queue_set(&qs, desc, "error", (Datum) 0, true);
	queue_set(&qs, desc, "model_id", (Datum) 0, true);
	queue_set(&qs, desc, "deployed", (Datum) 0, true);
	queue_set(&qs, desc, "progress", (Datum) 0, true);
	if (!trusted)
		queue_set(&qs, desc, "queued_at", TimestampTzGetDatum(now), false);
	queue_set(&qs, desc, "started_at", (Datum) 0, true);
	queue_set(&qs, desc, "finished_at", (Datum) 0, true);
	tup = heap_modify_tuple_by_cols(tup, desc, qs.n, qs.cols, qs.values, qs.nulls);
	return PointerGetDatum(tup);
}

PG_FUNCTION_INFO_V1(pgml_queue_before_update);

/*
 * Trigger (BEFORE UPDATE, per row, on pgml.train_queue): users may only
 * cancel a queued or running job (column privileges let them change
 * nothing but status); the worker may do anything.
 */
Datum
pgml_queue_before_update(PG_FUNCTION_ARGS)
{
	static const char *const tables[] = {"train_queue", NULL};
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	newtup;
	char	   *old_status;
	char	   *new_status;
	QueueSet	qs;

	pgml_trigger_check(fcinfo, "pgml_queue_before_update", tables, true, true,
					   PGML_TRIGGER_EVENT(UPDATE));
	desc = td->tg_relation->rd_att;
	newtup = td->tg_newtuple;
	/* the worker's own bookkeeping, not code of a job it runs as a user */
	if (in_worker() && !InSecurityRestrictedOperation())
		return PointerGetDatum(newtup);

	old_status = queue_text(td->tg_trigtuple, desc, "status");
	new_status = queue_text(newtup, desc, "status");
	if (old_status == NULL || new_status == NULL || strcmp(old_status, new_status) == 0)
		return PointerGetDatum(newtup);
	if (strcmp(new_status, "cancelled") != 0 ||
		(strcmp(old_status, "queued") != 0 && strcmp(old_status, "running") != 0))
	{
		bool		isnull;
		Datum		id = heap_getattr(td->tg_trigtuple, queue_attnum(desc, "id"), desc, &isnull);

		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot change the status of job %lld from %s to %s",
						(long long) DatumGetInt64(id), old_status, new_status),
				 errhint("Only a queued or running job can be cancelled, by setting its status to 'cancelled'.")));
	}
	memset(&qs, 0, sizeof(qs));
	queue_set(&qs, desc, "finished_at", TimestampTzGetDatum(GetCurrentTimestamp()), false);
	queue_set(&qs, desc, "error",
			  CStringGetTextDatum(psprintf("cancelled by %s",
										   GetUserNameFromId(GetUserId(), false))), false);
	newtup = heap_modify_tuple_by_cols(newtup, desc, qs.n, qs.cols, qs.values, qs.nulls);
	return PointerGetDatum(newtup);
}

PG_FUNCTION_INFO_V1(pgml_cancel_job);

/*
 * SQL: pgml.cancel_job(job_id bigint) RETURNS text.  Cancels a queued or
 * running job of a role the caller has the privileges of (others' jobs do
 * not exist for it, as row security shows them).  The caller needs no
 * privilege on the queue: the update is made as the catalog identity, so
 * no role can take a row lock on a job (UPDATE is not granted) and make its
 * worker wait at the job's end.  A running job stops at once: the queue's
 * row trigger posts the cancellation at commit.
 */
Datum
pgml_cancel_job(PG_FUNCTION_ARGS)
{
	Oid			user = GetUserId();
	int64		job_id;
	PgmlCatalogSwitch cs;
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	char	   *status = NULL;
	bool		visible = false;
	int			ret;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("job_id must not be NULL")));
	job_id = PG_GETARG_INT64(0);
	args[0] = Int64GetDatum(job_id);

	pgml_catalog_push(&cs);
	SPI_connect();
	ret = SPI_execute_with_args("SELECT q.queued_by::oid, q.status FROM pgml.train_queue q "
								"WHERE q.id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
								1, argtypes, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read training job " INT64_FORMAT, job_id);
	if (SPI_processed == 1)
	{
		bool		isnull;
		Oid			owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc, 1, &isnull));

		visible = !isnull && has_privs_of_role(user, owner);
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	}
	if (!visible)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("training job %lld does not exist", (long long) job_id)));
	if (strcmp(status, "queued") != 0 && strcmp(status, "running") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("training job %lld has already ended with status %s",
						(long long) job_id, status)));
	ret = SPI_execute_with_args("UPDATE pgml.train_queue SET status = 'cancelled' "
								"WHERE id OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not cancel training job " INT64_FORMAT, job_id);
	SPI_finish();
	pgml_catalog_pop(&cs);
	PG_RETURN_TEXT_P(cstring_to_text("cancelled"));
}
