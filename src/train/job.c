/*-------------------------------------------------------------------------
 *
 * job.c
 *	  One training job, from parameters to a deployed model, and the
 *	  synchronous SQL entry point pgml.train().
 *
 * The background worker (worker.c) and pgml.train() both call
 * pgml_job_run(): read the relation as the job's role, split it with a
 * seeded shuffle, train, compile the artifact into its shared image and
 * evaluate the held-out rows *with that image* (so the stored metrics are
 * those of what predict serves), store the model, and deploy it when it is
 * at least as good as the deployed one.  Publication to shared memory
 * happens when the surrounding transaction commits (registry.c).
 *
 * Writes to pgml.* are made as the catalog identity (the owner of
 * pgml.models, with a safe search_path: acl.c), so an unprivileged caller
 * can train without being able to write those tables directly.  Training
 * into an existing project needs the privileges of its owner; a new project
 * belongs to the job's role.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "access/xact.h"
#include "portability/instr_time.h"
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "pgml_acl.h"
#include "pgml_algorithms.h"
#include "pgml_job.h"
#include "pgml_preprocess.h"
#include "pgml_train.h"
#include "pgml_trainer.h"
#include "pgml_worker.h"

int64		pgml_current_job_id = 0;


/*
 * Between rounds: honour query cancel, a committed job cancellation, and a
 * request to put the job back in the queue (queue_fair.c).
 */
void
pgml_train_check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
	if (pgml_current_job_id != 0 && pgml_worker_state != NULL &&
		(pg_atomic_read_u64(&pgml_worker_state->cancel_job) == (uint64) pgml_current_job_id ||
		 pg_atomic_read_u64(&pgml_worker_state->yield_job) == (uint64) pgml_current_job_id))
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("training job %lld was cancelled", (long long) pgml_current_job_id)));
}

/* Report boosting progress for pgml.stat_worker. */
void
pgml_train_report_progress(int32 done, int32 total)
{
	if (pgml_current_job_id == 0 || pgml_worker_state == NULL)
		return;
	SpinLockAcquire(&pgml_worker_state->mutex);
	pgml_worker_state->rounds_done = done;
	pgml_worker_state->rounds_total = total;
	SpinLockRelease(&pgml_worker_state->mutex);
}

/* Saved state of a switch to the job's role. */
typedef struct RoleSwitch
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} RoleSwitch;

/*
 * Become the job's role to read its relation, under a restricted security
 * context; the session's search_path is kept, so the relation name resolves
 * as the user wrote it (writes to pgml.* use pgml_catalog_push instead).
 */
static void
role_push(Oid role, RoleSwitch *rs)
{
	GetUserIdAndSecContext(&rs->save_userid, &rs->save_sec_context);
	SetUserIdAndSecContext(role, rs->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	rs->save_nestlevel = NewGUCNestLevel();
}

/* Undo role_push. */
static void
role_pop(const RoleSwitch *rs)
{
	AtEOXact_GUC(false, rs->save_nestlevel);
	SetUserIdAndSecContext(rs->save_userid, rs->save_sec_context);
}

/* The tasks an algorithm solves (include/pgml_algorithms.h). */
static bool
algorithm_fits_task(const char *algorithm, PgmlTask task)
{
	const PgmlAlgorithmDef *a = pgml_algorithm_find(algorithm);

	return a != NULL && pgml_algorithm_solves(a, task);
}

/* Does the task learn from a label? */
static bool
task_supervised(PgmlTask task)
{
	return task == PGML_TASK_REGRESSION || task == PGML_TASK_CLASSIFICATION;
}

/* Is this one of the XGBoost algorithms? */
bool
pgml_algorithm_is_trees(const char *algorithm)
{
	const PgmlAlgorithmDef *a = pgml_algorithm_find(algorithm);

	return a != NULL && a->family == PGML_FAMILY_TREES;
}

/* Does the algorithm train on missing values as they are? */
bool
pgml_algorithm_takes_missing(const char *algorithm)
{
	const PgmlAlgorithmDef *a = pgml_algorithm_find(algorithm);

	return a != NULL && a->missing_values;
}

/* Parse the task name. */
static PgmlTask
parse_task(const char *task)
{
	if (strcmp(task, "regression") == 0)
		return PGML_TASK_REGRESSION;
	if (strcmp(task, "classification") == 0)
		return PGML_TASK_CLASSIFICATION;
	if (strcmp(task, "clustering") == 0)
		return PGML_TASK_CLUSTERING;
	if (strcmp(task, "decomposition") == 0)
		return PGML_TASK_DECOMPOSITION;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown task \"%s\"", task),
			 errhint("Supported tasks are regression, classification, clustering and decomposition.")));
	return 0;
}

/* qsort comparator for doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Replace labels by class indexes; returns the sorted distinct labels. */
static double *
encode_classes(double *y, int64 n, int32 *n_classes)
{
	double	   *sorted = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n);
	int32		k = 0;
	double	   *classes;

	memcpy(sorted, y, sizeof(double) * n);
	qsort(sorted, n, sizeof(double), cmp_double);
	for (int64 i = 0; i < n; i++)
	{
		if (i == 0 || sorted[i] != sorted[k - 1])
		{
			sorted[k++] = sorted[i];
			if (k > PGML_MAX_CLASSES)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the label has more than %d distinct values", PGML_MAX_CLASSES),
						 errhint("Use task => 'regression' for a continuous target.")));
		}
	}
	if (k < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("classification needs at least two classes in the label"),
				 errdetail("Every row has label %g.", sorted[0])));
	classes = palloc(sizeof(double) * k);
	memcpy(classes, sorted, sizeof(double) * k);
	pfree(sorted);

	for (int64 i = 0; i < n; i++)
	{
		double	   *hit = bsearch(&y[i], classes, k, sizeof(double), cmp_double);

		y[i] = (double) (hit - classes);
	}
	*n_classes = k;
	return classes;
}

/*
 * Find or create the project; returns its id.  Runs as the catalog
 * identity.  Training into an existing project needs the privileges of its
 * owner (role is the job's); a new project belongs to role.
 */
static int64
project_get(const char *name, const char *task_in, Oid role, char **task_out)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, OIDOID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		isnull;
	int			ret;
	PgmlProject p;

	if (pgml_project_read(name, 0, false, &p))
	{
		pgml_acl_check_owner(&p, role);
		if (task_in != NULL && strcmp(task_in, p.task) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("project \"%s\" is a %s project, not %s", name, p.task, task_in),
					 errhint("Use another project name for a different task.")));
		*task_out = p.task;
		return p.id;
	}
	if (task_in == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("project \"%s\" does not exist", name),
				 errhint("Pass a task to create it.")));

	/*
	 * A concurrent first training of the same project waits on the unique
	 * index here; then the project exists and we look again.
	 */
	args[0] = CStringGetTextDatum(name);
	args[1] = CStringGetTextDatum(task_in);
	args[2] = ObjectIdGetDatum(role);
	ret = SPI_execute_with_args("INSERT INTO pgml.projects (name, task, owner) "
								"VALUES ($1, $2, $3::regrole) "
								"ON CONFLICT (name) DO NOTHING RETURNING id",
								3, argtypes, args, nulls, false, 1);
	if (ret != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not create project \"%s\"", name);
	if (SPI_processed == 0)
		return project_get(name, task_in, role, task_out);
	*task_out = pstrdup(task_in);
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, &isnull));
}

/* Key metric of the project's deployed model, or NaN if none. */
static double
deployed_score(int64 project_id, const char *metric)
{
	Oid			argtypes[2] = {INT8OID, TEXTOID};
	Datum		args[2] = {Int64GetDatum(project_id), CStringGetTextDatum(metric)};
	bool		isnull;
	Datum		d;
	int			ret;

	ret = SPI_execute_with_args("SELECT (m.metrics ->> $2)::float8 FROM pgml.deployments d "
								"JOIN pgml.models m ON m.id = d.model_id "
								"WHERE d.project_id = $1 ORDER BY d.id DESC LIMIT 1",
								2, argtypes, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read pgml.deployments");
	if (SPI_processed == 0)
		return NAN;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? -INFINITY : DatumGetFloat8(d);
}

/* Append timing fields to a metrics JSON object text. */
static char *
metrics_add_times(const char *metrics, double fit_time, double score_time)
{
	size_t		len = strlen(metrics);

	if (len < 2 || metrics[len - 1] != '}')
		elog(ERROR, "metrics are not a JSON object");
	return psprintf("%.*s%s\"fit_time\": %.6f, \"score_time\": %.6f}",
					(int) (len - 1), metrics, len > 2 ? ", " : "",
					fit_time, score_time);
}

/* Seconds between two timestamps. */
static double
seconds_between(TimestampTz a, TimestampTz b)
{
	return (double) (b - a) / 1000000.0;
}

/*
 * A NULL feature is allowed only where the model (trees) or its
 * preprocessing (an impute rule) can take it: check every row, training and
 * test, before anything is trained.
 */
static void
check_missing(const PgmlDataset *ds, const PgmlModel *model, const char *algorithm)
{
	bool		trees = pgml_algorithm_takes_missing(algorithm);
	const PgmlPreprocess *p = model->preprocess;

	for (int64 i = 0; i < ds->n_rows * ds->n_features; i++)
	{
		int			j = i % ds->n_features;
		bool		ok;

		if (!isnan(ds->x[i]))
			continue;
		if (p && p->impute[j] == PGML_IMPUTE_VALUE)
			ok = true;
		else if (p && p->impute[j] == PGML_IMPUTE_ERROR)
			ok = false;
		else
			ok = trees;
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s models cannot train on NULL features", algorithm),
					 errdetail("Row %lld of the relation has a NULL (or NaN, a missing value too) in column \"%s\".",
							   (long long) (i / ds->n_features) + 1,
							   ds->column_names[ds->column_of[j]]),
					 errhint("Impute it with preprocess, use algorithm => 'xgboost', which handles missing values, or filter the rows.")));
	}
}

/*
 * Memory freed by the reading, the split or a compaction is still resident
 * (glibc keeps freed heap pages; measured 41 MB of 145 MB for 1M x 20
 * rows): give it back before the trainer needs its share.
 */
static void
give_back_memory(void)
{
#ifdef __GLIBC__
	(void) malloc_trim(0);
#endif
}

/*
 * The job's last fit: as its rows become the trainer's, keep only the test
 * rows (the labels and the split order first, then the features).
 */
typedef struct KeepTestRows
{
	PgmlDataset *ds;
	int64	  **order;
	int64		n_test;
	int64	   *sorted;
} KeepTestRows;

static void
keep_test_rows(PgmlFilled stage, void *arg)
{
	KeepTestRows *k = arg;

	if (stage == PGML_FILLED_FEATURES)
		pgml_split_keep_test_features(k->ds, *k->order, k->n_test, k->sorted);
	else
		k->sorted = pgml_split_keep_test_labels(k->ds, *k->order, k->n_test);
	/* the training rows' part of the order is read no more */
	if (stage != PGML_FILLED_LABELS)
		*k->order = repalloc_huge(*k->order, sizeof(int64) * Max(k->n_test, 1));
	give_back_memory();
}

/*
 * Train algorithm on rows idx[0..n) of ds, in the trainer process.  model
 * arrives with task, n_features, n_classes and classes set; the trainer
 * fills the rest.  The rows are written once, preprocessed, into the
 * shared mapping the trainer reads (pgml_trainer.h): no other copy.
 */
void
pgml_train_rows(const char *algorithm, const PgmlDataset *ds, const int64 *idx, int64 n,
				Jsonb *hyperparams, PgmlModel *model,
				void (*filled) (PgmlFilled stage, void *arg), void *filled_arg)
{
	PgmlTrainInput in;
	PgmlTrainerData *data;
	bool		trees = pgml_algorithm_is_trees(algorithm);
	int32		nt = Max(ds->n_targets, 1);
	instr_time	start,
				filled_at;

	INSTR_TIME_SET_CURRENT(start);
	give_back_memory();
	/*
	 * XGBoost needs the row numbers only for one error, about labels, which
	 * is checked here instead: its data holds no row numbers (6 MB for
	 * 750,000 rows).  The other algorithms report rows in several errors.
	 */
	if (trees && ds->y != NULL)
	{
		for (int64 i = 0; i < n; i++)
			for (int32 k = 0; k < nt; k++)
			{
				double		v = ds->y[idx[i] * nt + k];

				if (isnan((float) v) || isinf((float) v))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("label %g of row %lld of the relation is not a finite real",
									v, (long long) idx[i] + 1),
							 errdetail("XGBoost trains on float4 labels.")));
			}
	}
	data = pgml_trainer_data_create(n, ds->n_features, ds->y != NULL ? nt : 0, !trees);
	/* row numbers and labels first: the caller may then free its copies */
	if (data->row_of)
		memcpy(data->row_of, idx, sizeof(int64) * n);
	if (ds->y != NULL)
	{
		for (int64 i = 0; i < n; i++)
			memcpy(data->y + i * nt, ds->y + idx[i] * nt, sizeof(double) * nt);
	}
	if (filled)
		filled(data->row_of ? PGML_FILLED_LABELS_ROWS : PGML_FILLED_LABELS, filled_arg);
	if (data->row_of)
		idx = data->row_of;
	for (int64 i = 0; i < n; i++)
		memcpy(data->x + i * ds->n_features, ds->x + idx[i] * ds->n_features,
			   sizeof(float) * ds->n_features);
	if (model->preprocess)
		pgml_preprocess_apply(model->preprocess, ds, data->x, n);
	if (!pgml_algorithm_takes_missing(algorithm))
	{
		for (int64 i = 0; i < n * ds->n_features; i++)
			if (isnan(data->x[i]))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s models cannot train on NULL features", algorithm),
						 errdetail("Row %lld of the relation has a NULL (or NaN, a missing value too) in column \"%s\".",
								   (long long) idx[i / ds->n_features] + 1,
								   ds->column_names[ds->column_of[i % ds->n_features]]),
						 errhint("Impute it with preprocess, use algorithm => 'xgboost', which handles missing values, or filter the rows.")));
	}
	if (filled)
		filled(PGML_FILLED_FEATURES, filled_arg);
	INSTR_TIME_SET_CURRENT(filled_at);
	INSTR_TIME_SUBTRACT(filled_at, start);
	pgml_trainer_handoff_seconds += INSTR_TIME_GET_DOUBLE(filled_at);

	memset(&in, 0, sizeof(in));
	in.x = data->x;
	in.y = data->y;
	in.n_rows = n;
	in.n_features = ds->n_features;
	in.n_classes = model->n_classes;
	in.n_targets = nt;
	in.task = model->task;
	in.algorithm = algorithm;
	in.hyperparams = hyperparams;
	in.nthread = pgml_nthread;
	in.seed = PGML_SPLIT_SEED;
	in.row_of = data->row_of;

	pgml_trainer_fit(&in, data, model);
	pgml_trainer_data_free(data);
}

/* The elements of a text[] as C strings (NULL for a NULL element); *n gets their count. */
static const char **
text_array_cstrings(ArrayType *arr, int *n)
{
	Datum	   *elems;
	bool	   *enulls;
	const char **names;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, n);
	names = palloc(sizeof(char *) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
		names[i] = enulls[i] ? NULL : TextDatumGetCString(elems[i]);
	return names;
}

/* A job's label columns: y_column_names, or its one y_column_name, or none. */
static const char *const *
job_labels(const PgmlJob *job, int *n)
{
	*n = job->n_y_columns > 0 ? job->n_y_columns : job->y_column_name != NULL;
	return job->n_y_columns > 0 ? job->y_column_names : &job->y_column_name;
}

/*
 * Training again without a relation (as PostgresML): the project's last
 * snapshot gives the relation, label, split and preprocessing; models from
 * before snapshots existed give what their row recorded.  Fills *out from
 * job; returns the snapshot's id, or 0 if the job names its relation (a new
 * snapshot is recorded then).  Read as the catalog identity, latest state.
 */
static int64
snapshot_resolve(const PgmlJob *job, PgmlJob *out)
{
	MemoryContext caller = CurrentMemoryContext;
	PgmlCatalogSwitch cs;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int64		snapshot_id = 0;
	bool		isnull;
	int			ret;

	*out = *job;
	if (job->relation_name != NULL)
		return 0;
	args[0] = CStringGetTextDatum(job->project_name);
	pgml_catalog_push(&cs);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT CASE WHEN s.materialized THEN 'pgml.snapshot_' || s.id "
								"ELSE coalesce(s.relation_name, m.relation_name) END, "
								"coalesce(s.y_column_name, ARRAY[m.y_column_name]), "
								"coalesce(s.test_size, m.test_size), "
								"coalesce(s.test_sampling, m.test_sampling), s.preprocess, s.id "
								"FROM pgml.projects p JOIN pgml.models m ON m.project_id = p.id "
								"LEFT JOIN pgml.snapshots s ON s.id = m.snapshot_id "
								"WHERE p.name = $1 ORDER BY m.id DESC LIMIT 1",
								1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read pgml.snapshots");
	if (SPI_processed == 0 || SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("project \"%s\" has no snapshot to train on again", job->project_name),
				 errhint("Pass relation_name (and y_column_name) to train it on a relation.")));
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(caller);
		Datum		d;

		out->relation_name = SPI_getvalue(tup, desc, 1);
		d = SPI_getbinval(tup, desc, 2, &isnull);
		out->y_column_name = NULL;
		out->n_y_columns = 0;
		out->y_column_names = NULL;
		if (!isnull)
		{
			int			n;
			const char **names = text_array_cstrings(DatumGetArrayTypeP(d), &n);

			if (n > 0 && names[0] != NULL)
			{
				out->y_column_name = names[0];
				out->n_y_columns = n;
				out->y_column_names = names;
			}
		}
		d = SPI_getbinval(tup, desc, 3, &isnull);
		if (!isnull)
			out->test_size = DatumGetFloat4(d);
		out->test_sampling = SPI_getvalue(tup, desc, 4);
		d = SPI_getbinval(tup, desc, 5, &isnull);
		if (!isnull)
			out->preprocess = DatumGetJsonbPCopy(d);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		snapshot_id = isnull ? 0 : DatumGetInt64(d);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	pgml_catalog_pop(&cs);
	return snapshot_id;
}

/* The feature columns of a dataset, as a JSON array for pgml.snapshots.columns. */
static Datum
snapshot_columns_json(const PgmlDataset *ds)
{
	StringInfoData cols;

	initStringInfo(&cols);
	appendStringInfoChar(&cols, '[');
	for (int i = 0; i < ds->n_columns; i++)
	{
		if (i > 0)
			appendStringInfoString(&cols, ", ");
		escape_json(&cols, ds->column_names[i]);
	}
	appendStringInfoChar(&cols, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(cols.data));
}

/* The labels of a job that has some, as a text[] Datum. */
static Datum
job_labels_array(const PgmlJob *job)
{
	int			n;
	const char *const *labels = job_labels(job, &n);
	Datum	   *e = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		e[i] = CStringGetTextDatum(labels[i]);
	return PointerGetDatum(construct_array(e, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Insert the snapshot of a job's relation (its qualified name) into
 * pgml.snapshots; columns (a JSON array) may be 0, to be filled once read.
 * Returns its id.  Caller is in SPI as the catalog identity.
 */
static int64
snapshot_insert(const PgmlJob *job, const char *relation, bool materialized, Datum columns)
{
	Oid			argtypes[8] = {TEXTOID, TEXTARRAYOID, FLOAT4OID, TEXTOID, JSONBOID, JSONBOID,
							   INT8OID, BOOLOID};
	Datum		args[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;

	args[0] = CStringGetTextDatum(relation);
	if (job->y_column_name)
		args[1] = job_labels_array(job);
	else
		nulls[1] = 'n';
	args[2] = Float4GetDatum((float4) job->test_size);
	args[3] = CStringGetTextDatum(job->test_sampling ? job->test_sampling : "stratified");
	args[4] = columns;
	if (columns == (Datum) 0)
		nulls[4] = 'n';
	if (job->preprocess)
		args[5] = JsonbPGetDatum(job->preprocess);
	else
		nulls[5] = 'n';
	args[6] = Int64GetDatum((int64) PGML_SPLIT_SEED);
	args[7] = BoolGetDatum(materialized);
	if (SPI_execute_with_args("INSERT INTO pgml.snapshots (relation_name, y_column_name, test_size, "
							  "test_sampling, columns, preprocess, seed, materialized) "
							  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
							  8, argtypes, args, nulls, false, 1) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "could not record the snapshot");
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* Run one statement as the catalog identity (in SPI). */
static void
catalog_exec(const char *sql)
{
	int			ret = SPI_execute(sql, false, 0);

	if (ret < 0)
		elog(ERROR, "could not run \"%s\": %s", sql, SPI_result_code_string(ret));
}

/*
 * materialize_snapshot: copy the relation's rows into pgml.snapshot_<id>,
 * which training then reads, and training again later reads too.  The
 * table belongs to the catalog identity; the rows are copied as the job's
 * role (its privileges and row security apply, as to its own SELECT), and
 * the project's owner may read them.  Returns the snapshot's id and sets
 * *table.  Caller is connected to SPI.
 */
static int64
snapshot_materialize(const PgmlJob *job, const char *relation, Oid owner, char **table)
{
	PgmlCatalogSwitch cs;
	RoleSwitch	rs;
	int64		id;
	char	   *qualname;
	const char *role = quote_identifier(GetUserNameFromId(job->role, false));

	pgml_catalog_push(&cs);
	id = snapshot_insert(job, relation, true, (Datum) 0);
	qualname = psprintf("pgml.snapshot_%lld", (long long) id);
	catalog_exec(psprintf("CREATE TABLE %s (LIKE %s)", qualname, relation));
	catalog_exec(psprintf("GRANT SELECT, INSERT ON %s TO %s", qualname, role));
	pgml_catalog_pop(&cs);

	role_push(job->role, &rs);
	catalog_exec(psprintf("INSERT INTO %s SELECT * FROM %s", qualname, relation));
	role_pop(&rs);

	pgml_catalog_push(&cs);
	catalog_exec(psprintf("REVOKE INSERT ON %s FROM %s", qualname, role));
	if (owner != job->role)
		catalog_exec(psprintf("GRANT SELECT ON %s TO %s", qualname,
							  quote_identifier(GetUserNameFromId(owner, false))));
	pgml_catalog_pop(&cs);
	*table = qualname;
	return id;
}

/* Run one training job in the current transaction. */
void
pgml_job_run(const PgmlJob *job, PgmlJobResult *result)
{
	RoleSwitch	rs;
	PgmlDataset ds;
	PgmlModel	model;
	PgmlTask	task;
	char	   *task_name;
	int64		project_id;
	int64		n_test;
	int64		n_train;
	int64	   *order;
	Jsonb	   *hyperparams;
	char	   *search_report = NULL;
	bytea	   *artifact;
	PgmlImageHeader *image;
	Size		image_size;
	char	   *metrics;
	PgmlCatalogSwitch cs;
	TimestampTz t0,
				t1,
				t2,
				t3,
				t4,
				t5,
				tsplit0,
				tsplit1;
	PgmlJob		resolved;
	int64		snapshot_id;
	const char *qualified_relation = NULL;
	const char *algorithm;
	const char *sampling;
	const char *const *labels;
	int			n_labels;
	MemoryContext caller = CurrentMemoryContext;

	memset(&model, 0, sizeof(model));
	memset(&ds, 0, sizeof(ds));

	/* without a relation: the project's last snapshot */
	if (job->project_name != NULL && job->project_name[0] != '\0' &&
		strlen(job->project_name) < PGML_PROJECT_LEN)
	{
		snapshot_id = snapshot_resolve(job, &resolved);
		job = &resolved;
	}
	else
		snapshot_id = 0;
	algorithm = job->algorithm ? job->algorithm : "linear";
	sampling = job->test_sampling ? job->test_sampling : "stratified";

	if (job->project_name == NULL || job->project_name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("project_name must not be empty")));
	if (strlen(job->project_name) >= PGML_PROJECT_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("project name is too long"),
				 errdetail("Project names are limited to %d bytes.", PGML_PROJECT_LEN - 1)));
	if (job->task != NULL)
		(void) parse_task(job->task);
	(void) pgml_algorithm_lookup(algorithm);
	if (strcmp(sampling, "random") != 0 && strcmp(sampling, "last") != 0 &&
		strcmp(sampling, "stratified") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown test_sampling \"%s\"", sampling),
				 errhint("Supported values are random, last and stratified.")));
	if (job->search != NULL && strcmp(job->search, "grid") != 0 &&
		strcmp(job->search, "random") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown search \"%s\"", job->search),
				 errhint("Supported searches are grid and random.")));
	if (!(job->test_size > 0) || isinf(job->test_size) ||
		(job->test_size >= 1 && job->test_size != floor(job->test_size)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("test_size must be a fraction between 0 and 1, or a whole number of rows"),
				 errdetail("Got %g.", job->test_size)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* Project: created, or checked to be the job role's, as the catalog identity. */
	pgml_acl_require_schema();
	pgml_catalog_push(&cs);
	project_id = project_get(job->project_name, job->task, job->role, &task_name);
	pgml_catalog_pop(&cs);
	if (job->materialize_snapshot && snapshot_id == 0)
	{
		PgmlProject proj;
		char	   *table;

		/* the relation as the role names it, qualified */
		role_push(job->role, &rs);
		qualified_relation = pgml_qualified_relation(job->relation_name, false);
		role_pop(&rs);
		/* the project (made just now, or the role's) gives its owner the rows */
		if (!pgml_project_read(job->project_name, 0, false, &proj))
			proj.owner = job->role;
		snapshot_id = snapshot_materialize(job, qualified_relation, proj.owner, &table);
		if (job != &resolved)
		{
			resolved = *job;
			job = &resolved;
		}
		resolved.relation_name = table;
	}
	task = parse_task(task_name);
	/* as PostgresML: the default algorithm, linear, means k-means or PCA there */
	if (strcmp(algorithm, "linear") == 0 && task == PGML_TASK_CLUSTERING)
		algorithm = "kmeans";
	else if (strcmp(algorithm, "linear") == 0 && task == PGML_TASK_DECOMPOSITION)
		algorithm = "pca";
	if (!algorithm_fits_task(algorithm, task))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("algorithm \"%s\" does not solve task \"%s\"", algorithm, task_name),
				 errhint("SELECT * FROM pgml.algorithms() lists the tasks each algorithm solves.")));
	if (job->n_y_columns > 1 && task != PGML_TASK_REGRESSION)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("joint models are regression models: %s cannot learn %d labels at once",
						task_name, job->n_y_columns),
				 errhint("Train one model per label with pgml.train().")));
	for (int i = 0; i < job->n_y_columns; i++)
	{
		if (job->y_column_names[i] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("y_column_name must not contain NULL")));
		for (int j = 0; j < i; j++)
			if (strcmp(job->y_column_names[i], job->y_column_names[j]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("label column \"%s\" is named twice in y_column_name",
								job->y_column_names[i])));
	}
	if (task_supervised(task) && job->y_column_name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("y_column_name is required for %s", task_name)));
	if (!task_supervised(task) && job->y_column_name != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s learns without a label: y_column_name must be NULL", task_name)));
	if (!task_supervised(task) && job->search != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("search is not supported for %s", task_name)));

	/*
	 * Data: read with the privileges of the job's role.  The relation's
	 * qualified name, as the role's search_path resolves it, is what a
	 * snapshot records (the worker reads it with a path of its own).
	 */
	labels = job_labels(job, &n_labels);
	role_push(job->role, &rs);
	qualified_relation = pgml_qualified_relation(job->relation_name, true);
	if (job->materialize_snapshot)
	{
		/* the rows this transaction just copied: the active snapshot, seeing its own commands */
		PushCopiedSnapshot(GetActiveSnapshot());
		UpdateActiveSnapshotCommandId();
		pgml_data_read(job->relation_name, labels, n_labels, &ds);
		PopActiveSnapshot();
	}
	else
		pgml_data_read(job->relation_name, labels, n_labels, &ds);
	role_pop(&rs);

	model.task = task;
	model.n_features = ds.n_features;
	if (ds.n_label_names > 0 && task != PGML_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("a %s label must be numeric", task_name),
				 errdetail("Column \"%s\" holds text.", job->y_column_name)));
	if (task == PGML_TASK_CLASSIFICATION)
	{
		/*
		 * Numeric class labels are kept as doubles: beyond 2^53 two bigint
		 * labels could become one class without a word.
		 */
		for (int64 i = 0; ds.n_label_names == 0 && i < ds.n_rows; i++)
			if (fabs(ds.y[i]) > 9007199254740992.0)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("class label %.17g is too large to be kept exactly", ds.y[i]),
						 errdetail("Numeric class labels must lie within plus or minus 2^53 (9007199254740992)."),
						 errhint("Train on the label as text, for example through a view with %s::text.",
								 quote_identifier(job->y_column_name))));
		model.classes = encode_classes(ds.y, ds.n_rows, &model.n_classes);
		if (ds.n_label_names > 0)
		{
			/* ids were assigned in name order, so class k is name k */
			Assert(model.n_classes == ds.n_label_names);
			model.class_names = ds.label_names;
		}
		else if (ds.y_is_bool)
		{
			model.class_names = palloc(sizeof(char *) * 2);
			model.class_names[0] = "false";
			model.class_names[1] = "true";
		}
	}

	/* Split. */
	/* as PostgresML: a count above 1, else the fraction rounded in float4 */
	n_test = job->test_size > 1 ? (int64) job->test_size
		: (int64) roundf((float) ds.n_rows * (float) job->test_size);
	n_train = ds.n_rows - n_test;
	if (n_test < 1 || n_train < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("test_size %.7g leaves no rows to %s", job->test_size,
						n_test < 1 ? "test on" : "train on"),
				 errdetail("The relation has %lld rows; the test set would have %lld.",
						   (long long) ds.n_rows, (long long) n_test)));
	tsplit0 = GetCurrentTimestamp();
	order = pgml_split_order(&ds, n_test, sampling, model.n_classes, PGML_SPLIT_SEED);
	tsplit1 = GetCurrentTimestamp();

	/* Text columns become the model's features (target means: training rows). */
	pgml_encode_fit(job->preprocess, &ds, order + n_test, n_train, &model);
	model.n_features = ds.n_features;

	/* Preprocessing statistics from the training rows; then every row's NULLs. */
	model.preprocess = pgml_preprocess_fit(job->preprocess, &ds, order + n_test, n_train,
										   pgml_algorithm_takes_missing(algorithm));
	check_missing(&ds, &model, algorithm);

	/* Search, if asked: k-fold cross-validation over the training rows. */
	hyperparams = job->hyperparams;
	if (job->search != NULL)
		hyperparams = pgml_run_search(job, algorithm, &ds, &model, order + n_test, n_train,
								 hyperparams, &search_report);

	/* Train (timings.handoff: this fit's, not the search folds'). */
	pgml_trainer_handoff_seconds = 0;
	pgml_trainer_fit_seconds = 0;
	pgml_trainer_peak_rss_kb = 0;
	t0 = GetCurrentTimestamp();
	{
		KeepTestRows keep = {&ds, &order, n_test, NULL};

		pgml_train_rows(algorithm, &ds, order + n_test, n_train, hyperparams, &model,
						keep_test_rows, &keep);
	}
	t1 = GetCurrentTimestamp();
	pgml_trainer_end_job();

	/* Evaluate with the very image predict will serve. */
	metrics = pgml_evaluate_rows(&model, &ds, order, n_test, &artifact, &image, &image_size);
	t2 = GetCurrentTimestamp();
	metrics = metrics_add_times(metrics, seconds_between(t0, t1), seconds_between(t1, t2));
	if (search_report)
		metrics = pgml_metrics_merge(metrics, search_report);

	/* Store, as the catalog identity. */
	pgml_catalog_push(&cs);
	{
		Oid			argtypes[15] = {INT8OID, INT4OID, TEXTOID, JSONBOID, JSONBOID,
			BYTEAOID, TEXTOID, TEXTOID, FLOAT4OID, INT8OID, TEXTOID, TEXTOID, JSONBOID,
		JSONBOID, INT8OID};
		Datum		args[15];
		char		nulls[15];
		bool		isnull;
		int			ret;
		TransactionId model_xmin;

		memset(nulls, ' ', sizeof(nulls));
		args[0] = Int64GetDatum(project_id);
		args[1] = Int32GetDatum(ds.n_features);
		args[2] = CStringGetTextDatum(algorithm);
		if (model.hyperparams_json)
			args[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(model.hyperparams_json));
		else if (hyperparams)
			args[3] = JsonbPGetDatum(hyperparams);
		else
			args[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
		args[4] = DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics));
		args[5] = PointerGetDatum(artifact);
		args[6] = CStringGetTextDatum(job->relation_name);
		/* a joint model's labels: the text form of the array, {a,b,c} */
		if (job->n_y_columns > 1)
			args[7] = CStringGetTextDatum(OidOutputFunctionCall(F_ARRAY_OUT,
																job_labels_array(job)));
		else if (job->y_column_name)
			args[7] = CStringGetTextDatum(job->y_column_name);
		else
			nulls[7] = 'n';
		args[8] = Float4GetDatum((float4) job->test_size);
		args[9] = Int64GetDatum((int64) PGML_SPLIT_SEED);
		args[10] = CStringGetTextDatum(sampling);
		if (job->search)
			args[11] = CStringGetTextDatum(job->search);
		else
			nulls[11] = 'n';
		args[12] = job->search_params ? JsonbPGetDatum(job->search_params)
			: DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
		args[13] = job->search_args ? JsonbPGetDatum(job->search_args)
			: DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
		if (snapshot_id == 0)
			snapshot_id = snapshot_insert(job, qualified_relation ? qualified_relation :
										  job->relation_name, false, snapshot_columns_json(&ds));
		else if (job->materialize_snapshot)
		{
			/* the columns of a snapshot just materialized, now that they are read */
			Oid			ctypes[2] = {INT8OID, JSONBOID};
			Datum		cargs[2] = {Int64GetDatum(snapshot_id),
			snapshot_columns_json(&ds)};

			if (SPI_execute_with_args("UPDATE pgml.snapshots SET columns = $2 WHERE id = $1",
									  2, ctypes, cargs, NULL, false, 0) != SPI_OK_UPDATE)
				elog(ERROR, "could not record the snapshot's columns");
		}
		args[14] = Int64GetDatum(snapshot_id);
		ret = SPI_execute_with_args("INSERT INTO pgml.models (project_id, num_features, "
									"algorithm, hyperparams, metrics, artifact, relation_name, "
									"y_column_name, test_size, seed, test_sampling, search, "
									"search_params, search_args, snapshot_id) "
									"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
									"$13, $14, $15) RETURNING id, xmin",
									15, argtypes, args, nulls, false, 1);
		if (ret != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
			elog(ERROR, "could not store the model");
		result->model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
													   SPI_tuptable->tupdesc, 1, &isnull));
		model_xmin = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0],
														 SPI_tuptable->tupdesc, 2, &isnull));
		t3 = GetCurrentTimestamp();
		t4 = t5 = t3;

		/* Deploy when at least as good as the deployed model. */
		result->deployed = false;
		if (job->automatic_deploy)
		{
			const char *key = pgml_key_metric(task);
			double		old;
			double		new;

			/* compare with the deployment as it is once ours is next */
			pgml_deploy_lock_project(project_id, job->role);
			old = key ? deployed_score(project_id, key) : NAN;
			new = key ? pgml_metrics_number(metrics, key) : NAN;
			if (isnan(old) || (!isnan(new) && new >= old))
			{
				Oid			dtypes[2] = {INT8OID, INT8OID};
				Datum		dargs[2] = {Int64GetDatum(project_id), Int64GetDatum(result->model_id)};

				ret = SPI_execute_with_args("INSERT INTO pgml.deployments (project_id, model_id, strategy) "
											"VALUES ($1, $2, 'new_score')",
											2, dtypes, dargs, NULL, false, 0);
				if (ret != SPI_OK_INSERT)
					elog(ERROR, "could not record the deployment");
				t4 = GetCurrentTimestamp();
				pgml_registry_deploy(job->project_name, result->model_id, model_xmin, algorithm,
									 image, image_size);
				t5 = GetCurrentTimestamp();
				result->deployed = true;
			}
		}

		/* phase timings, for pgml.models.timings and the benchmarks */
		{
			Oid			ttypes[2] = {INT8OID, JSONBOID};
			Datum		targs[2];
			char	   *timings;

			timings = psprintf("{\"read\": %.6f, \"convert\": %.6f, \"handoff\": %.6f, "
							   "\"train\": %.6f, \"fit\": %.6f, \"evaluate\": %.6f, \"store\": %.6f, "
							   "\"publish\": %.6f, \"trainer_peak_rss_kb\": %ld}",
							   ds.read_seconds, ds.convert_seconds + seconds_between(tsplit0, tsplit1),
							   pgml_trainer_handoff_seconds,
							   seconds_between(t0, t1), pgml_trainer_fit_seconds,
							   seconds_between(t1, t2),
							   seconds_between(t2, t3), seconds_between(t4, t5),
							   pgml_trainer_peak_rss_kb);
			targs[0] = Int64GetDatum(result->model_id);
			targs[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(timings));
			ret = SPI_execute_with_args("UPDATE pgml.models SET timings = $2 WHERE id = $1",
										2, ttypes, targs, NULL, false, 0);
			if (ret != SPI_OK_UPDATE)
				elog(ERROR, "could not record the timings of the model");
		}
	}
	pgml_catalog_pop(&cs);

	/* out of SPI's memory, which SPI_finish frees */
	result->task = MemoryContextStrdup(caller, task_name);
	result->algorithm = MemoryContextStrdup(caller, algorithm);
	SPI_finish();
}

PG_FUNCTION_INFO_V1(pgml_snapshot_sql);

/*
 * SQL: pgml.snapshot(relation_name, y_column_name, test_size, test_sampling,
 * preprocess) RETURNS TABLE (relation text, y_column_name text), as
 * PostgresML's: a materialized snapshot of a relation, for no project yet.
 */
Datum
pgml_snapshot_sql(PG_FUNCTION_ARGS)
{
	PgmlJob		job;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	char	   *table;
	RoleSwitch	rs;
	const char *qualified;

	pgml_require_preload();
	pgml_acl_require_schema();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation_name must not be NULL")));
	memset(&job, 0, sizeof(job));
	job.relation_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	job.y_column_name = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	job.test_size = PG_ARGISNULL(2) ? 0.25 : PG_GETARG_FLOAT4(2);
	job.test_sampling = PG_ARGISNULL(3) ? "stratified" : text_to_cstring(PG_GETARG_TEXT_PP(3));
	job.role = GetUserId();

	/* the relation as the caller's search_path names it */
	role_push(job.role, &rs);
	qualified = pgml_qualified_relation(job.relation_name, false);
	role_pop(&rs);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) snapshot_materialize(&job, qualified, job.role, &table);
	values[0] = CStringGetTextDatum(table);
	if (job.y_column_name)
		values[1] = CStringGetTextDatum(job.y_column_name);
	else
		nulls[1] = true;
	SPI_finish();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/*
 * SQL: pgml.train(project_name, task, relation_name, y_column_name,
 * algorithm, hyperparams, search, search_params, search_args, test_size,
 * test_sampling, runtime, automatic_deploy, materialize_snapshot, preprocess)
 * RETURNS TABLE(project, task, algorithm, deployed), and pgml.train_joint,
 * whose y_column_name is text[].
 */
static Datum
train_common(FunctionCallInfo fcinfo, bool joint)
{
	PgmlJob		job;
	PgmlJobResult res;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	HeapTuple	tuple;

	pgml_require_preload();
	if (PG_NARGS() != 15)
		pgml_acl_require_schema();	/* 0.1.0's pgml.train: its arguments differ */
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	memset(&job, 0, sizeof(job));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("project_name must not be NULL")));
	job.project_name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	job.task = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	job.relation_name = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (joint && !PG_ARGISNULL(3))
	{
		int			n;
		const char **names = text_array_cstrings(PG_GETARG_ARRAYTYPE_P(3), &n);

		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("y_column_name must name at least one column")));
		if (n > PGML_MAX_TARGETS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a joint model has at most %d targets", PGML_MAX_TARGETS)));
		job.y_column_names = names;
		job.n_y_columns = n;
		job.y_column_name = names[0];
	}
	else if (!joint)
		job.y_column_name = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	job.algorithm = PG_ARGISNULL(4) ? "linear" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	job.hyperparams = PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5);
	job.search = PG_ARGISNULL(6) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(6));
	job.search_params = PG_ARGISNULL(7) ? NULL : PG_GETARG_JSONB_P(7);
	job.search_args = PG_ARGISNULL(8) ? NULL : PG_GETARG_JSONB_P(8);
	job.test_size = PG_ARGISNULL(9) ? 0.25 : PG_GETARG_FLOAT4(9);
	job.test_sampling = PG_ARGISNULL(10) ? "stratified" : text_to_cstring(PG_GETARG_TEXT_PP(10));
	if (!PG_ARGISNULL(11))
	{
		/* PostgresML's runtimes: every model here runs in C */
		char	   *runtime = text_to_cstring(PG_GETARG_TEXT_PP(11));

		if (strcmp(runtime, "python") != 0 && strcmp(runtime, "rust") != 0 &&
			strcmp(runtime, "c") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown runtime \"%s\"", runtime),
					 errhint("Supported runtimes are python and rust (PostgresML's names) and c; every model runs in C here.")));
	}
	job.automatic_deploy = PG_ARGISNULL(12) ? true : PG_GETARG_BOOL(12);
	job.materialize_snapshot = !PG_ARGISNULL(13) && PG_GETARG_BOOL(13);
	job.preprocess = PG_ARGISNULL(14) ? NULL : PG_GETARG_JSONB_P(14);
	job.role = GetUserId();
	job.job_id = 0;

	pgml_job_run(&job, &res);

	values[0] = CStringGetTextDatum(job.project_name);
	values[1] = CStringGetTextDatum(res.task);
	values[2] = CStringGetTextDatum(res.algorithm);
	values[3] = BoolGetDatum(res.deployed);
	tuple = heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(tuple));
}

PG_FUNCTION_INFO_V1(pgml_train_sql);

/* SQL: pgml.train(...), see train_common */
Datum
pgml_train_sql(PG_FUNCTION_ARGS)
{
	return train_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(pgml_train_joint_sql);

/* SQL: pgml.train_joint(...), see train_common */
Datum
pgml_train_joint_sql(PG_FUNCTION_ARGS)
{
	return train_common(fcinfo, true);
}
