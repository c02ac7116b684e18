/*-------------------------------------------------------------------------
 *
 * decompose.c
 *	  Principal component analysis for pgml_train.so, as scikit-learn 1.2's
 *	  PCA(svd_solver="full"): the rows are centered, the SVD of the centered
 *	  matrix comes from LAPACK's dgesdd (what scipy.linalg.svd calls), the
 *	  signs are fixed as svd_flip does (the largest |u| of each left
 *	  singular vector is positive), and the components are the first rows
 *	  of V^T.  whiten folds 1 / sqrt(explained variance) into the stored
 *	  components, so that prediction stays one affine map
 *	  (docs/clustering.md).
 *
 *	  LAPACKE is called through its _work variant on palloc'd buffers, so an
 *	  error cannot leak library memory.
 *
 * src/trainer/decompose.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pgml_train.h"

#include <cblas.h>
#include <lapacke.h>

/* Hyperparameters after validation. */
typedef struct PcaOptions
{
	const char *algorithm;		/* the name the user chose, for messages */
	int			n_components;	/* 0: min(n_rows, n_features) */
	double		variance;		/* in (0, 1): keep this share of variance */
	bool		whiten;
} PcaOptions;

/* Validate the hyperparameters into opt; an unknown key or bad value is an error. */
static void
pca_parse_hyperparams(Jsonb *jb, PcaOptions *opt)
{
	PgmlPcaParams pp = {0};		/* the table sets the defaults */

	pgml_hp_parse(opt->algorithm, PGML_TASK_DECOMPOSITION, jb, &pgml_hp_pca, &pp, NULL);
	opt->variance = pp.n_components < 1.0 ? pp.n_components : 0.0;
	opt->n_components = pp.n_components >= 1.0 ? (int) pp.n_components : 0;
	opt->whiten = pp.whiten;
}

/* Append ", "key": value" with a double in the shortest exact form (or null). */
static void
pca_append_double(StringInfo buf, const char *key, double value)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (!isfinite(value))
	{
		appendStringInfo(buf, ", \"%s\": null", key);
		return;
	}
	double_to_shortest_decimal_buf(value, num);
	appendStringInfo(buf, ", \"%s\": %s", key, num);
}

/* Append ", "key": [v0, v1, ...]" (shortest exact doubles, null if not finite). */
static void
pca_append_array(StringInfo buf, const char *key, const double *v, int count)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	appendStringInfo(buf, ", \"%s\": [", key);
	for (int i = 0; i < count; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, ", ");
		if (isfinite(v[i]))
		{
			double_to_shortest_decimal_buf(v[i], num);
			appendStringInfoString(buf, num);
		}
		else
			appendStringInfoString(buf, "null");
	}
	appendStringInfoChar(buf, ']');
}

/*
 * Train PCA: center the rows, SVD, svd_flip signs, keep the leading
 * components.  Fills m->algorithm, n_components, pca_mean, components,
 * n_outputs, output, hyperparams_json and metrics_json (explained variance,
 * its ratio, the singular values and the noise variance).
 */
void
pgml_pca_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	MemoryContext oldctx;
	PcaOptions	opt;
	int64		n = in->n_rows;
	int			p = in->n_features;
	int			r;
	int			k;
	double	   *a;
	double	   *s;
	double	   *ua;
	double	   *vta;
	double	   *comp;
	const double *ut;
	double	   *work;
	int		   *iwork;
	double		wsize;
	lapack_int	info;
	double	   *mean;
	double	   *components;
	double	   *ev;
	double	   *ratio;
	double		total = 0.0;
	double		noise = 0.0;
	StringInfoData buf;

	if (in->task != PGML_TASK_DECOMPOSITION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("algorithm \"%s\" needs a decomposition task",
						in->algorithm ? in->algorithm : "pca")));
	memset(&opt, 0, sizeof(opt));
	opt.algorithm = in->algorithm ? in->algorithm : "pca";
	if (strcmp(opt.algorithm, "pca") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown decomposition algorithm \"%s\"", opt.algorithm),
				 errhint("The decomposition algorithm is pca.")));
	pca_parse_hyperparams(in->hyperparams, &opt);

	if (p <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot train PCA without features")));
	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("PCA needs at least 2 rows"),
				 errdetail_plural("There is %lld training row.",
								  "There are %lld training rows.",
								  (unsigned long) n, (long long) n)));
	if (n > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows for PCA"),
				 errdetail("The limit is %d rows.", INT_MAX / 2)));
	r = (int) Min(n, (int64) p);
	if (opt.n_components > r)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for hyperparameter \"n_components\" of algorithm \"%s\"",
						opt.algorithm),
				 errdetail("n_components is %d, but the training data allow at most min(rows, features) = %d.",
						   opt.n_components, r)));

	if (in->nthread > 0)
		openblas_set_num_threads(in->nthread);

	workctx = AllocSetContextCreate(callerctx, "pgml PCA training",
									ALLOCSET_DEFAULT_SIZES);
	oldctx = MemoryContextSwitchTo(workctx);

	/*
	 * The row-major n x p matrix is, for LAPACK, the column-major p x n
	 * matrix A = X^T = V S U^T: its left singular vectors are the
	 * components, its right ones the left singular vectors U of X.
	 */
	a = pgml_train_alloc((Size) n * p, sizeof(double));
	mean = MemoryContextAllocZero(callerctx, sizeof(double) * p);
	pgml_train_doubles(in, "PCA", a, mean);
	for (int64 i = 0; i < n; i++)
		for (int j = 0; j < p; j++)
			a[i * p + j] -= mean[j];

	/*
	 * jobz 'O' overwrites A with whichever factor has n columns' worth of
	 * storage: with p <= n (so r = p) A gets U^T (r x n, leading dimension
	 * p = r) and ua the components; with p > n (r = n) A gets the p x r
	 * components and vta U^T.  Either way U[i][c] = ut[i * r + c] and
	 * component c starts at comp + c * p, and no second n-sized buffer is
	 * needed when rows outnumber features.
	 */
	pgml_train_check_cancel();
	s = pgml_train_alloc(r, sizeof(double));
	if (p <= n)
	{
		ua = pgml_train_alloc((Size) p * p, sizeof(double));
		vta = NULL;
	}
	else
	{
		ua = NULL;
		vta = pgml_train_alloc((Size) r * r, sizeof(double));
	}
	iwork = pgml_train_alloc((Size) 8 * r, sizeof(int));
	info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'O', p, (lapack_int) n, a, p,
							   s, ua ? ua : &wsize, ua ? p : 1,
							   vta ? vta : &wsize, vta ? r : 1,
							   &wsize, -1, iwork);
	if (info != 0)
		elog(ERROR, "dgesdd workspace query failed: info %d", (int) info);
	work = pgml_train_alloc((Size) wsize + 1, sizeof(double));
	{
		double		unused = 0.0;

		info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'O', p, (lapack_int) n, a, p,
								   s, ua ? ua : &unused, ua ? p : 1,
								   vta ? vta : &unused, vta ? r : 1,
								   work, (lapack_int) wsize + 1, iwork);
	}
	if (info != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the singular value decomposition did not converge"),
				 errdetail("LAPACK dgesdd returned %d.", (int) info)));
	pgml_train_check_cancel();
	comp = (p <= n) ? ua : a;
	ut = (p <= n) ? a : vta;

	/* svd_flip (u-based): the largest |u| of each column of U is positive */
	for (int c = 0; c < r; c++)
	{
		int64		best = 0;
		double		bestabs = -1.0;

		for (int64 i = 0; i < n; i++)
		{
			double		u = fabs(ut[(Size) i * r + c]);

			if (u > bestabs)
			{
				bestabs = u;
				best = i;
			}
		}
		if (ut[(Size) best * r + c] < 0.0)
			for (int j = 0; j < p; j++)
				comp[(Size) c * p + j] = -comp[(Size) c * p + j];
	}

	/* explained variance and the number of components to keep */
	ev = pgml_train_alloc(r, sizeof(double));
	ratio = pgml_train_alloc(r, sizeof(double));
	for (int c = 0; c < r; c++)
	{
		ev[c] = s[c] * s[c] / (double) (n - 1);
		total += ev[c];
	}
	for (int c = 0; c < r; c++)
		ratio[c] = ev[c] / total;
	if (opt.variance > 0.0)
	{
		double		acc = 0.0;

		/* the first count whose cumulative ratio exceeds the share */
		k = 0;
		while (k < r)
		{
			acc += ratio[k];
			k++;
			if (acc > opt.variance)
				break;
		}
	}
	else
		k = opt.n_components > 0 ? opt.n_components : r;
	if (k < r)
	{
		for (int c = k; c < r; c++)
			noise += ev[c];
		noise /= (double) (r - k);
	}

	components = MemoryContextAllocZero(callerctx, sizeof(double) * (Size) k * p);
	for (int c = 0; c < k; c++)
	{
		double		scale = 1.0;

		if (opt.whiten)
		{
			if (!(ev[c] > 0.0))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("cannot whiten PCA component %d: its explained variance is zero",
								c + 1),
						 errhint("Use fewer components, or whiten false.")));
			scale = 1.0 / sqrt(ev[c]);
		}
		for (int j = 0; j < p; j++)
			components[(Size) c * p + j] = comp[(Size) c * p + j] * scale;
	}

	m->algorithm = PGML_ALGO_PCA;
	m->output = PGML_OUTPUT_IDENTITY;
	m->n_components = k;
	m->n_outputs = k;
	m->pca_mean = mean;
	m->components = components;

	MemoryContextSwitchTo(oldctx);
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"n_components\": %d", k);
	if (opt.variance > 0.0)
		pca_append_double(&buf, "variance", opt.variance);
	appendStringInfo(&buf, ", \"whiten\": %s, \"svd_solver\": \"full\"}",
					 opt.whiten ? "true" : "false");
	m->hyperparams_json = buf.data;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"n_components\": %d", k);
	pca_append_array(&buf, "explained_variance_ratio", ratio, k);
	pca_append_array(&buf, "explained_variance", ev, k);
	pca_append_array(&buf, "singular_values", s, k);
	pca_append_double(&buf, "noise_variance", noise);
	{
		/* PostgresML's key metric of a decomposition */
		double		cumulative = 0;

		for (int i = 0; i < k; i++)
			cumulative += ratio[i];
		pca_append_double(&buf, "cumulative_explained_variance", cumulative);
	}
	appendStringInfoChar(&buf, '}');
	m->metrics_json = buf.data;

	MemoryContextDelete(workctx);
}
