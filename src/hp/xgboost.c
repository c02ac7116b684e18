/*-------------------------------------------------------------------------
 *
 * xgboost.c
 *	  The hyperparameters of xgboost and xgboost_random_forest
 *	  (include/pgml_hyperparams.h): the scikit-learn wrapper's names, with
 *	  XGBoost's native names as aliases; the defaults are XGBoost 1.7's, and
 *	  for the random forest XGBRFRegressor's and XGBRFClassifier's.  Keys of
 *	  XGBoost's other interfaces that do not apply here are refused with
 *	  what to do instead.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"

#define OFF(f) offsetof(PgmlXgbParams, f)
#define GB "xgboost"
#define RF "xgboost_random_forest"

#define INT(name, alias, lo, hi, def, field, native) \
	{name, alias, PGML_HP_INT, lo, hi, false, false, 0, NULL, def, NULL, NULL, OFF(field), NULL, native}
/* a number in [lo, infinity) or (lo, infinity) */
#define ABOVE(name, alias, lo, open, def, field, native, algs) \
	{name, alias, PGML_HP_NUMBER, lo, INFINITY, open, true, 0, NULL, def, NULL, NULL, OFF(field), algs, native}
/* a share in (0, 1] */
#define SHARE(name, def, field, algs) \
	{name, NULL, PGML_HP_NUMBER, 0, 1, true, false, 0, NULL, def, NULL, NULL, OFF(field), algs, NULL}
#define CHOICE(name, choices, def, field) \
	{name, NULL, PGML_HP_CHOICE, 0, 0, false, false, PGML_HP_TEXT, choices, def, NULL, NULL, OFF(field), NULL, NULL}
#define REFUSED(name, detail, hint) \
	{name, NULL, PGML_HP_REFUSED, 0, 0, false, false, 0, NULL, NULL, detail, hint, -1, NULL, NULL}
#define DART_ONLY " (with booster \"dart\" only)"
#define NTHREAD_DETAIL "The threads of a fit are set by pgml_worker.nthread."
#define NTHREAD_HINT "Set pgml_worker.nthread in the server's configuration (0: one per CPU)."
#define NO_GPU "Training runs on the CPU; there is no GPU."
#define NEW_MODEL "It updates an existing model; pgml.train always trains a new one."
#define TRAIN_AGAIN "Train again with the hyperparameters you want."

static const PgmlHpSpec specs[] = {
	INT("n_estimators", "boost_rounds", 1, 100000, "100", n_estimators, NULL),
	/* reg:linear: XGBoost's old name; the number of classes picks one (xgb.c) */
	{"objective", NULL, PGML_HP_CHOICE, 0, 0, false, false, PGML_HP_TEXT,
		"reg:squarederror|reg:absoluteerror|reg:pseudohubererror|count:poisson|reg:gamma|reg:tweedie|"
		"reg:linear=reg:squarederror", "\"reg:squarederror\"", NULL, NULL, OFF(objective), NULL, NULL,
	PGML_TASK_BIT(REGRESSION)},
	{"objective", NULL, PGML_HP_CHOICE, 0, 0, false, false, PGML_HP_TEXT,
		"binary:logistic|multi:softprob",
		"\"binary:logistic\" (two classes), \"multi:softprob\" (more)",
		"\"binary:logistic\" (two classes) or \"multi:softprob\" (more)", NULL, OFF(objective), NULL, NULL,
	PGML_TASK_BIT(CLASSIFICATION)},
	CHOICE("tree_method", "hist|approx|exact|auto=hist", "\"hist\"", tree_method),
	{"base_score", NULL, PGML_HP_NUMBER, -INFINITY, INFINITY, true, true, 0, NULL, "0.5",
	"a finite number (in (0, 1) with binary:logistic, > 0 with count:poisson, reg:gamma and reg:tweedie)",
	NULL, OFF(base_score), NULL, NULL},
	INT("seed", "random_state", 0, 2147483647, "the job's seed", seed, NULL),
	CHOICE("booster", "gbtree|dart", "\"gbtree\"", booster),
	INT("max_depth", NULL, 0, 128, "6", max_depth, NULL),
	ABOVE("learning_rate", "eta", 0, false, "0.3", learning_rate, "eta", GB),
	ABOVE("learning_rate", "eta", 0, false, "1", learning_rate, "eta", RF),
	ABOVE("min_child_weight", NULL, 0, false, "1", min_child_weight, NULL, NULL),
	ABOVE("max_delta_step", NULL, 0, false, "0 (0.7 with count:poisson)", max_delta_step, NULL, NULL),
	SHARE("subsample", "1", subsample, GB),
	SHARE("subsample", "0.8", subsample, RF),
	SHARE("colsample_bytree", "1", colsample_bytree, NULL),
	SHARE("colsample_bylevel", "1", colsample_bylevel, NULL),
	SHARE("colsample_bynode", "1", colsample_bynode, GB),
	SHARE("colsample_bynode", "0.8", colsample_bynode, RF),
	ABOVE("gamma", "min_split_loss", 0, false, "0", gamma, NULL, NULL),
	ABOVE("reg_alpha", "alpha", 0, false, "0", reg_alpha, "alpha", NULL),
	ABOVE("reg_lambda", "lambda", 0, false, "1", reg_lambda, "lambda", GB),
	ABOVE("reg_lambda", "lambda", 0, false, "0.00001", reg_lambda, "lambda", RF),
	INT("max_bin", NULL, 2, 65535, "256", max_bin, NULL),
	{"num_parallel_tree", NULL, PGML_HP_INT, 1, 1000, false, false, 0, NULL, "1", NULL, NULL,
	OFF(num_parallel_tree), GB, NULL},
	{"num_parallel_tree", NULL, PGML_HP_ELSEWHERE, 0, 0, false, false, 0, NULL, NULL,
		"A random forest grows n_estimators parallel trees in one boosting round: give the number of trees as n_estimators.",
	NULL, -1, RF, NULL},
	INT("max_leaves", NULL, 0, 2147483647, "0", max_leaves, NULL),
	CHOICE("grow_policy", "depthwise|lossguide|loss_guide=lossguide", "\"depthwise\"", grow_policy),
	ABOVE("scale_pos_weight", NULL, 0, true, "1", scale_pos_weight, NULL, NULL),
	{"tweedie_variance_power", NULL, PGML_HP_NUMBER, 1, 2, true, true, 0, NULL, "1.5", NULL, NULL,
	OFF(tweedie_variance_power), NULL, NULL},
	ABOVE("huber_slope", NULL, 0, true, "1", huber_slope, NULL, NULL),
	/* booster dart only: from rate_drop on (xgb.c) */
	{"rate_drop", NULL, PGML_HP_NUMBER, 0, 1, false, false, 0, NULL, "0", "a number in [0, 1]" DART_ONLY,
	NULL, OFF(rate_drop), NULL, NULL},
	{"skip_drop", NULL, PGML_HP_NUMBER, 0, 1, false, false, 0, NULL, "0", "a number in [0, 1]" DART_ONLY,
	NULL, OFF(skip_drop), NULL, NULL},
	{"sample_type", NULL, PGML_HP_CHOICE, 0, 0, false, false, PGML_HP_TEXT, "uniform|weighted", "\"uniform\"",
	"\"uniform\" or \"weighted\"" DART_ONLY, NULL, OFF(sample_type), NULL, NULL},
	{"normalize_type", NULL, PGML_HP_CHOICE, 0, 0, false, false, PGML_HP_TEXT, "tree|forest", "\"tree\"",
	"\"tree\" or \"forest\"" DART_ONLY, NULL, OFF(normalize_type), NULL, NULL},
	{"one_drop", NULL, PGML_HP_INT, 0, 1, false, false, 0, NULL, "0", "0, 1, false or true" DART_ONLY,
	NULL, OFF(one_drop), NULL, NULL},
	REFUSED("nthread", NTHREAD_DETAIL, NTHREAD_HINT),
	REFUSED("n_jobs", NTHREAD_DETAIL, NTHREAD_HINT),
	REFUSED("predictor", "Predictions are served from shared memory, not by XGBoost's predictor.",
			"Leave predictor out."),
	REFUSED("device", NO_GPU, "Leave device out."),
	REFUSED("gpu_id", NO_GPU, "Leave gpu_id out."),
	REFUSED("sketch_eps", "XGBoost 1.6 replaced sketch_eps with max_bin.",
			"Give max_bin instead (about 1 / sketch_eps)."),
	REFUSED("updater", "The tree method chooses XGBoost's updaters.",
			"Give tree_method (hist, approx or exact) instead."),
	REFUSED("refresh_leaf", NEW_MODEL, TRAIN_AGAIN),
	REFUSED("process_type", NEW_MODEL, TRAIN_AGAIN),
	REFUSED("early_stopping_rounds", "Training uses no validation set to stop early.",
			"Choose n_estimators, for example with search => 'grid' over it."),
	REFUSED("missing", "NULL and NaN features are the missing values.",
			"Turn the value that stands for missing into NULL in the relation (a view with NULLIF), or impute it with preprocess."),
	REFUSED("enable_categorical", "Text columns are encoded before XGBoost sees them.",
			"Encode them with preprocess, for example {\"column\": {\"encode\": \"one_hot\"}} (or \"ordinal\", \"target\")."),
};

/* XGBoost's keys that change nothing here */
static const PgmlHpCompat compat[] = {
	{"eval_metric", NULL, NULL},	/* no validation set is evaluated */
	{NULL, NULL, NULL}
};

const PgmlHpTable pgml_hp_xgboost = {
	NULL, specs, lengthof(specs), compat, "XGBoost's", true, NULL
};
