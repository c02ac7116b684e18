/*-------------------------------------------------------------------------
 *
 * bayesian_ridge.c
 *	  Algorithm "bayesian_ridge" (regression), as scikit-learn 1.2's
 *	  BayesianRidge: ridge regression whose two precisions, of the noise
 *	  (alpha) and of the weights (lambda), are estimated from the data by
 *	  maximizing the evidence (MacKay's updates), with gamma priors on both.
 *	  Served as the linear kind: the posterior mean of the weights and the
 *	  intercept.
 *
 *	  An algorithm of an existing kind in one file (docs/algorithms.md,
 *	  "Adding an algorithm"): its hyperparameter table, compiled into both
 *	  pgml_worker.so and pgml_trainer, and, in the trainer only
 *	  (PGML_TRAINER), its fit.
 *
 *	  The fit follows BayesianRidge.fit step by step: center (with
 *	  fit_intercept), X^T y, the thin SVD of X by LAPACK's dgesdd (what
 *	  scipy.linalg.svd calls), then up to n_iter rounds of: the posterior
 *	  mean for the current alpha and lambda (through the SVD: with more rows
 *	  than features V diag(1 / (s^2 + lambda / alpha)) V^T X^T y, else
 *	  X^T U diag(1 / (s^2 + lambda / alpha)) U^T y), the residual sum of
 *	  squares, gamma = sum(alpha s^2 / (lambda + alpha s^2)), then
 *	  lambda = (gamma + 2 lambda_1) / (|w|^2 + 2 lambda_2) and
 *	  alpha = (n - gamma + 2 alpha_1) / (rss + 2 alpha_2); it stops when the
 *	  weights moved less than tol (sum of absolute changes) after the first
 *	  round, and the weights are computed once more for the last alpha and
 *	  lambda.
 *
 * src/algorithms/bayesian_ridge.c
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
typedef struct BayesianRidgeParams
{
	double		n_iter;
	double		tol;
	double		alpha_1;
	double		alpha_2;
	double		lambda_1;
	double		lambda_2;
	double		alpha_init;		/* -1: none given */
	double		lambda_init;	/* -1: none given */
	bool		fit_intercept;
} BayesianRidgeParams;

#define BR(f) offsetof(BayesianRidgeParams, f)

static const PgmlHpSpec br_specs[] = {
	PGML_HP_EVIDENCE_ROUNDS(BayesianRidgeParams, n_iter),
	{"tol", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, true, false, 0, NULL, "0.001",
		"a positive number (stop when the weights move less)", NULL, BR(tol)},
	PGML_HP_GAMMA_PRIOR("alpha_1", "shape of the gamma prior of alpha", BayesianRidgeParams, alpha_1),
	PGML_HP_GAMMA_PRIOR("alpha_2", "rate of the gamma prior of alpha", BayesianRidgeParams, alpha_2),
	PGML_HP_GAMMA_PRIOR("lambda_1", "shape of the gamma prior of lambda", BayesianRidgeParams, lambda_1),
	PGML_HP_GAMMA_PRIOR("lambda_2", "rate of the gamma prior of lambda", BayesianRidgeParams, lambda_2),
	/* scikit-learn takes 0, then divides by it (ZeroDivisionError) */
	{"alpha_init", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, true, false, PGML_HP_NULLABLE, NULL, "null",
		"a positive number, or null (1 / the variance of the target)", NULL, BR(alpha_init)},
	{"lambda_init", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, PGML_HP_NULLABLE, NULL, "null",
		"a non-negative number, or null (1)", NULL, BR(lambda_init)},
	{"fit_intercept", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true",
		"a boolean (true or false)", NULL, BR(fit_intercept)},
};

static const PgmlHpCompat br_compat[] = {
	{"compute_score", NULL, NULL},	/* scikit-learn's log marginal likelihood
									 * per round: the weights do not change */
	{"copy_X", NULL, NULL},
	{"verbose", NULL, NULL},
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_bayesian_ridge = {
	"Bayesian ridge", br_specs, lengthof(br_specs), br_compat, "scikit-learn's", false, NULL
};

#ifdef PGML_TRAINER

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_train.h"
#include "../trainer/trainer_linear.h"

#include <lapacke.h>

/* The SVD of the centered features and what every round reuses. */
typedef struct BrProblem
{
	int			n;
	int			p;
	int			k;				/* min(n, p) */
	const double *a;			/* [n * p] column-major, centered */
	const double *y;			/* [n] centered */
	double	   *u;				/* [n * k] column-major */
	double	   *vt;				/* [k * p] column-major */
	double	   *eig;			/* [k] squared singular values */
	double	   *xty;			/* [p] X^T y */
	double	   *tmp;			/* [Max(n, k)] workspace */
	double	   *uz;				/* [n] workspace */
} BrProblem;

/* Thin SVD of a (n x p, column-major, destroyed) into pb. */
static void
br_svd(BrProblem *pb, double *a)
{
	lapack_int *iwork = pgml_train_alloc((Size) 8 * Max(pb->k, 1), sizeof(lapack_int));
	double		wsize;
	double	   *s = pgml_train_alloc(Max(pb->k, 1), sizeof(double));
	lapack_int	info;

	info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', pb->n, pb->p, a, pb->n, s,
							   pb->u, pb->n, pb->vt, pb->k, &wsize, -1, iwork);
	/* LAPACK counts its workspace in a lapack_int */
	if (info == 0 && wsize >= (double) INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows and features for bayesian_ridge"),
				 errdetail("The singular value decomposition of %d x %d features needs more workspace than LAPACK can count.",
						   pb->n, pb->p)));
	if (info == 0)
	{
		double	   *work = pgml_train_alloc((Size) wsize + 1, sizeof(double));

		info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', pb->n, pb->p, a, pb->n, s,
								   pb->u, pb->n, pb->vt, pb->k, work,
								   (lapack_int) wsize + 1, iwork);
	}
	if (info > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the singular value decomposition of the features did not converge"),
				 errdetail("LAPACK dgesdd returned %d.", (int) info),
				 errhint("Check the features for extreme values.")));
	if (info < 0)
		elog(ERROR, "LAPACK dgesdd rejected argument %d", (int) -info);
	for (int i = 0; i < pb->k; i++)
		pb->eig[i] = s[i] * s[i];
}

/*
 * The posterior mean w for alpha and lambda (BayesianRidge._update_coef_);
 * returns the residual sum of squares.
 */
static double
br_update(BrProblem *pb, double alpha, double lambda, double *w)
{
	int			n = pb->n;
	int			p = pb->p;
	int			k = pb->k;
	double		ratio = lambda / alpha;
	double		rss = 0.0;

	memset(w, 0, sizeof(double) * p);
	if (n > p)
	{
		/* w = V diag(1 / (eig + ratio)) V^T X^T y */
		for (int i = 0; i < k; i++)
		{
			double		t = 0.0;

			for (int j = 0; j < p; j++)
				t += pb->vt[(Size) j * k + i] * pb->xty[j];
			pb->tmp[i] = t / (pb->eig[i] + ratio);
		}
		for (int j = 0; j < p; j++)
			for (int i = 0; i < k; i++)
				w[j] += pb->vt[(Size) j * k + i] * pb->tmp[i];
	}
	else
	{
		/* w = X^T U diag(1 / (eig + ratio)) U^T y */
		double	   *z = pb->tmp;
		double	   *uz = pb->uz;

		for (int i = 0; i < k; i++)
		{
			double		t = 0.0;

			for (int r = 0; r < n; r++)
				t += pb->u[(Size) i * n + r] * pb->y[r];
			z[i] = t / (pb->eig[i] + ratio);
		}
		for (int r = 0; r < n; r++)
		{
			double		t = 0.0;

			for (int i = 0; i < k; i++)
				t += pb->u[(Size) i * n + r] * z[i];
			uz[r] = t;
		}
		for (int j = 0; j < p; j++)
		{
			const double *aj = pb->a + (Size) j * n;
			double		t = 0.0;

			for (int r = 0; r < n; r++)
				t += aj[r] * uz[r];
			w[j] = t;
		}
	}
	for (int r = 0; r < n; r++)
	{
		double		f = 0.0;

		for (int j = 0; j < p; j++)
			f += pb->a[(Size) j * n + r] * w[j];
		rss += (pb->y[r] - f) * (pb->y[r] - f);
	}
	return rss;
}

/*
 * Fit function of the list (include/pgml_algorithms.h): fills m->algorithm,
 * output, n_outputs, coef, intercept and hyperparams_json.
 */
void
pgml_bayesian_ridge_train(const PgmlTrainInput *in, PgmlModel *m)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	BayesianRidgeParams opt;
	LinearRegData rd;
	BrProblem	pb;
	double	   *a;
	double	   *w;
	double	   *w_old;
	double		alpha;
	double		lambda;
	double		var;
	int			iter;
	StringInfoData buf;

	workctx = linear_regression_begin(in, &pgml_hp_bayesian_ridge, &opt, sizeof(opt));

	linear_reg_prepare(in, opt.fit_intercept, in->n_features, &rd);
	pb.n = rd.n;
	pb.p = rd.p;
	pb.k = Min(rd.n, rd.p);
	pb.a = rd.a;
	pb.y = rd.y;
	pb.u = pgml_train_alloc((Size) pb.n * pb.k, sizeof(double));
	pb.vt = pgml_train_alloc((Size) pb.k * pb.p, sizeof(double));
	pb.eig = pgml_train_alloc(pb.k, sizeof(double));
	pb.xty = pgml_train_alloc(pb.p, sizeof(double));
	pb.tmp = pgml_train_alloc(Max(pb.n, pb.k), sizeof(double));
	pb.uz = pgml_train_alloc(pb.n, sizeof(double));
	for (int j = 0; j < pb.p; j++)
		for (int r = 0; r < pb.n; r++)
			pb.xty[j] += rd.a[(Size) j * pb.n + r] * rd.y[r];
	a = pgml_train_alloc((Size) pb.n * pb.p, sizeof(double));
	memcpy(a, rd.a, sizeof(double) * (Size) pb.n * pb.p);
	br_svd(&pb, a);

	/* the starting precisions: 1 / (var(y) + eps) and 1 */
	var = linear_target_variance(&rd);
	alpha = opt.alpha_init >= 0 ? opt.alpha_init : 1.0 / (var + DBL_EPSILON);
	lambda = opt.lambda_init >= 0 ? opt.lambda_init : 1.0;

	w = pgml_train_alloc(pb.p, sizeof(double));
	w_old = pgml_train_alloc(pb.p, sizeof(double));
	for (iter = 0; iter < (int) opt.n_iter; iter++)
	{
		double		rss;
		double		gamma = 0.0;
		double		wsq = 0.0;
		double		moved = 0.0;

		pgml_train_check_cancel();
		rss = br_update(&pb, alpha, lambda, w);

		for (int i = 0; i < pb.k; i++)
			gamma += (alpha * pb.eig[i]) / (lambda + alpha * pb.eig[i]);
		for (int j = 0; j < pb.p; j++)
			wsq += w[j] * w[j];
		lambda = (gamma + 2 * opt.lambda_1) / (wsq + 2 * opt.lambda_2);
		alpha = (pb.n - gamma + 2 * opt.alpha_1) / (rss + 2 * opt.alpha_2);
		if (iter != 0)
		{
			for (int j = 0; j < pb.p; j++)
				moved += fabs(w_old[j] - w[j]);
			if (moved < opt.tol)
				break;
		}
		memcpy(w_old, w, sizeof(double) * pb.p);
	}
	/* a non-finite weight is linear_reg_finish's error */
	(void) br_update(&pb, alpha, lambda, w);
	linear_regression_end(m, callerctx, workctx, &rd, w);

	elog(DEBUG1, "bayesian ridge: %d rows, %d features, %d rounds, alpha %g, lambda %g",
		 pb.n, pb.p, Min(iter + 1, (int) opt.n_iter), alpha, lambda);

	/* the effective hyperparameters */
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"fit_intercept\": %s, \"n_iter\": %d",
					 opt.fit_intercept ? "true" : "false", (int) opt.n_iter);
	linear_append_number(&buf, "tol", opt.tol);
	linear_append_number(&buf, "alpha_1", opt.alpha_1);
	linear_append_number(&buf, "alpha_2", opt.alpha_2);
	linear_append_number(&buf, "lambda_1", opt.lambda_1);
	linear_append_number(&buf, "lambda_2", opt.lambda_2);
	if (opt.alpha_init < 0)
		appendStringInfoString(&buf, ", \"alpha_init\": null");
	else
		linear_append_number(&buf, "alpha_init", opt.alpha_init);
	if (opt.lambda_init < 0)
		appendStringInfoString(&buf, ", \"lambda_init\": null");
	else
		linear_append_number(&buf, "lambda_init", opt.lambda_init);
	appendStringInfoChar(&buf, '}');
	m->hyperparams_json = buf.data;
}

#endif							/* PGML_TRAINER */
