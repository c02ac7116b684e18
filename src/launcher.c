/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The launcher of the job service: a static background worker, connected
 *	  to no database, that starts a database worker (train/worker.c, in
 *	  pgml_train.so) wherever a job waits, at most pgml_worker.max_workers
 *	  at once.
 *
 * The launcher runs no SQL and never loads pgml_train.so.  It learns where
 * jobs are from the pending list of the shared state (queue.c): a backend
 * whose INSERT into pgml.train_queue commits appends its database there and
 * sets the launcher's latch (unless an idle worker of that database takes
 * the job), and a worker that claims a job while more are queued appends its
 * own database, asking for a second worker.  The list is first come, first
 * served, with each database at most once in it, and a database waiting
 * for its first worker goes before one asking for another, so databases
 * take turns: a worker that ends a job while another database waits and no
 * worker slot is free exits (asking again for its own database if jobs are
 * left there), and an idle worker gives its slot to a waiting database.
 *
 * At start, the launcher cannot tell which databases have queued or
 * stranded ('running') jobs without SQL, so it asks for a worker in every
 * database that allows connections; a worker whose database lacks the
 * extension or has nothing to do exits at once (train/worker.c).  This costs
 * one short-lived process per database at server start, and nothing has to
 * be kept up to date on disk (a persistent "has work" hint would have to be
 * written on every INSERT and survive crashes, base backups and
 * pg_upgrade).
 *
 * A registration the postmaster refuses (no free bgworker slot) is logged
 * once, counted in pgml.stat_worker, and retried every second: the job
 * stays queued, it is never lost.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pgml_worker.h"

PGDLLEXPORT void pgml_launcher_main(Datum arg);

/* How long to wait before trying again to register a worker. */
#define LAUNCHER_RETRY_MS	1000
/* How soon to look again at a role waiting for a worker (queue_fair.c). */
#define LAUNCHER_REBALANCE_MS	50

/* The launcher's handles of the workers it started, by slot. */
static BackgroundWorkerHandle **handles = NULL;
static uint32 *handle_generation = NULL;

/* Databases found by a scan of pg_database, not yet in the pending list. */
static List *scanned = NIL;

/* Register the launcher: in pgml_worker.so, so the postmaster loads nothing else. */
void
pgml_launcher_register(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 1;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pgml_worker");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgml_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pgml_worker launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pgml_worker launcher");
	RegisterBackgroundWorker(&worker);
}

/* on_shmem_exit: nobody may set a dead launcher's latch. */
static void
launcher_exit(int code, Datum arg)
{
	SpinLockAcquire(&pgml_queue_shared->mutex);
	if (pgml_queue_shared->launcher_pid == MyProcPid)
	{
		pgml_queue_shared->launcher_pid = 0;
		pgml_queue_shared->launcher_latch = NULL;
	}
	SpinLockRelease(&pgml_queue_shared->mutex);
}

/* Every database that allows connections, appended to scanned. */
static void
launcher_scan_databases(void)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	MemoryContext outer = CurrentMemoryContext;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
		MemoryContext old;

		if (!db->datallowconn)
			continue;
		old = MemoryContextSwitchTo(outer);
		scanned = list_append_unique_oid(scanned, db->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
}

/* Move scanned databases into the pending list while it has room. */
static void
launcher_feed_pending(void)
{
	PgmlQueueShared *q = pgml_queue_shared;
	bool		overflow;

	SpinLockAcquire(&q->mutex);
	overflow = q->pending_overflow;
	q->pending_overflow = false;
	SpinLockRelease(&q->mutex);
	/* a request did not fit: look everywhere */
	if (overflow)
		launcher_scan_databases();

	while (scanned != NIL)
	{
		Oid			dboid = linitial_oid(scanned);
		bool		room;

		SpinLockAcquire(&q->mutex);
		room = q->npending < PGML_PENDING_MAX;
		SpinLockRelease(&q->mutex);
		if (!room)
			break;
		pgml_queue_request(dboid);
		scanned = list_delete_first(scanned);
	}
}

/*
 * Free the slots of workers the postmaster reports stopped but that did not
 * free their slot themselves (they failed to start, or died before their
 * exit callback ran).
 */
static void
launcher_reap(void)
{
	for (int i = 0; i < pgml_queue_shared->nslots; i++)
	{
		pid_t		pid;

		if (handles[i] == NULL ||
			GetBackgroundWorkerPid(handles[i], &pid) != BGWH_STOPPED)
			continue;
		pgml_queue_release_slot(&pgml_queue_shared->slots[i], handle_generation[i]);
		pfree(handles[i]);
		handles[i] = NULL;
	}
}

/*
 * A worker of dboid that will look at the queue anyway (idle, or still
 * starting): poke an idle one.  True if there is one.
 */
static bool
launcher_wake_existing(Oid dboid)
{
	bool		found = false;

	for (int i = 0; i < pgml_queue_shared->nslots && !found; i++)
	{
		PgmlWorkerState *w = &pgml_queue_shared->slots[i];
		Latch	   *latch = NULL;

		SpinLockAcquire(&w->mutex);
		if (w->dboid == dboid &&
			(w->phase == PGML_PHASE_STARTING || w->phase == PGML_PHASE_RECOVERING ||
			 w->phase == PGML_PHASE_IDLE))
		{
			found = true;
			w->poked = true;
			latch = w->latch;
		}
		SpinLockRelease(&w->mutex);
		if (latch)
			SetLatch(latch);
	}
	return found;
}

/* Ask one idle worker of another database than dboid to give back its slot. */
static void
launcher_reclaim_idle(Oid dboid)
{
	for (int i = 0; i < pgml_queue_shared->nslots; i++)
	{
		PgmlWorkerState *w = &pgml_queue_shared->slots[i];
		Latch	   *latch = NULL;

		SpinLockAcquire(&w->mutex);
		if (w->phase == PGML_PHASE_IDLE && w->dboid != dboid && !w->poked)
		{
			w->exit_requested = true;
			latch = w->latch;
		}
		SpinLockRelease(&w->mutex);
		if (latch)
		{
			SetLatch(latch);
			return;
		}
	}
}

/* Reserve a free slot for a worker of dboid; -1 if none. */
static int
launcher_reserve_slot(Oid dboid)
{
	TimestampTz now = GetCurrentTimestamp();

	for (int i = 0; i < pgml_queue_shared->nslots; i++)
	{
		PgmlWorkerState *w = &pgml_queue_shared->slots[i];
		bool		reserved = false;

		if (handles[i] != NULL)
			continue;
		SpinLockAcquire(&w->mutex);
		if (w->phase == PGML_PHASE_FREE)
		{
			w->phase = PGML_PHASE_STARTING;
			w->generation++;
			w->dboid = dboid;
			w->pid = 0;
			w->latch = NULL;
			w->poked = false;
			w->exit_requested = false;
			w->current_job = 0;
			w->current_role = InvalidOid;
			w->rounds_done = w->rounds_total = 0;
			w->jobs_succeeded = w->jobs_failed = w->jobs_cancelled = 0;
			w->started_at = now;
			w->job_started_at = w->last_job_at = 0;
			handle_generation[i] = w->generation;
			reserved = true;
		}
		SpinLockRelease(&w->mutex);
		if (reserved)
			return i;
	}
	return -1;
}

/* Register a database worker for dboid in slot i; false if refused. */
static bool
launcher_start_worker(int i, Oid dboid)
{
	BackgroundWorker worker;
	PgmlWorkerArgs args;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	/* the database worker's code lives in pgml_train.so, never loaded here */
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pgml_train");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgml_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pgml_worker worker for database %u", dboid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "pgml_worker");
	worker.bgw_main_arg = Int32GetDatum(i);
	worker.bgw_notify_pid = MyProcPid;
	args.dboid = dboid;
	args.generation = handle_generation[i];
	memcpy(worker.bgw_extra, &args, sizeof(args));
	return RegisterDynamicBackgroundWorker(&worker, &handles[i]);
}

/* Give a reserved slot back (its registration was refused). */
static void
launcher_release_slot(int i)
{
	PgmlWorkerState *w = &pgml_queue_shared->slots[i];

	SpinLockAcquire(&w->mutex);
	if (w->generation == handle_generation[i])
		w->phase = PGML_PHASE_FREE;
	SpinLockRelease(&w->mutex);
	handles[i] = NULL;
}

/* Remember a refused registration; log the first of a run of them. */
static void
launcher_start_failed(Oid dboid)
{
	PgmlQueueShared *q = pgml_queue_shared;
	bool		first;
	TimestampTz now = GetCurrentTimestamp();

	SpinLockAcquire(&q->mutex);
	first = !q->start_failing;
	q->start_failing = true;
	q->start_failures++;
	q->last_start_failure = now;
	SpinLockRelease(&q->mutex);
	if (first)
		ereport(LOG,
				(errmsg("pgml_worker could not start a worker for database %u: no background worker slot is free",
						dboid),
				 errdetail("The job stays queued; the launcher tries again every second."),
				 errhint("Raise max_worker_processes, or lower pgml_worker.max_workers.")));
}

/* Has dboid a worker that is not on its way out? */
static bool
launcher_has_worker(Oid dboid)
{
	bool		found = false;

	for (int i = 0; i < pgml_queue_shared->nslots && !found; i++)
	{
		PgmlWorkerState *w = &pgml_queue_shared->slots[i];

		SpinLockAcquire(&w->mutex);
		found = (w->dboid == dboid && w->phase != PGML_PHASE_FREE &&
				 w->phase != PGML_PHASE_EXITING);
		SpinLockRelease(&w->mutex);
	}
	return found;
}

/* A copy of one of the shared state's lists of databases; returns its length. */
static int
launcher_copy_list(const Oid *list, const int *count, Oid *out)
{
	int			n;

	SpinLockAcquire(&pgml_queue_shared->mutex);
	n = *count;
	memcpy(out, list, sizeof(Oid) * n);
	SpinLockRelease(&pgml_queue_shared->mutex);
	return n;
}

/*
 * The next database to serve: the first of the pending list that has no
 * worker yet, else the first.  So a database that waits for its
 * first worker goes before one asking for another (round robin).
 */
static Oid
launcher_next_pending(void)
{
	PgmlQueueShared *q = pgml_queue_shared;
	Oid			pending[PGML_PENDING_MAX];
	int			n = launcher_copy_list(q->pending, &q->npending, pending);

	Oid			first;

	if (n == 0)
		return InvalidOid;
	/* a database a worker was freed for (queue_fair.c) goes first */
	SpinLockAcquire(&q->mutex);
	first = q->priority_db;
	SpinLockRelease(&q->mutex);
	for (int k = 0; k < n && OidIsValid(first); k++)
	{
		if (pending[k] == first)
			return first;
	}
	for (int k = 0; k < n; k++)
	{
		if (!launcher_has_worker(pending[k]))
			return pending[k];
	}
	return pending[0];
}

/*
 * Start workers for the databases of the pending list, in turn, while
 * max_workers allows.  Returns how long to sleep.
 */
static long
launcher_schedule(void)
{
	PgmlQueueShared *q = pgml_queue_shared;

	for (;;)
	{
		Oid			dboid;
		int			slot;

		dboid = launcher_next_pending();
		if (!OidIsValid(dboid))
			break;

		if (!launcher_wake_existing(dboid))
		{
			if (pgml_queue_workers_in_use() >= pgml_queue_workers_allowed() ||
				(slot = launcher_reserve_slot(dboid)) < 0)
			{
				/* wait for a slot: take one back from an idle worker */
				launcher_reclaim_idle(dboid);
				break;
			}
			if (!launcher_start_worker(slot, dboid))
			{
				/* no bgworker slot: an idle worker may give its own back */
				launcher_release_slot(slot);
				launcher_start_failed(dboid);
				launcher_reclaim_idle(dboid);
				return LAUNCHER_RETRY_MS;
			}
			SpinLockAcquire(&q->mutex);
			q->start_failing = false;
			SpinLockRelease(&q->mutex);
		}

		pgml_queue_served(dboid);
	}
	return pgml_naptime * 1000L;
}

/* Every naptime: databases with a prepared INSERT into the queue get a look. */
static void
launcher_poll_prepared(void)
{
	PgmlQueueShared *q = pgml_queue_shared;
	Oid			dbs[PGML_PENDING_MAX];
	int			n = launcher_copy_list(q->prepared, &q->nprepared, dbs);

	for (int i = 0; i < n; i++)
		pgml_queue_request(dbs[i]);
}

/* Entry point of the launcher. */
void
pgml_launcher_main(Datum arg)
{
	PgmlQueueShared *q = pgml_queue_shared;
	TimestampTz next_poll;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* no database: the launcher reads only the shared catalog pg_database */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	SpinLockAcquire(&q->mutex);
	q->launcher_pid = MyProcPid;
	q->launcher_latch = MyLatch;
	q->launcher_started_at = GetCurrentTimestamp();
	SpinLockRelease(&q->mutex);
	before_shmem_exit(launcher_exit, 0);

	handles = MemoryContextAllocZero(TopMemoryContext,
									 sizeof(BackgroundWorkerHandle *) * q->nslots);
	handle_generation = MemoryContextAllocZero(TopMemoryContext,
											   sizeof(uint32) * q->nslots);

	if (pgml_database != NULL && pgml_database[0] != '\0')
		ereport(WARNING,
				(errcode(ERRCODE_WARNING_DEPRECATED_FEATURE),
				 errmsg("pgml_worker.database is ignored"),
				 errdetail("A job runs in the database where it was queued: the launcher starts a worker there."),
				 errhint("Remove pgml_worker.database from the server's configuration.")));
	ereport(LOG,
			(errmsg("pgml_worker launcher started (max_workers = %d)", pgml_max_workers)));

	/*
	 * Slots a previous launcher reserved for workers that have not started:
	 * nobody would reap them.  Their workers, if they start yet, find the
	 * slot gone and exit; the scan below asks for their databases again.
	 */
	for (int i = 0; i < q->nslots; i++)
	{
		PgmlWorkerState *w = &q->slots[i];

		SpinLockAcquire(&w->mutex);
		if (w->phase == PGML_PHASE_STARTING && w->pid == 0)
			w->phase = PGML_PHASE_FREE;
		SpinLockRelease(&w->mutex);
	}

	/* queued and stranded jobs of every database: a worker looks in each */
	launcher_scan_databases();
	next_poll = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), pgml_naptime * 1000L);

	for (;;)
	{
		long		sleep_ms;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		launcher_reap();
		if (GetCurrentTimestamp() >= next_poll)
		{
			launcher_poll_prepared();
			next_poll = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													pgml_naptime * 1000L);
		}
		launcher_feed_pending();
		sleep_ms = launcher_schedule();
		/* a role waiting for a worker that is not decided yet: look again soon */
		if (pgml_queue_rebalance())
			sleep_ms = Min(sleep_ms, LAUNCHER_REBALANCE_MS);
		/* databases still to look at after the pending list drains */
		if (scanned != NIL)
			sleep_ms = Min(sleep_ms, LAUNCHER_RETRY_MS);
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(sleep_ms, pgml_naptime * 1000L),
						 PG_WAIT_EXTENSION);
	}
}
