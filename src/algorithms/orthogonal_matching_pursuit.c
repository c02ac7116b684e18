/*-------------------------------------------------------------------------
 *
 * orthogonal_matching_pursuit.c
 *	  Algorithm "orthogonal_matching_pursuit" (regression), as scikit-learn
 *	  1.2's OrthogonalMatchingPursuit: a linear model with at most
 *	  n_nonzero_coefs non-zero coefficients (default a tenth of the
 *	  features, at least one), or as few as bring the squared norm of the
 *	  residual down to tol.  Served as the linear kind.
 *
 *	  An algorithm of an existing kind in one file (docs/algorithms.md,
 *	  "Adding an algorithm"): its hyperparameter table, compiled into both
 *	  pgml_worker.so and pgml_trainer, and, in the trainer only
 *	  (PGML_TRAINER, the Makefile's src/algorithms/%.trainer.o), its fit.
 *	  The list line in include/pgml_algorithms.h names both.
 *
 *	  The fit is scikit-learn's, in both its variants, chosen as its fit
 *	  chooses (precompute "auto": the Gram variant with more rows than
 *	  features, else the Cholesky variant on X itself): on the centered
 *	  features, pick the feature most correlated with the residual, solve
 *	  least squares on the features picked so far by an updated Cholesky
 *	  factor, and repeat; the same ties (the first largest), the same order
 *	  (a picked feature is swapped to the front) and the same early stops (a
 *	  feature picked twice, a pivot below machine epsilon, and a correlation
 *	  below it: of the residual in the Gram variant, of the target itself in
 *	  the Cholesky variant, as scikit-learn 1.2 tests them).
 *
 * src/algorithms/orthogonal_matching_pursuit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"

/* What the table's keys are stored into. */
typedef struct OmpParams
{
	double		n_nonzero_coefs;	/* -1: none given */
	double		tol;			/* -1: none given */
	double		precompute;		/* 0 auto, 1 true, 2 false */
	bool		fit_intercept;
} OmpParams;

static const PgmlHpSpec pursuit_specs[] = {
	{"n_nonzero_coefs", NULL, PGML_HP_INT, 1, INT_MAX, false, false, PGML_HP_NULLABLE, NULL, "null",
		"a positive integer, or null (a tenth of the features, at least 1)", NULL,
	offsetof(OmpParams, n_nonzero_coefs)},
	{"tol", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, PGML_HP_NULLABLE, NULL, "null",
		"a non-negative number (the largest squared norm of the residual), or null", NULL,
	offsetof(OmpParams, tol)},
	{"fit_intercept", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true",
		"a boolean (true or false)", NULL, offsetof(OmpParams, fit_intercept)},
	{"precompute", NULL, PGML_HP_CHOICE, 0, 0, false, false, 0, "auto|true|false", "\"auto\"",
		"\"auto\" (the Gram matrix when there are more rows than features), true or false", NULL,
	offsetof(OmpParams, precompute)},
};

static const PgmlHpCompat pursuit_compat[] = {
	{"normalize", "false|\"deprecated\"",
	"Normalizing the features was deprecated by scikit-learn 1.2; scale the features before training instead."},
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_omp = {
	NULL, pursuit_specs, lengthof(pursuit_specs), pursuit_compat, "scikit-learn's", false, NULL
};

#ifdef PGML_TRAINER

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_linear.h"

/*
 * Extend L, the Cholesky factor of the picked features' Gram matrix
 * (row-major, leading dimension ld), by one more feature: row n_active of
 * L holds its products with the n_active picked ones on entry, sq is its
 * squared norm.  False when it is, within machine epsilon, a combination
 * of the picked ones (scikit-learn stops there).
 */
static bool
cholesky_extend(double *L, int ld, int n_active, double sq)
{
	double	   *row = &L[(Size) n_active * ld];
	double		v = 0.0;
	double		pivot;

	linear_forward_solve(L, ld, n_active, row);
	for (int j = 0; j < n_active; j++)
		v += row[j] * row[j];
	pivot = sq - v;
	if (pivot <= DBL_EPSILON)
		return false;
	row[n_active] = sqrt(pivot);
	return true;
}

/* Move pick lam to place k: its feature number and right-hand side. */
static void
swap_pick(int *index, double *rhs, int k, int lam)
{
	int			ti = index[k];
	double		tx = rhs[k];

	index[k] = index[lam];
	index[lam] = ti;
	rhs[k] = rhs[lam];
	rhs[lam] = tx;
}

/* Least squares on the k picked features: L L^T gamma = rhs[0 .. k). */
static void
solve_picked(const double *L, int ld, int k, const double *rhs, double *gamma)
{
	memcpy(gamma, rhs, sizeof(double) * k);
	linear_forward_solve(L, ld, k, gamma);
	linear_backward_solve(L, ld, k, gamma);
}

/* w[p]: gamma[k] at the k-th picked feature's place, zero elsewhere */
static void
scatter_picks(double *w, int p, const int *index, const double *gamma, int n_active)
{
	memset(w, 0, sizeof(double) * p);
	for (int k = 0; k < n_active; k++)
		w[index[k]] = gamma[k];
}

/*
 * The pursuit on the Gram matrix g (p x p) and xy = X^T y of the centered
 * problem: fills w[p] with the coefficients and returns the number of
 * features picked.  tol < 0: stop after max_features picks; else stop once
 * the squared norm of the residual (norm_sq at the start) is within tol.
 */
static int
pursuit_gram(double *g, double *xy, int p, int max_features, double tol,
			 double norm_sq, double *w)
{
	double	   *alpha = pgml_train_alloc(p, sizeof(double));
	double	   *L = pgml_train_alloc((Size) max_features * max_features, sizeof(double));
	double	   *gamma = pgml_train_alloc(Max(max_features, 1), sizeof(double));
	int		   *index = pgml_train_alloc(p, sizeof(int));
	int			n_active = 0;
	double		tol_curr = norm_sq;
	double		delta = 0.0;

	for (int j = 0; j < p; j++)
	{
		alpha[j] = xy[j];
		index[j] = j;
	}
	while (n_active < max_features)
	{
		int			lam = 0;

		for (int j = 1; j < p; j++)
			if (fabs(alpha[j]) > fabs(alpha[lam]))
				lam = j;
		/* picked twice, or nothing left to explain */
		if (lam < n_active || alpha[lam] * alpha[lam] < DBL_EPSILON)
			break;
		if (n_active > 0)
		{
			for (int j = 0; j < n_active; j++)
				L[(Size) n_active * max_features + j] = g[(Size) lam * p + j];
			if (!cholesky_extend(L, max_features, n_active, g[(Size) lam * p + lam]))
				break;
		}
		else
			L[0] = sqrt(g[(Size) lam * p + lam]);

		linear_swap_symmetric(g, p, n_active, lam);
		swap_pick(index, xy, n_active, lam);
		n_active++;
		solve_picked(L, max_features, n_active, xy, gamma);

		/* correlations of the new residual: xy - g[:, active] gamma */
		for (int i = 0; i < p; i++)
		{
			double		beta = 0.0;

			for (int k = 0; k < n_active; k++)
				beta += g[(Size) i * p + k] * gamma[k];
			if (tol >= 0 && i < n_active)
				alpha[i] = beta;	/* kept for delta below */
			else
				alpha[i] = xy[i] - beta;
		}
		if (tol >= 0)
		{
			double		d = 0.0;

			for (int k = 0; k < n_active; k++)
				d += gamma[k] * alpha[k];
			for (int k = 0; k < n_active; k++)
				alpha[k] = xy[k] - alpha[k];
			tol_curr += delta;
			delta = d;
			tol_curr -= delta;
			if (fabs(tol_curr) <= tol)
				break;
		}
	}
	scatter_picks(w, p, index, gamma, n_active);
	return n_active;
}

/*
 * The pursuit on the centered features themselves (a, n x p column-major,
 * whose columns it swaps) and target y: scikit-learn's _cholesky_omp.  Each
 * round correlates every feature with the residual, but the early stop
 * tests the picked feature's correlation with the target (alpha, X^T y,
 * swapped along), as scikit-learn does; the residual is recomputed from
 * the picked columns.  Fills w[p] and returns the number of features
 * picked.
 */
static int
pursuit_cholesky(double *a, const double *y, int n, int p, int max_features,
				 double tol, double *w)
{
	double	   *alpha = pgml_train_alloc(p, sizeof(double));
	double	   *corr = pgml_train_alloc(p, sizeof(double));
	double	   *resid = pgml_train_alloc(n, sizeof(double));
	double	   *L = pgml_train_alloc((Size) max_features * max_features, sizeof(double));
	double	   *gamma = pgml_train_alloc(Max(max_features, 1), sizeof(double));
	int		   *index = pgml_train_alloc(p, sizeof(int));
	int			n_active = 0;

	for (int j = 0; j < p; j++)
	{
		const double *aj = a + (Size) j * n;
		double		t = 0.0;

		for (int r = 0; r < n; r++)
			t += aj[r] * y[r];
		alpha[j] = t;
		index[j] = j;
	}
	memcpy(resid, y, sizeof(double) * n);
	while (true)
	{
		int			lam = 0;
		double		norm = 0.0;
		double		rss = 0.0;

		for (int j = 0; j < p; j++)
		{
			const double *aj = a + (Size) j * n;
			double		t = 0.0;

			for (int r = 0; r < n; r++)
				t += aj[r] * resid[r];
			corr[j] = t;
			if (fabs(t) > fabs(corr[lam]))
				lam = j;
		}
		if (lam < n_active || alpha[lam] * alpha[lam] < DBL_EPSILON)
			break;
		for (int r = 0; r < n; r++)
			norm += a[(Size) lam * n + r] * a[(Size) lam * n + r];
		norm = sqrt(norm);
		if (n_active > 0)
		{
			for (int j = 0; j < n_active; j++)
			{
				double		t = 0.0;

				for (int r = 0; r < n; r++)
					t += a[(Size) j * n + r] * a[(Size) lam * n + r];
				L[(Size) n_active * max_features + j] = t;
			}
			if (!cholesky_extend(L, max_features, n_active, norm * norm))
				break;
		}
		else
			L[0] = norm;

		/* the picked column moves to the front, as in X itself */
		linear_swap_columns(a, n, n_active, lam);
		swap_pick(index, alpha, n_active, lam);
		n_active++;
		solve_picked(L, max_features, n_active, alpha, gamma);

		for (int r = 0; r < n; r++)
		{
			double		f = 0.0;

			for (int k = 0; k < n_active; k++)
				f += a[(Size) k * n + r] * gamma[k];
			resid[r] = y[r] - f;
			rss += resid[r] * resid[r];
		}
		if ((tol >= 0 && rss <= tol) || n_active == max_features)
			break;
	}
	scatter_picks(w, p, index, gamma, n_active);
	return n_active;
}

/*
 * Fit function of the list (include/pgml_algorithms.h): fills m->algorithm,
 * output, n_outputs, coef, intercept and hyperparams_json.
 */
void
pgml_omp_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	OmpParams	opt;
	LinearRegData rd;
	int			p = in->n_features;
	int			n_nonzero;
	int			max_features;
	int			n_active;
	double	   *g;
	double	   *xy;
	double	   *w;
	double		norm_sq = 0.0;
	StringInfoData buf;
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	workctx = linear_regression_begin(in, &pgml_hp_omp, &opt, sizeof(opt));
	n_nonzero = opt.n_nonzero_coefs < 0 ? Max((int) (0.1 * p), 1) : (int) opt.n_nonzero_coefs;
	if (opt.tol < 0 && n_nonzero > p)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameter \"n_nonzero_coefs\" is larger than the number of features"),
				 errdetail("n_nonzero_coefs is %d; the training data has %d features.", n_nonzero, p)));
	max_features = opt.tol >= 0 ? p : n_nonzero;

	linear_reg_prepare(in, opt.fit_intercept, p, &rd);
	w = pgml_train_alloc(p, sizeof(double));
	/* scikit-learn's precompute: "auto" is the Gram matrix when n > p */
	if (opt.precompute == 1 || (opt.precompute == 0 && rd.n > p))
	{
		g = pgml_train_alloc((Size) p * p, sizeof(double));
		xy = pgml_train_alloc(p, sizeof(double));
		linear_gram(&rd, g, xy);
		for (int r = 0; r < rd.n; r++)
			norm_sq += rd.y[r] * rd.y[r];
		n_active = pursuit_gram(g, xy, p, max_features, opt.tol, norm_sq, w);
	}
	else
		n_active = pursuit_cholesky(rd.a, rd.y, rd.n, p, max_features, opt.tol, w);
	linear_regression_end(m, callerctx, workctx, &rd, w);

	elog(DEBUG1, "orthogonal matching pursuit: %d rows, %d features, %d picked",
		 rd.n, p, n_active);

	/* the effective hyperparameters, the resolved count included */
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"fit_intercept\": %s, \"n_nonzero_coefs\": ",
					 opt.fit_intercept ? "true" : "false");
	if (opt.tol >= 0 && opt.n_nonzero_coefs < 0)
		appendStringInfoString(&buf, "null");
	else
		appendStringInfo(&buf, "%d", n_nonzero);
	appendStringInfoString(&buf, ", \"tol\": ");
	if (opt.tol >= 0)
	{
		double_to_shortest_decimal_buf(opt.tol, num);
		appendStringInfoString(&buf, num);
	}
	else
		appendStringInfoString(&buf, "null");
	appendStringInfo(&buf, ", \"precompute\": %s",
					 opt.precompute == 0 ? "\"auto\"" : opt.precompute == 1 ? "true" : "false");
	appendStringInfoChar(&buf, '}');
	m->hyperparams_json = buf.data;
}

#endif							/* PGML_TRAINER */
