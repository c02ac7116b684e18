/*-------------------------------------------------------------------------
 *
 * cart.c
 *	  The hyperparameters of the CART family (include/pgml_hyperparams.h):
 *	  one table for decision_tree, random_forest, extra_trees, bagging,
 *	  gradient_boosting_trees, ada_boost and hist_gradient_boosting, each
 *	  key naming the algorithms that take it, with scikit-learn 1.2's names
 *	  and defaults (the trainer sets them: several depend on the task,
 *	  src/trainer/tree_params.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"

#define DT "decision_tree"
#define RF "random_forest"
#define ET "extra_trees"
#define BG "bagging"
#define GB "gradient_boosting_trees"
#define AB "ada_boost"
#define HG "hist_gradient_boosting"
#define FORESTS RF "|" ET
#define TREES DT "|" RF "|" ET "|" GB

#define OFF(f) offsetof(PgmlCartParams, f)
#define N PGML_HP_NULLABLE
#define T PGML_HP_TEXT

#define CLS PGML_TASK_BIT(CLASSIFICATION)
#define REG PGML_TASK_BIT(REGRESSION)

#define SPEC_T(name, type, lo, hi, min_open, max_open, flags, choices, def, expected, field, algs, hint, tasks) \
	{name, NULL, type, lo, hi, min_open, max_open, flags, choices, def, expected, hint, OFF(field), algs, NULL, tasks}
#define SPEC(name, type, lo, hi, min_open, max_open, flags, choices, def, expected, field, algs) \
	SPEC_T(name, type, lo, hi, min_open, max_open, flags, choices, def, expected, field, algs, NULL, 0)
/* a choice for one task (expected: the choices) */
#define TASK_CHOICE(name, flags, choices, def, field, algs, hint, tasks) \
	SPEC_T(name, PGML_HP_CHOICE, 0, 0, false, false, T | (flags), choices, def, NULL, field, algs, hint, tasks)
#define INT(name, lo, hi, flags, def, expected, field, algs) \
	SPEC(name, PGML_HP_INT, lo, hi, false, false, flags, NULL, def, expected, field, algs)
#define NUMBER(name, lo, hi, min_open, def, expected, field, algs) \
	SPEC(name, PGML_HP_NUMBER, lo, hi, min_open, false, 0, NULL, def, expected, field, algs)
#define CHOICE(name, flags, choices, def, expected, field, algs) \
	SPEC(name, PGML_HP_CHOICE, 0, 0, false, false, T | (flags), choices, def, expected, field, algs)
#define NEUTRAL(name, expected, algs) \
	{name, NULL, PGML_HP_NEUTRAL, 0, 0, false, false, 0, NULL, NULL, expected, NULL, -1, algs, NULL}
#define REFUSED(name, hint, algs) \
	{name, NULL, PGML_HP_REFUSED, 0, 0, false, false, 0, NULL, NULL, NULL, hint, -1, algs, NULL}

#define N_ESTIMATORS(def, algs) \
	INT("n_estimators", 1, 100000, 0, def, "an integer between 1 and 100000", n_estimators, algs)
#define MAX_DEPTH(def, algs) \
	INT("max_depth", 1, PG_INT32_MAX, N, def, "null or an integer >= 1", max_depth, algs)
#define MAX_FEATURES_EXPECTED "\"sqrt\", \"log2\", null, an integer >= 1 or a fraction in (0, 1]"
#define MAX_FEATURES(def, algs) \
	SPEC("max_features", PGML_HP_COUNT_OR_FRACTION, 1, PG_INT32_MAX, false, false, N, "sqrt|log2|auto", def, \
		 MAX_FEATURES_EXPECTED, max_features, algs)
#define MAX_LEAF_NODES(def, algs) \
	INT("max_leaf_nodes", 2, PG_INT32_MAX, N, def, "null or an integer >= 2", max_leaf_nodes, algs)
#define LEARNING_RATE(def, algs) \
	NUMBER("learning_rate", 0, HUGE_VAL, true, def, "a number > 0", learning_rate, algs)
#define EARLY_STOPPING_ONLY " (accepted, used only with early stopping, which is not implemented)"

static const PgmlHpSpec specs[] = {
	N_ESTIMATORS("100", FORESTS "|" GB),
	N_ESTIMATORS("10", BG),
	N_ESTIMATORS("50", AB),
	TASK_CHOICE("criterion", 0, "gini|entropy|log_loss", "\"gini\"", criterion_name, DT "|" FORESTS, NULL, CLS),
	TASK_CHOICE("criterion", 0, "squared_error|friedman_mse", "\"squared_error\"", criterion_name,
				DT "|" FORESTS, NULL, REG),
	/* gradient boosting fits regression trees to gradients, for both tasks */
	TASK_CHOICE("criterion", 0, "friedman_mse|squared_error", "\"friedman_mse\"", criterion_name, GB, NULL, 0),
	CHOICE("splitter", 0, "best|random", "\"best\"", "\"best\" or \"random\"", splitter_name, DT),
	MAX_DEPTH("null", DT "|" FORESTS "|" HG),
	MAX_DEPTH("3", GB),
	SPEC("min_samples_split", PGML_HP_COUNT_OR_FRACTION, 2, 1e15, false, false, 0, NULL, "2",
		 "an integer >= 2 or a fraction in (0, 1]", min_samples_split, TREES),
	SPEC("min_samples_leaf", PGML_HP_COUNT_OR_FRACTION, 1, 1e15, false, true, 0, NULL, "1",
		 "an integer >= 1 or a fraction in (0, 1)", min_samples_leaf, TREES),
	INT("min_samples_leaf", 1, PG_INT32_MAX, 0, "20", "an integer >= 1", min_samples_leaf_hg, HG),
	NUMBER("min_weight_fraction_leaf", 0, 0.5, false, "0", "a number in [0, 0.5]",
		   min_weight_fraction_leaf, TREES),
	MAX_FEATURES("null", DT "|" GB),
	SPEC_T("max_features", PGML_HP_COUNT_OR_FRACTION, 1, PG_INT32_MAX, false, false, N, "sqrt|log2|auto",
		   "\"sqrt\"", MAX_FEATURES_EXPECTED, max_features, FORESTS, NULL, CLS),
	SPEC_T("max_features", PGML_HP_COUNT_OR_FRACTION, 1, PG_INT32_MAX, false, false, N, "sqrt|log2|auto",
		   "1.0", MAX_FEATURES_EXPECTED, max_features, FORESTS, NULL, REG),
	MAX_FEATURES("1.0", BG),
	MAX_LEAF_NODES("null", TREES),
	MAX_LEAF_NODES("31", HG),
	NUMBER("min_impurity_decrease", 0, HUGE_VAL, false, "0", "a number >= 0", min_impurity_decrease, TREES),
	SPEC_T("class_weight", PGML_HP_CHOICE, 0, 0, false, false, T | N, "balanced", "null",
		   "null or \"balanced\"", class_weight_name, DT, NULL, CLS),
	SPEC_T("class_weight", PGML_HP_CHOICE, 0, 0, false, false, T | N, "balanced|balanced_subsample", "null",
		   "null, \"balanced\" or \"balanced_subsample\"", class_weight_name, FORESTS, NULL, CLS),
	INT("random_state", 0, 4294967295.0, N, "the job's seed", "null or an integer between 0 and 4294967295",
		random_state, TREES "|" BG "|" AB "|" HG),
	SPEC("bootstrap", PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "true", "true or false", bootstrap, RF "|" BG),
	SPEC("bootstrap", PGML_HP_BOOL, 0, 0, false, false, 0, NULL, "false", "true or false", bootstrap, ET),
	SPEC("max_samples", PGML_HP_COUNT_OR_FRACTION, 1, 1e15, false, false, N, NULL, "null",
		 "null, an integer >= 1 or a fraction in (0, 1]", max_samples, FORESTS "|" BG),
	LEARNING_RATE("0.1", GB "|" HG),
	LEARNING_RATE("1", AB),
	NUMBER("subsample", 0, 1, true, "1", "a number in (0, 1]", subsample, GB),
	/* "deviance": GradientBoostingClassifier's old name of log_loss */
	TASK_CHOICE("loss", 0, "log_loss|deviance=log_loss", "\"log_loss\"", loss_name, GB, NULL, CLS),
	TASK_CHOICE("loss", 0, "log_loss", "\"log_loss\"", loss_name, HG, NULL, CLS),
	TASK_CHOICE("loss", 0, "squared_error", "\"squared_error\"", loss_name, GB "|" HG, NULL, REG),
	NEUTRAL("bootstrap_features", "false", BG),
	NEUTRAL("ccp_alpha", "0 (minimal cost-complexity pruning is not implemented)", TREES),
	NEUTRAL("oob_score", "false (out-of-bag scores are not computed)", FORESTS "|" BG),
	NEUTRAL("warm_start", "false (each training starts anew)", FORESTS "|" BG "|" GB "|" HG),
	INT("verbose", 0, PG_INT32_MAX, 0, "0",
		"an integer >= 0 (accepted, no effect: progress is in pgml.stat_workers)", verbose,
		FORESTS "|" BG "|" GB "|" HG),
	NEUTRAL("n_iter_no_change", "null (early stopping is not implemented)", GB),
	NUMBER("validation_fraction", 0, 1, true, "0.1", "a number in (0, 1)" EARLY_STOPPING_ONLY, unused, GB),
	NUMBER("tol", 0, HUGE_VAL, false, "0.0001", "a number >= 0" EARLY_STOPPING_ONLY, unused, GB),
	INT("max_iter", 1, 100000, 0, "100", "an integer between 1 and 100000", n_estimators, HG),
	INT("max_bins", 2, 255, 0, "255", "an integer between 2 and 255", max_bins, HG),
	NUMBER("l2_regularization", 0, HUGE_VAL, false, "0", "a number >= 0", l2_regularization, HG),
	CHOICE("early_stopping", 0, "auto|true|false", "\"auto\"", "\"auto\", true or false",
		   early_stopping_name, HG),
	CHOICE("scoring", N, "loss", "\"loss\"", "\"loss\" or null (other scorers are not implemented)",
		   scoring_name, HG),
	NUMBER("validation_fraction", 0, 1, true, "0.1", "a number in (0, 1)", validation_fraction, HG),
	INT("n_iter_no_change", 1, PG_INT32_MAX, 0, "10", "an integer >= 1", n_iter_no_change, HG),
	NUMBER("tol", 0, HUGE_VAL, false, "1e-07", "a number >= 0", tol, HG),
	NEUTRAL("categorical_features", "null (encode text columns with preprocess instead)", HG),
	NEUTRAL("monotonic_cst", "null (monotonic constraints are not implemented)", HG),
	NEUTRAL("interaction_cst", "null (interaction constraints are not implemented)", HG),
	REFUSED("n_jobs", "Threads come from the setting pgml_worker.nthread.", FORESTS "|" BG),
	REFUSED("init", "The initial model is the mean (regression) or the class prior (classification), as scikit-learn's default.", GB),
	REFUSED("alpha", "Only the losses squared_error and log_loss are implemented; alpha belongs to huber and quantile.", GB),
	TASK_CHOICE("loss", 0, "linear|square|exponential", "\"linear\"", ada_loss_name, AB,
				"AdaBoost.R2 weighs its rows by a loss; SAMME counts misclassified rows.", REG),
	SPEC_T("algorithm", PGML_HP_CHOICE, 0, 0, false, false, T, "SAMME|SAMME.R", "\"SAMME\"", "\"SAMME\"",
		   boost_name, AB, "AdaBoost.R2 (regression) has one algorithm; SAMME is AdaBoost's for classification.", CLS),
	REFUSED("estimator", "The estimator is a decision tree; for other models use the algorithm itself.", BG "|" AB),
	REFUSED("base_estimator", "The estimator is a decision tree; for other models use the algorithm itself.", BG "|" AB),
};

const PgmlHpTable pgml_hp_cart = {
	NULL, specs, lengthof(specs), NULL, NULL, true, NULL
};
