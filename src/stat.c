/*-------------------------------------------------------------------------
 *
 * stat.c
 *	  Set-returning functions behind the pgml.stat_* views: the published
 *	  models (registry.c) and the job service (queue.c's shared state).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "commands/dbcommands.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pgml_acl.h"
#include "pgml_worker.h"

PG_FUNCTION_INFO_V1(pgml_stat_models);

/*
 * May the current user see this image?  Roles with pg_read_all_stats see
 * every image of the database; others those of projects they may use.
 */
static bool
slot_visible(const PgmlSlotStats *s, bool all_stats, bool schema_ready)
{
	PgmlProject p;

	if (s->dboid != MyDatabaseId)
		return false;
	if (all_stats || !schema_ready)
		return true;
	if (!pgml_project_read(s->project[0] != '\0' ? s->project : NULL, s->model_id,
						   false, &p))
		return false;
	return pgml_acl_may_use(&p, GetUserId());
}

/* SQL: one row per published model image of this database that the user may see. */
Datum
pgml_stat_models(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PgmlSlotStats *stats;
	int			n;
	bool		all_stats = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	bool		schema_ready = pgml_acl_schema_ready();

	pgml_require_preload();
	InitMaterializedSRF(fcinfo, 0);
	n = pgml_registry_stats(&stats);
	for (int i = 0; i < n; i++)
	{
		PgmlSlotStats *s = &stats[i];
		Datum		values[13];
		bool		nulls[13];

		if (!slot_visible(s, all_stats, schema_ready))
			continue;
		memset(nulls, 0, sizeof(nulls));
		values[0] = ObjectIdGetDatum(s->dboid);
		if (s->project[0] != '\0')
			values[1] = CStringGetTextDatum(s->project);
		else
			nulls[1] = true;
		values[2] = Int64GetDatum(s->model_id);
		values[3] = CStringGetTextDatum(s->algorithm);
		values[4] = Int64GetDatum((int64) s->bytes);
		values[5] = Int64GetDatum((int64) s->generation);
		values[6] = Int64GetDatum((int64) s->loads);
		values[7] = Int64GetDatum((int64) s->hits);
		values[8] = Int64GetDatum((int64) s->evictions);
		values[9] = Float8GetDatum(s->compile_ms);
		values[10] = Int64GetDatum((int64) s->predict_calls);
		values[11] = Int64GetDatum((int64) s->rows_predicted);
		values[12] = TimestampTzGetDatum(s->published_at);
		if (rsinfo->setDesc->natts == 10)
		{
			/* the 0.1.0 schema's pgml._stat_models(), until it is updated */
			values[7] = values[10];
			values[8] = values[11];
			values[9] = values[12];
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pgml_stat_registry);

/* SQL: the registry as a whole, one row (server-wide numbers, no names). */
Datum
pgml_stat_registry(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PgmlRegistrySummary r;
	Datum		values[8];
	bool		nulls[8] = {0};

	pgml_require_preload();
	InitMaterializedSRF(fcinfo, 0);
	pgml_registry_summary(&r);
	values[0] = Int32GetDatum(r.slots);
	values[1] = Int32GetDatum(r.slots_used);
	values[2] = Int32GetDatum(r.max_models);
	values[3] = Int32GetDatum(r.max_segments);
	values[4] = Int64GetDatum((int64) r.hits);
	values[5] = Int64GetDatum((int64) r.loads);
	values[6] = Int64GetDatum((int64) r.evictions);
	values[7] = Int64GetDatum((int64) r.unpublished);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pgml_stat_worker);

#define STAT_WORKER_COLS 16

/* What pgml.stat_worker calls a phase. */
static const char *
phase_name(PgmlWorkerPhase phase)
{
	switch (phase)
	{
		case PGML_PHASE_STARTING:
			return "starting";
		case PGML_PHASE_RECOVERING:
			return "recovering";
		case PGML_PHASE_CLAIMING:
			return "claiming";
		case PGML_PHASE_TRAINING:
			return "training";
		case PGML_PHASE_IDLE:
			return "idle";
		case PGML_PHASE_EXITING:
			return "exiting";
		case PGML_PHASE_FREE:
			break;
	}
	return "free";
}

/*
 * Add a row; under the 0.1.0 schema's pgml._stat_worker() (11 columns,
 * until ALTER EXTENSION UPDATE), in its shape: pid, database, state, job_id,
 * rounds_done, rounds_total, the three counts, started_at, last_job_at.
 */
static void
stat_worker_put(ReturnSetInfo *rsinfo, Datum *values, bool *nulls)
{
	static const int old_shape[] = {1, 3, 4, 5, 7, 8, 9, 10, 11, 12, 14};

	if (rsinfo->setDesc->natts == lengthof(old_shape))
	{
		Datum		v[lengthof(old_shape)];
		bool		n[lengthof(old_shape)];

		for (int i = 0; i < lengthof(old_shape); i++)
		{
			v[i] = values[old_shape[i]];
			n[i] = nulls[old_shape[i]];
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	else
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* The launcher's row: server-wide job counts and refused worker starts. */
static void
stat_launcher_row(ReturnSetInfo *rsinfo)
{
	PgmlQueueShared *q = pgml_queue_shared;
	Datum		values[STAT_WORKER_COLS];
	bool		nulls[STAT_WORKER_COLS];
	pid_t		pid;
	bool		failing;

	memset(nulls, true, sizeof(nulls));
	SpinLockAcquire(&q->mutex);
	pid = q->launcher_pid;
	failing = q->start_failing;
	values[9] = Int64GetDatum((int64) q->jobs_succeeded);
	values[10] = Int64GetDatum((int64) q->jobs_failed);
	values[11] = Int64GetDatum((int64) q->jobs_cancelled);
	values[12] = TimestampTzGetDatum(q->launcher_started_at);
	values[15] = Int64GetDatum((int64) q->start_failures);
	SpinLockRelease(&q->mutex);

	values[0] = CStringGetTextDatum("launcher");
	nulls[0] = false;
	if (pid != 0)
	{
		values[1] = Int32GetDatum(pid);
		nulls[1] = nulls[12] = false;
	}
	values[4] = CStringGetTextDatum(pid == 0 ? "stopped" :
									failing ? "waiting for a worker slot" : "running");
	nulls[4] = nulls[9] = nulls[10] = nulls[11] = nulls[15] = false;
	stat_worker_put(rsinfo, values, nulls);
}

/*
 * SQL: the launcher and one row per database worker, of every database (as
 * pg_stat_activity); the job, its role and progress only to members of the
 * role that queued it and to pg_read_all_stats.
 */
Datum
pgml_stat_worker(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			user = GetUserId();
	bool		all_stats = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);

	pgml_require_preload();
	InitMaterializedSRF(fcinfo, 0);
	stat_launcher_row(rsinfo);

	for (int i = 0; i < pgml_queue_shared->nslots; i++)
	{
		PgmlWorkerState *w = &pgml_queue_shared->slots[i];
		PgmlWorkerState copy;
		Datum		values[STAT_WORKER_COLS];
		bool		nulls[STAT_WORKER_COLS];
		char	   *dbname;

		SpinLockAcquire(&w->mutex);
		/* a snapshot of the plain fields (its lock and atomic are not used) */
		memcpy(&copy, w, sizeof(copy));
		SpinLockRelease(&w->mutex);
		if (copy.phase == PGML_PHASE_FREE)
			continue;

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum("worker");
		values[1] = Int32GetDatum(copy.pid);
		nulls[1] = (copy.pid == 0);
		values[2] = ObjectIdGetDatum(copy.dboid);
		dbname = get_database_name(copy.dboid);
		values[3] = dbname ? CStringGetTextDatum(dbname) : (Datum) 0;
		nulls[3] = (dbname == NULL);
		values[4] = CStringGetTextDatum(phase_name(copy.phase));
		/* whose job it is, and how far along, only to that role's members */
		if (copy.current_job != 0 &&
			(all_stats || has_privs_of_role(user, copy.current_role)))
		{
			values[5] = Int64GetDatum(copy.current_job);
			values[6] = ObjectIdGetDatum(copy.current_role);
			values[7] = Int32GetDatum(copy.rounds_done);
			values[8] = Int32GetDatum(copy.rounds_total);
			values[13] = TimestampTzGetDatum(copy.job_started_at);
		}
		else
			nulls[5] = nulls[6] = nulls[7] = nulls[8] = nulls[13] = true;
		values[9] = Int64GetDatum((int64) copy.jobs_succeeded);
		values[10] = Int64GetDatum((int64) copy.jobs_failed);
		values[11] = Int64GetDatum((int64) copy.jobs_cancelled);
		values[12] = TimestampTzGetDatum(copy.started_at);
		values[14] = TimestampTzGetDatum(copy.last_job_at);
		nulls[14] = (copy.last_job_at == 0);
		nulls[15] = true;
		stat_worker_put(rsinfo, values, nulls);
	}
	return (Datum) 0;
}
