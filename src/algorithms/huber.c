/*-------------------------------------------------------------------------
 *
 * huber.c
 *	  Algorithm "huber" (regression), as scikit-learn 1.2's HuberRegressor:
 *	  a linear model robust to outliers, fitted jointly with the scale sigma
 *	  of the residuals by minimizing Owen's concomitant objective
 *
 *		n sigma + sum over |r| <= epsilon sigma of r^2 / sigma
 *		+ sum over |r| > epsilon sigma of (2 epsilon |r| - epsilon^2 sigma)
 *		+ alpha |w|^2,		r = y - X w - c
 *
 *	  on the raw features (no centering: the intercept c is a variable), with
 *	  sigma kept at or above 10 machine epsilons.  Served as the linear kind.
 *
 *	  An algorithm of an existing kind in one file (docs/algorithms.md,
 *	  "Adding an algorithm"): its hyperparameter table, compiled into both
 *	  pgml_worker.so and pgml_trainer, and, in the trainer only
 *	  (PGML_TRAINER), its fit.  The list line in include/pgml_algorithms.h
 *	  names both.
 *
 *	  The objective is scikit-learn's; the solver is not: scikit-learn runs
 *	  scipy's L-BFGS-B for at most max_iter (100) iterations, which stops
 *	  short of the minimum on unscaled data (on diabetes its predictions
 *	  move by 2 % when it is let run to convergence).  Here Newton's method
 *	  on the convex objective (the Hessian of the current split into inliers
 *	  and outliers, scaled to a unit diagonal and damped when singular; sigma
 *	  held when at its bound and pushed down; a backtracking line search in
 *	  which sigma falls by at most three quarters per step) runs until the
 *	  largest component of the gradient is within tol or the Newton
 *	  decrement within rounding of the objective, in a few dozen steps at
 *	  most: the model is the minimum, which scikit-learn reaches given the
 *	  iterations (docs/algorithms.md).
 *
 * src/algorithms/huber.c
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
typedef struct HuberParams
{
	double		epsilon;
	double		max_iter;
	double		alpha;
	double		tol;
	bool		fit_intercept;
} HuberParams;

#define HP(f) offsetof(HuberParams, f)

static const PgmlHpSpec huber_specs[] = {
	{"epsilon", NULL, PGML_HP_NUMBER, 1, HUGE_VAL, false, false, 0, NULL, "1.35",
		"a number >= 1 (residuals beyond epsilon scales are outliers)", NULL, HP(epsilon)},
	{"max_iter", NULL, PGML_HP_INT, 0, INT_MAX, false, false, 0, NULL, "100",
		"a non-negative integer (the most Newton steps)", NULL, HP(max_iter)},
	/* beyond 1e300, 2 alpha and alpha |w|^2 overflow */
	{"alpha", NULL, PGML_HP_NUMBER, 0, 1e300, false, false, 0, NULL, "0.0001",
		"a number from 0 to 1e300 (the L2 penalty)", NULL, HP(alpha)},
	{"tol", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, 0, NULL, "1e-05",
		"a non-negative number (the largest gradient component at the end)", NULL, HP(tol)},
	{"fit_intercept", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true",
		"a boolean (true or false)", NULL, HP(fit_intercept)},
};

static const PgmlHpCompat huber_compat[] = {
	{"warm_start", NULL, NULL},	/* a new model starts from zero either way */
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_huber = {
	"Huber regression", huber_specs, lengthof(huber_specs), huber_compat, "scikit-learn's", false, NULL
};

#ifdef PGML_TRAINER

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_linear.h"

/* scikit-learn's lower bound of sigma: 10 machine epsilons */
#define HUBER_SIGMA_MIN		(10 * DBL_EPSILON)

/* The problem: raw features column-major, and the variables' layout. */
typedef struct HuberProblem
{
	const LinearRegData *rd;	/* not centered */
	double		epsilon;
	double		alpha;
	bool		intercept;
	int			dim;			/* p weights, the intercept, sigma last */
	double	   *r;				/* [n] residuals at the last evaluation */
} HuberProblem;

/*
 * The objective at theta; with g and h not NULL, its gradient and the
 * Hessian (dim x dim, row-major) of the current inlier/outlier split.
 */
static double
huber_eval(HuberProblem *pb, const double *theta, double *g, double *h)
{
	const LinearRegData *rd = pb->rd;
	int			n = rd->n,
				p = rd->p,
				dim = pb->dim,
				cs = p;			/* the intercept's index, if any */
	double		sigma = theta[dim - 1];
	double		c = pb->intercept ? theta[cs] : 0.0;
	double		f = n * sigma;
	double		eps2 = pb->epsilon * pb->epsilon;
	double		in_sq = 0.0;

	for (int i = 0; i < n; i++)
		pb->r[i] = rd->y[i] - c;
	for (int j = 0; j < p; j++)
	{
		const double *aj = rd->a + (Size) j * n;

		for (int i = 0; i < n; i++)
			pb->r[i] -= aj[i] * theta[j];
	}
	if (g != NULL)
	{
		memset(g, 0, sizeof(double) * dim);
		memset(h, 0, sizeof(double) * dim * dim);
	}
	for (int i = 0; i < n; i++)
	{
		double		r = pb->r[i];
		bool		outlier = fabs(r) > pb->epsilon * sigma;

		if (outlier)
			f += 2.0 * pb->epsilon * fabs(r) - sigma * eps2;
		else
		{
			f += r * r / sigma;
			in_sq += r * r;
		}
		if (g == NULL)
			continue;
		if (outlier)
		{
			double		s = r < 0 ? -1.0 : 1.0;

			/* d/dw of 2 eps |r|: -2 eps sign(r) x */
			for (int j = 0; j < p; j++)
				g[j] -= 2.0 * pb->epsilon * s * rd->a[(Size) j * n + i];
			if (pb->intercept)
				g[cs] -= 2.0 * pb->epsilon * s;
			g[dim - 1] -= eps2;
		}
		else
		{
			double		rs = r / sigma;

			for (int j = 0; j < p; j++)
			{
				double		xj = rd->a[(Size) j * n + i];

				g[j] -= 2.0 * rs * xj;
				/* the inliers' curvature: 2 / sigma [x 1 -r/sigma]^T [...] */
				for (int k = 0; k <= j; k++)
					h[(Size) j * dim + k] += 2.0 / sigma * xj * rd->a[(Size) k * n + i];
				if (pb->intercept)
					h[(Size) cs * dim + j] += 2.0 / sigma * xj;
				h[(Size) (dim - 1) * dim + j] += 2.0 / sigma * rs * xj;
			}
			if (pb->intercept)
			{
				g[cs] -= 2.0 * rs;
				h[(Size) cs * dim + cs] += 2.0 / sigma;
				h[(Size) (dim - 1) * dim + cs] += 2.0 / sigma * rs;
			}
			h[(Size) (dim - 1) * dim + dim - 1] += 2.0 / sigma * rs * rs;
		}
	}
	for (int j = 0; j < p; j++)
		f += pb->alpha * theta[j] * theta[j];
	if (g == NULL)
		return f;
	for (int j = 0; j < p; j++)
	{
		g[j] += 2.0 * pb->alpha * theta[j];
		h[(Size) j * dim + j] += 2.0 * pb->alpha;
	}
	g[dim - 1] += n - in_sq / (sigma * sigma);
	/* the lower triangle is filled: mirror it */
	for (int j = 0; j < dim; j++)
		for (int k = 0; k < j; k++)
			h[(Size) k * dim + j] = h[(Size) j * dim + k];
	return f;
}

/*
 * Solve h d = -g for the first k of the dim variables (d is zero for the
 * others: sigma held at its bound), by Cholesky on h scaled to a unit
 * diagonal (the features of a table may differ in scale by many orders of
 * magnitude), adding mu to that diagonal while it is not positive definite
 * (no inliers leaves the weights' block singular); past mu 1e30 (a Hessian
 * that is not finite), the scaled gradient.  scale: dim values of work
 * space.
 */
static void
huber_direction(const double *h, const double *g, int dim, int k, double *work,
				double *scale, double *d)
{
	double		mu = 0.0;

	for (int j = 0; j < dim; j++)
	{
		double		hj = h[(Size) j * dim + j];

		scale[j] = hj > 0 && isfinite(hj) ? sqrt(hj) : 1.0;
		d[j] = 0.0;
	}
	for (;;)
	{
		bool		ok = true;

		if (mu > 1e30)
		{
			for (int j = 0; j < k; j++)
				d[j] = -g[j] / (scale[j] * scale[j]);
			return;
		}
		for (int i = 0; i < k; i++)
			for (int j = 0; j < k; j++)
				work[(Size) i * dim + j] = h[(Size) i * dim + j] / (scale[i] * scale[j]);
		for (int j = 0; j < k; j++)
			work[(Size) j * dim + j] += mu;
		/* in-place Cholesky of the lower triangle */
		for (int j = 0; j < k && ok; j++)
		{
			double		s = work[(Size) j * dim + j];

			for (int k = 0; k < j; k++)
				s -= work[(Size) j * dim + k] * work[(Size) j * dim + k];
			if (!(s > 1e-12))
			{
				ok = false;
				break;
			}
			work[(Size) j * dim + j] = sqrt(s);
			for (int i = j + 1; i < k; i++)
			{
				double		t = work[(Size) i * dim + j];

				for (int k = 0; k < j; k++)
					t -= work[(Size) i * dim + k] * work[(Size) j * dim + k];
				work[(Size) i * dim + j] = t / work[(Size) j * dim + j];
			}
		}
		if (ok)
			break;
		mu = mu == 0.0 ? 1e-10 : mu * 10.0;
	}
	for (int j = 0; j < k; j++)
		d[j] = -g[j] / scale[j];
	linear_forward_solve(work, dim, k, d);
	linear_backward_solve(work, dim, k, d);
	for (int j = 0; j < k; j++)
		d[j] /= scale[j];
}

/* The largest component of the gradient, sigma's projected on its bound. */
static double
huber_gradient_norm(const double *g, const double *theta, int dim)
{
	double		m = 0.0;

	for (int j = 0; j < dim - 1; j++)
		m = Max(m, fabs(g[j]));
	if (!(theta[dim - 1] <= HUBER_SIGMA_MIN && g[dim - 1] > 0))
		m = Max(m, fabs(g[dim - 1]));
	return m;
}

/*
 * Fit function of the list (include/pgml_algorithms.h): fills m->algorithm,
 * output, n_outputs, coef, intercept and hyperparams_json.
 */
void
pgml_huber_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	HuberParams opt;
	LinearRegData rd;
	HuberProblem pb;
	int			p = in->n_features;
	int			dim;
	int			iter = 0;
	double	   *theta,
			   *trial,
			   *g,
			   *h,
			   *work,
			   *scale,
			   *d;
	double		f,
				intercept,
				sigma;
	bool		converged = false;
	StringInfoData buf;

	workctx = linear_regression_begin(in, &pgml_hp_huber, &opt, sizeof(opt));
	linear_reg_prepare(in, false, 0, &rd);	/* raw: the intercept is a variable */
	dim = p + (opt.fit_intercept ? 1 : 0) + 1;
	memset(&pb, 0, sizeof(pb));
	pb.rd = &rd;
	pb.epsilon = opt.epsilon;
	pb.alpha = opt.alpha;
	pb.intercept = opt.fit_intercept;
	pb.dim = dim;
	pb.r = pgml_train_alloc(rd.n, sizeof(double));
	theta = pgml_train_alloc(dim, sizeof(double));
	trial = pgml_train_alloc(dim, sizeof(double));
	g = pgml_train_alloc(dim, sizeof(double));
	d = pgml_train_alloc(dim, sizeof(double));
	h = pgml_train_alloc((Size) dim * dim, sizeof(double));
	work = pgml_train_alloc((Size) dim * dim, sizeof(double));
	scale = pgml_train_alloc(dim, sizeof(double));
	theta[dim - 1] = 1.0;		/* scikit-learn's start: zeros, sigma 1 */

	f = huber_eval(&pb, theta, g, h);
	for (;;)
	{
		double		slope = 0.0,
					t = 1.0,
					ft = 0.0;
		bool		moved = false,
					at_bound;

		if (huber_gradient_norm(g, theta, dim) <= opt.tol)
		{
			converged = true;
			break;
		}
		if (iter >= (int) opt.max_iter)
			break;
		pgml_train_check_cancel();
		iter++;
		/* sigma at its bound and pushed down: the others' step alone */
		at_bound = theta[dim - 1] <= HUBER_SIGMA_MIN && g[dim - 1] > 0;
		huber_direction(h, g, dim, at_bound ? dim - 1 : dim, work, scale, d);
		for (int j = 0; j < dim; j++)
			slope += g[j] * d[j];
		if (!isfinite(slope))
			break;

		/*
		 * the Newton decrement: the decrease the step promises, -slope / 2,
		 * within rounding of the objective (whatever the scale of the
		 * data, where a gradient tolerance may be out of reach)
		 */
		if (-slope <= 1e-12 * Max(fabs(f), 1.0))
		{
			converged = true;
			break;
		}
		for (int k = 0; k < 60; k++, t /= 2)
		{
			for (int j = 0; j < dim; j++)
				trial[j] = theta[j] + t * d[j];

			/*
			 * sigma falls by at most three quarters per step (the first
			 * Newton step from sigma 1 would take it far below zero on a
			 * 0/1 target), and not below its bound; the others move freely
			 */
			trial[dim - 1] = Max(trial[dim - 1], Max(0.25 * theta[dim - 1], HUBER_SIGMA_MIN));
			ft = huber_eval(&pb, trial, NULL, NULL);
			if (isfinite(ft) && ft <= f + 1e-4 * t * slope)
			{
				moved = true;
				break;
			}
		}
		if (!moved)
			break;				/* no decrease found: not converged */
		memcpy(theta, trial, sizeof(double) * dim);
		f = huber_eval(&pb, theta, g, h);
	}
	if (!converged)
		ereport(WARNING,
				(errmsg_plural("huber regression did not converge in %d iteration",
							   "huber regression did not converge in %d iterations",
							   iter, iter),
				 errhint("Raise \"max_iter\", or loosen \"tol\".")));

	intercept = opt.fit_intercept ? theta[p] : 0.0;
	sigma = theta[dim - 1];
	if (!isfinite(intercept) || !isfinite(sigma))
		elog(ERROR, "huber regression produced a non-finite intercept or scale");
	elog(DEBUG1, "huber regression: %d rows, %d features, %d Newton steps, scale %g, objective %g",
		 rd.n, p, iter, sigma, f);
	linear_regression_end(m, callerctx, workctx, &rd, theta);
	m->intercept[0] = intercept;

	/* the effective hyperparameters */
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"fit_intercept\": %s", opt.fit_intercept ? "true" : "false");
	linear_append_number(&buf, "epsilon", opt.epsilon);
	linear_append_number(&buf, "alpha", opt.alpha);
	appendStringInfo(&buf, ", \"max_iter\": %d", (int) opt.max_iter);
	linear_append_number(&buf, "tol", opt.tol);
	appendStringInfoChar(&buf, '}');
	m->hyperparams_json = buf.data;
}

#endif							/* PGML_TRAINER */
