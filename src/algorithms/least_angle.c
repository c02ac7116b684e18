/*-------------------------------------------------------------------------
 *
 * least_angle.c
 *	  Algorithms "least_angle" and "lasso_least_angle" (regression), as
 *	  scikit-learn 1.2's Lars and LassoLars: the least angle regression path
 *	  of Efron, Hastie, Johnstone and Tibshirani, stopped after
 *	  n_nonzero_coefs steps (least_angle), or followed with the lasso
 *	  modification down to the penalty alpha (lasso_least_angle, the
 *	  objective (1 / (2 n)) |y - X w|^2 + alpha |w|_1).  Served as the
 *	  linear kind.
 *
 *	  Two algorithms of an existing kind in one file, as they share one
 *	  solver (docs/algorithms.md, "Adding an algorithm"): their
 *	  hyperparameter tables, compiled into both pgml_worker.so and
 *	  pgml_trainer, and, in the trainer only (PGML_TRAINER), their fits.
 *	  The list lines in include/pgml_algorithms.h name them.
 *
 *	  The solver follows scikit-learn's _lars_path_solver step by step, in
 *	  both its variants, chosen as Lars chooses (precompute "auto": the Gram
 *	  matrix with more rows than features, else X itself): on the centered
 *	  problem, the inactive feature most correlated with the residual joins
 *	  the active set (swapped to the front, its Cholesky row appended);
 *	  the equiangular direction of the active set by the Cholesky factor;
 *	  the step to the next feature's entry (or to a sign change, at which
 *	  the lasso drops that feature, deleting its row of the factor by
 *	  Givens rotations); the correlations updated, rounded to 15 decimals
 *	  as scikit-learn rounds them; the same early stops (the correlation
 *	  per row at alpha within float's epsilon, the interpolation back to
 *	  alpha, the lasso's alpha going up) and the same regularization of an
 *	  ill-conditioned factor.  Two differences, in cases scikit-learn's own
 *	  comments call very rare: several features whose signs change at
 *	  exactly the same step each leave the active set here (scikit-learn
 *	  drops them all but counts one out); and a degenerate joining feature
 *	  (its pivot below 1e-7, a duplicate column) is set aside for good here,
 *	  out of the candidates and of the step lengths (scikit-learn zeroes the
 *	  correlation of the front candidate after swapping them, loses that
 *	  one, and keeps the degenerate one a candidate).
 *
 * src/algorithms/least_angle.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"

/* What the tables' keys are stored into. */
typedef struct LarsParams
{
	double		steps;			/* n_nonzero_coefs, or max_iter */
	double		alpha;
	double		eps;
	double		precompute;		/* 0 auto, 1 true, 2 false */
	bool		fit_intercept;
	bool		positive;
} LarsParams;

#define LP(f) offsetof(LarsParams, f)

/* numpy's finfo(float).eps, scikit-learn's default eps */
#define LARS_EPS_DEFAULT	"2.220446049250313e-16"

#define LARS_COMMON_SPECS \
	{"fit_intercept", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true", \
		"a boolean (true or false)", NULL, LP(fit_intercept)}, \
	{"precompute", NULL, PGML_HP_CHOICE, 0, 0, false, false, 0, "auto|true|false", "\"auto\"", \
		"\"auto\" (the Gram matrix when there are more rows than features), true or false", NULL, \
	LP(precompute)}, \
	{"eps", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, true, false, 0, NULL, LARS_EPS_DEFAULT, \
		"a positive number (the smallest Cholesky pivot)", NULL, LP(eps)}

static const PgmlHpSpec lars_specs[] = {
	{"n_nonzero_coefs", NULL, PGML_HP_INT, 1, INT_MAX, false, false, 0, NULL, "500",
		"a positive integer (the most steps of the path)", NULL, LP(steps)},
	LARS_COMMON_SPECS,
};

static const PgmlHpSpec lasso_lars_specs[] = {
	{"alpha", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, 0, NULL, "1.0",
		"a non-negative number (the L1 penalty the path stops at)", NULL, LP(alpha)},
	{"max_iter", NULL, PGML_HP_INT, 0, INT_MAX, false, false, 0, NULL, "500",
		"a non-negative integer (the most steps of the path)", NULL, LP(steps)},
	{"positive", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "false",
		"a boolean (true: no negative coefficient)", NULL, LP(positive)},
	LARS_COMMON_SPECS,
};

static const PgmlHpCompat lars_compat[] = {
	{"normalize", "false|\"deprecated\"",
	"Normalizing the features was deprecated by scikit-learn 1.2; scale the features before training instead."},
	{"jitter", "null",
	"scikit-learn adds noise drawn from NumPy's generator, which cannot be reproduced here; add the noise to the target column instead."},
	{"random_state", NULL, NULL},	/* only draws the jitter */
	{"copy_X", NULL, NULL},
	{"fit_path", NULL, NULL},	/* the path's end is the model either way */
	{"verbose", NULL, NULL},
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_least_angle = {
	"Least angle regression", lars_specs, lengthof(lars_specs), lars_compat, "scikit-learn's", false, NULL
};

const PgmlHpTable pgml_hp_lasso_least_angle = {
	"Lasso least angle regression", lasso_lars_specs, lengthof(lasso_lars_specs), lars_compat,
	"scikit-learn's", false, NULL
};

#ifdef PGML_TRAINER

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_linear.h"

/* numpy's finfo(float32): tiny keeps divisions off zero, eps is a tolerance */
#define TINY32		1.1754943508222875e-38
#define EQ_TOL		1.1920928955078125e-07
/* the Cholesky pivot below which a joining feature is degenerate */
#define LARS_DEGENERATE		1e-7

/* The path's state; positions 0 .. n_active - 1 are the active set. */
typedef struct LarsPath
{
	int			n;
	int			p;
	bool		lasso;
	bool		positive;
	double		eps;
	double	   *g;				/* Gram variant: X^T X by position */
	double	   *g0;				/* ... and by feature, unswapped */
	double	   *xy0;			/* X^T y by feature */
	double	   *a;				/* X variant: columns by position */
	const double *y;
	double	   *cov;			/* correlation with the residual by position
								 * (the inactive ones) */
	int		   *index;			/* feature at each position */
	double	   *sign;			/* sign of the active ones */
	double	   *L;				/* Cholesky factor of the active Gram,
								 * row-major, leading dimension ld */
	double	   *L2;				/* a copy to regularize */
	int			ld;
	double	   *ls;				/* equiangular weights by position */
	double	   *corr;			/* direction's correlation by position */
	double	   *dir;			/* X variant: the direction, n values */
	double	   *z;
	double	   *coef;			/* by feature */
	double	   *prev;
	int			n_active;
	int			n_cand;			/* positions n_active .. n_cand - 1 may join;
								 * degenerate features are set aside past it */
} LarsPath;

/* The smallest of v[0 .. k) that is > 0; DBL_MAX if none (min_pos). */
static double
min_pos(const double *v, int k)
{
	double		m = DBL_MAX;

	for (int i = 0; i < k; i++)
		if (v[i] > 0 && v[i] < m)
			m = v[i];
	return m;
}

/* Solve L L^T x = b in place (L lower triangular, k x k, leading dim ld). */
static void
cholesky_solve(const double *L, int ld, int k, double *b)
{
	linear_forward_solve(L, ld, k, b);
	linear_backward_solve(L, ld, k, b);
}

/*
 * Remove row and column k of the k x k matrix whose Cholesky factor is L
 * (k' = size): the rows below k move up a row, and Givens rotations take
 * the element each now has above the diagonal back into it (kept >= 0).
 */
static void
cholesky_delete(double *L, int ld, int size, int k)
{
	for (int i = k; i < size - 1; i++)
		memcpy(&L[(Size) i * ld], &L[(Size) (i + 1) * ld], sizeof(double) * (i + 2));
	for (int i = k; i < size - 1; i++)
	{
		double		a = L[(Size) i * ld + i];
		double		b = L[(Size) i * ld + i + 1];
		double		r = hypot(a, b);
		double		c = r > 0 ? a / r : 1.0;
		double		s = r > 0 ? b / r : 0.0;

		L[(Size) i * ld + i] = r;
		L[(Size) i * ld + i + 1] = 0.0;
		for (int j = i + 1; j < size - 1; j++)
		{
			double		u = L[(Size) j * ld + i];
			double		v = L[(Size) j * ld + i + 1];

			L[(Size) j * ld + i] = c * u + s * v;
			L[(Size) j * ld + i + 1] = c * v - s * u;
		}
	}
}

/* Swap positions i and j: their features, correlations and data. */
static void
swap_positions(LarsPath *lp, int i, int j)
{
	int			ti;
	double		t;

	if (i == j)
		return;
	ti = lp->index[i];
	lp->index[i] = lp->index[j];
	lp->index[j] = ti;
	t = lp->cov[i];
	lp->cov[i] = lp->cov[j];
	lp->cov[j] = t;
	if (lp->g != NULL)
		linear_swap_symmetric(lp->g, lp->p, i, j);
	else
		linear_swap_columns(lp->a, lp->n, i, j);
}

/* Dot product of columns i and j (X variant). */
static double
column_dot(const LarsPath *lp, int i, int j)
{
	const double *ci = lp->a + (Size) i * lp->n;
	const double *cj = lp->a + (Size) j * lp->n;
	double		s = 0.0;

	for (int r = 0; r < lp->n; r++)
		s += ci[r] * cj[r];
	return s;
}

/*
 * Bring the feature at position m into the active set: its Cholesky row.
 * False if it is degenerate (a combination of the active ones within
 * LARS_DEGENERATE), which scikit-learn then refuses for good.
 */
static bool
lars_join(LarsPath *lp, double c_sign)
{
	int			m = lp->n_active;
	double	   *row = &lp->L[(Size) m * lp->ld];
	double		c,
				v = 0.0,
				diag;

	lp->sign[m] = c_sign;
	if (lp->g != NULL)
	{
		c = lp->g[(Size) m * lp->p + m];
		for (int j = 0; j < m; j++)
			row[j] = lp->g[(Size) m * lp->p + j];
	}
	else
	{
		c = column_dot(lp, m, m);
		for (int j = 0; j < m; j++)
			row[j] = column_dot(lp, m, j);
	}
	linear_forward_solve(lp->L, lp->ld, m, row);
	for (int j = 0; j < m; j++)
		v += row[j] * row[j];
	diag = Max(sqrt(fabs(c - v)), lp->eps);
	row[m] = diag;
	if (diag < LARS_DEGENERATE)
		return false;
	lp->n_active++;
	return true;
}

/*
 * The equiangular weights of the active set: ls = AA (L L^T)^-1 sign with
 * AA = 1 / sqrt(sign . (L L^T)^-1 sign); the factor's diagonal raised by
 * eps, 2 eps, 4 eps ... while that is not finite.  Returns AA.
 */
static double
lars_equiangular(LarsPath *lp)
{
	int			k = lp->n_active;
	double		s = 0.0,
				aa;

	memcpy(lp->ls, lp->sign, sizeof(double) * k);
	cholesky_solve(lp->L, lp->ld, k, lp->ls);
	if (k == 1 && lp->ls[0] == 0)
	{
		lp->ls[0] = 1.0;
		return 1.0;
	}
	for (int i = 0; i < k; i++)
		s += lp->ls[i] * lp->sign[i];
	aa = 1.0 / sqrt(s);
	if (!isfinite(aa))
	{
		double		add = lp->eps;

		for (int i = 0; i < k; i++)
			memcpy(&lp->L2[(Size) i * lp->ld], &lp->L[(Size) i * lp->ld], sizeof(double) * (i + 1));
		while (!isfinite(aa))
		{
			for (int i = 0; i < k; i++)
				lp->L2[(Size) i * lp->ld + i] += add;
			memcpy(lp->ls, lp->sign, sizeof(double) * k);
			cholesky_solve(lp->L2, lp->ld, k, lp->ls);
			s = 0.0;
			for (int i = 0; i < k; i++)
				s += lp->ls[i] * lp->sign[i];
			/* a NaN s becomes eps here (scikit-learn's max keeps it, and loops) */
			aa = 1.0 / sqrt(Max(s, lp->eps));
			add *= 2;
		}
	}
	for (int i = 0; i < k; i++)
		lp->ls[i] *= aa;
	return aa;
}

/* The direction's correlation with each inactive feature, as numpy rounds it. */
static void
lars_direction(LarsPath *lp)
{
	int			k = lp->n_active;

	if (lp->g != NULL)
	{
		for (int j = k; j < lp->n_cand; j++)
		{
			double		s = 0.0;

			for (int i = 0; i < k; i++)
				s += lp->g[(Size) i * lp->p + j] * lp->ls[i];
			lp->corr[j] = s;
		}
	}
	else
	{
		memset(lp->dir, 0, sizeof(double) * lp->n);
		for (int i = 0; i < k; i++)
		{
			const double *ci = lp->a + (Size) i * lp->n;

			for (int r = 0; r < lp->n; r++)
				lp->dir[r] += ci[r] * lp->ls[i];
		}
		for (int j = k; j < lp->n_cand; j++)
		{
			const double *cj = lp->a + (Size) j * lp->n;
			double		s = 0.0;

			for (int r = 0; r < lp->n; r++)
				s += cj[r] * lp->dir[r];
			lp->corr[j] = s;
		}
	}
	/* np.around(corr, 15) */
	for (int j = k; j < lp->n_cand; j++)
		lp->corr[j] = rint(lp->corr[j] * 1e15) / 1e15;
}

/*
 * The lasso drops the active feature at position k (its coefficient
 * reached zero): out of the factor, moved to the first inactive position,
 * its correlation with the residual recomputed.
 */
static void
lars_drop(LarsPath *lp, int k)
{
	int			f = lp->index[k];
	double		c;

	cholesky_delete(lp->L, lp->ld, lp->n_active, k);
	lp->n_active--;
	for (int i = k; i < lp->n_active; i++)
	{
		swap_positions(lp, i, i + 1);
		lp->sign[i] = lp->sign[i + 1];
	}
	lp->sign[lp->n_active] = 0.0;
	if (lp->g0 != NULL)
	{
		c = lp->xy0[f];
		for (int j = 0; j < lp->p; j++)
			c -= lp->g0[(Size) f * lp->p + j] * lp->coef[j];
	}
	else
	{
		const double *cf = lp->a + (Size) lp->n_active * lp->n;

		c = 0.0;
		for (int r = 0; r < lp->n; r++)
		{
			double		res = lp->y[r];

			for (int i = 0; i < lp->n_active; i++)
				res -= lp->a[(Size) i * lp->n + r] * lp->coef[lp->index[i]];
			c += cf[r] * res;
		}
	}
	lp->cov[lp->n_active] = c;
}

/*
 * The path from no feature to alpha_min or max_iter steps; fills lp->coef
 * (by feature) and returns the number of steps.
 */
static int
lars_run(LarsPath *lp, double alpha_min, int max_iter)
{
	int			n_iter = 0;
	bool		drop = false;
	double		alpha,
				prev_alpha = 0.0;
	int			p = lp->p;

	for (;;)
	{
		int			c_idx = lp->n_active;
		double		c_val = 0.0,
					big_c = 0.0,
					aa,
					gamma,
					z_pos;

		pgml_train_check_cancel();
		for (int j = lp->n_active; j < lp->n_cand; j++)
		{
			double		v = lp->positive ? lp->cov[j] : fabs(lp->cov[j]);

			if (j == lp->n_active || v > (lp->positive ? lp->cov[c_idx] : fabs(lp->cov[c_idx])))
				c_idx = j;
		}
		if (lp->n_active < lp->n_cand)
		{
			c_val = lp->cov[c_idx];
			big_c = lp->positive ? c_val : fabs(c_val);
		}
		alpha = big_c / lp->n;
		if (alpha <= alpha_min + EQ_TOL)
		{
			/* at alpha_min: back to it along the last step */
			if (fabs(alpha - alpha_min) > EQ_TOL && n_iter > 0)
			{
				double		ss = (prev_alpha - alpha_min) / (prev_alpha - alpha);

				for (int j = 0; j < p; j++)
					lp->coef[j] = lp->prev[j] + ss * (lp->coef[j] - lp->prev[j]);
			}
			break;
		}
		if (n_iter >= max_iter || lp->n_active >= p)
			break;
		if (!drop)
		{
			double		s = lp->positive ? 1.0 : (c_val > 0) - (c_val < 0);

			swap_positions(lp, lp->n_active, c_idx);
			if (!lars_join(lp, s))
			{
				/* degenerate: set aside for good, past the candidates */
				elog(DEBUG1, "least angle: feature %d is degenerate with the %d active ones; set aside",
					 lp->index[lp->n_active] + 1, lp->n_active);
				swap_positions(lp, lp->n_active, lp->n_cand - 1);
				lp->n_cand--;
				continue;
			}
		}
		if (lp->lasso && n_iter > 0 && prev_alpha < alpha)
		{
			elog(DEBUG1, "lasso least angle: alpha went up from %g to %g after %d steps (rounding); stopped",
				 prev_alpha, alpha, n_iter);
			break;
		}

		aa = lars_equiangular(lp);
		lars_direction(lp);
		{
			double		g1 = DBL_MAX,
						g2 = DBL_MAX;

			for (int j = lp->n_active; j < lp->n_cand; j++)
			{
				double		q1 = (big_c - lp->cov[j]) / (aa - lp->corr[j] + TINY32);
				double		q2 = (big_c + lp->cov[j]) / (aa + lp->corr[j] + TINY32);

				if (q1 > 0 && q1 < g1)
					g1 = q1;
				if (q2 > 0 && q2 < g2)
					g2 = q2;
			}
			gamma = Min(g1, big_c / aa);
			if (!lp->positive)
				gamma = Min(gamma, g2);
		}

		/* a coefficient changing sign before the next feature joins */
		drop = false;
		for (int i = 0; i < lp->n_active; i++)
			lp->z[i] = -lp->coef[lp->index[i]] / (lp->ls[i] + TINY32);
		z_pos = min_pos(lp->z, lp->n_active);
		if (z_pos < gamma)
		{
			for (int i = 0; i < lp->n_active; i++)
				if (lp->z[i] == z_pos)
					lp->sign[i] = -lp->sign[i];
			if (lp->lasso)
				gamma = z_pos;
			drop = true;
		}

		n_iter++;
		prev_alpha = alpha;
		memcpy(lp->prev, lp->coef, sizeof(double) * p);
		memset(lp->coef, 0, sizeof(double) * p);
		for (int i = 0; i < lp->n_active; i++)
			lp->coef[lp->index[i]] = lp->prev[lp->index[i]] + gamma * lp->ls[i];
		for (int j = lp->n_active; j < lp->n_cand; j++)
			lp->cov[j] -= gamma * lp->corr[j];

		if (drop && lp->lasso)
		{
			/* from the last, so that the earlier positions hold */
			for (int i = lp->n_active - 1; i >= 0; i--)
				if (lp->z[i] == z_pos)
					lars_drop(lp, i);
		}
	}
	return n_iter;
}

/* The shared fit: lasso or not, alpha_min and the steps from opt. */
static void
lars_fit(const PgmlTrainInput *in, PgmlModel *m, bool lasso, const PgmlHpTable *table)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	LarsParams	opt;
	LinearRegData rd;
	LarsPath	lp;
	int			p = in->n_features;
	int			max_iter;
	int			max_features;
	int			n_iter;
	StringInfoData buf;

	workctx = linear_regression_begin(in, table, &opt, sizeof(opt));
	linear_reg_prepare(in, opt.fit_intercept, p, &rd);
	max_iter = (int) opt.steps;
	max_features = Min(max_iter, p);

	memset(&lp, 0, sizeof(lp));
	lp.n = rd.n;
	lp.p = p;
	lp.lasso = lasso;
	lp.positive = lasso && opt.positive;
	lp.eps = opt.eps;
	lp.n_cand = p;
	lp.y = rd.y;
	lp.cov = pgml_train_alloc(p, sizeof(double));
	lp.index = pgml_train_alloc(p, sizeof(int));
	lp.sign = pgml_train_alloc(Max(max_features, 1), sizeof(double));
	lp.ld = Max(max_features, 1);
	lp.L = pgml_train_alloc((Size) lp.ld * lp.ld, sizeof(double));
	lp.L2 = pgml_train_alloc((Size) lp.ld * lp.ld, sizeof(double));
	lp.ls = pgml_train_alloc(lp.ld, sizeof(double));
	lp.z = pgml_train_alloc(lp.ld, sizeof(double));
	lp.corr = pgml_train_alloc(p, sizeof(double));
	lp.coef = pgml_train_alloc(p, sizeof(double));
	lp.prev = pgml_train_alloc(p, sizeof(double));
	for (int j = 0; j < p; j++)
		lp.index[j] = j;
	/* scikit-learn's precompute: "auto" is the Gram matrix when n > p */
	if (opt.precompute == 1 || (opt.precompute == 0 && rd.n > p))
	{
		lp.g = pgml_train_alloc((Size) p * p, sizeof(double));
		lp.g0 = pgml_train_alloc((Size) p * p, sizeof(double));
		lp.xy0 = pgml_train_alloc(p, sizeof(double));
		linear_gram(&rd, lp.g, lp.xy0);
		memcpy(lp.g0, lp.g, sizeof(double) * p * p);
		memcpy(lp.cov, lp.xy0, sizeof(double) * p);
	}
	else
	{
		lp.a = rd.a;
		lp.dir = pgml_train_alloc(rd.n, sizeof(double));
		for (int j = 0; j < p; j++)
		{
			const double *aj = rd.a + (Size) j * rd.n;
			double		s = 0.0;

			for (int r = 0; r < rd.n; r++)
				s += aj[r] * rd.y[r];
			lp.cov[j] = s;
		}
	}

	n_iter = lars_run(&lp, lasso ? opt.alpha : 0.0, max_iter);
	linear_regression_end(m, callerctx, workctx, &rd, lp.coef);

	elog(DEBUG1, "%s: %d rows, %d features, %d steps, %d active",
		 lasso ? "lasso least angle" : "least angle", rd.n, p, n_iter, lp.n_active);

	/* the effective hyperparameters */
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"fit_intercept\": %s, \"precompute\": %s",
					 opt.fit_intercept ? "true" : "false",
					 opt.precompute == 0 ? "\"auto\"" : opt.precompute == 1 ? "true" : "false");
	if (lasso)
	{
		linear_append_number(&buf, "alpha", opt.alpha);
		appendStringInfo(&buf, ", \"max_iter\": %d, \"positive\": %s", max_iter,
						 opt.positive ? "true" : "false");
	}
	else
		appendStringInfo(&buf, ", \"n_nonzero_coefs\": %d", max_iter);
	linear_append_number(&buf, "eps", opt.eps);
	appendStringInfoChar(&buf, '}');
	m->hyperparams_json = buf.data;
}

/*
 * Fit functions of the list (include/pgml_algorithms.h): fill m->algorithm,
 * output, n_outputs, coef, intercept and hyperparams_json.
 */
void
pgml_least_angle_train(const PgmlTrainInput *in, PgmlModel *m)
{
	lars_fit(in, m, false, &pgml_hp_least_angle);
}

void
pgml_lasso_least_angle_train(const PgmlTrainInput *in, PgmlModel *m)
{
	lars_fit(in, m, true, &pgml_hp_lasso_least_angle);
}

#endif							/* PGML_TRAINER */
