/*-------------------------------------------------------------------------
 *
 * queue_fair.c
 *	  Fair shares of the workers: a role whose job waits while every worker
 *	  is busy, and another role holds at least two workers more than it,
 *	  gets one back at once: the newest job of that other role goes back to
 *	  the queue (and runs again later, from the start).
 *
 * The claim order (train/worker.c) already makes roles take turns as
 * workers free up; what it cannot do is free one.  With max_workers = 2, a
 * role that queued twenty long jobs holds both workers, and another role's
 * short job would wait for the end of one of those long jobs.  Here it
 * waits only for a worker to put a job back and claim again.
 *
 * Who decides: the launcher (pgml_queue_rebalance, at each wake-up), from
 * the slots' state in shared memory.  It learns which roles wait from the
 * commit of their INSERT (pgml_queue_roles_wait, called by queue.c when no
 * idle worker of the database took the job).  An entry is forgotten once a
 * worker claims a job of that role in that database
 * (pgml_queue_role_served), once decided, or after PGML_WAITING_TTL_MS: it
 * only matters at the moment the job is queued, since from then on the
 * claim order serves that role before the role that holds more workers.
 * An entry is not decided while a worker is starting, claiming without a
 * job yet, or idle: such a worker may take the job (if it claimed another
 * role's job instead, it sets the launcher's latch when it starts training,
 * and the entry is looked at again).
 *
 * The job put back: its worker gets SIGUSR2 with the slot's yield_job set,
 * which interrupts the job as a cancel does (its trainer is killed, its
 * transaction rolled back); train/worker.c then sets it 'queued' again,
 * keeping its queued_at and id (its place among the role's jobs), with
 * the reason in its error column until it runs again.  In the database
 * the worker was freed for, it claims again (the waiting role's job has
 * the lower turn); elsewhere it leaves and the launcher starts a worker
 * there before any other database, and one for the job put back later.
 * The newest job is chosen, the least work lost; one that was put back
 * before only when each of its role's other jobs was too, so that no job
 * restarts over and over while its siblings run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/timestamp.h"

#include "pgml_worker.h"

/* What the launcher reads of a slot, once. */
typedef struct SlotView
{
	PgmlWorkerPhase phase;
	Oid			dboid;
	int64		job;
	Oid			role;
	TimestampTz started;
	bool		yielding;		/* already asked to give its job back */
	bool		yielded_before; /* its job went back to the queue once */
} SlotView;

void
pgml_queue_roles_wait(Oid dboid, const Oid *roles, int nroles)
{
	PgmlQueueShared *q = pgml_queue_shared;
	TimestampTz now = GetCurrentTimestamp();
	Latch	   *latch;

	if (q == NULL || nroles == 0)
		return;
	SpinLockAcquire(&q->mutex);
	for (int r = 0; r < nroles; r++)
	{
		int			k;

		for (k = 0; k < q->nwaiting; k++)
		{
			if (q->waiting[k].dboid == dboid && q->waiting[k].role == roles[r])
				break;
		}
		if (k == q->nwaiting)
		{
			/* full: this role waits for a worker to free up, as before */
			if (q->nwaiting == PGML_WAITING_MAX)
				continue;
			q->nwaiting++;
		}
		q->waiting[k].dboid = dboid;
		q->waiting[k].role = roles[r];
		q->waiting[k].since = now;
	}
	latch = q->launcher_latch;
	SpinLockRelease(&q->mutex);
	if (latch)
		SetLatch(latch);
}

void
pgml_queue_role_served(Oid dboid, Oid role)
{
	PgmlQueueShared *q = pgml_queue_shared;
	int			kept = 0;

	SpinLockAcquire(&q->mutex);
	for (int k = 0; k < q->nwaiting; k++)
	{
		if (q->waiting[k].dboid != dboid || q->waiting[k].role != role)
			q->waiting[kept++] = q->waiting[k];
	}
	q->nwaiting = kept;
	SpinLockRelease(&q->mutex);
}

/* Workers of role among the views, not counting those giving a job back. */
static int
role_workers(const SlotView *v, int n, Oid role)
{
	int			count = 0;

	for (int i = 0; i < n; i++)
	{
		if (v[i].job != 0 && v[i].role == role && !v[i].yielding)
			count++;
	}
	return count;
}

/*
 * The slot running the newest job of the role holding the most workers
 * (other than role), if it holds at least two more than role; else -1.
 * A job that was put back before is taken only if every other job of that
 * role was too: a job restarts again only when its role's other jobs have
 * each restarted once.
 */
static int
choose_victim(const SlotView *v, int n, Oid role)
{
	int			mine = role_workers(v, n, role);
	int			victim = -1;
	int			most = 0;

	for (int i = 0; i < n; i++)
	{
		int			theirs;

		if (v[i].job == 0 || v[i].yielding || v[i].role == role)
			continue;
		theirs = role_workers(v, n, v[i].role);
		if (theirs < mine + 2)
			continue;
		if (victim < 0 || theirs > most ||
			(theirs == most && v[i].role == v[victim].role &&
			 (v[victim].yielded_before > v[i].yielded_before ||
			  (v[victim].yielded_before == v[i].yielded_before &&
			   v[i].started > v[victim].started))))
		{
			victim = i;
			most = theirs;
		}
	}
	return victim;
}

/*
 * Log which job gives its worker to whom.  The launcher is connected to no
 * database, but reads the shared catalogs (names of roles and databases).
 */
static void
log_yield(int64 job, Oid job_db, const PgmlWaitingRole *to)
{
	char	   *role;
	char	   *db;
	char	   *from;

	StartTransactionCommand();
	role = GetUserNameFromId(to->role, true);
	db = get_database_name(to->dboid);
	from = get_database_name(job_db);
	ereport(LOG,
			(errmsg("pgml_worker: training job %lld of database \"%s\" goes back to the queue to free a worker for role \"%s\" in database \"%s\"",
					(long long) job, from ? from : "?", role ? role : "?", db ? db : "?"),
			 errdetail("Every worker was busy and the role of that job held at least two more than this one.")));
	CommitTransactionCommand();
}

bool
pgml_queue_rebalance(void)
{
	PgmlQueueShared *q = pgml_queue_shared;
	PgmlWaitingRole waiting[PGML_WAITING_MAX];
	SlotView   *v;
	int			nwaiting;
	int			busy = 0;
	bool		unsettled = false;
	bool		undecided = false;
	TimestampTz now = GetCurrentTimestamp();
	int			kept = 0;

	/* expire old entries (all of them when switched off); copy the rest */
	SpinLockAcquire(&q->mutex);
	if (!pgml_take_back_workers)
		q->nwaiting = 0;
	for (int k = 0; k < q->nwaiting; k++)
	{
		if (!TimestampDifferenceExceeds(q->waiting[k].since, now, PGML_WAITING_TTL_MS))
			q->waiting[kept++] = q->waiting[k];
	}
	q->nwaiting = kept;
	nwaiting = kept;
	memcpy(waiting, q->waiting, sizeof(PgmlWaitingRole) * nwaiting);
	SpinLockRelease(&q->mutex);
	if (nwaiting == 0)
		return false;

	v = palloc0(sizeof(SlotView) * q->nslots);
	for (int i = 0; i < q->nslots; i++)
	{
		PgmlWorkerState *w = &q->slots[i];

		SpinLockAcquire(&w->mutex);
		v[i].phase = w->phase;
		v[i].dboid = w->dboid;
		v[i].job = w->phase == PGML_PHASE_FREE ? 0 : w->current_job;
		v[i].role = w->current_role;
		v[i].started = w->job_started_at;
		v[i].yielded_before = w->yielded_before;
		SpinLockRelease(&w->mutex);
		v[i].yielding = v[i].job != 0 &&
			pg_atomic_read_u64(&w->yield_job) == (uint64) v[i].job;
		if (v[i].phase == PGML_PHASE_FREE)
			continue;
		busy++;
		/* a worker that may still take the waiting job, or exits soon */
		if (v[i].phase == PGML_PHASE_STARTING || v[i].phase == PGML_PHASE_RECOVERING ||
			v[i].phase == PGML_PHASE_IDLE || v[i].phase == PGML_PHASE_EXITING ||
			(v[i].phase == PGML_PHASE_CLAIMING && v[i].job == 0) || v[i].yielding)
			unsettled = true;
	}
	/* a free slot: the launcher starts a worker for the waiting database */
	if (busy < pgml_queue_workers_allowed())
		unsettled = true;

	for (int k = 0; k < nwaiting; k++)
	{
		int			victim;
		pid_t		pid = 0;

		/*
		 * Not while a worker may still take the job, nor more than one
		 * worker per pass: the next pass sees the counts that result.
		 */
		if (unsettled)
		{
			undecided = true;
			continue;
		}
		victim = choose_victim(v, q->nslots, waiting[k].role);
		if (victim >= 0)
		{
			PgmlWorkerState *w = &q->slots[victim];

			SpinLockAcquire(&w->mutex);
			if (w->current_job == v[victim].job && w->dboid == v[victim].dboid &&
				w->phase != PGML_PHASE_FREE)
			{
				w->yield_for_db = waiting[k].dboid;
				w->yield_for_role = waiting[k].role;
				pg_atomic_write_u64(&w->yield_job, (uint64) v[victim].job);
				pid = w->pid;
			}
			SpinLockRelease(&w->mutex);
			if (pid != 0)
			{
				(void) kill(pid, SIGUSR2);
				log_yield(v[victim].job, v[victim].dboid, &waiting[k]);
				unsettled = true;
			}
		}
		/* decided: a worker was freed, or no role holds two more than it */
		pgml_queue_role_served(waiting[k].dboid, waiting[k].role);
	}
	pfree(v);
	return undecided;
}
