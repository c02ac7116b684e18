/*-------------------------------------------------------------------------
 *
 * evaluate.c
 *	  Held-out evaluation of a trained model with the very image predict
 *	  will serve, on several threads, and the metrics JSON helpers a job
 *	  uses to compare models (include/pgml_job.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pgml_image.h"
#include "pgml_job.h"
#include "pgml_kind.h"
#include "pgml_preprocess.h"
#include "pgml_train.h"
#include "pgml_worker.h"

/* Score used to compare models: r2 for regression, f1 for classification. */
const char *
pgml_key_metric(PgmlTask task)
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

/* Read a double field from a JSON object text (for the key metric). */
double
pgml_metrics_number(const char *json, const char *key)
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

/* Merge two JSON object texts (keys of b win). */
char *
pgml_metrics_merge(const char *a, const char *b)
{
	Datum		ja = DirectFunctionCall1(jsonb_in, CStringGetDatum(a));
	Datum		jb = DirectFunctionCall1(jsonb_in, CStringGetDatum(b));

	return JsonbToCString(NULL, &DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, ja, jb))->root,
						  VARSIZE(DatumGetJsonbP(ja)));
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
		if (model->task == PGML_TASK_REGRESSION && model->n_outputs > 1)
		{
			/* a joint model: every target, as predict_joint gives them */
			int32		nt = model->n_outputs;
			float		v[PGML_MAX_TARGETS];

			pgml_image_predict_raw(s->image, x, v);
			for (int32 k = 0; k < nt; k++)
			{
				s->y_pred[i * nt + k] = v[k];
				s->y_true[i * nt + k] = ds->y[s->idx[i] * nt + k];
			}
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
char *
pgml_evaluate_rows(const PgmlModel *model, const PgmlDataset *ds, const int64 *idx, int64 n,
				   bytea **artifact_out, PgmlImageHeader **image_out, Size *size_out)
{
	bytea	   *artifact = pgml_artifact_pack(model);
	PgmlImageHeader *image;
	const PgmlImageHeader *eval_image;
	char	   *aligned = NULL;
	Size		size;
	int32		nt = model->task == PGML_TASK_REGRESSION ? Max(model->n_outputs, 1) : 1;
	double	   *y_true = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * nt);
	double	   *y_pred = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n * nt);
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
			metrics = pgml_metrics_merge(metrics,
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
		metrics = pgml_metrics_regression(y_true, y_pred, n, nt);
done:
	/* what the trainer measured besides (feature importances) */
	if (model->task != PGML_TASK_DECOMPOSITION && model->task != PGML_TASK_CLUSTERING &&
		model->metrics_json != NULL)
		metrics = pgml_metrics_merge(metrics, model->metrics_json);
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
