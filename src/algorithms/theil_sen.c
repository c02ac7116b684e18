/*-------------------------------------------------------------------------
 *
 * theil_sen.c
 *	  Algorithm "theil_sen" (regression), as scikit-learn 1.2's
 *	  TheilSenRegressor: least squares (an intercept column first) on every
 *	  subset of n_subsamples rows, or on max_subpopulation random ones, and
 *	  the model is the spatial median (L1 median) of those solutions, found
 *	  by the modified Weiszfeld iteration (Kärkkäinen and Äyrämö 2005).
 *	  Served as the linear kind.
 *
 *	  The subsets are scikit-learn's: all combinations in lexicographic
 *	  order when there are at most max_subpopulation of them, else
 *	  RandomState(random_state).choice(n, n_subsamples, replace=False) for
 *	  each (a permutation's first rows); each solved by LAPACK's dgelss, as
 *	  scikit-learn does; the iteration the same, so the same random_state
 *	  gives scikit-learn's model.
 *
 * src/algorithms/theil_sen.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"

typedef struct TheilSenParams
{
	bool		fit_intercept;
	double		max_subpopulation;
	double		n_subsamples;	/* -1: the features (+ 1 with an intercept) */
	double		max_iter;
	double		tol;
	double		random_state;	/* -1: the job's seed */
} TheilSenParams;

#define OFF(f) offsetof(TheilSenParams, f)

static const PgmlHpSpec theil_sen_specs[] = {
	{"fit_intercept", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true", "true or false", NULL,
	OFF(fit_intercept)},
	{"max_subpopulation", NULL, PGML_HP_INT, 1, 1e9, false, false, 0, NULL, "10000",
		"an integer from 1 to 1000000000 (the most subsets solved)", NULL, OFF(max_subpopulation)},
	{"n_subsamples", NULL, PGML_HP_INT, 1, INT_MAX, false, false, PGML_HP_NULLABLE, NULL, "null",
		"null (the features, + 1 with an intercept) or an integer >= 1 (the rows of a subset)", NULL,
	OFF(n_subsamples)},
	{"max_iter", NULL, PGML_HP_INT, 0, INT_MAX, false, false, 0, NULL, "300",
		"an integer >= 0 (the most steps of the spatial median)", NULL, OFF(max_iter)},
	{"tol", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, 0, NULL, "0.001",
		"a number >= 0 (the spatial median's last step, at most)", NULL, OFF(tol)},
	{"random_state", NULL, PGML_HP_INT, 0, 4294967295.0, false, false, PGML_HP_NULLABLE, NULL,
		"the job's seed", "null or an integer between 0 and 4294967295", NULL, OFF(random_state)},
};

static const PgmlHpCompat theil_sen_compat[] = {
	{"copy_X", NULL, NULL},		/* the rows are never changed */
	{"n_jobs", NULL, NULL},		/* the subsets are solved one after another */
	{"verbose", NULL, NULL},	/* progress is in pgml.stat_workers */
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_theil_sen = {
	"Theil-Sen regression", theil_sen_specs, lengthof(theil_sen_specs), theil_sen_compat,
	"scikit-learn's", false, NULL
};

#ifdef PGML_TRAINER

#include <lapacke.h>

#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_cart.h"
#include "../trainer/trainer_linear.h"

/* NumPy's spacing(1): the distance below which a point is the iterate */
#define THEIL_SEN_EPSILON DBL_EPSILON

/* scipy.special.binom(n, k), as a double */
static double
theil_sen_binom(int64 n, int64 k)
{
	double		r = 1.0;

	if (k < 0 || k > n)
		return 0.0;
	k = Min(k, n - k);
	for (int64 i = 1; i <= k; i++)
		r = r * (double) (n - k + i) / (double) i;
	return r;
}

/* Advance the combination c[k] of [0, n) in lexicographic order. */
static bool
theil_sen_next_combination(int64 *c, int64 k, int64 n)
{
	int64		i = k - 1;

	while (i >= 0 && c[i] == n - k + i)
		i--;
	if (i < 0)
		return false;
	c[i]++;
	for (int64 j = i + 1; j < k; j++)
		c[j] = c[j - 1] + 1;
	return true;
}

/*
 * Least squares of the rows rows[k] (an intercept column first when dim =
 * p + 1), by dgelss as scikit-learn: w[dim] out.
 */
static void
theil_sen_lstsq(const PgmlTrainInput *in, const int64 *rows, int64 k, int dim,
				double *a, double *b, double *s, double *w)
{
	int			p = in->n_features;
	int			off = dim - p;
	int			ldb = (int) Max(k, dim);
	lapack_int	rank;
	lapack_int	info;

	/* column-major k x dim */
	for (int64 i = 0; i < k; i++)
	{
		const float *x = in->x + rows[i] * p;

		if (off == 1)
			a[i] = 1.0;
		for (int j = 0; j < p; j++)
			a[(int64) (j + off) * k + i] = (double) x[j];
	}
	memset(b, 0, sizeof(double) * ldb);
	for (int64 i = 0; i < k; i++)
		b[i] = in->y[rows[i]];
	info = LAPACKE_dgelss(LAPACK_COL_MAJOR, (lapack_int) k, dim, 1, a, (lapack_int) k, b,
						  ldb, s, -1.0, &rank);
	if (info > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("least-squares solver did not converge"),
				 errdetail("LAPACK dgelss: %d off-diagonal elements of an intermediate bidiagonal form did not converge to zero.",
						   (int) info),
				 errhint("Check the features for extreme values.")));
	if (info < 0)
		elog(ERROR, "LAPACK dgelss rejected argument %d", (int) -info);
	memcpy(w, b, sizeof(double) * dim);
}

/*
 * The spatial median of the m points pts[m * dim] (row-major): scikit-learn's
 * modified Weiszfeld iteration from their mean.  Returns the steps taken
 * (scikit-learn's n_iter_); *converged whether the last step was within
 * tol.
 */
static int
theil_sen_spatial_median(const double *pts, int64 m, int dim, int max_iter, double tol,
						 double *out, bool *converged)
{
	double	   *old = palloc(sizeof(double) * dim);
	double	   *num = palloc(sizeof(double) * dim);
	double	   *quot = palloc(sizeof(double) * dim);
	double	   *dn = palloc(sizeof(double) * m);
	int			iter;

	*converged = true;
	if (dim == 1)
	{
		double	   *v = palloc(sizeof(double) * m);

		memcpy(v, pts, sizeof(double) * m);
		out[0] = linear_median(v, m);
		return 1;
	}
	tol *= tol;					/* on the squared step */
	memset(old, 0, sizeof(double) * dim);
	for (int64 i = 0; i < m; i++)
		for (int j = 0; j < dim; j++)
			old[j] += pts[i * dim + j];
	for (int j = 0; j < dim; j++)
		old[j] /= (double) m;
	for (iter = 0; iter < max_iter; iter++)
	{
		int64		n_in = 0;
		double		inv_sum = 0.0,
					qnorm = 0.0,
					step = 0.0,
					in_x;

		pgml_train_check_cancel();
		memset(num, 0, sizeof(double) * dim);
		memset(quot, 0, sizeof(double) * dim);
		for (int64 i = 0; i < m; i++)
		{
			double		sq = 0.0;

			for (int j = 0; j < dim; j++)
			{
				double		d = pts[i * dim + j] - old[j];

				sq += d * d;
			}
			dn[i] = sqrt(sq);
			if (dn[i] < THEIL_SEN_EPSILON)
				continue;		/* the iterate is this point */
			n_in++;
			for (int j = 0; j < dim; j++)
			{
				quot[j] += (pts[i * dim + j] - old[j]) / dn[i];
				num[j] += pts[i * dim + j] / dn[i];
			}
			inv_sum += 1 / dn[i];
		}
		for (int j = 0; j < dim; j++)
			qnorm += quot[j] * quot[j];
		qnorm = sqrt(qnorm);
		in_x = n_in < m ? 1.0 : 0.0;
		if (!(qnorm > THEIL_SEN_EPSILON))
		{
			/* scikit-learn's new direction 1 and norm 1 */
			for (int j = 0; j < dim; j++)
				num[j] = 1.0;
			inv_sum = 1.0;
			qnorm = 1.0;
		}
		for (int j = 0; j < dim; j++)
		{
			double		next = Max(0.0, 1.0 - in_x / qnorm) * (num[j] / inv_sum) +
				Min(1.0, in_x / qnorm) * old[j];

			step += (old[j] - next) * (old[j] - next);
			out[j] = next;
		}
		if (step < tol)
			break;
		memcpy(old, out, sizeof(double) * dim);
	}
	if (iter >= max_iter)
	{
		/* scikit-learn's loop variable ends at max_iter - 1 */
		*converged = false;
		memcpy(out, old, sizeof(double) * dim);
		return Max(max_iter - 1, 0);
	}
	return iter;
}

void
pgml_theil_sen_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	TheilSenParams opt;
	int64		n = in->n_rows;
	int			p = in->n_features;
	int			dim;
	int64		k;
	double		n_comb;
	int64		n_sub;
	double	   *weights;
	double	   *median;
	int64	   *rows;
	int64	   *perm;
	double	   *a,
			   *b,
			   *s;
	double	   *coef;
	double	   *intercept;
	bool		converged;
	int			n_iter;

	workctx = linear_regression_begin(in, &pgml_hp_theil_sen, &opt, sizeof(opt));
	if (in->task != PGML_TASK_REGRESSION)
		elog(ERROR, "unexpected task %d for Theil-Sen", (int) in->task);
	linear_check_target(in);

	/* scikit-learn's _check_subparams */
	dim = p + (opt.fit_intercept ? 1 : 0);
	k = opt.n_subsamples >= 0 ? (int64) opt.n_subsamples : (n >= p ? dim : n);
	if (k > n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_subsamples of algorithm \"theil_sen\" is %lld, more than the %lld training rows",
						(long long) k, (long long) n)));
	if (n >= p && k < dim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_subsamples of algorithm \"theil_sen\" is %lld, fewer than the %d unknowns",
						(long long) k, dim),
				 errdetail("Each subset is solved for the %d features%s.", p,
						   opt.fit_intercept ? " and the intercept" : "")));
	if (n < p && k != n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n_subsamples of algorithm \"theil_sen\" must be the %lld training rows, fewer than the features",
						(long long) n)));
	n_comb = theil_sen_binom(n, k);
	n_sub = (int64) Min(opt.max_subpopulation, n_comb);

	weights = pgml_train_alloc((Size) n_sub * dim, sizeof(double));
	rows = pgml_train_alloc(Max(k, 1), sizeof(int64));
	perm = pgml_train_alloc(n, sizeof(int64));
	a = pgml_train_alloc((Size) Max(k, 1) * dim, sizeof(double));
	b = pgml_train_alloc(Max(k, dim), sizeof(double));
	s = pgml_train_alloc(Max(Min(k, dim), 1), sizeof(double));
	if (rint(n_comb) <= opt.max_subpopulation)
	{
		/* every subset, in itertools.combinations' order */
		int64		i = 0;

		for (int64 j = 0; j < k; j++)
			rows[j] = j;
		do
		{
			if ((i & 1023) == 0)
				pgml_train_check_cancel();
			theil_sen_lstsq(in, rows, k, dim, a, b, s, weights + i * dim);
			i++;
		} while (i < n_sub && theil_sen_next_combination(rows, k, n));
		n_sub = i;
	}
	else
	{
		SkRandomState rs;

		sk_rs_seed(&rs, opt.random_state >= 0 ? (uint32) opt.random_state : (uint32) in->seed);
		for (int64 i = 0; i < n_sub; i++)
		{
			/* RandomState.choice(n, k, replace=False): permutation(n)[:k] */
			sk_rs_permutation(&rs, perm, n);
			if ((i & 1023) == 0)
				pgml_train_check_cancel();
			theil_sen_lstsq(in, perm, k, dim, a, b, s, weights + i * dim);
		}
	}

	median = pgml_train_alloc(dim, sizeof(double));
	n_iter = theil_sen_spatial_median(weights, n_sub, dim, (int) opt.max_iter, opt.tol,
									  median, &converged);
	if (!converged)
		ereport(WARNING,
				(errmsg_plural("theil_sen's spatial median did not converge in %d iteration",
							   "theil_sen's spatial median did not converge in %d iterations",
							   (int) opt.max_iter, (int) opt.max_iter),
				 errhint("Raise \"max_iter\", or loosen \"tol\".")));

	MemoryContextSwitchTo(callerctx);
	coef = palloc0(sizeof(double) * p);
	intercept = palloc0(sizeof(double));
	memcpy(coef, median + (dim - p), sizeof(double) * p);
	*intercept = opt.fit_intercept ? median[0] : 0.0;
	m->metrics_json = psprintf("{\"n_iter\": %d, \"n_subpopulation\": %lld}", n_iter,
							   (long long) n_sub);
	MemoryContextDelete(workctx);
	for (int j = 0; j < p; j++)
		if (!isfinite(coef[j]))
			elog(ERROR, "Theil-Sen produced a non-finite coefficient");
	linear_model_set(m, false, 1, coef, intercept);
	if (opt.n_subsamples < 0)
		opt.n_subsamples = (double) k;
	m->hyperparams_json = pgml_hp_json(&pgml_hp_theil_sen, in->algorithm, in->task, &opt);
}

#endif							/* PGML_TRAINER */
