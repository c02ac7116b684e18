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
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "access/xact.h"
#include "portability/instr_time.h"
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
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

/* Shuffle idx[0..n) in place with a seeded Fisher-Yates. */
static void
shuffle(int64 *idx, int64 n, uint64 *state)
{
	for (int64 i = n - 1; i > 0; i--)
	{
		int64		j = (int64) (splitmix64(state) % (uint64) (i + 1));
		int64		t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
	}
}

/* Strata of the stratified split: rows with equal labels. */
typedef struct Stratum
{
	int64		count;			/* rows */
	int64		first;			/* first position in the shuffled order */
	int64		quota;			/* test rows */
	double		frac;			/* fractional part of its exact share */
} Stratum;

/* qsort: larger remainder first, then the stratum met first (random) */
static int
stratum_cmp(const void *a, const void *b)
{
	const Stratum *x = *(Stratum *const *) a;
	const Stratum *y = *(Stratum *const *) b;

	if (x->frac != y->frac)
		return x->frac > y->frac ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

/* qsort_arg: row indexes by label value */
static int
row_label_cmp(const void *a, const void *b, void *arg)
{
	const double *y = arg;
	double		u = y[*(const int64 *) a];
	double		v = y[*(const int64 *) b];

	return (u > v) - (u < v);
}

/*
 * The stratum of every row: rows with equal labels (PostgresML partitions
 * by the label columns).  Classification labels are class indexes already;
 * other labels are numbered by sorting.  Returns the number of strata.
 */
static int64
split_strata(const PgmlDataset *ds, int32 n_classes, int64 *stratum)
{
	int64		n = ds->n_rows;
	int64	   *by_label;
	int64		k = 0;

	if (n_classes > 0)
	{
		for (int64 i = 0; i < n; i++)
			stratum[i] = (int64) ds->y[i];
		return n_classes;
	}
	by_label = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
	for (int64 i = 0; i < n; i++)
		by_label[i] = i;
	qsort_arg(by_label, n, sizeof(int64), row_label_cmp, ds->y);
	for (int64 i = 0; i < n; i++)
	{
		if (i > 0 && ds->y[by_label[i]] != ds->y[by_label[i - 1]])
			k++;
		stratum[by_label[i]] = k;
	}
	pfree(by_label);
	return n > 0 ? k + 1 : 0;
}

/*
 * Row order for the split: the n_test test rows first, then the training
 * rows.  random: a seeded shuffle.  last: the last rows in scan order are the
 * test set.  stratified (PostgresML's default): every label value (a class,
 * or a distinct target value) contributes to the test set in proportion to
 * its rows, the largest remainders taking the rows left over (ties to the
 * value met first in the shuffled order, so at random); rows are chosen at
 * random within a value.  Without a label (clustering, decomposition)
 * stratified is random.
 */
static int64 *
split_order(const PgmlDataset *ds, int64 n_test, const char *sampling,
			int32 n_classes, uint64 seed)
{
	int64		n = ds->n_rows;
	int64	   *order = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);

	if (strcmp(sampling, "last") == 0)
	{
		for (int64 i = 0; i < n; i++)
			order[i] = (i < n_test) ? n - n_test + i : i - n_test;
		return order;
	}
	for (int64 i = 0; i < n; i++)
		order[i] = i;
	shuffle(order, n, &seed);
	if (strcmp(sampling, "stratified") == 0 && ds->y != NULL)
	{
		int64	   *stratum = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
		int64		n_strata = split_strata(ds, n_classes, stratum);
		Stratum    *st = MemoryContextAllocExtended(CurrentMemoryContext,
													sizeof(Stratum) * Max(n_strata, 1),
													MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		Stratum   **open = MemoryContextAllocHuge(CurrentMemoryContext,
												  sizeof(Stratum *) * Max(n_strata, 1));
		int64	   *taken = MemoryContextAllocExtended(CurrentMemoryContext,
													   sizeof(int64) * Max(n_strata, 1),
													   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		int64	   *out = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * n);
		int64		assigned = 0;
		int64		n_open = 0;
		int64		t = 0,
					r = n_test;

		for (int64 s = 0; s < n_strata; s++)
			st[s].first = -1;
		for (int64 i = 0; i < n; i++)
		{
			Stratum    *x = &st[stratum[order[i]]];

			x->count++;
			if (x->first < 0)
				x->first = i;
		}
		for (int64 s = 0; s < n_strata; s++)
		{
			double		exact = (double) st[s].count * n_test / n;

			st[s].quota = (int64) floor(exact);
			st[s].frac = exact - st[s].quota;
			assigned += st[s].quota;
			if (st[s].quota < st[s].count)
				open[n_open++] = &st[s];
		}
		qsort(open, n_open, sizeof(Stratum *), stratum_cmp);
		for (int64 k = 0; k < n_open && assigned < n_test; k++, assigned++)
			open[k]->quota++;
		/* in shuffled order: the first quota rows of each stratum are test rows */
		for (int64 i = 0; i < n; i++)
		{
			int64		s = stratum[order[i]];

			if (taken[s] < st[s].quota)
			{
				taken[s]++;
				out[t++] = order[i];
			}
			else
				out[r++] = order[i];
		}
		pfree(order);
		pfree(stratum);
		pfree(st);
		pfree(open);
		pfree(taken);
		return out;
	}
	return order;
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
static bool
algorithm_is_xgboost(const char *algorithm)
{
	const PgmlAlgorithmDef *a = pgml_algorithm_find(algorithm);

	return a != NULL && a->family == PGML_FAMILY_TREES;
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

/* Score used to compare models: r2 for regression, f1 for classification. */
static const char *
key_metric(PgmlTask task)
{
	switch (task)
	{
		case PGML_TASK_REGRESSION:
			return "r2";
		case PGML_TASK_CLASSIFICATION:
			return "f1";
		case PGML_TASK_CLUSTERING:
			return "silhouette";
		default:
			return NULL;		/* decomposition: the newest model wins */
	}
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

/* Merge two JSON object texts (keys of b win). */
static char *
json_merge(const char *a, const char *b)
{
	Datum		ja = DirectFunctionCall1(jsonb_in, CStringGetDatum(a));
	Datum		jb = DirectFunctionCall1(jsonb_in, CStringGetDatum(b));

	return JsonbToCString(NULL, &DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, ja, jb))->root,
						  VARSIZE(DatumGetJsonbP(ja)));
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
	bool		trees = algorithm_is_xgboost(algorithm);
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
 * Train algorithm on rows idx[0..n) of ds, in the trainer process.  model
 * arrives with task, n_features, n_classes and classes set; the trainer
 * fills the rest.  The rows are written once, preprocessed, into the
 * shared mapping the trainer reads (pgml_trainer.h): no other copy.
 */
static void
train_rows(const char *algorithm, const PgmlDataset *ds, const int64 *idx, int64 n,
		   Jsonb *hyperparams, PgmlModel *model)
{
	PgmlTrainInput in;
	PgmlTrainerData *data;
	bool		trees = algorithm_is_xgboost(algorithm);
	instr_time	start,
				filled;

	INSTR_TIME_SET_CURRENT(start);
	data = pgml_trainer_data_create(n, ds->n_features, ds->y != NULL, true);
	for (int64 i = 0; i < n; i++)
		memcpy(data->x + i * ds->n_features, ds->x + idx[i] * ds->n_features,
			   sizeof(float) * ds->n_features);
	if (ds->y != NULL)
	{
		for (int64 i = 0; i < n; i++)
			data->y[i] = ds->y[idx[i]];
	}
	memcpy(data->row_of, idx, sizeof(int64) * n);
	if (model->preprocess)
		pgml_preprocess_apply(model->preprocess, ds, data->x, n);
	if (!trees)
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
	INSTR_TIME_SET_CURRENT(filled);
	INSTR_TIME_SUBTRACT(filled, start);
	pgml_trainer_handoff_seconds += INSTR_TIME_GET_DOUBLE(filled);

	memset(&in, 0, sizeof(in));
	in.x = data->x;
	in.y = data->y;
	in.n_rows = n;
	in.n_features = ds->n_features;
	in.n_classes = model->n_classes;
	in.task = model->task;
	in.algorithm = algorithm;
	in.hyperparams = hyperparams;
	in.nthread = pgml_nthread;
	in.seed = PGML_SPLIT_SEED;
	in.row_of = data->row_of;

	pgml_trainer_fit(&in, data, model);
	pgml_trainer_data_free(data);
}

/*
 * Held-out evaluation on several threads.  The image's evaluation functions
 * are thread-safe (pgml_image.h); the helper threads call nothing else, and
 * PostgreSQL's signals stay with the main thread.  Rows are shared out in
 * rounds of at most PGML_EVAL_CHUNK rows per thread; between rounds, with no
 * helper running, a query cancel or a job cancellation is honoured.
 */
#define PGML_EVAL_CHUNK		65536
#define PGML_EVAL_MAX_THREADS	16
#define PGML_EVAL_STACK		(1024 * 1024)

/* One thread's share of a round: rows idx[lo, hi). */
typedef struct EvalShare
{
	const PgmlImageHeader *image;
	const PgmlModel *model;
	const PgmlDataset *ds;
	const int64 *idx;
	int64		lo;
	int64		hi;
	double	   *y_true;
	double	   *y_pred;
	float	   *proba;			/* classification: n_classes per row */
} EvalShare;

/* Predict rows [lo, hi) of a share; pure computation, no PostgreSQL calls. */
static void
eval_share(const EvalShare *s)
{
	const PgmlModel *model = s->model;
	const PgmlDataset *ds = s->ds;

	for (int64 i = s->lo; i < s->hi; i++)
	{
		const float *x = ds->x + s->idx[i] * ds->n_features;

		if (model->task == PGML_TASK_CLUSTERING)
		{
			s->y_pred[i] = pgml_image_predict(s->image, x);
			s->y_true[i] = s->y_pred[i];
			continue;
		}
		if (model->task == PGML_TASK_CLASSIFICATION)
			s->y_pred[i] = pgml_image_predict_class_proba(s->image, x,
														  s->proba + i * model->n_classes);
		else
			s->y_pred[i] = pgml_image_predict(s->image, x);
		s->y_true[i] = ds->y[s->idx[i]];
	}
}

static void *
eval_thread(void *arg)
{
	eval_share((const EvalShare *) arg);
	return NULL;
}

/*
 * Fill y_true, y_pred (and proba) for rows idx[0, n), on up to
 * pgml_worker.nthread threads (0: one per CPU), fewer for small n.  A thread
 * that cannot be started leaves its share to the main thread.
 */
static void
eval_parallel(const EvalShare *all, int64 n)
{
	int			nthread = pgml_nthread > 0 ? pgml_nthread : pgml_train_cpus();
	pthread_attr_t attr;
	bool		have_attr;

	nthread = (int) Min(Min(nthread, PGML_EVAL_MAX_THREADS), Max(1, n / 4096));

	/*
	 * The helpers need some tens of kB of stack (tree_eval.c's buffers);
	 * the default, RLIMIT_STACK (often 8 MB), would be charged to the
	 * server's commit limit under vm.overcommit_memory = 2.
	 */
	have_attr = pthread_attr_init(&attr) == 0;
	if (have_attr && pthread_attr_setstacksize(&attr, PGML_EVAL_STACK) != 0)
	{
		pthread_attr_destroy(&attr);
		have_attr = false;
	}
	for (int64 start = 0; start < n;)
	{
		EvalShare	share[PGML_EVAL_MAX_THREADS];
		pthread_t	tid[PGML_EVAL_MAX_THREADS];
		bool		started[PGML_EVAL_MAX_THREADS];
		int64		round = Min(n - start, (int64) PGML_EVAL_CHUNK * nthread);
		sigset_t	all_signals,
					old_mask;

		/* no helper thread is running here: a cancel may raise an error */
		pgml_train_check_cancel();
		for (int t = 0; t < nthread; t++)
		{
			share[t] = *all;
			share[t].lo = start + round * t / nthread;
			share[t].hi = start + round * (t + 1) / nthread;
			started[t] = false;
		}
		sigfillset(&all_signals);
		pthread_sigmask(SIG_SETMASK, &all_signals, &old_mask);
		for (int t = 1; t < nthread; t++)
			started[t] = pthread_create(&tid[t], have_attr ? &attr : NULL,
										eval_thread, &share[t]) == 0;
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
		eval_share(&share[0]);
		for (int t = 1; t < nthread; t++)
		{
			if (started[t])
				pthread_join(tid[t], NULL);
			else
				eval_share(&share[t]);
		}
		start += round;
	}
	if (have_attr)
		pthread_attr_destroy(&attr);
}

/*
 * Pack a trained model, compile its image and evaluate it on rows
 * idx[0..n) of ds.  Returns the metrics (JSON object text); the artifact and
 * image are returned for storing and publishing.
 */
static char *
evaluate_rows(const PgmlModel *model, const PgmlDataset *ds, const int64 *idx, int64 n,
			  bytea **artifact_out, PgmlImageHeader **image_out, Size *size_out)
{
	bytea	   *artifact = pgml_artifact_pack(model);
	PgmlImageHeader *image;
	const PgmlImageHeader *eval_image;
	char	   *aligned = NULL;
	Size		size;
	double	   *y_true = palloc(sizeof(double) * n);
	double	   *y_pred = palloc(sizeof(double) * n);
	char	   *metrics;

	image = pgml_image_compile(VARDATA(artifact), VARSIZE(artifact) - VARHDRSZ, &size);
	if (model->task == PGML_TASK_DECOMPOSITION)
	{
		/* no labels to score: keep what the trainer measured (variance) */
		metrics = model->metrics_json ? pstrdup(model->metrics_json) : pstrdup("{}");
		goto done;
	}
	/*
	 * Evaluate a copy at a 64-byte boundary, where the image lies in its DSM
	 * segment: the layout's one-line records then each take one cache line.
	 */
	aligned = MemoryContextAllocHuge(CurrentMemoryContext, size + PG_CACHE_LINE_SIZE);
	eval_image = (const PgmlImageHeader *) TYPEALIGN(PG_CACHE_LINE_SIZE, aligned);
	memcpy((char *) eval_image, image, size);
	{
		EvalShare	all = {eval_image, model, ds, idx, 0, n, y_true, y_pred, NULL};

		if (model->task == PGML_TASK_CLASSIFICATION)
			all.proba = MemoryContextAllocHuge(CurrentMemoryContext,
											   sizeof(float) * n * model->n_classes);
		eval_parallel(&all, n);
		if (model->task == PGML_TASK_CLASSIFICATION)
		{
			metrics = pgml_metrics_classification(y_true, y_pred, n, model->n_classes);
			metrics = json_merge(metrics,
								 pgml_metrics_classification_proba(y_true, all.proba, n,
																   model->n_classes));
			pfree(all.proba);
			goto done;
		}
	}
	if (model->task == PGML_TASK_CLUSTERING)
	{
		/* silhouette and inertia in the space the centroids live in */
		float	   *xt = MemoryContextAllocHuge(CurrentMemoryContext,
												sizeof(float) * n * ds->n_features);
		double		inertia = 0;

		for (int64 i = 0; i < n; i++)
			memcpy(xt + i * ds->n_features, ds->x + idx[i] * ds->n_features,
				   sizeof(float) * ds->n_features);
		if (model->preprocess)
			pgml_preprocess_apply(model->preprocess, ds, xt, n);
		for (int64 i = 0; i < n; i++)
		{
			const double *c = model->centroids + (int64) y_pred[i] * ds->n_features;

			for (int j = 0; j < ds->n_features; j++)
			{
				double		d = xt[i * ds->n_features + j] - c[j];

				inertia += d * d;
			}
		}
		metrics = pgml_metrics_clustering(xt, ds->n_features, y_pred, n,
										  model->n_clusters, inertia);
		pfree(xt);
	}
	else
		metrics = pgml_metrics_regression(y_true, y_pred, n);
done:
	pfree(y_true);
	pfree(y_pred);
	if (aligned)
		pfree(aligned);

	if (artifact_out)
	{
		*artifact_out = artifact;
		*image_out = image;
		*size_out = size;
	}
	else
	{
		pfree(artifact);
		pfree(image);
	}
	return metrics;
}

/* The JSON text of a scalar jsonb value (a search candidate value). */
static char *
jsonb_scalar_text(JsonbValue *v, const char *key)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvBool:
			return v->val.boolean ? "true" : "false";
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvString:
			{
				StringInfoData buf;

				initStringInfo(&buf);
				escape_json(&buf, pnstrdup(v->val.string.val, v->val.string.len));
				return buf.data;
			}
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("search_params \"%s\" must list scalar values", key)));
	}
	return NULL;
}

/* search_args is NULL or an object of the keys search_arg reads. */
static void
search_args_check(Jsonb *args)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (args == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(args) || JB_ROOT_IS_SCALAR(args))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search_args must be a JSON object"),
				 errhint("For example '{\"cv\": 5, \"n_iter\": 20}'.")));
	it = JsonbIteratorInit(&args->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		if ((v.val.string.len == 2 && strncmp(v.val.string.val, "cv", 2) == 0) ||
			(v.val.string.len == 6 && strncmp(v.val.string.val, "n_iter", 6) == 0))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown search_args key \"%.*s\"",
						Min(v.val.string.len, 64), v.val.string.val),
				 errhint("search_args takes \"cv\" (folds) and \"n_iter\" (random search draws).")));
	}
}

/* An integer argument of search_args, or def if absent. */
static int
search_arg(Jsonb *args, const char *key, int def, int min, int max)
{
	JsonbValue	k;
	JsonbValue *v;
	double		d;

	if (args == NULL)
		return def;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v = findJsonbValueFromContainer(&args->root, JB_FOBJECT, &k);
	if (v == NULL)
		return def;
	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search_args \"%s\" must be a number", key)));
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
	if (d != floor(d) || d < min || d > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search_args \"%s\" must be a whole number between %d and %d", key, min, max),
				 errdetail("Got %g.", d)));
	return (int) d;
}

/*
 * Hyperparameter search: every candidate of search_params (grid: all
 * combinations; random: n_iter draws, seeded) is scored by k-fold
 * cross-validation on the training rows with the project's key metric; the
 * best mean wins (the first one on ties).  Returns the winning
 * hyperparameters merged over the base ones; *report gets a JSON object
 * {"search": {...}} with every candidate's fold scores and mean.
 */
static Jsonb *
run_search(const PgmlJob *job, const char *algorithm, const PgmlDataset *ds,
		   const PgmlModel *tmpl, const int64 *idx, int64 n, Jsonb *base,
		   char **report)
{
	const char *metric = key_metric(tmpl->task);
	int			cv;
	int			n_iter;
	int			n_keys = 0;
	char	  **keys;
	char	 ***values;
	int		   *n_values;
	int64		n_candidates;
	int			chosen_n;
	int		   *pick;
	uint64		seed = PGML_SPLIT_SEED;
	StringInfoData rep;
	double		best_score = -INFINITY;
	char	   *best_json = NULL;
	MemoryContext fold_ctx;
	MemoryContext old;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	search_args_check(job->search_args);
	cv = search_arg(job->search_args, "cv", 3, 2, 100);
	n_iter = search_arg(job->search_args, "n_iter", 10, 1, 100000);
	if (job->search_params == NULL || !JB_ROOT_IS_OBJECT(job->search_params) ||
		JB_ROOT_COUNT(job->search_params) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search needs search_params"),
				 errhint("Pass search_params => '{\"max_depth\": [2, 4, 6]}', an object of candidate lists.")));
	if (n < cv)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot run %d-fold cross-validation on %lld training rows", cv, (long long) n)));

	/* collect the candidate lists */
	keys = palloc0(sizeof(char *) * JB_ROOT_COUNT(job->search_params));
	values = palloc0(sizeof(char **) * JB_ROOT_COUNT(job->search_params));
	n_values = palloc0(sizeof(int) * JB_ROOT_COUNT(job->search_params));
	it = JsonbIteratorInit(&job->search_params->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			keys[n_keys] = pnstrdup(v.val.string.val, v.val.string.len);
			tok = JsonbIteratorNext(&it, &v, true);
			if (tok != WJB_VALUE || v.type != jbvBinary ||
				!JsonContainerIsArray(v.val.binary.data) ||
				JsonContainerSize(v.val.binary.data) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("search_params \"%s\" must be a non-empty array of candidate values",
								keys[n_keys])));
			{
				JsonbIterator *ait = JsonbIteratorInit(v.val.binary.data);
				JsonbValue	e;
				int			cap = JsonContainerSize(v.val.binary.data);

				values[n_keys] = palloc(sizeof(char *) * cap);
				while ((tok = JsonbIteratorNext(&ait, &e, true)) != WJB_DONE)
					if (tok == WJB_ELEM)
						values[n_keys][n_values[n_keys]++] = jsonb_scalar_text(&e, keys[n_keys]);
			}
			n_keys++;
		}
	}

	n_candidates = 1;
	for (int k = 0; k < n_keys; k++)
	{
		n_candidates *= n_values[k];
		if (n_candidates > 100000)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("search_params describe more than 100000 candidates")));
	}
	chosen_n = strcmp(job->search, "grid") == 0 ? (int) n_candidates : n_iter;
	pick = palloc(sizeof(int) * n_keys);

	initStringInfo(&rep);
	appendStringInfo(&rep, "{\"search\": {\"method\": \"%s\", \"metric\": \"%s\", \"cv\": %d, \"candidates\": [",
					 job->search, metric, cv);

	fold_ctx = AllocSetContextCreate(CurrentMemoryContext, "pgml search fold",
									 ALLOCSET_DEFAULT_SIZES);
	for (int c = 0; c < chosen_n; c++)
	{
		StringInfoData cand;
		Jsonb	   *hp;
		double		sum = 0;
		double		fold_scores[100];

		/* which value of each key */
		if (strcmp(job->search, "grid") == 0)
		{
			int64		rest = c;

			for (int k = n_keys - 1; k >= 0; k--)
			{
				pick[k] = (int) (rest % n_values[k]);
				rest /= n_values[k];
			}
		}
		else
			for (int k = 0; k < n_keys; k++)
				pick[k] = (int) (splitmix64(&seed) % (uint64) n_values[k]);

		initStringInfo(&cand);
		appendStringInfoChar(&cand, '{');
		for (int k = 0; k < n_keys; k++)
		{
			if (k > 0)
				appendStringInfoString(&cand, ", ");
			escape_json(&cand, keys[k]);
			appendStringInfo(&cand, ": %s", values[k][pick[k]]);
		}
		appendStringInfoChar(&cand, '}');
		hp = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(cand.data)));
		if (base != NULL)
			hp = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(base),
													JsonbPGetDatum(hp)));

		for (int f = 0; f < cv; f++)
		{
			int64		lo = n * f / cv;
			int64		hi = n * (f + 1) / cv;
			int64	   *train_idx;
			int64		n_fit = 0;
			PgmlModel	m = *tmpl;
			char	   *metrics;
			double		score;

			PgmlDataset fold_ds = *ds;
			float	   *fold_x;

			old = MemoryContextSwitchTo(fold_ctx);
			train_idx = palloc(sizeof(int64) * (n - (hi - lo)));
			for (int64 i = 0; i < n; i++)
				if (i < lo || i >= hi)
					train_idx[n_fit++] = idx[i];

			/*
			 * What is learnt from the training rows is learnt from the
			 * fold's: target means and preprocessing statistics, so that the
			 * held-out fold does not leak into its own score.
			 */
			fold_x = pgml_encode_refit_target(ds, tmpl, train_idx, n_fit, &m.encoders);
			if (fold_x != NULL)
				fold_ds.x = fold_x;
			if (tmpl->preprocess != NULL)
				m.preprocess = pgml_preprocess_fit(job->preprocess, &fold_ds, train_idx,
												   n_fit, algorithm_is_xgboost(algorithm));
			train_rows(algorithm, &fold_ds, train_idx, n_fit, hp, &m);
			metrics = evaluate_rows(&m, &fold_ds, idx + lo, hi - lo, NULL, NULL, NULL);
			score = json_number(metrics, metric);
			MemoryContextSwitchTo(old);
			MemoryContextReset(fold_ctx);

			fold_scores[f] = score;
			sum += score;
			pgml_train_check_cancel();
		}

		appendStringInfo(&rep, "%s{\"hyperparams\": %s, \"mean_score\": %.17g, \"fold_scores\": [",
						 c > 0 ? ", " : "", cand.data, sum / cv);
		for (int f = 0; f < cv; f++)
			appendStringInfo(&rep, "%s%.17g", f > 0 ? ", " : "", fold_scores[f]);
		appendStringInfoString(&rep, "]}");

		if (sum / cv > best_score)
		{
			best_score = sum / cv;
			best_json = cand.data;
		}
	}
	MemoryContextDelete(fold_ctx);

	if (best_json == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no search candidate produced a score")));
	appendStringInfo(&rep, "], \"best_hyperparams\": %s, \"best_mean_score\": %.17g}}",
					 best_json, best_score);
	*report = rep.data;

	{
		Jsonb	   *best = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(best_json)));

		if (base != NULL)
			best = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(base),
													  JsonbPGetDatum(best)));
		return best;
	}
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
								"coalesce(s.y_column_name[1], m.y_column_name), "
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
		out->y_column_name = SPI_getvalue(tup, desc, 2);
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
	{
		Datum		e = CStringGetTextDatum(job->y_column_name);

		args[1] = PointerGetDatum(construct_array(&e, 1, TEXTOID, -1, false, TYPALIGN_INT));
	}
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
	role_push(job->role, &rs);
	qualified_relation = pgml_qualified_relation(job->relation_name, true);
	if (job->materialize_snapshot)
	{
		/* the rows this transaction just copied: the active snapshot, seeing its own commands */
		PushCopiedSnapshot(GetActiveSnapshot());
		UpdateActiveSnapshotCommandId();
		pgml_data_read(job->relation_name, job->y_column_name, &ds);
		PopActiveSnapshot();
	}
	else
		pgml_data_read(job->relation_name, job->y_column_name, &ds);
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
	order = split_order(&ds, n_test, sampling, model.n_classes, PGML_SPLIT_SEED);
	tsplit1 = GetCurrentTimestamp();

	/* Text columns become the model's features (target means: training rows). */
	pgml_encode_fit(job->preprocess, &ds, order + n_test, n_train, &model);
	model.n_features = ds.n_features;

	/* Preprocessing statistics from the training rows; then every row's NULLs. */
	model.preprocess = pgml_preprocess_fit(job->preprocess, &ds, order + n_test, n_train,
										   algorithm_is_xgboost(algorithm));
	check_missing(&ds, &model, algorithm);

	/* Search, if asked: k-fold cross-validation over the training rows. */
	hyperparams = job->hyperparams;
	if (job->search != NULL)
		hyperparams = run_search(job, algorithm, &ds, &model, order + n_test, n_train,
								 hyperparams, &search_report);

	/* Train (timings.handoff: this fit's, not the search folds'). */
	pgml_trainer_handoff_seconds = 0;
	pgml_trainer_peak_rss_kb = 0;
	t0 = GetCurrentTimestamp();
	train_rows(algorithm, &ds, order + n_test, n_train, hyperparams, &model);
	t1 = GetCurrentTimestamp();
	pgml_trainer_end_job();

	/* Evaluate with the very image predict will serve. */
	metrics = evaluate_rows(&model, &ds, order, n_test, &artifact, &image, &image_size);
	t2 = GetCurrentTimestamp();
	metrics = metrics_add_times(metrics, seconds_between(t0, t1), seconds_between(t1, t2));
	if (search_report)
		metrics = json_merge(metrics, search_report);

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
		if (job->y_column_name)
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
			const char *key = key_metric(task);
			double		old;
			double		new;

			/* compare with the deployment as it is once ours is next */
			pgml_deploy_lock_project(project_id, job->role);
			old = key ? deployed_score(project_id, key) : NAN;
			new = key ? json_number(metrics, key) : NAN;
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
							   "\"train\": %.6f, \"evaluate\": %.6f, \"store\": %.6f, "
							   "\"publish\": %.6f, \"trainer_peak_rss_kb\": %ld}",
							   ds.read_seconds, ds.convert_seconds + seconds_between(tsplit0, tsplit1),
							   pgml_trainer_handoff_seconds,
							   seconds_between(t0, t1), seconds_between(t1, t2),
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

PG_FUNCTION_INFO_V1(pgml_train_sql);

/*
 * SQL: pgml.train(project_name, task, relation_name, y_column_name,
 * algorithm, hyperparams, search, search_params, search_args, test_size,
 * test_sampling, runtime, automatic_deploy, materialize_snapshot, preprocess)
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
