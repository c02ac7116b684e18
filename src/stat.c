/*-------------------------------------------------------------------------
 *
 * stat.c
 *	  Set-returning functions behind the pgml.stat_* views: the published
 *	  models (registry.c) and the training worker (queue.c's shared state).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
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

/* SQL: the training worker's state, one row; the job only to whom it belongs. */
Datum
pgml_stat_worker(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PgmlWorkerState copy;
	Datum		values[11];
	bool		nulls[11];

	pgml_require_preload();
	InitMaterializedSRF(fcinfo, 0);

	SpinLockAcquire(&pgml_worker_state->mutex);
	copy.pid = pgml_worker_state->pid;
	copy.current_job = pgml_worker_state->current_job;
	copy.current_role = pgml_worker_state->current_role;
	copy.rounds_done = pgml_worker_state->rounds_done;
	copy.rounds_total = pgml_worker_state->rounds_total;
	copy.jobs_succeeded = pgml_worker_state->jobs_succeeded;
	copy.jobs_failed = pgml_worker_state->jobs_failed;
	copy.jobs_cancelled = pgml_worker_state->jobs_cancelled;
	copy.started_at = pgml_worker_state->started_at;
	copy.last_job_at = pgml_worker_state->last_job_at;
	SpinLockRelease(&pgml_worker_state->mutex);

	memset(nulls, 0, sizeof(nulls));
	if (copy.pid != 0)
		values[0] = Int32GetDatum(copy.pid);
	else
		nulls[0] = true;
	values[1] = CStringGetTextDatum(pgml_database);
	values[2] = CStringGetTextDatum(copy.pid == 0 ? "stopped" :
									copy.current_job != 0 ? "training" : "idle");
	/* whose job it is, and how far along, only to that role's members */
	if (copy.current_job != 0 &&
		(has_privs_of_role(GetUserId(), copy.current_role) ||
		 has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS)))
	{
		values[3] = Int64GetDatum(copy.current_job);
		values[4] = Int32GetDatum(copy.rounds_done);
		values[5] = Int32GetDatum(copy.rounds_total);
	}
	else
		nulls[3] = nulls[4] = nulls[5] = true;
	values[6] = Int64GetDatum((int64) copy.jobs_succeeded);
	values[7] = Int64GetDatum((int64) copy.jobs_failed);
	values[8] = Int64GetDatum((int64) copy.jobs_cancelled);
	if (copy.pid != 0)
		values[9] = TimestampTzGetDatum(copy.started_at);
	else
		nulls[9] = true;
	if (copy.last_job_at != 0)
		values[10] = TimestampTzGetDatum(copy.last_job_at);
	else
		nulls[10] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
