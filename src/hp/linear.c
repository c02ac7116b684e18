/*-------------------------------------------------------------------------
 *
 * linear.c
 *	  The hyperparameters of the linear models (include/pgml_hyperparams.h):
 *	  a table per model, with scikit-learn's names and defaults
 *	  (LinearRegression, Ridge, Lasso, ElasticNet, LogisticRegression); the
 *	  keys of the other linear models refused with what to give instead;
 *	  and scikit-learn's keys that change nothing here.  Algorithm "linear"
 *	  is OLS for regression and logistic regression for classification.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "pgml_hyperparams.h"

/*
 * scikit-learn's keys that change nothing here with the values accepted,
 * in the order the hints list them
 */
#define COMPAT_COPY_X	{"copy_X", NULL, NULL}
#define COMPAT_POSITIVE {"positive", "false", "Coefficients constrained to be positive are not implemented here."}
#define COMPAT_N_JOBS	{"n_jobs", "null", "Training threads come from the setting pgml_worker.nthread."}
#define COMPAT_WARM_START {"warm_start", "false", "Every fit starts from zero coefficients here."}
#define COMPAT_VERBOSE	{"verbose", NULL, NULL}

static const PgmlHpCompat compat_ols[] = {
	COMPAT_COPY_X, COMPAT_POSITIVE, COMPAT_N_JOBS, {NULL, NULL, NULL}
};
#define COMPAT_RIDGE_SOLVER {"solver", "\"auto\"|\"svd\"|\"cholesky\"|\"lsqr\"|\"sparse_cg\"|\"sag\"|\"saga\"|\"lbfgs\"", \
	"pgml_worker computes the exact ridge solution, as solver \"svd\" or \"cholesky\" does; the iterative solvers listed approach the same solution."}

static const PgmlHpCompat compat_ridge[] = {
	COMPAT_RIDGE_SOLVER, COMPAT_COPY_X, COMPAT_POSITIVE, {NULL, NULL, NULL}
};
/* RidgeClassifier's keys: Ridge's and class_weight */
static const PgmlHpCompat compat_ridge_classifier[] = {
	COMPAT_RIDGE_SOLVER, COMPAT_COPY_X, COMPAT_POSITIVE,
	{"class_weight", "null", "Class weights are not implemented for the ridge classifier here; decision_tree, random_forest and extra_trees take class_weight."},
	{NULL, NULL, NULL}
};
static const PgmlHpCompat compat_cd[] = {
	{"selection", "\"cyclic\"", "Coordinates are updated in order here (cyclic); random selection is not implemented."},
	{"precompute", "false|true", "A precomputed Gram matrix cannot be passed; true and false give the same solution."},
	COMPAT_COPY_X, COMPAT_POSITIVE, COMPAT_WARM_START,
	{NULL, NULL, NULL}
};
static const PgmlHpCompat compat_logistic[] = {
	{"penalty", "\"l2\"", "Logistic regression here has the L2 penalty only; C sets its strength (a very large C comes close to no penalty)."},
	{"solver", "\"lbfgs\"|\"newton-cg\"|\"newton-cholesky\"|\"sag\"|\"saga\"",
	"liblinear also penalizes the intercept, which pgml_worker's solver does not; the solvers listed minimize the objective pgml_worker's own solver minimizes."},
	{"multi_class", NULL, NULL},	/* the trainer's hook checks it first */
	{"dual", "false", "The dual formulation (liblinear's) is not implemented; the primal problem has the same solution."},
	{"class_weight", "null", "Class weights are not implemented for logistic_regression here; decision_tree, random_forest and extra_trees take class_weight."},
	{"intercept_scaling", "1", "intercept_scaling is liblinear's; the intercept is never penalized here."},
	COMPAT_WARM_START, COMPAT_N_JOBS, COMPAT_VERBOSE,
	{NULL, NULL, NULL}
};

#define LP(f) offsetof(PgmlLinearParams, f)

/* the keys, and what a key another linear model takes is told instead */
#define SPEC_FIT_INTERCEPT {"fit_intercept", NULL, PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true", \
	"a boolean (true or false)", NULL, LP(fit_intercept)}
#define SPEC_C {"C", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, true, false, 0, NULL, "1", \
	"a positive number", NULL, LP(C)}
#define SPEC_ALPHA {"alpha", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, 0, NULL, "1", \
	"a non-negative number", NULL, LP(alpha)}
#define SPEC_L1_RATIO {"l1_ratio", NULL, PGML_HP_NUMBER, 0, 1, false, false, 0, NULL, "0.5", \
	"a number from 0 to 1", NULL, LP(l1_ratio)}
#define SPEC_MAX_ITER {"max_iter", NULL, PGML_HP_INT, 1, INT_MAX, false, false, 0, NULL, "1000", \
	"a positive integer", NULL, LP(max_iter)}
#define SPEC_TOL {"tol", NULL, PGML_HP_NUMBER, 0, HUGE_VAL, true, false, 0, NULL, "the solver's", \
	"a positive number", NULL, LP(tol)}
/* scikit-learn's estimators take it; the solvers here draw nothing */
#define SPEC_RANDOM_STATE {"random_state", NULL, PGML_HP_UNUSED, 0, 4294967295.0, false, false, 0, NULL, "null", \
	"a non-negative integer", NULL, -1}
#define ELSEWHERE(key, detail) {key, NULL, PGML_HP_ELSEWHERE, 0, 0, false, false, 0, NULL, NULL, detail, NULL, -1}
#define NO_ITERATIONS "This model is solved exactly, without iterations: leave it out."
#define C_IS_INVERSE_ALPHA "C is logistic regression's inverse penalty; this model's penalty is alpha: give alpha = 1 / C."
#define L1_RATIO_IS_ELASTIC "l1_ratio mixes the L1 and L2 penalties of algorithm elastic_net: train elastic_net."

static const PgmlHpSpec specs_ols[] = {
	SPEC_FIT_INTERCEPT,
	ELSEWHERE("alpha", "alpha is the penalty of ridge (L2), lasso (L1) and elastic_net: train one of those algorithms."),
	ELSEWHERE("C", "C is the inverse penalty of logistic regression (classification); for a penalized regression train ridge, lasso or elastic_net, whose penalty is alpha."),
	ELSEWHERE("l1_ratio", L1_RATIO_IS_ELASTIC),
	ELSEWHERE("max_iter", NO_ITERATIONS),
	ELSEWHERE("tol", NO_ITERATIONS),
	ELSEWHERE("random_state", "Linear regression is solved exactly and draws nothing at random: leave it out."),
};
static const PgmlHpSpec specs_ridge[] = {
	SPEC_FIT_INTERCEPT, SPEC_ALPHA, SPEC_RANDOM_STATE,
	ELSEWHERE("C", C_IS_INVERSE_ALPHA),
	ELSEWHERE("l1_ratio", L1_RATIO_IS_ELASTIC),
	ELSEWHERE("max_iter", NO_ITERATIONS),
	ELSEWHERE("tol", NO_ITERATIONS),
};
static const PgmlHpSpec specs_lasso[] = {
	SPEC_FIT_INTERCEPT, SPEC_ALPHA, SPEC_MAX_ITER, SPEC_TOL, SPEC_RANDOM_STATE,
	ELSEWHERE("C", C_IS_INVERSE_ALPHA),
	ELSEWHERE("l1_ratio", L1_RATIO_IS_ELASTIC),
};
static const PgmlHpSpec specs_elastic_net[] = {
	SPEC_FIT_INTERCEPT, SPEC_ALPHA, SPEC_L1_RATIO, SPEC_MAX_ITER, SPEC_TOL,
	SPEC_RANDOM_STATE,
	ELSEWHERE("C", C_IS_INVERSE_ALPHA),
};
static const PgmlHpSpec specs_logistic[] = {
	SPEC_FIT_INTERCEPT, SPEC_C, SPEC_MAX_ITER, SPEC_TOL, SPEC_RANDOM_STATE,
	ELSEWHERE("alpha", "Logistic regression's penalty is C, the inverse of alpha: give C = 1 / alpha."),
	ELSEWHERE("l1_ratio", "Logistic regression here has the L2 penalty only (C); l1_ratio mixes L1 and L2 in elastic_net, a regression."),
};

#define SK "scikit-learn's"

const PgmlHpTable pgml_hp_logistic = {
	"Logistic regression (classification)", specs_logistic, lengthof(specs_logistic),
	compat_logistic, SK, false, NULL
};
const PgmlHpTable pgml_hp_linear = {
	"Linear regression (ordinary least squares)", specs_ols, lengthof(specs_ols),
	compat_ols, SK, false, &pgml_hp_logistic
};
static const PgmlHpTable ridge_classifier = {
	"Ridge classifier", specs_ridge, lengthof(specs_ridge), compat_ridge_classifier, SK, false, NULL
};
const PgmlHpTable pgml_hp_ridge = {
	"Ridge regression", specs_ridge, lengthof(specs_ridge), compat_ridge, SK, false, &ridge_classifier
};
const PgmlHpTable pgml_hp_lasso = {
	"Lasso", specs_lasso, lengthof(specs_lasso), compat_cd, SK, false, NULL
};
const PgmlHpTable pgml_hp_elastic_net = {
	"Elastic net", specs_elastic_net, lengthof(specs_elastic_net), compat_cd, SK, false, NULL
};
