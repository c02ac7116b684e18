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
 * Writes to pgml.* are made as the owner of pgml.models with a safe
 * search_path, so an unprivileged caller can train without being able to
 * write those tables directly.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "pgml_job.h"
#include "pgml_train.h"
#include "pgml_worker.h"

int64		pgml_current_job_id = 0;

/* Default seed of the train/test split; recorded on every model. */
#define PGML_SPLIT_SEED UINT64CONST(42)

/* Between rounds: honour query cancel, and a committed job cancellation. */
void
pgml_train_check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
	if (pgml_current_job_id != 0 && pgml_worker_state != NULL &&
		pg_atomic_read_u64(&pgml_worker_state->cancel_job) == (uint64) pgml_current_job_id)
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

/* splitmix64: a small, well-mixed generator for the seeded shuffle. */
static uint64
splitmix64(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Row order for the split: test rows first, then training rows. */
static int64 *
split_order(int64 n, const char *sampling, uint64 seed)
{
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);

	for (int64 i = 0; i < n; i++)
		order[i] = i;
	if (strcmp(sampling, "last") == 0)
	{
		/* the last rows of the relation are the test set: rotate them first */
		return order;
	}
	/* Fisher-Yates */
	for (int64 i = n - 1; i > 0; i--)
	{
		int64		j = (int64) (splitmix64(&seed) % (uint64) (i + 1));
		int64		t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	return order;
}

/* Saved state of a switch to another role with a safe search_path. */
typedef struct RoleSwitch
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
} RoleSwitch;

/*
 * Become another role.  For writes as the pgml owner (restricted false), the
 * search_path is also reduced to one that trusts nothing; reads as the job's
 * role keep the session's search_path, so relation names resolve as the user
 * wrote them, under a restricted security context.
 */
static void
role_push(Oid role, RoleSwitch *rs, bool restricted)
{
	GetUserIdAndSecContext(&rs->save_userid, &rs->save_sec_context);
	SetUserIdAndSecContext(role, rs->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   (restricted ? SECURITY_RESTRICTED_OPERATION : 0));
	rs->save_nestlevel = NewGUCNestLevel();
	if (!restricted)
		(void) set_config_option("search_path", "pg_catalog, pg_temp",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
}

/* Undo role_push. */
static void
role_pop(const RoleSwitch *rs)
{
	AtEOXact_GUC(false, rs->save_nestlevel);
	SetUserIdAndSecContext(rs->save_userid, rs->save_sec_context);
}

/* Owner of pgml.models: the identity used to write the pgml tables. */
static Oid
pgml_owner(void)
{
	Oid			nsp = get_namespace_oid("pgml", false);
	Oid			rel = get_relname_relid("models", nsp);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(rel))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table pgml.models does not exist"),
				 errhint("Run CREATE EXTENSION pgml_worker in this database.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", rel);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* Parse the task name. */
static PgmlTask
parse_task(const char *task)
{
	if (strcmp(task, "regression") == 0)
		return PGML_TASK_REGRESSION;
	if (strcmp(task, "classification") == 0)
		return PGML_TASK_CLASSIFICATION;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown task \"%s\"", task),
			 errhint("Supported tasks are regression and classification.")));
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
			if (k > 10000)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the label has more than 10000 distinct values"),
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

/* Score used to compare models: r2 for regression, f1 for classification. */
static const char *
key_metric(PgmlTask task)
{
	return task == PGML_TASK_REGRESSION ? "r2" : "f1";
}

/* Find or create the project; returns its id.  Runs as the pgml owner. */
static int64
project_get(const char *name, const char *task_in, char **task_out)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	bool		isnull;
	int64		id;
	int			ret;

	args[0] = CStringGetTextDatum(name);
	ret = SPI_execute_with_args("SELECT id, task FROM pgml.projects WHERE name = $1",
								1, argtypes, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read pgml.projects");
	if (SPI_processed > 0)
	{
		char	   *task = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
		if (task_in != NULL && strcmp(task_in, task) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("project \"%s\" is a %s project, not %s", name, task, task_in),
					 errhint("Use another project name for a different task.")));
		*task_out = task;
		return id;
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
	args[1] = CStringGetTextDatum(task_in);
	ret = SPI_execute_with_args("INSERT INTO pgml.projects (name, task) VALUES ($1, $2) "
								"ON CONFLICT (name) DO NOTHING RETURNING id",
								2, argtypes, args, nulls, false, 1);
	if (ret != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not create project \"%s\"", name);
	if (SPI_processed == 0)
		return project_get(name, task_in, task_out);
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

/* Read a double field from a JSON object text (for the key metric). */
static double
json_number(const char *json, const char *key)
{
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	JsonbValue	k;
	JsonbValue *v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &k);
	if (v == NULL || v->type != jbvNumeric)
		return NAN;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
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

/* Run one training job in the current transaction. */
void
pgml_job_run(const PgmlJob *job, PgmlJobResult *result)
{
	RoleSwitch	rs;
	PgmlDataset ds;
	PgmlModel	model;
	PgmlTrainInput in;
	PgmlTask	task;
	char	   *task_name;
	int64		project_id;
	int64		n_test;
	int64		n_train;
	int64	   *order;
	float	   *x_train;
	double	   *y_train;
	double	   *y_true;
	double	   *y_pred;
	bytea	   *artifact;
	PgmlImageHeader *image;
	Size		image_size;
	char	   *metrics;
	Oid			owner = pgml_owner();
	TimestampTz t0,
				t1,
				t2,
				t3,
				t4,
				t5,
				tsplit0,
				tsplit1;
	const char *algorithm = job->algorithm ? job->algorithm : "linear";
	const char *sampling = job->test_sampling ? job->test_sampling : "random";

	memset(&model, 0, sizeof(model));
	memset(&ds, 0, sizeof(ds));

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
	if (strcmp(algorithm, "xgboost") != 0 && strcmp(algorithm, "linear") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown algorithm \"%s\"", algorithm),
				 errhint("Supported algorithms are xgboost and linear.")));
	if (strcmp(sampling, "random") != 0 && strcmp(sampling, "last") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown test_sampling \"%s\"", sampling),
				 errhint("Supported values are random and last.")));
	if (!(job->test_size > 0) || isinf(job->test_size) ||
		(job->test_size >= 1 && job->test_size != floor(job->test_size)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("test_size must be a fraction between 0 and 1, or a whole number of rows"),
				 errdetail("Got %g.", job->test_size)));
	if (job->relation_name == NULL || job->y_column_name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation_name and y_column_name are required")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* Project: created as the pgml owner. */
	role_push(owner, &rs, false);
	project_id = project_get(job->project_name, job->task, &task_name);
	role_pop(&rs);
	task = parse_task(task_name);

	/* Data: read with the privileges of the job's role. */
	role_push(job->role, &rs, true);
	pgml_data_read(job->relation_name, job->y_column_name, &ds);
	role_pop(&rs);

	model.task = task;
	model.n_features = ds.n_features;
	if (task == PGML_TASK_CLASSIFICATION)
		model.classes = encode_classes(ds.y, ds.n_rows, &model.n_classes);

	/* Split. */
	n_test = job->test_size < 1 ? (int64) ceil(job->test_size * ds.n_rows)
		: (int64) job->test_size;
	n_train = ds.n_rows - n_test;
	if (n_test < 1 || n_train < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("test_size %g leaves no rows to %s", job->test_size,
						n_test < 1 ? "test on" : "train on"),
				 errdetail("The relation has %lld rows.", (long long) ds.n_rows)));
	tsplit0 = GetCurrentTimestamp();
	order = split_order(ds.n_rows, sampling, PGML_SPLIT_SEED);
	if (strcmp(sampling, "last") == 0)
	{
		/* test rows = the last n_test rows in scan order: put them first */
		for (int64 i = 0; i < ds.n_rows; i++)
			order[i] = (i < n_test) ? n_train + i : i - n_test;
	}

	x_train = MemoryContextAllocHuge(CurrentMemoryContext,
									 sizeof(float) * n_train * ds.n_features);
	y_train = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n_train);
	for (int64 i = 0; i < n_train; i++)
	{
		int64		src = order[n_test + i];

		memcpy(x_train + i * ds.n_features, ds.x + src * ds.n_features,
			   sizeof(float) * ds.n_features);
		y_train[i] = ds.y[src];
	}

	tsplit1 = GetCurrentTimestamp();

	/* Train. */
	memset(&in, 0, sizeof(in));
	in.x = x_train;
	in.y = y_train;
	in.n_rows = n_train;
	in.n_features = ds.n_features;
	in.n_classes = model.n_classes;
	in.task = task;
	in.hyperparams = job->hyperparams;
	in.nthread = pgml_nthread;
	in.seed = PGML_SPLIT_SEED;

	t0 = GetCurrentTimestamp();
	if (strcmp(algorithm, "xgboost") == 0)
		pgml_xgb_train(&in, &model);
	else
	{
		for (int64 i = 0; i < n_train * ds.n_features; i++)
			if (isnan(x_train[i]))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("linear models cannot train on NULL features"),
						 errdetail("Row %lld of the training set has a NULL feature.",
								   (long long) (i / ds.n_features) + 1),
						 errhint("Use algorithm => 'xgboost', which handles missing values, or filter the rows.")));
		pgml_linear_train(&in, &model);
	}
	t1 = GetCurrentTimestamp();

	/* Evaluate with the very image predict will serve. */
	artifact = pgml_artifact_pack(&model);
	image = pgml_image_compile(VARDATA(artifact), VARSIZE(artifact) - VARHDRSZ, &image_size);
	y_true = palloc(sizeof(double) * n_test);
	y_pred = palloc(sizeof(double) * n_test);
	for (int64 i = 0; i < n_test; i++)
	{
		int64		src = order[i];
		double		p = pgml_image_predict(image, ds.x + src * ds.n_features);

		if (task == PGML_TASK_CLASSIFICATION)
		{
			double	   *hit = bsearch(&p, model.classes, model.n_classes,
									  sizeof(double), cmp_double);

			y_pred[i] = hit ? (double) (hit - model.classes) : -1;
		}
		else
			y_pred[i] = p;
		y_true[i] = ds.y[src];
	}
	if (task == PGML_TASK_CLASSIFICATION)
		metrics = pgml_metrics_classification(y_true, y_pred, n_test, model.n_classes);
	else
		metrics = pgml_metrics_regression(y_true, y_pred, n_test);
	t2 = GetCurrentTimestamp();
	metrics = metrics_add_times(metrics, seconds_between(t0, t1), seconds_between(t1, t2));

	/* Store, as the pgml owner. */
	role_push(owner, &rs, false);
	{
		Oid			argtypes[11] = {INT8OID, INT4OID, TEXTOID, JSONBOID, JSONBOID,
		BYTEAOID, TEXTOID, TEXTOID, FLOAT4OID, INT8OID, TEXTOID};
		Datum		args[11];
		char		nulls[11];
		bool		isnull;
		int			ret;

		memset(nulls, ' ', sizeof(nulls));
		args[0] = Int64GetDatum(project_id);
		args[1] = Int32GetDatum(ds.n_features);
		args[2] = CStringGetTextDatum(algorithm);
		if (model.hyperparams_json)
			args[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(model.hyperparams_json));
		else if (job->hyperparams)
			args[3] = JsonbPGetDatum(job->hyperparams);
		else
			args[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
		args[4] = DirectFunctionCall1(jsonb_in, CStringGetDatum(metrics));
		args[5] = PointerGetDatum(artifact);
		args[6] = CStringGetTextDatum(job->relation_name);
		args[7] = CStringGetTextDatum(job->y_column_name);
		args[8] = Float4GetDatum((float4) job->test_size);
		args[9] = Int64GetDatum((int64) PGML_SPLIT_SEED);
		args[10] = CStringGetTextDatum(sampling);
		ret = SPI_execute_with_args("INSERT INTO pgml.models (project_id, num_features, "
									"algorithm, hyperparams, metrics, artifact, relation_name, "
									"y_column_name, test_size, seed, test_sampling) "
									"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
									11, argtypes, args, nulls, false, 1);
		if (ret != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
			elog(ERROR, "could not store the model");
		result->model_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
													   SPI_tuptable->tupdesc, 1, &isnull));
		t3 = GetCurrentTimestamp();
		t4 = t5 = t3;

		/* Deploy when at least as good as the deployed model. */
		result->deployed = false;
		if (job->automatic_deploy)
		{
			double		old = deployed_score(project_id, key_metric(task));
			double		new = json_number(metrics, key_metric(task));

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
				pgml_registry_deploy(job->project_name, result->model_id, algorithm,
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

			timings = psprintf("{\"read\": %.6f, \"convert\": %.6f, \"train\": %.6f, "
							   "\"evaluate\": %.6f, \"store\": %.6f, \"publish\": %.6f}",
							   ds.read_seconds, ds.convert_seconds + seconds_between(tsplit0, tsplit1),
							   seconds_between(t0, t1), seconds_between(t1, t2),
							   seconds_between(t2, t3), seconds_between(t4, t5));
			targs[0] = Int64GetDatum(result->model_id);
			targs[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(timings));
			ret = SPI_execute_with_args("UPDATE pgml.models SET timings = $2 WHERE id = $1",
										2, ttypes, targs, NULL, false, 0);
			if (ret != SPI_OK_UPDATE)
				elog(ERROR, "could not record the timings of the model");
		}
	}
	role_pop(&rs);

	result->task = pstrdup(task_name);
	result->algorithm = pstrdup(algorithm);
	SPI_finish();
}

PG_FUNCTION_INFO_V1(pgml_train_sql);

/*
 * SQL: pgml.train(project_name, task, relation_name, y_column_name,
 * algorithm, hyperparams, search, search_params, search_args, test_size,
 * test_sampling, automatic_deploy, preprocess)
 * RETURNS TABLE(project, task, algorithm, deployed).
 */
Datum
pgml_train_sql(PG_FUNCTION_ARGS)
{
	PgmlJob		job;
	PgmlJobResult res;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	HeapTuple	tuple;

	pgml_require_preload();
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
	job.y_column_name = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	job.algorithm = PG_ARGISNULL(4) ? "linear" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	job.hyperparams = PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5);
	if (!PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hyperparameter search is not supported yet"),
				 errhint("Pass search => NULL and set hyperparams directly.")));
	job.test_size = PG_ARGISNULL(9) ? 0.25 : PG_GETARG_FLOAT4(9);
	job.test_sampling = PG_ARGISNULL(10) ? "random" : text_to_cstring(PG_GETARG_TEXT_PP(10));
	job.automatic_deploy = PG_ARGISNULL(11) ? true : PG_GETARG_BOOL(11);
	if (!PG_ARGISNULL(12))
	{
		Jsonb	   *pre = PG_GETARG_JSONB_P(12);

		if (!JB_ROOT_IS_OBJECT(pre) || JB_ROOT_COUNT(pre) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("preprocess is not supported yet"),
					 errhint("Pass preprocess => '{}'.")));
	}
	if (job.relation_name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("retraining a project without relation_name is not supported yet"),
				 errhint("Pass relation_name and y_column_name.")));
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
