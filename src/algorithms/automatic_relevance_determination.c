/*-------------------------------------------------------------------------
 *
 * automatic_relevance_determination.c
 *	  Algorithm "automatic_relevance_determination" (regression), as
 *	  scikit-learn 1.2's ARDRegression: Bayesian ridge with a precision per
 *	  weight (lambda_j), estimated with the noise precision alpha by
 *	  maximizing the evidence; a weight whose precision passes
 *	  threshold_lambda is pruned (set to zero for good).  Served as the
 *	  linear kind.
 *
 *	  An algorithm of an existing kind in one file (docs/algorithms.md,
 *	  "Adding an algorithm"): its hyperparameter table, compiled into both
 *	  pgml_worker.so and pgml_trainer, and, in the trainer only
 *	  (PGML_TRAINER), its fit.
 *
 *	  The fit follows ARDRegression.fit: center (with fit_intercept), start
 *	  from alpha = 1 / (var(y) + eps) and every lambda_j = 1, then up to
 *	  n_iter rounds of: the posterior covariance of the kept weights,
 *	  Sigma = pinvh(diag(lambda) + alpha X^T X) with at least as many rows
 *	  as features, else by the Woodbury identity through the n x n matrix
 *	  pinvh(I / alpha + X diag(1 / lambda) X^T); the weights
 *	  alpha Sigma X^T y; gamma_j = 1 - lambda_j Sigma_jj;
 *	  lambda_j = (gamma_j + 2 lambda_1) / (w_j^2 + 2 lambda_2);
 *	  alpha = (n - sum gamma + 2 alpha_1) / (rss + 2 alpha_2); pruning; a
 *	  stop when the weights moved less than tol, or when none is kept; and
 *	  the weights once more for the last precisions.  pinvh is scipy's: the
 *	  eigendecomposition (LAPACK dsyevd), eigenvalues at most
 *	  size * eps * max|eigenvalue| dropped.
 *
 * src/algorithms/automatic_relevance_determination.c
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
typedef struct ArdParams
{
	double		n_iter;
	double		tol;
	double		alpha_1;
	double		alpha_2;
	double		lambda_1;
	double		lambda_2;
	double		threshold_lambda;
	bool		fit_intercept;
} ArdParams;

#define ARD(f) offsetof(ArdParams, f)

static const PgmlHpSpec ard_specs[] = {
	PGML_HP_EVIDENCE_ROUNDS(ArdParams, n_iter),
	{"tol", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, 0, NULL, "0.001",
		"a non-negative number (stop when the weights move less)", NULL, ARD(tol)},
	PGML_HP_GAMMA_PRIOR("alpha_1", "shape of the gamma prior of alpha", ArdParams, alpha_1),
	PGML_HP_GAMMA_PRIOR("alpha_2", "rate of the gamma prior of alpha", ArdParams, alpha_2),
	PGML_HP_GAMMA_PRIOR("lambda_1", "shape of the gamma prior of each lambda", ArdParams, lambda_1),
	PGML_HP_GAMMA_PRIOR("lambda_2", "rate of the gamma prior of each lambda", ArdParams, lambda_2),
	{"threshold_lambda", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, 0, NULL, "10000",
		"a non-negative number (a weight whose precision reaches it is pruned)", NULL,
	ARD(threshold_lambda)},
	{"fit_intercept", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true",
		"a boolean (true or false)", NULL, ARD(fit_intercept)},
};

static const PgmlHpCompat ard_compat[] = {
	{"compute_score", NULL, NULL},	/* the objective per round: the weights
									 * do not change */
	{"copy_X", NULL, NULL},
	{"verbose", NULL, NULL},
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_ard = {
	"ARD regression", ard_specs, lengthof(ard_specs), ard_compat, "scikit-learn's", false, NULL
};

#ifdef PGML_TRAINER

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_linear.h"

#include <lapacke.h>

/*
 * scipy.linalg.pinvh of the symmetric m x m matrix a (row-major, upper and
 * lower both set; destroyed), into out: V diag(1 / s) V^T over the
 * eigenvalues s with |s| > m * eps * max|s|.
 */
static void
pinvh(double *a, int m, double *out)
{
	double	   *s = pgml_train_alloc(Max(m, 1), sizeof(double));
	lapack_int	info;
	double		cut = 0.0;

	if (m == 0)
		return;
	for (Size i = 0; i < (Size) m * m; i++)
		if (!isfinite(a[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("ARD regression's posterior precision is not finite"),
					 errdetail("A weight's precision reached zero or overflowed."),
					 errhint("Give lambda_1 and lambda_2 above zero, or drop constant features.")));
	/* a symmetric row-major matrix is its column-major self */
	info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', m, a, m, s);
	if (info > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the eigendecomposition of the posterior precision did not converge"),
				 errdetail("LAPACK dsyevd returned %d.", (int) info),
				 errhint("Check the features for extreme values.")));
	if (info < 0)
		elog(ERROR, "LAPACK dsyevd rejected argument %d", (int) -info);
	for (int i = 0; i < m; i++)
		cut = Max(cut, fabs(s[i]));
	cut *= m * DBL_EPSILON;
	memset(out, 0, sizeof(double) * (Size) m * m);
	for (int k = 0; k < m; k++)
	{
		const double *v = a + (Size) k * m; /* eigenvector k */

		if (!(fabs(s[k]) > cut))
			continue;
		for (int i = 0; i < m; i++)
		{
			double		vi = v[i] / s[k];

			for (int j = 0; j < m; j++)
				out[(Size) i * m + j] += vi * v[j];
		}
	}
	pfree(s);
}

/* The problem: centered features (column-major), target, kept weights. */
typedef struct ArdProblem
{
	int			n;
	int			p;
	const double *a;			/* [n * p] column-major */
	const double *y;			/* [n] */
	int		   *keep;			/* [q] indexes of the kept weights */
	int			q;
	double	   *sigma;			/* [q * q] row-major */
	double	   *work;			/* [p * p], or [n * n] when n < p */
	double	   *work2;			/* [p], or [Max(n * n, p)] when n < p */
} ArdProblem;

/* The posterior covariance of the kept weights (ARDRegression's two ways). */
static void
ard_sigma(ArdProblem *pb, double alpha, const double *lambda)
{
	int			n = pb->n;
	int			q = pb->q;
	const double *a = pb->a;

	if (n >= pb->p)
	{
		/* pinvh(diag(lambda) + alpha X^T X) */
		double	   *m = pb->work;

		for (int i = 0; i < q; i++)
			for (int j = 0; j <= i; j++)
			{
				const double *ci = a + (Size) pb->keep[i] * n;
				const double *cj = a + (Size) pb->keep[j] * n;
				double		t = 0.0;

				for (int r = 0; r < n; r++)
					t += ci[r] * cj[r];
				m[(Size) i * q + j] = m[(Size) j * q + i] = alpha * t +
					(i == j ? lambda[pb->keep[i]] : 0.0);
			}
		pinvh(m, q, pb->sigma);
	}
	else
	{
		/* Woodbury: through pinvh(I / alpha + X diag(1 / lambda) X^T) */
		double	   *m = pb->work;
		double	   *minv = pb->work2;
		double	   *s1 = pgml_train_alloc((Size) n * q, sizeof(double));

		for (int r = 0; r < n; r++)
			for (int c = 0; c <= r; c++)
			{
				double		t = 0.0;

				for (int k = 0; k < q; k++)
				{
					const double *col = a + (Size) pb->keep[k] * n;

					t += col[r] / lambda[pb->keep[k]] * col[c];
				}
				m[(Size) r * n + c] = m[(Size) c * n + r] = t + (r == c ? 1.0 / alpha : 0.0);
			}
		pinvh(m, n, minv);
		/* s1 = minv (X_keep diag(1 / lambda)), n x q */
		for (int r = 0; r < n; r++)
			for (int k = 0; k < q; k++)
			{
				const double *col = a + (Size) pb->keep[k] * n;
				double		t = 0.0;

				for (int c = 0; c < n; c++)
					t += minv[(Size) r * n + c] * (col[c] / lambda[pb->keep[k]]);
				s1[(Size) r * q + k] = t;
			}
		/* sigma = -diag(1 / lambda) X_keep^T s1 + diag(1 / lambda) */
		for (int i = 0; i < q; i++)
		{
			const double *col = a + (Size) pb->keep[i] * n;
			double		il = 1.0 / lambda[pb->keep[i]];

			for (int j = 0; j < q; j++)
			{
				double		t = 0.0;

				for (int r = 0; r < n; r++)
					t += il * col[r] * s1[(Size) r * q + j];
				pb->sigma[(Size) i * q + j] = -t + (i == j ? il : 0.0);
			}
		}
		pfree(s1);
	}
}

/* w[keep] = alpha Sigma X_keep^T y (the other weights untouched). */
static void
ard_coef(ArdProblem *pb, double alpha, double *w)
{
	int			n = pb->n;
	int			q = pb->q;
	double	   *xty = pb->work2;

	for (int k = 0; k < q; k++)
	{
		const double *col = pb->a + (Size) pb->keep[k] * n;
		double		t = 0.0;

		for (int r = 0; r < n; r++)
			t += col[r] * pb->y[r];
		xty[k] = t;
	}
	for (int i = 0; i < q; i++)
	{
		double		t = 0.0;

		for (int k = 0; k < q; k++)
			t += pb->sigma[(Size) i * q + k] * xty[k];
		w[pb->keep[i]] = alpha * t;
	}
}

/*
 * Fit function of the list (include/pgml_algorithms.h): fills the model of
 * the linear kind and its effective hyperparameters.
 */
void
pgml_ard_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	ArdParams	opt;
	LinearRegData rd;
	ArdProblem	pb;
	double	   *w;
	double	   *w_old;
	double	   *lambda;
	double		alpha;
	double		var;
	int			p = in->n_features;
	int			iter;
	int			big;
	StringInfoData buf;

	workctx = linear_regression_begin(in, &pgml_hp_ard, &opt, sizeof(opt));
	if (in->n_rows < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("automatic_relevance_determination needs at least 2 training rows"),
				 errdetail("The training set has %lld row.", (long long) in->n_rows)));

	linear_reg_prepare(in, opt.fit_intercept, p, &rd);
	pb.n = rd.n;
	pb.p = p;
	pb.a = rd.a;
	pb.y = rd.y;
	pb.keep = pgml_train_alloc(p, sizeof(int));
	pb.q = p;
	for (int j = 0; j < p; j++)
		pb.keep[j] = j;
	/*
	 * At least as many rows as features: work holds a q x q matrix, work2
	 * X^T y; else (Woodbury) work and work2 hold n x n matrices, and work2
	 * X^T y too.
	 */
	big = pb.n >= p ? p : pb.n;
	pb.sigma = pgml_train_alloc((Size) p * p, sizeof(double));
	pb.work = pgml_train_alloc((Size) big * big, sizeof(double));
	pb.work2 = pgml_train_alloc(Max((Size) big * big, (Size) p), sizeof(double));

	var = linear_target_variance(&rd);
	alpha = 1.0 / (var + DBL_EPSILON);
	lambda = pgml_train_alloc(p, sizeof(double));
	for (int j = 0; j < p; j++)
		lambda[j] = 1.0;
	w = pgml_train_alloc(p, sizeof(double));
	w_old = pgml_train_alloc(p, sizeof(double));

	for (iter = 0; iter < (int) opt.n_iter; iter++)
	{
		double		rss = 0.0;
		double		gamma_sum = 0.0;
		double		moved = 0.0;
		int			q = 0;

		pgml_train_check_cancel();
		ard_sigma(&pb, alpha, lambda);
		ard_coef(&pb, alpha, w);
		for (int r = 0; r < pb.n; r++)
		{
			double		f = 0.0;

			for (int j = 0; j < p; j++)
				f += rd.a[(Size) j * pb.n + r] * w[j];
			rss += (rd.y[r] - f) * (rd.y[r] - f);
		}
		for (int k = 0; k < pb.q; k++)
		{
			int			j = pb.keep[k];
			double		gamma = 1.0 - lambda[j] * pb.sigma[(Size) k * pb.q + k];

			gamma_sum += gamma;
			lambda[j] = (gamma + 2.0 * opt.lambda_1) / (w[j] * w[j] + 2.0 * opt.lambda_2);
		}
		alpha = (pb.n - gamma_sum + 2.0 * opt.alpha_1) / (rss + 2.0 * opt.alpha_2);

		/* prune: a weight whose precision reached the threshold is zero */
		for (int j = 0; j < p; j++)
		{
			if (lambda[j] < opt.threshold_lambda)
				pb.keep[q++] = j;
			else
				w[j] = 0.0;
		}
		pb.q = q;

		if (iter > 0)
		{
			for (int j = 0; j < p; j++)
				moved += fabs(w_old[j] - w[j]);
			if (moved < opt.tol)
				break;
		}
		memcpy(w_old, w, sizeof(double) * p);
		if (pb.q == 0)
			break;
	}
	if (pb.q > 0)
	{
		ard_sigma(&pb, alpha, lambda);
		ard_coef(&pb, alpha, w);
	}
	linear_regression_end(m, callerctx, workctx, &rd, w);

	elog(DEBUG1, "ARD regression: %d rows, %d features, %d kept, %d rounds",
		 rd.n, p, pb.q, Min(iter + 1, (int) opt.n_iter));

	/* the effective hyperparameters */
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"fit_intercept\": %s, \"n_iter\": %d",
					 opt.fit_intercept ? "true" : "false", (int) opt.n_iter);
	linear_append_number(&buf, "tol", opt.tol);
	linear_append_number(&buf, "alpha_1", opt.alpha_1);
	linear_append_number(&buf, "alpha_2", opt.alpha_2);
	linear_append_number(&buf, "lambda_1", opt.lambda_1);
	linear_append_number(&buf, "lambda_2", opt.lambda_2);
	linear_append_number(&buf, "threshold_lambda", opt.threshold_lambda);
	appendStringInfoChar(&buf, '}');
	m->hyperparams_json = buf.data;
}

#endif							/* PGML_TRAINER */
