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
 * Append ", \"key\": value" to buf, the value in the shortest form that
 * reads back exactly (a JSON number).
 */
extern void linear_append_number(StringInfo buf, const char *key, double value);

/*
 * Make m a linear regression model of one output: coef[n_features] and
 * intercept (allocated in the caller's context), and its effective
 * hyperparameters as a JSON object text.
 */
extern void linear_model_regression(PgmlModel *m, double *coef, double *intercept,
									char *hyperparams_json);

#endif							/* PGML_TRAINER_LINEAR_H */
