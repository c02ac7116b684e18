/*-------------------------------------------------------------------------
 *
 * linear.c
 *	  Linear models for pgml_train.so:
 *	  - ordinary least squares, minimum-norm, through LAPACK's dgelsd;
 *	  - ridge regression by Cholesky (normal equations, or the kernel form
 *		when there are more features than rows);
 *	  - lasso and elastic net by cyclic coordinate descent with a
 *		duality-gap stop and an exact active-set finish;
 *	  - L2-penalized logistic regression (binary with a sigmoid, multiclass
 *		as a multinomial softmax) by a damped Newton method, or by a
 *		preconditioned L-BFGS when the Hessian would be too large.
 *	  All heavy arithmetic goes through OpenBLAS (cblas) and LAPACKE on
 *	  palloc'd buffers, so an error cannot leak library memory.
 *
 *	  The objectives are those of scikit-learn 1.2's LinearRegression,
 *	  Ridge, Lasso, ElasticNet and LogisticRegression; docs/linear.md states
 *	  the math, the convergence criteria and the measured parity.
 *
 * src/trainer/linear.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "pgml_train.h"
#include "trainer_linear.h"

#include <cblas.h>
#include <lapacke.h>

/* Rows per block when the Hessian is accumulated. */
#define LINEAR_ROW_BLOCK		512

/* Pairs kept by L-BFGS. */
#define LINEAR_LBFGS_MEMORY		20

/* Largest parameter count solved by Newton's method (Hessian dim x dim). */
#ifndef PGML_LINEAR_NEWTON_MAX_DIM
#define PGML_LINEAR_NEWTON_MAX_DIM	1500
#endif

/* Largest Hessian cost (floating-point operations per iteration) for Newton. */
#define LINEAR_NEWTON_MAX_FLOPS	5e10

/* Default convergence tolerances (relative gradient, see logistic_converged). */
#define LINEAR_TOL_NEWTON		1e-10
#define LINEAR_TOL_LBFGS		1e-8

/* Default tolerance of coordinate descent (duality gap / ||y||^2). */
#define LINEAR_TOL_CD			1e-8

/* Armijo constant and the most halvings of a line search. */
#define LINEAR_ARMIJO			1e-4
#define LINEAR_MAX_HALVINGS		60

/* Curvature constant of the approximate Wolfe test; relative round-off of f. */
#define LINEAR_WOLFE			0.9
#define LINEAR_F_ROUNDOFF		1e-12

/* The model a job trains, from the algorithm name and the task. */
typedef enum LinearKind
{
	LINEAR_OLS,					/* "linear", regression */
	LINEAR_RIDGE,				/* "ridge" */
	LINEAR_LASSO,				/* "lasso" */
	LINEAR_ELASTIC_NET,			/* "elastic_net" */
	LINEAR_LOGISTIC				/* "logistic_regression", or "linear" for
								 * classification */
} LinearKind;

/* Hyperparameters after validation. */
typedef struct LinearOptions
{
	const char *algorithm;		/* the name the user chose, for messages */
	LinearKind	kind;
	bool		fit_intercept;
	double		C;				/* logistic: inverse penalty strength */
	double		alpha;			/* ridge, lasso, elastic net: penalty */
	double		l1_ratio;		/* elastic net: share of the L1 penalty */
	int			max_iter;
	double		tol;			/* 0 until resolved: the solver's default */
	int32		n_classes;		/* of the training data, 0 for regression */
} LinearOptions;

/*
 * A logistic regression problem as the solvers see it.  The design matrix
 * is row-major n x d: the features (centered when there is an intercept),
 * then a column of ones if fit_intercept.  Parameters are k x d, row-major:
 * one row per margin.
 */
typedef struct LogisticProblem
{
	const double *a;			/* [n * d] design matrix */
	const double *y;			/* [n] class indexes */
	int			n;
	int			d;
	int			k;				/* margins: 1 (binary) or n_classes */
	int			n_penalized;	/* columns 0 .. n_penalized-1 are penalized */
	bool		intercept;		/* column d-1 is the intercept */
	double		lambda;			/* 1 / C */
	double		tol;
	int			max_iter;
	double	   *scale;			/* [d] root mean square of each column */
	double	   *prob;			/* [n * k] probabilities at the last eval */
	double	   *resid;			/* [n * k] prob - onehot(y) */
	int			n_evals;
	double		worst;			/* last max |g| / (n * scale) */
} LogisticProblem;

/*
 * The model of a member of the family (its kind, which the list's fit of
 * that member passes: LINEAR_OLS is "linear") for the task; a member that
 * does not fit the task is an error.
 */
static LinearKind
linear_resolve_kind(LinearKind member, const char *algorithm, PgmlTask task)
{
	bool		classification = (task == PGML_TASK_CLASSIFICATION);

	switch (member)
	{
		case LINEAR_OLS:
			return classification ? LINEAR_LOGISTIC : LINEAR_OLS;
		case LINEAR_LOGISTIC:
			if (!classification)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("algorithm \"%s\" needs a classification task",
								algorithm),
						 errhint("Use linear, ridge, lasso or elastic_net for regression.")));
			break;
		case LINEAR_RIDGE:
			break;				/* classification: scikit-learn's RidgeClassifier */
		case LINEAR_LASSO:
		case LINEAR_ELASTIC_NET:
			if (classification)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("algorithm \"%s\" supports regression only", algorithm),
						 errhint("Use logistic_regression (or linear) for classification.")));
			break;
	}
	return member;
}

/*
 * multi_class: "multinomial" is what "auto" (the default) fits for more
 * than two classes; for two, scikit-learn's multinomial fit is the binary
 * fit with C doubled.
 */
static bool
linear_multi_class(const char *algorithm, const char *key, const JsonbValue *v,
				   void *opts)
{
	const PgmlLinearParams *lp = opts;
	bool		is_auto,
				is_multinomial;

	if (strcmp(key, "multi_class") != 0)
		return false;
	is_auto = v->type == jbvNull ||
		(v->type == jbvString && v->val.string.len == 4 &&
		 strncmp(v->val.string.val, "auto", 4) == 0);
	is_multinomial = v->type == jbvString && v->val.string.len == 11 &&
		strncmp(v->val.string.val, "multinomial", 11) == 0;
	if (!is_auto && !(is_multinomial && lp->n_classes > 2))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hyperparameter \"multi_class\" of algorithm \"%s\" can only be \"auto\" here",
						algorithm),
				 is_multinomial ?
				 errdetail("For two classes scikit-learn's multinomial fit is the binary fit with C doubled: give C = 2 * C instead.") :
				 errdetail("One-vs-rest is not implemented: the classes are fitted jointly (multinomial), as \"auto\" fits them."),
				 errhint("Leave multi_class out.")));
	return true;
}

/* each model's table (src/hp/linear.c), by LinearKind */
static const PgmlHpTable *const linear_tables[] = {
	[LINEAR_OLS] = &pgml_hp_linear,
	[LINEAR_RIDGE] = &pgml_hp_ridge,
	[LINEAR_LASSO] = &pgml_hp_lasso,
	[LINEAR_ELASTIC_NET] = &pgml_hp_elastic_net,
	[LINEAR_LOGISTIC] = &pgml_hp_logistic,
};

/* Validate in->hyperparams into opt; an unknown key or bad value is an error. */
static void
linear_parse_hyperparams(Jsonb *jb, LinearOptions *opt)
{
	/* the table sets the other defaults; tol 0 is the solver's default */
	PgmlLinearParams lp = {.tol = 0.0,.n_classes = opt->n_classes};
	PgmlTask	task = opt->n_classes > 0 ? PGML_TASK_CLASSIFICATION : PGML_TASK_REGRESSION;
	const PgmlHpTable *t = linear_tables[opt->kind];

	/* ridge's classifier has its own (RidgeClassifier's class_weight) */
	if (task == PGML_TASK_CLASSIFICATION && t->classification != NULL)
		t = t->classification;
	pgml_hp_parse(opt->algorithm, task, jb, t, &lp,
				  opt->kind == LINEAR_LOGISTIC ? linear_multi_class : NULL);
	opt->fit_intercept = lp.fit_intercept;
	opt->C = lp.C;
	opt->alpha = lp.alpha;
	opt->l1_ratio = lp.l1_ratio;
	opt->max_iter = (int) lp.max_iter;
	opt->tol = lp.tol;
}

/* See trainer_linear.h. */
void
linear_check_input(const PgmlTrainInput *in)
{
	if (in->n_rows <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot train a linear model on zero rows")));
	if (in->n_features <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot train a linear model without features")));
	if (in->n_rows > INT_MAX / 2 || in->n_features > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows or features for a linear model"),
				 errdetail("The limit is %d of each.", INT_MAX / 2)));
}

/* See trainer_linear.h. */
void
linear_check_finite(const PgmlTrainInput *in)
{
	Size		total = (Size) in->n_rows * (Size) in->n_features;

	for (Size i = 0; i < total; i++)
	{
		if (!isfinite(in->x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("linear models do not accept missing or infinite feature values"),
					 in->row_of ?
					 errdetail("Row %lld of the relation, feature %d, is %s.",
							   (long long) pgml_train_row_number(in, i / in->n_features),
							   (int) (i % in->n_features) + 1,
							   isnan(in->x[i]) ? "NaN" : "infinite") :
					 errdetail("Training row %lld, feature %d, is %s.",
							   (long long) (i / in->n_features) + 1,
							   (int) (i % in->n_features) + 1,
							   isnan(in->x[i]) ? "NaN" : "infinite"),
					 errhint("Impute or drop missing values before training, or use algorithm \"xgboost\".")));
	}
}

/* Column means of x, in double. */
static double *
linear_column_means(const PgmlTrainInput *in)
{
	int64		n = in->n_rows;
	int			p = in->n_features;
	double	   *mean = pgml_train_alloc(p, sizeof(double));

	for (int64 i = 0; i < n; i++)
	{
		const float *row = in->x + (Size) i * p;

		for (int j = 0; j < p; j++)
			mean[j] += row[j];
	}
	for (int j = 0; j < p; j++)
		mean[j] /= (double) n;
	return mean;
}

/* See trainer_linear.h. */
void
linear_check_coefficient_count(const char *algorithm, int n_outputs, int n_features)
{
	if ((int64) n_outputs * (n_features + 1) > (int64) (MaxAllocSize / sizeof(double)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many coefficients for algorithm \"%s\"", algorithm),
				 errdetail("%d margins of %d features and an intercept need more than %d coefficients.",
						   n_outputs, n_features, (int) (MaxAllocSize / sizeof(double)))));
}

/* See trainer_linear.h. */
void
linear_check_target(const PgmlTrainInput *in)
{
	int			n = (int) in->n_rows;

	for (int i = 0; i < n; i++)
	{
		if (!isfinite(in->y[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("linear regression target contains a non-finite value"),
					 in->row_of ?
					 errdetail("Row %lld of the relation has target %g.",
							   (long long) pgml_train_row_number(in, i), in->y[i]) :
					 errdetail("Training row %d has target %g.", i + 1, in->y[i])));
		/* predictions are real: a target beyond it could only predict inf */
		if (isinf((float) in->y[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("linear regression target is out of range for type real"),
					 in->row_of ?
					 errdetail("Row %lld of the relation has target %g; pgml.predict returns real.",
							   (long long) pgml_train_row_number(in, i), in->y[i]) :
					 errdetail("Training row %d has target %g; pgml.predict returns real.",
							   i + 1, in->y[i]),
					 errhint("Rescale the target.")));
	}
}

/* See trainer_linear.h. */
void
linear_reg_prepare(const PgmlTrainInput *in, bool fit_intercept, int ylen,
				   LinearRegData *rd)
{
	int			n = (int) in->n_rows;
	int			p = in->n_features;

	linear_check_target(in);

	rd->n = n;
	rd->p = p;
	rd->mean = NULL;
	rd->ymean = 0.0;
	if (fit_intercept)
	{
		rd->mean = linear_column_means(in);
		for (int i = 0; i < n; i++)
			rd->ymean += in->y[i];
		rd->ymean /= n;
	}

	rd->a = pgml_train_alloc((Size) n * p, sizeof(double));
	for (int i = 0; i < n; i++)
	{
		const float *row = in->x + (Size) i * p;

		for (int j = 0; j < p; j++)
			rd->a[(Size) j * n + i] = (double) row[j] -
				(rd->mean ? rd->mean[j] : 0.0);
	}
	rd->y = pgml_train_alloc(Max(n, ylen), sizeof(double));
	for (int i = 0; i < n; i++)
		rd->y[i] = in->y[i] - rd->ymean;
}

/* See trainer_linear.h. */
double
linear_target_variance(const LinearRegData *rd)
{
	double		mean = 0.0;
	double		var = 0.0;

	for (int r = 0; r < rd->n; r++)
		mean += rd->y[r];
	mean /= rd->n;
	for (int r = 0; r < rd->n; r++)
		var += (rd->y[r] - mean) * (rd->y[r] - mean);
	return var / rd->n;
}

/* See trainer_linear.h. */
void
linear_reg_finish(const LinearRegData *rd, const double *w,
				  double *coef, double *intercept)
{
	*intercept = rd->ymean;
	for (int j = 0; j < rd->p; j++)
	{
		coef[j] = w[j];
		if (rd->mean)
			*intercept -= rd->mean[j] * w[j];
		if (!isfinite(coef[j]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("linear regression produced a non-finite coefficient"),
					 errhint("Rescale the features or the target.")));
	}
	if (!isfinite(*intercept))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("linear regression produced a non-finite intercept"),
				 errhint("Rescale the features or the target.")));
}

/*
 * Ordinary least squares: minimum-norm least-squares solution of the
 * (centered) system by dgelsd, as scipy.linalg.lstsq does for scikit-learn.
 */
static void
linear_fit_ols(const PgmlTrainInput *in, const LinearOptions *opt,
			   double *coef, double *intercept)
{
	linear_least_squares(in, opt->fit_intercept, coef, intercept);
}

/* See trainer_linear.h. */
void
linear_least_squares(const PgmlTrainInput *in, bool fit_intercept,
					 double *coef, double *intercept)
{
	LinearRegData rd;
	int			n;
	int			p;
	double	   *s;
	double		rcond;
	double		wquery;
	lapack_int	iwquery;
	lapack_int	rank;
	lapack_int	info;
	lapack_int	lwork;
	double	   *work;
	lapack_int *iwork;

	linear_reg_prepare(in, fit_intercept, in->n_features, &rd);
	n = rd.n;
	p = rd.p;
	s = pgml_train_alloc(Min(n, p), sizeof(double));

	/* numpy.linalg.lstsq's default cutoff for small singular values */
	rcond = DBL_EPSILON * Max(n, p);

	info = LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, n, p, 1, rd.a, n, rd.y,
							   Max(n, p), s, rcond, &rank, &wquery, -1,
							   &iwquery);
	if (info != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("LAPACK dgelsd workspace query failed with info %d",
						(int) info)));
	lwork = (lapack_int) wquery;
	work = pgml_train_alloc(Max(lwork, 1), sizeof(double));
	iwork = pgml_train_alloc(Max(iwquery, 1), sizeof(lapack_int));

	info = LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, n, p, 1, rd.a, n, rd.y,
							   Max(n, p), s, rcond, &rank, work, lwork, iwork);
	if (info > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("least-squares solver did not converge"),
				 errdetail("LAPACK dgelsd: %d off-diagonal elements of an intermediate bidiagonal form did not converge to zero.",
						   (int) info),
				 errhint("Check the features for extreme values.")));
	if (info < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("LAPACK dgelsd rejected argument %d", (int) -info)));

	/* the solution is in the first p entries of the target buffer */
	linear_reg_finish(&rd, rd.y, coef, intercept);

	elog(DEBUG1, "linear regression: %d rows, %d features, rank %d, intercept %s",
		 n, p, (int) rank, fit_intercept ? "fitted" : "none");
}

/*
 * Ridge regression: minimize ||y - Xw - b||^2 + alpha ||w||^2 by Cholesky
 * on the normal equations (X^T X + alpha I) w = X^T y when p <= n, or on
 * the kernel form w = X^T (X X^T + alpha I)^-1 y when p > n, as
 * scikit-learn's Ridge(solver="cholesky") does.
 */
static void
linear_fit_ridge(const PgmlTrainInput *in, const LinearOptions *opt,
				 double *coef, double *intercept)
{
	LinearRegData rd;
	int			n;
	int			p;
	int			m;
	double	   *g;
	double	   *w;
	lapack_int	info;

	if (opt->alpha == 0.0)
	{
		linear_fit_ols(in, opt, coef, intercept);
		return;
	}

	linear_reg_prepare(in, opt->fit_intercept, 0, &rd);
	n = rd.n;
	p = rd.p;
	w = pgml_train_alloc(p, sizeof(double));
	if (p <= n)
	{
		m = p;
		g = pgml_train_alloc((Size) p * p, sizeof(double));
		cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, p, n, 1.0,
					rd.a, n, 0.0, g, p);
		cblas_dgemv(CblasColMajor, CblasTrans, n, p, 1.0, rd.a, n,
					rd.y, 1, 0.0, w, 1);
		for (int j = 0; j < p; j++)
			g[(Size) j * p + j] += opt->alpha;
		info = LAPACKE_dposv_work(LAPACK_COL_MAJOR, 'U', p, 1, g, p, w, p);
	}
	else
	{
		m = n;
		g = pgml_train_alloc((Size) n * n, sizeof(double));
		cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, n, p, 1.0,
					rd.a, n, 0.0, g, n);
		for (int i = 0; i < n; i++)
			g[(Size) i * n + i] += opt->alpha;
		info = LAPACKE_dposv_work(LAPACK_COL_MAJOR, 'U', n, 1, g, n, rd.y, n);
		if (info == 0)
			cblas_dgemv(CblasColMajor, CblasTrans, n, p, 1.0, rd.a, n,
						rd.y, 1, 0.0, w, 1);
	}
	if (info < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("LAPACK dposv rejected argument %d", (int) -info)));
	if (info > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("ridge regression system is not positive definite"),
				 errdetail("LAPACK dposv failed at leading minor %d of %d.",
						   (int) info, m),
				 errhint("Rescale the features or raise \"alpha\".")));

	linear_reg_finish(&rd, w, coef, intercept);
	elog(DEBUG1, "ridge regression: %d rows, %d features, alpha %g, %s form",
		 n, p, opt->alpha, p <= n ? "primal" : "kernel");
}

/*
 * scikit-learn's RidgeClassifier: ridge regression of targets +1 for the
 * class and -1 for the others, one output per class (one, for the second
 * class, when there are two); the class is the largest output (or output >
 * 0), as for logistic regression.
 */
static void
linear_fit_ridge_classifier(const PgmlTrainInput *in, const LinearOptions *opt,
							int n_outputs, double *coef, double *intercept)
{
	PgmlTrainInput sub = *in;
	double	   *y = pgml_train_alloc(in->n_rows, sizeof(double));

	for (int o = 0; o < n_outputs; o++)
	{
		int			cls = n_outputs == 1 ? 1 : o;

		for (int64 i = 0; i < in->n_rows; i++)
			y[i] = (int) in->y[i] == cls ? 1.0 : -1.0;
		sub.y = y;
		linear_fit_ridge(&sub, opt, coef + (Size) o * in->n_features, intercept + o);
	}
}


/*
 * Duality gap of the elastic-net problem (scaled by n as below) at w, with
 * r = y - A w; the same certificate scikit-learn's coordinate descent uses.
 */
static double
linear_enet_gap(const LinearRegData *rd, const double *w, const double *r,
				double l1, double l2, double *xtr)
{
	int			n = rd->n;
	int			p = rd->p;
	double		dual_norm = 0.0;
	double		r2 = cblas_ddot(n, r, 1, r, 1);
	double		w2 = cblas_ddot(p, w, 1, w, 1);
	double		ry = cblas_ddot(n, r, 1, rd->y, 1);
	double		w1 = 0.0;
	double		scale;
	double		gap;

	/* xtr = A^T r - l2 w */
	cblas_dgemv(CblasColMajor, CblasTrans, n, p, 1.0, rd->a, n, r, 1, 0.0,
				xtr, 1);
	for (int j = 0; j < p; j++)
	{
		xtr[j] -= l2 * w[j];
		dual_norm = Max(dual_norm, fabs(xtr[j]));
		w1 += fabs(w[j]);
	}
	if (dual_norm > l1)
	{
		scale = l1 / dual_norm;
		gap = 0.5 * (r2 + r2 * scale * scale);
	}
	else
	{
		scale = 1.0;
		gap = r2;
	}
	gap += l1 * w1 - scale * ry + 0.5 * l2 * (1.0 + scale * scale) * w2;
	return gap;
}

/*
 * Try to finish coordinate descent exactly.  With the set S of nonzero
 * coefficients and their signs fixed, the optimum solves
 *	(A_S^T A_S + l2 I) w_S = A_S^T y - l1 sign(w_S);
 * the solution is accepted (w and r = y - A w updated) only if it keeps
 * every sign and every other column satisfies |a_j^T r| <= l1, i.e. it is
 * the optimum.  Coordinate descent converges only linearly on correlated
 * features; this step ends it once the support is found.
 */
static bool
linear_enet_polish(const LinearRegData *rd, double *w, double *r,
				   double l1, double l2, double *xtr)
{
	int			n = rd->n;
	int			p = rd->p;
	int			m = 0;
	int		   *support = pgml_train_alloc(p, sizeof(int));
	double	   *b;
	double	   *g;
	double	   *z;
	double	   *rnew;
	lapack_int	info;
	bool		ok = true;

	for (int j = 0; j < p; j++)
		if (w[j] != 0.0)
			support[m++] = j;
	if (m == 0 || (l2 == 0.0 && m > n))
	{
		pfree(support);
		return false;
	}

	b = pgml_train_alloc((Size) n * m, sizeof(double));
	g = pgml_train_alloc((Size) m * m, sizeof(double));
	z = pgml_train_alloc(m, sizeof(double));
	rnew = pgml_train_alloc(n, sizeof(double));
	for (int k = 0; k < m; k++)
		memcpy(b + (Size) k * n, rd->a + (Size) support[k] * n,
			   sizeof(double) * n);
	cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, m, n, 1.0, b, n,
				0.0, g, m);
	cblas_dgemv(CblasColMajor, CblasTrans, n, m, 1.0, b, n, rd->y, 1,
				0.0, z, 1);
	for (int k = 0; k < m; k++)
	{
		g[(Size) k * m + k] += l2;
		z[k] -= (w[support[k]] > 0.0 ? l1 : -l1);
	}
	info = LAPACKE_dposv_work(LAPACK_COL_MAJOR, 'U', m, 1, g, m, z, m);
	if (info != 0)
		ok = false;
	for (int k = 0; ok && k < m; k++)
		if (!(z[k] * w[support[k]] > 0.0))
			ok = false;
	if (ok)
	{
		memcpy(rnew, rd->y, sizeof(double) * n);
		cblas_dgemv(CblasColMajor, CblasNoTrans, n, m, -1.0, b, n, z, 1,
					1.0, rnew, 1);
		cblas_dgemv(CblasColMajor, CblasTrans, n, p, 1.0, rd->a, n, rnew, 1,
					0.0, xtr, 1);
		for (int j = 0, k = 0; ok && j < p; j++)
		{
			if (k < m && support[k] == j)
				k++;
			else if (fabs(xtr[j]) > l1 * (1.0 + 1e-9))
				ok = false;
		}
	}
	if (ok)
	{
		for (int k = 0; k < m; k++)
			w[support[k]] = z[k];
		memcpy(r, rnew, sizeof(double) * n);
	}
	pfree(support);
	pfree(b);
	pfree(g);
	pfree(z);
	pfree(rnew);
	return ok;
}

/*
 * Lasso and elastic net by cyclic coordinate descent, as scikit-learn's
 * Lasso and ElasticNet:
 *	minimize 1/(2n) ||y - Xw - b||^2 + alpha l1_ratio ||w||_1
 *			 + alpha (1 - l1_ratio) / 2 ||w||^2
 * (lasso: l1_ratio = 1).  Stops when the largest coefficient change of a
 * sweep is below tol times the largest coefficient and the duality gap is
 * below tol * ||y||^2 (y centered).
 */
static void
linear_fit_enet(const PgmlTrainInput *in, LinearOptions *opt,
				double *coef, double *intercept)
{
	LinearRegData rd;
	int			n;
	int			p;
	double		l1_ratio = (opt->kind == LINEAR_LASSO) ? 1.0 : opt->l1_ratio;
	double		l1;
	double		l2;
	double	   *w;
	double	   *r;
	double	   *norm2;
	double	   *xtr;
	double		yy;
	double		gap = 0.0;
	bool		converged = false;
	int			polish_every = 8;
	int			next_polish = 8;
	int			n_polished = 0;
	int			iter;

	if (opt->tol <= 0.0)
		opt->tol = LINEAR_TOL_CD;
	if (opt->alpha == 0.0)
	{
		linear_fit_ols(in, opt, coef, intercept);
		return;
	}

	linear_reg_prepare(in, opt->fit_intercept, 0, &rd);
	n = rd.n;
	p = rd.p;
	l1 = opt->alpha * l1_ratio * n;
	l2 = opt->alpha * (1.0 - l1_ratio) * n;
	w = pgml_train_alloc(p, sizeof(double));
	xtr = pgml_train_alloc(p, sizeof(double));
	norm2 = pgml_train_alloc(p, sizeof(double));
	r = pgml_train_alloc(n, sizeof(double));
	memcpy(r, rd.y, sizeof(double) * n);
	yy = cblas_ddot(n, rd.y, 1, rd.y, 1);
	for (int j = 0; j < p; j++)
		norm2[j] = cblas_ddot(n, rd.a + (Size) j * n, 1, rd.a + (Size) j * n, 1);

	for (iter = 0; iter < opt->max_iter; iter++)
	{
		double		wmax = 0.0;
		double		dmax = 0.0;

		pgml_train_check_cancel();
		pgml_train_report_progress(iter, opt->max_iter);
		for (int j = 0; j < p; j++)
		{
			const double *aj = rd.a + (Size) j * n;
			double		wold = w[j];
			double		rho;
			double		wnew;

			if (norm2[j] == 0.0)
				continue;
			rho = cblas_ddot(n, aj, 1, r, 1) + norm2[j] * wold;
			if (rho > l1)
				wnew = (rho - l1) / (norm2[j] + l2);
			else if (rho < -l1)
				wnew = (rho + l1) / (norm2[j] + l2);
			else
				wnew = 0.0;
			if (wnew != wold)
				cblas_daxpy(n, wold - wnew, aj, 1, r, 1);
			w[j] = wnew;
			dmax = Max(dmax, fabs(wnew - wold));
			wmax = Max(wmax, fabs(wnew));
		}
		if (wmax == 0.0 || dmax <= opt->tol * wmax || iter == opt->max_iter - 1)
		{
			gap = linear_enet_gap(&rd, w, r, l1, l2, xtr);
			if (gap <= opt->tol * yy)
			{
				converged = true;
				iter++;
				break;
			}
		}
		/* try the exact finish, backing off after each failure */
		if (iter + 1 >= next_polish && wmax > 0.0)
		{
			if (linear_enet_polish(&rd, w, r, l1, l2, xtr))
			{
				n_polished++;
				gap = linear_enet_gap(&rd, w, r, l1, l2, xtr);
				if (gap <= opt->tol * yy)
				{
					converged = true;
					iter++;
					break;
				}
			}
			polish_every *= 2;
			next_polish = iter + 1 + polish_every;
		}
	}

	if (!converged)
		ereport(WARNING,
				(errmsg_plural("%s did not converge in %d iteration",
							   "%s did not converge in %d iterations",
							   iter, opt->algorithm, iter),
				 errdetail("The duality gap reached %g; the target is %g.",
						   gap, opt->tol * yy),
				 errhint("Raise \"max_iter\", loosen \"tol\", or rescale the features.")));
	elog(DEBUG1, "%s: %d rows, %d features, alpha %g, l1_ratio %g, %d sweeps, %d exact finishes, converged %s, duality gap %.3g (target %.3g)",
		 opt->algorithm, n, p, opt->alpha, l1_ratio, iter, n_polished,
		 converged ? "yes" : "no", gap, opt->tol * yy);

	linear_reg_finish(&rd, w, coef, intercept);
}

/* log(1 + exp(z)) without overflow or loss of precision. */
static inline double
linear_softplus(double z)
{
	if (z > 0)
		return z + log1p(exp(-z));
	return log1p(exp(z));
}

/*
 * Objective and gradient of the logistic problem at theta:
 *	f = sum_i logloss_i + 0.5 * lambda * ||W||^2 (intercepts unpenalized).
 * Leaves the probabilities in pb->prob and the residuals in pb->resid.
 */
static double
logistic_eval(LogisticProblem *pb, const double *theta, double *grad)
{
	int			n = pb->n;
	int			d = pb->d;
	int			k = pb->k;
	double		f = 0.0;

	pb->n_evals++;
	if (k == 1)
	{
		cblas_dgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0, pb->a, d,
					theta, 1, 0.0, pb->prob, 1);
		for (int i = 0; i < n; i++)
		{
			double		z = pb->prob[i];
			double		y = pb->y[i];
			double		p;

			f += linear_softplus(z) - y * z;
			if (z >= 0)
				p = 1.0 / (1.0 + exp(-z));
			else
			{
				double		e = exp(z);

				p = e / (1.0 + e);
			}
			pb->prob[i] = p;
			pb->resid[i] = p - y;
		}
		cblas_dgemv(CblasRowMajor, CblasTrans, n, d, 1.0, pb->a, d,
					pb->resid, 1, 0.0, grad, 1);
	}
	else
	{
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, k, d, 1.0,
					pb->a, d, theta, d, 0.0, pb->prob, k);
		for (int i = 0; i < n; i++)
		{
			double	   *z = pb->prob + (Size) i * k;
			double	   *r = pb->resid + (Size) i * k;
			int			yi = (int) pb->y[i];
			double		mx = z[0];
			double		sum = 0.0;

			for (int c = 1; c < k; c++)
				mx = Max(mx, z[c]);
			f -= z[yi];
			for (int c = 0; c < k; c++)
			{
				z[c] = exp(z[c] - mx);
				sum += z[c];
			}
			f += mx + log(sum);
			for (int c = 0; c < k; c++)
			{
				z[c] /= sum;
				r[c] = z[c] - (c == yi ? 1.0 : 0.0);
			}
		}
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, d, n, 1.0,
					pb->resid, k, pb->a, d, 0.0, grad, d);
	}

	for (int c = 0; c < k; c++)
	{
		for (int j = 0; j < pb->n_penalized; j++)
		{
			double		w = theta[(Size) c * d + j];

			f += 0.5 * pb->lambda * w * w;
			grad[(Size) c * d + j] += pb->lambda * w;
		}
	}
	return f;
}

/*
 * Converged when every gradient component is small relative to the size it
 * can have: |g[c,j]| <= tol * n * rms(column j).
 */
static bool
logistic_converged(LogisticProblem *pb, const double *grad)
{
	double		w = 0.0;

	for (int c = 0; c < pb->k; c++)
		for (int j = 0; j < pb->d; j++)
			w = Max(w, fabs(grad[(Size) c * pb->d + j]) /
					((double) pb->n * pb->scale[j]));
	pb->worst = w;
	return w <= pb->tol;
}

/*
 * Hessian of the objective at the point of the last eval, written to the
 * upper triangle of the row-major dim x dim matrix h (dim = k * d), plus
 * damping on the diagonal.  blk holds LINEAR_ROW_BLOCK x dim doubles, and,
 * for k > 1, wblk LINEAR_ROW_BLOCK x d and diag k x d x d.
 *
 * Multinomial: H[c,l] = sum_i (delta_cl p_ic - p_ic p_il) a_i a_i^T.  The
 * second term over all (c, l) is one rank-update with Q[i, (c,j)] = p_ic
 * a_ij; the diagonal blocks are then replaced by sum_i p_ic (1 - p_ic) a_i
 * a_i^T computed directly, which keeps them accurate when p_ic is near 1.
 */
static void
logistic_hessian(const LogisticProblem *pb, double *h, double *blk,
				 double *wblk, double *diag, double damping)
{
	int			n = pb->n;
	int			d = pb->d;
	int			k = pb->k;
	int			dim = k * d;

	memset(h, 0, sizeof(double) * (Size) dim * dim);
	if (k > 1)
		memset(diag, 0, sizeof(double) * (Size) k * d * d);
	for (int r0 = 0; r0 < n; r0 += LINEAR_ROW_BLOCK)
	{
		int			rows = Min(LINEAR_ROW_BLOCK, n - r0);
		const double *arow = pb->a + (Size) r0 * d;
		const double *prow = pb->prob + (Size) r0 * k;

		if (k == 1)
		{
			/* sum_i p (1 - p) a_i a_i^T */
			for (int r = 0; r < rows; r++)
			{
				double		pr = prow[r];
				double		sw = sqrt(pr * (1.0 - pr));

				for (int j = 0; j < d; j++)
					blk[(Size) r * d + j] = sw * arow[(Size) r * d + j];
			}
			cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, rows, 1.0,
						blk, d, 1.0, h, dim);
			continue;
		}

		/* all blocks: -Q^T Q */
		for (int r = 0; r < rows; r++)
			for (int c = 0; c < k; c++)
			{
				double		pc = prow[(Size) r * k + c];

				for (int j = 0; j < d; j++)
					blk[(Size) r * dim + (Size) c * d + j] =
						pc * arow[(Size) r * d + j];
			}
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, rows, -1.0,
					blk, dim, 1.0, h, dim);

		/* diagonal blocks, directly */
		for (int c = 0; c < k; c++)
		{
			for (int r = 0; r < rows; r++)
			{
				double		pc = prow[(Size) r * k + c];
				double		sw = sqrt(pc * (1.0 - pc));

				for (int j = 0; j < d; j++)
					wblk[(Size) r * d + j] = sw * arow[(Size) r * d + j];
			}
			cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, rows, 1.0,
						wblk, d, 1.0, diag + (Size) c * d * d, d);
		}
		pgml_train_check_cancel();
	}

	if (k > 1)
		for (int c = 0; c < k; c++)
			for (int i = 0; i < d; i++)
				for (int j = i; j < d; j++)
					h[((Size) c * d + i) * dim + (Size) c * d + j] =
						diag[(Size) c * d * d + (Size) i * d + j];

	for (int c = 0; c < k; c++)
		for (int j = 0; j < d; j++)
		{
			Size		q = (Size) c * d + j;

			h[q * dim + q] += damping +
				(j < pb->n_penalized ? pb->lambda : 0.0);
		}

	/*
	 * The multinomial objective does not change when the same constant is
	 * added to every intercept.  Adding u u^T along that direction makes
	 * the Hessian definite; the gradient is orthogonal to u, so the Newton
	 * step is unchanged and keeps the intercepts summing to zero.
	 */
	if (k > 1 && pb->intercept)
		for (int c = 0; c < k; c++)
			for (int l = c; l < k; l++)
				h[((Size) c * d + d - 1) * dim + (Size) l * d + d - 1] += 1.0 / k;
}

/*
 * Backtracking line search from theta along dir (g.dir = gd < 0).  A step
 * is accepted by the Armijo condition, or, once the decrease is lost in the
 * round-off of f, by the approximate Wolfe conditions of Hager and Zhang
 * (f does not rise beyond round-off and the directional derivative shrinks
 * in magnitude), which rely on the gradient alone.  On success writes the
 * new point, gradient and objective and returns true.
 */
static bool
logistic_line_search(LogisticProblem *pb, const double *theta,
					 const double *dir, double gd, double f,
					 double *trial, double *gtrial, double *ftrial)
{
	int			dim = pb->k * pb->d;
	double		t = 1.0;
	double		noise = LINEAR_F_ROUNDOFF * Max(1.0, fabs(f));

	for (int h = 0; h < LINEAR_MAX_HALVINGS; h++)
	{
		double		ft;

		for (int q = 0; q < dim; q++)
			trial[q] = theta[q] + t * dir[q];
		ft = logistic_eval(pb, trial, gtrial);
		if (isfinite(ft))
		{
			double		gtd = cblas_ddot(dim, gtrial, 1, dir, 1);

			if (ft <= f + LINEAR_ARMIJO * t * gd ||
				(ft <= f + noise &&
				 gtd >= LINEAR_WOLFE * gd &&
				 gtd <= (2.0 * LINEAR_ARMIJO - 1.0) * gd))
			{
				*ftrial = ft;
				return true;
			}
		}
		t *= 0.5;
	}
	return false;
}

/*
 * After a failed line search: true if the predicted decrease is at the
 * round-off level of the objective, i.e. theta is optimal to working
 * precision.
 */
static bool
logistic_stalled_at_optimum(double gd, double f)
{
	return -gd <= 1e-10 * Max(1.0, fabs(f));
}

/* Damped Newton's method; returns true if it converged. */
static bool
logistic_newton(LogisticProblem *pb, double *theta, double *fval, int *iters)
{
	int			dim = pb->k * pb->d;
	double	   *h = pgml_train_alloc((Size) dim * dim, sizeof(double));
	double	   *blk = pgml_train_alloc((Size) LINEAR_ROW_BLOCK * dim, sizeof(double));
	double	   *wblk = NULL;
	double	   *diag = NULL;
	double	   *g = pgml_train_alloc(dim, sizeof(double));
	double	   *gnew = pgml_train_alloc(dim, sizeof(double));
	double	   *step = pgml_train_alloc(dim, sizeof(double));
	double	   *trial = pgml_train_alloc(dim, sizeof(double));
	double		f;
	bool		converged = false;
	int			iter;

	if (pb->k > 1)
	{
		wblk = pgml_train_alloc((Size) LINEAR_ROW_BLOCK * pb->d, sizeof(double));
		diag = pgml_train_alloc((Size) dim * pb->d, sizeof(double));
	}

	f = logistic_eval(pb, theta, g);
	for (iter = 0; iter < pb->max_iter; iter++)
	{
		double		damping = 0.0;
		double		gd = 0.0;
		double		fnew;
		lapack_int	info;

		pgml_train_check_cancel();
		pgml_train_report_progress(iter, pb->max_iter);
		if (logistic_converged(pb, g))
		{
			converged = true;
			break;
		}

		for (;;)
		{
			logistic_hessian(pb, h, blk, wblk, diag, damping);
			for (int q = 0; q < dim; q++)
				step[q] = -g[q];
			/* row-major upper triangle == column-major lower triangle */
			info = LAPACKE_dposv_work(LAPACK_COL_MAJOR, 'L', dim, 1, h, dim,
									  step, dim);
			if (info < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INTERNAL_ERROR),
						 errmsg("LAPACK dposv rejected argument %d", (int) -info)));
			if (info == 0)
				break;
			/* not numerically positive definite: damp and retry */
			damping = (damping == 0.0) ? 1e-8 * Max(pb->lambda, 1.0) : damping * 100.0;
			if (damping > 1e12)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("logistic regression Hessian is not positive definite"),
						 errdetail("LAPACK dposv failed at leading minor %d.", (int) info),
						 errhint("Rescale the features.")));
		}

		for (int q = 0; q < dim; q++)
			gd += g[q] * step[q];
		if (!(gd < 0.0) ||
			!logistic_line_search(pb, theta, step, gd, f, trial, gnew, &fnew))
		{
			converged = logistic_stalled_at_optimum(gd, f);
			break;
		}
		memcpy(theta, trial, sizeof(double) * dim);
		memcpy(g, gnew, sizeof(double) * dim);
		f = fnew;
	}
	if (!converged && iter >= pb->max_iter)
		converged = logistic_converged(pb, g);
	*fval = f;
	*iters = iter;
	return converged;
}

/*
 * L-BFGS with a diagonal initial inverse Hessian built from a bound on the
 * true diagonal (p(1-p) <= 1/4), for problems too large for Newton.
 */
static bool
logistic_lbfgs(LogisticProblem *pb, double *theta, double *fval, int *iters)
{
	int			d = pb->d;
	int			dim = pb->k * d;
	int			mem = LINEAR_LBFGS_MEMORY;
	double	   *sv = pgml_train_alloc((Size) mem * dim, sizeof(double));
	double	   *yv = pgml_train_alloc((Size) mem * dim, sizeof(double));
	double		rho[LINEAR_LBFGS_MEMORY];
	double		alpha[LINEAR_LBFGS_MEMORY];
	double	   *h0 = pgml_train_alloc(dim, sizeof(double));
	double	   *g = pgml_train_alloc(dim, sizeof(double));
	double	   *gnew = pgml_train_alloc(dim, sizeof(double));
	double	   *dir = pgml_train_alloc(dim, sizeof(double));
	double	   *trial = pgml_train_alloc(dim, sizeof(double));
	int			stored = 0;
	int			newest = -1;
	double		gamma = 1.0;
	double		f;
	bool		converged = false;
	int			iter;

	for (int c = 0; c < pb->k; c++)
		for (int j = 0; j < d; j++)
			h0[(Size) c * d + j] = 1.0 /
				(0.25 * pb->n * pb->scale[j] * pb->scale[j] +
				 (j < pb->n_penalized ? pb->lambda : 0.0));

	f = logistic_eval(pb, theta, g);
	for (iter = 0; iter < pb->max_iter; iter++)
	{
		double		gd = 0.0;
		double		fnew;
		double		sy = 0.0;
		double		yy = 0.0;
		double		yhy = 0.0;
		int			slot;

		pgml_train_check_cancel();
		pgml_train_report_progress(iter, pb->max_iter);
		if (logistic_converged(pb, g))
		{
			converged = true;
			break;
		}

		/* two-loop recursion: dir = -H g */
		memcpy(dir, g, sizeof(double) * dim);
		for (int m = 0; m < stored; m++)
		{
			int			i = (newest - m + mem) % mem;

			alpha[i] = rho[i] * cblas_ddot(dim, sv + (Size) i * dim, 1, dir, 1);
			cblas_daxpy(dim, -alpha[i], yv + (Size) i * dim, 1, dir, 1);
		}
		for (int q = 0; q < dim; q++)
			dir[q] *= gamma * h0[q];
		for (int m = stored - 1; m >= 0; m--)
		{
			int			i = (newest - m + mem) % mem;
			double		beta = rho[i] * cblas_ddot(dim, yv + (Size) i * dim, 1, dir, 1);

			cblas_daxpy(dim, alpha[i] - beta, sv + (Size) i * dim, 1, dir, 1);
		}
		for (int q = 0; q < dim; q++)
		{
			dir[q] = -dir[q];
			gd += g[q] * dir[q];
		}
		if (!(gd < 0.0))
		{
			/* lost descent: restart from the preconditioned gradient */
			stored = 0;
			gamma = 1.0;
			gd = 0.0;
			for (int q = 0; q < dim; q++)
			{
				dir[q] = -h0[q] * g[q];
				gd += g[q] * dir[q];
			}
		}

		if (!logistic_line_search(pb, theta, dir, gd, f, trial, gnew, &fnew))
		{
			converged = logistic_stalled_at_optimum(gd, f);
			break;
		}

		slot = (newest + 1) % mem;
		for (int q = 0; q < dim; q++)
		{
			double		s = trial[q] - theta[q];
			double		yq = gnew[q] - g[q];

			sv[(Size) slot * dim + q] = s;
			yv[(Size) slot * dim + q] = yq;
			sy += s * yq;
			yy += yq * yq;
			yhy += yq * yq * h0[q];
		}
		if (sy > 1e-16 * yy && yhy > 0.0)
		{
			rho[slot] = 1.0 / sy;
			newest = slot;
			stored = Min(stored + 1, mem);
			gamma = sy / yhy;
		}
		memcpy(theta, trial, sizeof(double) * dim);
		memcpy(g, gnew, sizeof(double) * dim);
		f = fnew;
	}
	if (!converged && iter >= pb->max_iter)
		converged = logistic_converged(pb, g);
	*fval = f;
	*iters = iter;
	return converged;
}

/*
 * Logistic regression: binary (one margin, probability of class 1) or
 * multinomial (one margin per class), L2 penalty 0.5 / C * ||W||^2.
 */
static void
linear_fit_logistic(const PgmlTrainInput *in, LinearOptions *opt,
					double *coef, double *intercept)
{
	LogisticProblem pb;
	int			n = (int) in->n_rows;
	int			p = in->n_features;
	int			ncls = in->n_classes;
	int			d = p + (opt->fit_intercept ? 1 : 0);
	int			k = (ncls == 2) ? 1 : ncls;
	int			dim;
	double	   *mean = NULL;
	double	   *a;
	double	   *theta;
	double		f;
	double		flops;
	int			iters;
	bool		newton;
	bool		converged;

	if (ncls < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("logistic regression needs at least two classes"),
				 errdetail("The training data has %d distinct label%s.",
						   ncls, ncls == 1 ? "" : "s")));
	/* pgml_linear_train refused more coefficients than one allocation holds */
	Assert((int64) k * d <= (int64) (MaxAllocSize / sizeof(double)));
	dim = k * d;

	for (int i = 0; i < n; i++)
	{
		double		yi = in->y[i];

		if (!(yi >= 0 && yi < ncls && yi == floor(yi)))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 in->row_of ?
					 errmsg("class index %g of row %lld of the relation is out of range",
							yi, (long long) pgml_train_row_number(in, i)) :
					 errmsg("class index %g of training row %d is out of range", yi, i + 1),
					 errdetail("Class indexes must be integers from 0 to %d.",
							   ncls - 1)));
	}

	/*
	 * Design matrix.  With an intercept the features are centered: the
	 * intercept is unpenalized, so this changes only the intercept's
	 * parameterization (undone below) and makes the problem better
	 * conditioned.
	 */
	if (opt->fit_intercept)
		mean = linear_column_means(in);
	a = pgml_train_alloc((Size) n * d, sizeof(double));
	for (int i = 0; i < n; i++)
	{
		const float *row = in->x + (Size) i * p;
		double	   *arow = a + (Size) i * d;

		for (int j = 0; j < p; j++)
			arow[j] = (double) row[j] - (mean ? mean[j] : 0.0);
		if (opt->fit_intercept)
			arow[p] = 1.0;
	}

	memset(&pb, 0, sizeof(pb));
	pb.a = a;
	pb.y = in->y;
	pb.n = n;
	pb.d = d;
	pb.k = k;
	pb.n_penalized = p;
	pb.intercept = opt->fit_intercept;
	pb.lambda = 1.0 / opt->C;
	pb.max_iter = opt->max_iter;
	pb.scale = pgml_train_alloc(d, sizeof(double));
	pb.prob = pgml_train_alloc((Size) n * k, sizeof(double));
	pb.resid = pgml_train_alloc((Size) n * k, sizeof(double));
	for (int i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			pb.scale[j] += a[(Size) i * d + j] * a[(Size) i * d + j];
	for (int j = 0; j < d; j++)
	{
		pb.scale[j] = sqrt(pb.scale[j] / n);
		if (!(pb.scale[j] > 0.0))
			pb.scale[j] = 1.0;
	}

	theta = pgml_train_alloc(dim, sizeof(double));
	flops = (double) n * dim * dim;
	newton = dim <= PGML_LINEAR_NEWTON_MAX_DIM && flops <= LINEAR_NEWTON_MAX_FLOPS;
	if (opt->tol > 0.0)
		pb.tol = opt->tol;
	else
		pb.tol = newton ? LINEAR_TOL_NEWTON : LINEAR_TOL_LBFGS;
	opt->tol = pb.tol;
	if (newton)
		converged = logistic_newton(&pb, theta, &f, &iters);
	else
		converged = logistic_lbfgs(&pb, theta, &f, &iters);

	for (int q = 0; q < dim; q++)
		if (!isfinite(theta[q]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("logistic regression produced a non-finite coefficient"),
					 errhint("Rescale the features or lower \"C\".")));

	if (!converged)
		ereport(WARNING,
				(errmsg_plural("logistic regression did not converge in %d iteration",
							   "logistic regression did not converge in %d iterations",
							   iters, iters),
				 errdetail("The solver was %s; the objective reached %.10g.",
						   newton ? "Newton's method" : "L-BFGS", f),
				 errhint("Raise \"max_iter\", loosen \"tol\", or rescale the features.")));
	elog(DEBUG1, "logistic regression: %s, %d rows, %d parameters, %d iterations, %d evaluations, converged %s, objective %.17g, relative gradient %.3g",
		 newton ? "newton" : "lbfgs", n, dim, iters, pb.n_evals,
		 converged ? "yes" : "no", f, pb.worst);

	/* intercepts of a multinomial model are defined up to a constant */
	if (k > 1 && opt->fit_intercept)
	{
		double		shift = 0.0;

		for (int c = 0; c < k; c++)
			shift += theta[(Size) c * d + p];
		shift /= k;
		for (int c = 0; c < k; c++)
			theta[(Size) c * d + p] -= shift;
	}

	for (int c = 0; c < k; c++)
	{
		double		b = opt->fit_intercept ? theta[(Size) c * d + p] : 0.0;

		for (int j = 0; j < p; j++)
		{
			coef[(Size) c * p + j] = theta[(Size) c * d + j];
			if (mean)
				b -= mean[j] * theta[(Size) c * d + j];
		}
		intercept[c] = b;
	}
}

/* See trainer_linear.h. */
void
linear_gram(const LinearRegData *rd, double *g, double *xy)
{
	int			n = rd->n,
				p = rd->p;

	for (int i = 0; i < p; i++)
	{
		const double *ai = rd->a + (Size) i * n;
		double		t = 0.0;

		for (int j = 0; j <= i; j++)
		{
			const double *aj = rd->a + (Size) j * n;
			double		s = 0.0;

			for (int r = 0; r < n; r++)
				s += ai[r] * aj[r];
			g[(Size) i * p + j] = g[(Size) j * p + i] = s;
		}
		for (int r = 0; r < n; r++)
			t += ai[r] * rd->y[r];
		xy[i] = t;
	}
}

/* See trainer_linear.h. */
void
linear_swap_symmetric(double *g, int p, int a, int b)
{
	double		t;

	if (a == b)
		return;
	for (int j = 0; j < p; j++)
	{
		t = g[(Size) a * p + j];
		g[(Size) a * p + j] = g[(Size) b * p + j];
		g[(Size) b * p + j] = t;
	}
	for (int i = 0; i < p; i++)
	{
		t = g[(Size) i * p + a];
		g[(Size) i * p + a] = g[(Size) i * p + b];
		g[(Size) i * p + b] = t;
	}
}

/* See trainer_linear.h. */
void
linear_swap_columns(double *a, int n, int i, int j)
{
	double	   *ci = a + (Size) i * n;
	double	   *cj = a + (Size) j * n;

	if (i == j)
		return;
	for (int r = 0; r < n; r++)
	{
		double		t = ci[r];

		ci[r] = cj[r];
		cj[r] = t;
	}
}

/* See trainer_linear.h. */
void
linear_forward_solve(const double *L, int ld, int k, double *b)
{
	for (int i = 0; i < k; i++)
	{
		double		s = b[i];

		for (int j = 0; j < i; j++)
			s -= L[(Size) i * ld + j] * b[j];
		b[i] = s / L[(Size) i * ld + i];
	}
}

/* See trainer_linear.h. */
void
linear_backward_solve(const double *L, int ld, int k, double *b)
{
	for (int i = k - 1; i >= 0; i--)
	{
		double		s = b[i];

		for (int j = i + 1; j < k; j++)
			s -= L[(Size) j * ld + i] * b[j];
		b[i] = s / L[(Size) i * ld + i];
	}
}

/* See trainer_linear.h. */
void
linear_append_number(StringInfo buf, const char *key, double value)
{
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(value, num);
	appendStringInfo(buf, ", \"%s\": %s", key, num);
}

/*
 * The effective hyperparameters, defaults included, as a JSON object text:
 * fit_intercept, then the model's numeric keys in its table's order.
 */
static char *
linear_hyperparams_json(const LinearOptions *opt)
{
	const PgmlHpTable *t = linear_tables[opt->kind];
	PgmlLinearParams lp = {
		.fit_intercept = opt->fit_intercept, .C = opt->C, .alpha = opt->alpha,
		.l1_ratio = opt->l1_ratio, .max_iter = opt->max_iter, .tol = opt->tol
	};
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"fit_intercept\": %s",
					 opt->fit_intercept ? "true" : "false");
	for (int i = 0; i < t->n_specs; i++)
	{
		const PgmlHpSpec *spec = &t->specs[i];
		double		v;

		if (spec->type != PGML_HP_INT && spec->type != PGML_HP_NUMBER)
			continue;
		v = *(const double *) ((const char *) &lp + spec->offset);
		if (spec->type == PGML_HP_INT)
			appendStringInfo(&buf, ", \"%s\": %d", spec->name, (int) v);
		else
			linear_append_number(&buf, spec->name, v);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* See trainer_linear.h. */
MemoryContext
linear_regression_begin(const PgmlTrainInput *in, const PgmlHpTable *table,
						void *opts, Size opts_size)
{
	MemoryContext workctx;

	memset(opts, 0, opts_size);
	pgml_hp_parse(in->algorithm, in->task, in->hyperparams, table, opts, NULL);
	linear_check_input(in);
	linear_check_finite(in);
	workctx = AllocSetContextCreate(CurrentMemoryContext, "pgml linear regression",
									ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(workctx);
	return workctx;
}

/* See trainer_linear.h. */
void
linear_regression_end(PgmlModel *m, MemoryContext callerctx, MemoryContext workctx,
					  const LinearRegData *rd, const double *w)
{
	double	   *coef = MemoryContextAllocZero(callerctx, sizeof(double) * rd->p);
	double	   *intercept = MemoryContextAllocZero(callerctx, sizeof(double));

	linear_reg_finish(rd, w, coef, intercept);
	MemoryContextSwitchTo(callerctx);
	MemoryContextDelete(workctx);
	linear_model_set(m, false, 1, coef, intercept);
}

static int
linear_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* See trainer_linear.h. */
double
linear_median(double *a, int64 n)
{
	qsort(a, n, sizeof(double), linear_cmp_double);
	if (n % 2 == 1)
		return a[n / 2];
	return (a[n / 2 - 1] + a[n / 2]) / 2.0;
}

/* See trainer_linear.h. */
double *
linear_class_weights(const PgmlTrainInput *in, bool balanced)
{
	double	   *cw = palloc(sizeof(double) * in->n_classes);
	double	   *count = palloc0(sizeof(double) * in->n_classes);

	for (int64 i = 0; i < in->n_rows; i++)
		count[(int) in->y[i]] += 1.0;
	for (int k = 0; k < in->n_classes; k++)
		cw[k] = balanced ? (double) in->n_rows / (in->n_classes * count[k]) : 1.0;
	pfree(count);
	return cw;
}

/* See trainer_linear.h. */
void
linear_model_set(PgmlModel *m, bool classifier, int n_outputs, double *coef,
				 double *intercept)
{
	m->algorithm = classifier ? PGML_ALGO_LOGISTIC : PGML_ALGO_LINEAR;
	m->output = !classifier ? PGML_OUTPUT_IDENTITY :
		(n_outputs == 1 ? PGML_OUTPUT_SIGMOID : PGML_OUTPUT_SOFTMAX);
	m->n_outputs = n_outputs;
	m->coef = coef;
	m->intercept = intercept;
}

/*
 * Train a linear model of member kind (see linear_resolve_kind): OLS,
 * ridge, lasso or elastic net for regression, logistic regression (or
 * ridge's classifier) for classification, as in->task says.  Fills
 * m->algorithm, output, n_outputs, coef, intercept and hyperparams_json.
 */
static void
linear_train(const PgmlTrainInput *in, PgmlModel *m, LinearKind member)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext workctx;
	MemoryContext oldctx;
	LinearOptions opt;
	bool		logistic;
	int			n_outputs;
	double	   *coef;
	double	   *intercept;

	if (in->task != PGML_TASK_REGRESSION && in->task != PGML_TASK_CLASSIFICATION)
		elog(ERROR, "unexpected task %d for a linear model", (int) in->task);

	memset(&opt, 0, sizeof(opt));
	opt.algorithm = in->algorithm ? in->algorithm : "linear";
	opt.kind = linear_resolve_kind(member, opt.algorithm, in->task);
	/* a classifier: logistic regression, or ridge on +-1 targets */
	logistic = (opt.kind == LINEAR_LOGISTIC ||
				(opt.kind == LINEAR_RIDGE && in->task == PGML_TASK_CLASSIFICATION));
	opt.n_classes = in->n_classes;
	linear_parse_hyperparams(in->hyperparams, &opt);

	linear_check_input(in);
	n_outputs = (logistic && in->n_classes > 2) ? in->n_classes : 1;

	/*
	 * One coefficient per class and feature (and intercept), in one
	 * allocation: checked before it is tried, so that the limit has its own
	 * error rather than an invalid allocation size.
	 */
	linear_check_coefficient_count(opt.algorithm, n_outputs, in->n_features);
	linear_check_finite(in);

	if (in->nthread > 0)
		openblas_set_num_threads(in->nthread);

	coef = MemoryContextAllocZero(callerctx,
								  sizeof(double) * (Size) n_outputs * in->n_features);
	intercept = MemoryContextAllocZero(callerctx, sizeof(double) * n_outputs);

	/* the large working buffers live in a child context freed at the end */
	workctx = AllocSetContextCreate(callerctx, "pgml linear training",
									ALLOCSET_DEFAULT_SIZES);
	oldctx = MemoryContextSwitchTo(workctx);
	switch (opt.kind)
	{
		case LINEAR_OLS:
			linear_fit_ols(in, &opt, coef, intercept);
			break;
		case LINEAR_RIDGE:
			if (logistic)
				linear_fit_ridge_classifier(in, &opt, n_outputs, coef, intercept);
			else
				linear_fit_ridge(in, &opt, coef, intercept);
			break;
		case LINEAR_LASSO:
		case LINEAR_ELASTIC_NET:
			linear_fit_enet(in, &opt, coef, intercept);
			break;
		case LINEAR_LOGISTIC:
			linear_fit_logistic(in, &opt, coef, intercept);
			break;
	}
	MemoryContextSwitchTo(oldctx);
	MemoryContextDelete(workctx);

	linear_model_set(m, logistic, n_outputs, coef, intercept);
	m->hyperparams_json = linear_hyperparams_json(&opt);
}

/*
 * The fits of the list's members (include/pgml_algorithms.h), each its own
 * so that no fit tells them apart by name.
 */
void
pgml_linear_train(const PgmlTrainInput *in, PgmlModel *m)
{
	linear_train(in, m, LINEAR_OLS);
}

void
pgml_logistic_regression_train(const PgmlTrainInput *in, PgmlModel *m)
{
	linear_train(in, m, LINEAR_LOGISTIC);
}

void
pgml_ridge_train(const PgmlTrainInput *in, PgmlModel *m)
{
	linear_train(in, m, LINEAR_RIDGE);
}

void
pgml_lasso_train(const PgmlTrainInput *in, PgmlModel *m)
{
	linear_train(in, m, LINEAR_LASSO);
}

void
pgml_elastic_net_train(const PgmlTrainInput *in, PgmlModel *m)
{
	linear_train(in, m, LINEAR_ELASTIC_NET);
}
