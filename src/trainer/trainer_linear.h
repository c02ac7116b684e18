/*
 * trainer_linear.h
 *	  Private to the pgml_trainer executable: what linear.c's regression
 *	  solvers share with the fits of other linear-kind algorithms
 *	  (src/algorithms/): the checks of the training data and the centered
 *	  problem they solve, and the coefficients and intercept they leave.
 *
 *	  All of it palloc's in the current memory context and raises errors
 *	  with ereport.
 */
#ifndef PGML_TRAINER_LINEAR_H
#define PGML_TRAINER_LINEAR_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "pgml_train.h"

/*
 * A regression problem as the direct and coordinate-descent solvers see it:
 * column-major n x p features and the target, both centered when there is
 * an intercept.
 */
typedef struct LinearRegData
{
	int			n;
	int			p;
	double	   *a;				/* [n * p] column-major */
	double	   *y;				/* [Max(n, ylen)] target, then workspace */
	double	   *mean;			/* [p] column means, or NULL */
	double		ymean;
} LinearRegData;

/*
 * Refuse what no linear model trains on: no rows, no features, more of
 * either than the solvers index.  Reads no feature value.
 */
extern void linear_check_input(const PgmlTrainInput *in);

/* Refuse a NaN or an infinite feature value (a scan of every value). */
extern void linear_check_finite(const PgmlTrainInput *in);

/*
 * Refuse a model of n_outputs margins over n_features (and an intercept)
 * whose coefficients would not fit in one allocation.
 */
extern void linear_check_coefficient_count(const char *algorithm, int n_outputs,
										   int n_features);

/*
 * Refuse a regression target that is not finite, or beyond real's range
 * (predictions are real).
 */
extern void linear_check_target(const PgmlTrainInput *in);

/*
 * Copy the regression data into rd: features column-major, features and
 * target centered if fit_intercept.  The target buffer has room for
 * Max(n, ylen) values.  A non-finite target, or one beyond real's range,
 * is an error.
 */
extern void linear_reg_prepare(const PgmlTrainInput *in, bool fit_intercept,
							   int ylen, LinearRegData *rd);

/*
 * Store the coefficients w of the centered problem and the intercept that
 * goes with them; a non-finite result is an error.
 */
extern void linear_reg_finish(const LinearRegData *rd, const double *w,
							  double *coef, double *intercept);

/* The variance of rd's target (numpy's var: the mean of squared deviations). */
extern double linear_target_variance(const LinearRegData *rd);

/*
 * The Gram matrix of rd's features, g = X^T X (p x p, both triangles), and
 * xy = X^T y, each sum in row order.
 */
extern void linear_gram(const LinearRegData *rd, double *g, double *xy);

/* Swap rows and columns a and b of the symmetric p x p matrix g. */
extern void linear_swap_symmetric(double *g, int p, int a, int b);

/* Swap columns i and j of the column-major matrix a of n rows. */
extern void linear_swap_columns(double *a, int n, int i, int j);

/*
 * Solve L x = b (forward) or L^T x = b (backward) in place, L the lower
 * triangle of a k x k matrix stored row-major with leading dimension ld.
 */
extern void linear_forward_solve(const double *L, int ld, int k, double *b);
extern void linear_backward_solve(const double *L, int ld, int k, double *b);

/*
 * Append ", \"key\": value" to buf, the value in the shortest form that
 * reads back exactly (a JSON number).
 */
extern void linear_append_number(StringInfo buf, const char *key, double value);

/*
 * The start of a fit of a linear-kind algorithm of src/algorithms/: opts
 * (opts_size bytes) zeroed and filled from in->hyperparams by table (a
 * nullable key whose default is in words, "the job's seed", left none), the input checked (linear_check_input,
 * linear_check_finite); returns a new child of the current memory context,
 * made current, for the fit's work.
 */
extern MemoryContext linear_regression_begin(const PgmlTrainInput *in,
											 const PgmlHpTable *table,
											 void *opts, Size opts_size);

/*
 * The end of such a fit: from the weights w of the centered problem rd,
 * m's coefficients and intercept (linear_reg_finish) in callerctx, the
 * context that was current at linear_regression_begin, made current again;
 * workctx deleted; m made a linear model of one identity output.  The
 * caller sets m->hyperparams_json.
 */
extern void linear_regression_end(PgmlModel *m, MemoryContext callerctx,
								  MemoryContext workctx,
								  const LinearRegData *rd, const double *w);

/*
 * Ordinary least squares of in (one target), as scikit-learn's
 * LinearRegression: the centered system (if fit_intercept) solved by
 * LAPACK's dgelsd, as scipy.linalg.lstsq does (the minimum-norm solution
 * when it is rank-deficient); coef[n_features] and *intercept out.
 * Allocates in the current memory context.
 */
extern void linear_least_squares(const PgmlTrainInput *in, bool fit_intercept,
								 double *coef, double *intercept);

/* numpy.median of a[n] (n >= 1), which it sorts. */
extern double linear_median(double *a, int64 n);

/*
 * The weight of each class (in->n_classes, palloc'd): 1, or with balanced
 * scikit-learn's "balanced", n / (classes * the class's count).
 */
extern double *linear_class_weights(const PgmlTrainInput *in, bool balanced);

/*
 * Make m a linear model of n_outputs margins with these coefficients
 * ([n_outputs * p], row-major) and intercepts: a regression's identity, or
 * a classifier's sigmoid (one margin, classes[1]'s) or softmax.
 */
extern void linear_model_set(PgmlModel *m, bool classifier, int n_outputs,
							 double *coef, double *intercept);

#endif							/* PGML_TRAINER_LINEAR_H */
