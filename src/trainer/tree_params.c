/*-------------------------------------------------------------------------
 *
 * tree_params.c
 *	  The hyperparameters of the tree family (trainer_cart.h): one table of
 *	  every key, the algorithms that take it, its kind, range and where it
 *	  goes, with scikit-learn 1.2's names and defaults; and the parsing of
 *	  pgml.train's hyperparams against it.  An unknown key, a bad value or a
 *	  key of another algorithm of the family is an error naming the key,
 *	  the algorithm and what is expected.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "trainer_cart.h"
#include "trainer_tree_params.h"

/* a bit per algorithm of the family */
#define DT (1u << TREE_DECISION_TREE)
#define RF (1u << TREE_RANDOM_FOREST)
#define ET (1u << TREE_EXTRA_TREES)
#define BG (1u << TREE_BAGGING)
#define GB (1u << TREE_GRADIENT_BOOSTING)
#define AB (1u << TREE_ADA_BOOST)
#define HG (1u << TREE_HIST_GRADIENT_BOOSTING)
#define FORESTS (RF | ET)
#define TREES (DT | RF | ET | GB)

typedef enum TreeParamKind
{
	TP_INT,						/* a whole number in [min, max] */
	TP_INT_OR_NULL,				/* the same, or null (none) */
	TP_NUMBER,					/* a number in [min, max] (min_open: > min) */
	TP_BOOL,
	TP_COUNT_OR_FRACTION,		/* an int >= min, or a float in (0, 1] */
	TP_COUNT_OR_FRACTION_OR_NULL,
	TP_MAX_FEATURES,			/* "sqrt", "log2", null, int >= 1, float in
								 * (0, 1] */
	TP_CHOICE,					/* one of choices ("a|b|c") */
	TP_AUTO_OR_BOOL,			/* "auto", true or false: "auto", "true",
								 * "false" */
	TP_ZERO,					/* accepted only as its neutral value */
	TP_REFUSED					/* not available: detail says why */
} TreeParamKind;

typedef struct TreeParamSpec
{
	const char *key;
	uint32		algorithms;
	TreeParamKind kind;
	double		min;
	double		max;
	bool		min_open;
	const char *choices;		/* TP_CHOICE; TP_REFUSED: the hint */
	const char *expected;		/* "an integer >= 1", ... */
	size_t		offset;			/* into TreeOptions */
} TreeParamSpec;

#define OFF(f) offsetof(TreeOptions, f)

static const TreeParamSpec specs[] = {
	{"n_estimators", RF | ET | BG | GB | AB, TP_INT, 1, 100000, false, NULL,
	"an integer between 1 and 100000", OFF(n_estimators)},
	{"criterion", TREES, TP_CHOICE, 0, 0, false,
		"squared_error|friedman_mse|gini|entropy|log_loss",
	"\"squared_error\" or \"friedman_mse\" (regression), \"gini\", \"entropy\" or \"log_loss\" (classification)",
	OFF(criterion_name)},
	{"splitter", DT, TP_CHOICE, 0, 0, false, "best|random",
	"\"best\" or \"random\"", OFF(splitter_name)},
	{"max_depth", TREES | HG, TP_INT_OR_NULL, 1, PG_INT32_MAX, false, NULL,
	"null or an integer >= 1", OFF(max_depth)},
	{"min_samples_split", TREES, TP_COUNT_OR_FRACTION, 2, 1e15, false, NULL,
	"an integer >= 2 or a fraction in (0, 1]", OFF(min_samples_split)},
	{"min_samples_leaf", TREES, TP_COUNT_OR_FRACTION, 1, 1e15, false, NULL,
	"an integer >= 1 or a fraction in (0, 1)", OFF(min_samples_leaf)},
	{"min_samples_leaf", HG, TP_INT, 1, PG_INT32_MAX, false, NULL,
	"an integer >= 1", OFF(min_samples_leaf_hg)},
	{"min_weight_fraction_leaf", TREES, TP_NUMBER, 0, 0.5, false, NULL,
	"a number in [0, 0.5]", OFF(min_weight_fraction_leaf)},
	{"max_features", TREES | BG, TP_MAX_FEATURES, 1, PG_INT32_MAX, false, NULL,
	"\"sqrt\", \"log2\", null, an integer >= 1 or a fraction in (0, 1]", OFF(max_features)},
	{"max_leaf_nodes", TREES | HG, TP_INT_OR_NULL, 2, PG_INT32_MAX, false, NULL,
	"null or an integer >= 2", OFF(max_leaf_nodes)},
	{"min_impurity_decrease", TREES, TP_NUMBER, 0, HUGE_VAL, false, NULL,
	"a number >= 0", OFF(min_impurity_decrease)},
	{"class_weight", DT | FORESTS, TP_CHOICE, 0, 0, false,
		"balanced|balanced_subsample",
	"null, \"balanced\" or (forests) \"balanced_subsample\"", OFF(class_weight_name)},
	{"random_state", TREES | BG | AB | HG, TP_INT_OR_NULL, 0, 4294967295.0, false, NULL,
	"null or an integer between 0 and 4294967295", OFF(random_state)},
	{"bootstrap", FORESTS | BG, TP_BOOL, 0, 0, false, NULL,
	"true or false", OFF(bootstrap)},
	{"max_samples", FORESTS | BG, TP_COUNT_OR_FRACTION_OR_NULL, 1, 1e15, false, NULL,
	"null, an integer >= 1 or a fraction in (0, 1]", OFF(max_samples)},
	{"learning_rate", GB | AB | HG, TP_NUMBER, 0, HUGE_VAL, true, NULL,
	"a number > 0", OFF(learning_rate)},
	{"subsample", GB, TP_NUMBER, 0, 1, true, NULL,
	"a number in (0, 1]", OFF(subsample)},
	{"loss", GB | HG, TP_CHOICE, 0, 0, false, "squared_error|log_loss|deviance",
	"\"squared_error\" (regression) or \"log_loss\" (classification)", OFF(loss_name)},
	{"bootstrap_features", BG, TP_ZERO, 0, 0, false, NULL, "false", 0},
	{"ccp_alpha", TREES, TP_ZERO, 0, 0, false, NULL, "0 (minimal cost-complexity pruning is not implemented)", 0},
	{"oob_score", FORESTS | BG, TP_ZERO, 0, 0, false, NULL, "false (out-of-bag scores are not computed)", 0},
	{"warm_start", FORESTS | BG | GB | HG, TP_ZERO, 0, 0, false, NULL, "false (each training starts anew)", 0},
	{"verbose", FORESTS | BG | GB | HG, TP_INT, 0, PG_INT32_MAX, false, NULL,
	"an integer >= 0 (accepted, no effect: progress is in pgml.stat_workers)", OFF(verbose)},
	{"n_iter_no_change", GB, TP_ZERO, 0, 0, false, NULL, "null (early stopping is not implemented)", 0},
	{"validation_fraction", GB, TP_NUMBER, 0, 1, true, NULL,
	"a number in (0, 1) (accepted, used only with early stopping, which is not implemented)", OFF(unused)},
	{"tol", GB, TP_NUMBER, 0, HUGE_VAL, false, NULL,
	"a number >= 0 (accepted, used only with early stopping, which is not implemented)", OFF(unused)},
	{"max_iter", HG, TP_INT, 1, 100000, false, NULL,
	"an integer between 1 and 100000", OFF(n_estimators)},
	{"max_bins", HG, TP_INT, 2, 255, false, NULL,
	"an integer between 2 and 255", OFF(max_bins)},
	{"l2_regularization", HG, TP_NUMBER, 0, HUGE_VAL, false, NULL,
	"a number >= 0", OFF(l2_regularization)},
	{"early_stopping", HG, TP_AUTO_OR_BOOL, 0, 0, false, NULL,
	"\"auto\", true or false", OFF(early_stopping_name)},
	{"scoring", HG, TP_CHOICE, 0, 0, false, "loss",
	"\"loss\" or null (other scorers are not implemented)", OFF(scoring_name)},
	{"validation_fraction", HG, TP_NUMBER, 0, 1, true, NULL,
	"a number in (0, 1)", OFF(validation_fraction)},
	{"n_iter_no_change", HG, TP_INT, 1, PG_INT32_MAX, false, NULL,
	"an integer >= 1", OFF(n_iter_no_change)},
	{"tol", HG, TP_NUMBER, 0, HUGE_VAL, false, NULL,
	"a number >= 0", OFF(tol)},
	{"categorical_features", HG, TP_ZERO, 0, 0, false, NULL,
	"null (encode text columns with preprocess instead)", 0},
	{"monotonic_cst", HG, TP_ZERO, 0, 0, false, NULL,
	"null (monotonic constraints are not implemented)", 0},
	{"interaction_cst", HG, TP_ZERO, 0, 0, false, NULL,
	"null (interaction constraints are not implemented)", 0},
	{"n_jobs", FORESTS | BG, TP_REFUSED, 0, 0, false,
		"Threads come from the setting pgml_worker.nthread.", NULL, 0},
	{"init", GB, TP_REFUSED, 0, 0, false,
		"The initial model is the mean (regression) or the class prior (classification), as scikit-learn's default.", NULL, 0},
	{"alpha", GB, TP_REFUSED, 0, 0, false,
		"Only the losses squared_error and log_loss are implemented; alpha belongs to huber and quantile.", NULL, 0},
	{"loss", AB, TP_CHOICE, 0, 0, false, "linear|square|exponential",
	"\"linear\", \"square\" or \"exponential\" (regression)", OFF(ada_loss_name)},
	{"algorithm", AB, TP_CHOICE, 0, 0, false, "SAMME|SAMME.R",
	"\"SAMME\"", OFF(boost_name)},
	{"estimator", BG | AB, TP_REFUSED, 0, 0, false,
		"The estimator is a decision tree; for other models use the algorithm itself.", NULL, 0},
	{"base_estimator", BG | AB, TP_REFUSED, 0, 0, false,
		"The estimator is a decision tree; for other models use the algorithm itself.", NULL, 0},
};

static const char *const algorithm_names[] = {
	[TREE_DECISION_TREE] = "decision_tree",
	[TREE_RANDOM_FOREST] = "random_forest",
	[TREE_EXTRA_TREES] = "extra_trees",
	[TREE_BAGGING] = "bagging",
	[TREE_GRADIENT_BOOSTING] = "gradient_boosting_trees",
	[TREE_ADA_BOOST] = "ada_boost",
	[TREE_HIST_GRADIENT_BOOSTING] = "hist_gradient_boosting",
};

/* See trainer_tree_params.h. */
TreeAlgorithm
tree_algorithm_of(const char *name)
{
	for (int i = 0; i < lengthof(algorithm_names); i++)
		if (strcmp(algorithm_names[i], name) == 0)
			return (TreeAlgorithm) i;
	elog(ERROR, "algorithm \"%s\" is not of the tree family", name);
	return TREE_DECISION_TREE;	/* keep the compiler quiet */
}

/* The keys algo takes, for the unknown-key hint. */
static char *
keys_of(TreeAlgorithm algo)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < lengthof(specs); i++)
		if ((specs[i].algorithms & (1u << algo)) && specs[i].kind != TP_REFUSED)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", specs[i].key);
	return buf.data;
}

static double
json_number(const JsonbValue *v)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8,
											  NumericGetDatum(v->val.numeric)));
}

static bool
json_is_whole(const JsonbValue *v)
{
	double		d;

	if (v->type != jbvNumeric)
		return false;
	d = json_number(v);
	/* 2 and 2.0 are both integers to JSON; "2.0" is written with a point */
	return isfinite(d) && d == floor(d) &&
		strchr(DatumGetCString(DirectFunctionCall1(numeric_out,
												   NumericGetDatum(v->val.numeric))), '.') == NULL;
}

/* Parse one value per its spec into opt. */
static void
parse_one(const TreeParamSpec *s, const JsonbValue *v, const char *algorithm,
		  TreeOptions *opt)
{
	char	   *field = (char *) opt + s->offset;
	double		d;

	switch (s->kind)
	{
		case TP_INT:
		case TP_INT_OR_NULL:
			if (v->type == jbvNull && s->kind == TP_INT_OR_NULL)
			{
				*(double *) field = -1;
				return;
			}
			if (!json_is_whole(v))
				pgml_hp_bad_value(algorithm, s->key, s->expected);
			d = json_number(v);
			if (d < s->min || d > s->max)
				pgml_hp_bad_value(algorithm, s->key, s->expected);
			*(double *) field = d;
			return;
		case TP_NUMBER:
			d = pgml_hp_number(algorithm, v, s->key, s->expected);
			if (d < s->min || (s->min_open && d == s->min) || d > s->max)
				pgml_hp_bad_value(algorithm, s->key, s->expected);
			*(double *) field = d;
			return;
		case TP_BOOL:
			if (v->type != jbvBool)
				pgml_hp_bad_value(algorithm, s->key, s->expected);
			*(bool *) field = v->val.boolean;
			return;
		case TP_COUNT_OR_FRACTION:
		case TP_COUNT_OR_FRACTION_OR_NULL:
		case TP_MAX_FEATURES:
			{
				TreeCount  *c = (TreeCount *) field;

				if (v->type == jbvNull &&
					(s->kind == TP_COUNT_OR_FRACTION_OR_NULL || s->kind == TP_MAX_FEATURES))
				{
					c->kind = TREE_COUNT_ALL;
					return;
				}
				if (v->type == jbvString && s->kind == TP_MAX_FEATURES)
				{
					if (v->val.string.len == 4 && memcmp(v->val.string.val, "sqrt", 4) == 0)
						c->kind = TREE_COUNT_SQRT;
					else if (v->val.string.len == 4 && memcmp(v->val.string.val, "log2", 4) == 0)
						c->kind = TREE_COUNT_LOG2;
					else if (v->val.string.len == 4 && memcmp(v->val.string.val, "auto", 4) == 0)
						c->kind = TREE_COUNT_AUTO;
					else
						pgml_hp_bad_value(algorithm, s->key, s->expected);
					return;
				}
				if (json_is_whole(v))
				{
					d = json_number(v);
					if (d < s->min || d > s->max)
						pgml_hp_bad_value(algorithm, s->key, s->expected);
					c->kind = TREE_COUNT_NUMBER;
					c->value = d;
					return;
				}
				d = pgml_hp_number(algorithm, v, s->key, s->expected);
				/* min_samples_leaf's fraction is open at 1, as scikit-learn */
				if (!(d > 0.0 && d <= 1.0) ||
					(d == 1.0 && strcmp(s->key, "min_samples_leaf") == 0))
					pgml_hp_bad_value(algorithm, s->key, s->expected);
				c->kind = TREE_COUNT_FRACTION;
				c->value = d;
				return;
			}
		case TP_CHOICE:
			{
				const char *p = s->choices;
				char	   *val;

				if (v->type == jbvNull &&
					(strcmp(s->key, "class_weight") == 0 || strcmp(s->key, "scoring") == 0))
				{
					*(const char **) field = NULL;
					return;
				}
				if (v->type != jbvString)
					pgml_hp_bad_value(algorithm, s->key, s->expected);
				val = pnstrdup(v->val.string.val, v->val.string.len);
				while (*p)
				{
					size_t		len = strcspn(p, "|");

					if (strlen(val) == len && strncmp(p, val, len) == 0)
					{
						*(const char **) field = val;
						return;
					}
					p += len + (p[len] == '|');
				}
				pgml_hp_bad_value(algorithm, s->key, s->expected);
			}
			return;
		case TP_AUTO_OR_BOOL:
			if (v->type == jbvBool)
				*(const char **) field = v->val.boolean ? "true" : "false";
			else if (v->type == jbvString && v->val.string.len == 4 &&
					 memcmp(v->val.string.val, "auto", 4) == 0)
				*(const char **) field = NULL;
			else
				pgml_hp_bad_value(algorithm, s->key, s->expected);
			return;
		case TP_ZERO:
			if ((v->type == jbvBool && !v->val.boolean) || v->type == jbvNull ||
				(v->type == jbvNumeric && json_number(v) == 0.0))
				return;
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hyperparameter \"%s\" of algorithm \"%s\" is not supported",
							s->key, algorithm),
					 errdetail("\"%s\" must be %s.", s->key, s->expected)));
			return;
		case TP_REFUSED:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hyperparameter \"%s\" of algorithm \"%s\" is not supported",
							s->key, algorithm),
					 errhint("%s", s->choices)));
			return;
	}
}

/* scikit-learn 1.2's defaults for algo and task. */
static void
set_defaults(TreeAlgorithm algo, PgmlTask task, TreeOptions *opt)
{
	bool		cls = task == PGML_TASK_CLASSIFICATION;

	memset(opt, 0, sizeof(*opt));
	opt->algorithm = algo;
	opt->n_estimators = algo == TREE_BAGGING ? 10 : algo == TREE_ADA_BOOST ? 50 : 100;
	opt->criterion_name = algo == TREE_GRADIENT_BOOSTING ? "friedman_mse" :
		cls ? "gini" : "squared_error";
	opt->splitter_name = "best";
	/*
	 * gradient boosting's trees have depth 3; AdaBoost's are stumps for
	 * classification, depth 3 for regression
	 */
	opt->max_depth = algo == TREE_GRADIENT_BOOSTING ? 3 :
		algo == TREE_ADA_BOOST ? (cls ? 1 : 3) : -1;
	opt->min_samples_split = (TreeCount)
	{
		TREE_COUNT_NUMBER, 2
	};
	opt->min_samples_leaf = (TreeCount)
	{
		TREE_COUNT_NUMBER, 1
	};
	/* sqrt for forests' classifiers, every feature otherwise */
	opt->max_features.kind = (cls && (algo == TREE_RANDOM_FOREST || algo == TREE_EXTRA_TREES)) ?
		TREE_COUNT_SQRT : TREE_COUNT_ALL;
	opt->max_leaf_nodes = -1;
	opt->random_state = -1;
	opt->bootstrap = algo == TREE_RANDOM_FOREST || algo == TREE_BAGGING;
	opt->max_samples.kind = TREE_COUNT_ALL;
	opt->learning_rate = algo == TREE_ADA_BOOST ? 1.0 : 0.1;
	opt->boost_name = "SAMME";
	if (algo == TREE_HIST_GRADIENT_BOOSTING)
	{
		opt->max_leaf_nodes = 31;
		opt->min_samples_leaf_hg = 20;
		opt->max_bins = 255;
		opt->validation_fraction = 0.1;
		opt->n_iter_no_change = 10;
		opt->tol = 1e-7;
	}
	opt->subsample = 1.0;
	opt->loss_name = cls ? "log_loss" : "squared_error";
}

/* See trainer_tree_params.h. */
void
tree_parse_options(const PgmlTrainInput *in, TreeOptions *opt)
{
	TreeAlgorithm algo = tree_algorithm_of(in->algorithm);
	bool		cls = in->task == PGML_TASK_CLASSIFICATION;
	PgmlHpPair *pairs;
	int			n = 0;

	/* the engine numbers rows with int32 */
	if (in->n_rows > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s trains on at most %d rows", in->algorithm, PG_INT32_MAX)));
	set_defaults(algo, in->task, opt);
	if (in->hyperparams != NULL)
		n = pgml_hp_pairs(in->hyperparams, in->algorithm, &pairs);
	for (int i = 0; i < n; i++)
	{
		const TreeParamSpec *s = NULL;

		/* the key's entry for this algorithm, else any (to name its owners) */
		for (int k = 0; k < lengthof(specs); k++)
			if (strcmp(specs[k].key, pairs[i].key) == 0 &&
				(s == NULL || (specs[k].algorithms & (1u << algo))))
				s = &specs[k];
		if (s == NULL || !(s->algorithms & (1u << algo)))
		{
			uint32		owners = 0;
			StringInfoData others;

			for (int k = 0; k < lengthof(specs); k++)
				if (strcmp(specs[k].key, pairs[i].key) == 0)
					owners |= specs[k].algorithms;

			initStringInfo(&others);
			if (s != NULL)
			{
				int			n_alg = 0,
							k = 0;

				for (int a = 0; a < lengthof(algorithm_names); a++)
					n_alg += (owners & (1u << a)) != 0;
				for (int a = 0; a < lengthof(algorithm_names); a++)
					if (owners & (1u << a))
					{
						appendStringInfo(&others, "%s%s",
										 k == 0 ? "" : k == n_alg - 1 ? " and " : ", ",
										 algorithm_names[a]);
						k++;
					}
			}
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown hyperparameter \"%s\" for algorithm \"%s\"",
							pairs[i].key, in->algorithm),
					 s != NULL ? errdetail("\"%s\" is a hyperparameter of %s.",
										   pairs[i].key, others.data) : 0,
					 errhint("Hyperparameters of %s are %s.", in->algorithm,
							 keys_of(algo))));
		}
		parse_one(s, &pairs[i].value, in->algorithm, opt);
	}

	/* what depends on the task */
	if (strcmp(opt->criterion_name, "squared_error") == 0)
		opt->criterion = CART_SQUARED_ERROR;
	else if (strcmp(opt->criterion_name, "friedman_mse") == 0)
		opt->criterion = CART_FRIEDMAN_MSE;
	else if (strcmp(opt->criterion_name, "gini") == 0)
		opt->criterion = CART_GINI;
	else
		opt->criterion = CART_ENTROPY;	/* entropy, log_loss */
	if (algo != TREE_GRADIENT_BOOSTING &&
		cls != (opt->criterion == CART_GINI || opt->criterion == CART_ENTROPY))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("criterion \"%s\" does not fit task \"%s\"", opt->criterion_name,
						cls ? "classification" : "regression"),
				 errhint("Use %s.", cls ? "\"gini\", \"entropy\" or \"log_loss\"" :
						 "\"squared_error\" or \"friedman_mse\"")));
	if (algo == TREE_GRADIENT_BOOSTING &&
		(opt->criterion == CART_GINI || opt->criterion == CART_ENTROPY))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("criterion \"%s\" does not fit algorithm \"%s\"", opt->criterion_name,
						in->algorithm),
				 errdetail("Gradient boosting fits regression trees to gradients, for both tasks."),
				 errhint("Use \"friedman_mse\" or \"squared_error\".")));
	/* "deviance" is GradientBoostingClassifier's old name of log_loss */
	if (algo == TREE_HIST_GRADIENT_BOOSTING && strcmp(opt->loss_name, "deviance") == 0)
		pgml_hp_bad_value(in->algorithm, "loss", "\"squared_error\" (regression) or \"log_loss\" (classification)");
	if ((algo == TREE_GRADIENT_BOOSTING || algo == TREE_HIST_GRADIENT_BOOSTING) &&
		(cls ? strcmp(opt->loss_name, "squared_error") == 0 :
		 strcmp(opt->loss_name, "squared_error") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loss \"%s\" does not fit task \"%s\"", opt->loss_name,
						cls ? "classification" : "regression"),
				 errhint("Use \"%s\".", cls ? "log_loss" : "squared_error")));
	if (algo == TREE_ADA_BOOST && strcmp(opt->boost_name, "SAMME.R") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("AdaBoost's algorithm \"SAMME.R\" is not supported"),
				 errdetail("scikit-learn deprecated SAMME.R in version 1.4 and removed it in 1.6."),
				 errhint("Use \"SAMME\", scikit-learn's only algorithm since 1.6 (the default here).")));
	if (algo == TREE_ADA_BOOST && cls && opt->ada_loss_name != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameter \"loss\" of ada_boost applies to regression only"),
				 errdetail("AdaBoost.R2 weighs its rows by a loss; SAMME counts misclassified rows.")));
	if (opt->class_weight_name != NULL && !cls)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameter \"class_weight\" applies to classification only")));
	if (opt->class_weight_name != NULL &&
		strcmp(opt->class_weight_name, "balanced_subsample") == 0 &&
		!(algo == TREE_RANDOM_FOREST || algo == TREE_EXTRA_TREES))
		pgml_hp_bad_value(in->algorithm, "class_weight", "null or \"balanced\"");
	if (opt->max_samples.kind != TREE_COUNT_ALL && !opt->bootstrap)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hyperparameter \"max_samples\" needs bootstrap"),
				 errhint("Set \"bootstrap\": true, or leave max_samples out.")));
	opt->random_splits = algo == TREE_EXTRA_TREES ||
		(algo == TREE_DECISION_TREE && strcmp(opt->splitter_name, "random") == 0);
}

/* ceil(x * n) or the number itself */
static int64
resolve_count(const TreeCount *c, int64 n)
{
	if (c->kind == TREE_COUNT_FRACTION)
		return (int64) ceil(c->value * (double) n);
	return (int64) c->value;
}

/* See trainer_tree_params.h. */
void
tree_cart_params(const TreeOptions *opt, const PgmlTrainInput *in,
				 double total_weight, CartParams *p)
{
	int32		nf = in->n_features;
	const TreeCount *mf = &opt->max_features;
	bool		cls = in->task == PGML_TASK_CLASSIFICATION;

	p->criterion = opt->criterion;
	p->random_splits = opt->random_splits;
	p->max_depth = opt->max_depth < 0 ? PG_INT32_MAX : (int32) opt->max_depth;
	p->min_samples_leaf = resolve_count(&opt->min_samples_leaf, in->n_rows);
	if (opt->min_samples_split.kind == TREE_COUNT_FRACTION)
		p->min_samples_split = Max(2, resolve_count(&opt->min_samples_split, in->n_rows));
	else
		p->min_samples_split = (int64) opt->min_samples_split.value;
	p->min_samples_split = Max(p->min_samples_split, 2 * p->min_samples_leaf);
	p->min_weight_leaf = opt->min_weight_fraction_leaf * total_weight;
	switch (mf->kind)
	{
		case TREE_COUNT_AUTO:
			p->max_features = cls ? Max(1, (int32) sqrt((double) nf)) : nf;
			break;
		case TREE_COUNT_SQRT:
			p->max_features = Max(1, (int32) sqrt((double) nf));
			break;
		case TREE_COUNT_LOG2:
			p->max_features = Max(1, (int32) log2((double) nf));
			break;
		case TREE_COUNT_ALL:
			p->max_features = nf;
			break;
		case TREE_COUNT_NUMBER:
			if (mf->value > nf)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("max_features %.0f is more than the %d features", mf->value, nf),
						 errhint("Give at most %d, or a fraction of the features.", nf)));
			p->max_features = (int32) mf->value;
			break;
		case TREE_COUNT_FRACTION:
			p->max_features = Max(1, (int32) (mf->value * nf));
			break;
	}
	p->max_leaf_nodes = opt->max_leaf_nodes < 0 ? 0 : (int32) opt->max_leaf_nodes;
	p->min_impurity_decrease = opt->min_impurity_decrease;
}

/* See trainer_tree_params.h. */
char *
tree_options_json(const TreeOptions *opt, const CartParams *p, bool cls)
{
	StringInfoData buf;
	TreeAlgorithm a = opt->algorithm;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	if (a != TREE_DECISION_TREE && a != TREE_HIST_GRADIENT_BOOSTING)
		appendStringInfo(&buf, "\"n_estimators\": %.0f, ", opt->n_estimators);
	if (a == TREE_HIST_GRADIENT_BOOSTING)
	{
		appendStringInfo(&buf, "\"loss\": \"%s\", \"learning_rate\": %.17g, \"max_iter\": %.0f, "
						 "\"max_leaf_nodes\": ",
						 opt->loss_name, opt->learning_rate, opt->n_estimators);
		if (opt->max_leaf_nodes < 0)
			appendStringInfoString(&buf, "null");
		else
			appendStringInfo(&buf, "%.0f", opt->max_leaf_nodes);
		if (opt->max_depth < 0)
			appendStringInfoString(&buf, ", \"max_depth\": null");
		else
			appendStringInfo(&buf, ", \"max_depth\": %.0f", opt->max_depth);
		appendStringInfo(&buf, ", \"min_samples_leaf\": %.0f, \"l2_regularization\": %.17g, "
						 "\"max_bins\": %.0f, \"early_stopping\": %s%s%s, \"validation_fraction\": %.17g, "
						 "\"n_iter_no_change\": %.0f, \"tol\": %.17g",
						 opt->min_samples_leaf_hg, opt->l2_regularization, opt->max_bins,
						 opt->early_stopping_name ? "" : "\"",
						 opt->early_stopping_name ? opt->early_stopping_name : "auto",
						 opt->early_stopping_name ? "" : "\"",
						 opt->validation_fraction, opt->n_iter_no_change, opt->tol);
		if (opt->random_state >= 0)
			appendStringInfo(&buf, ", \"random_state\": %.0f", opt->random_state);
		appendStringInfoChar(&buf, '}');
		return buf.data;
	}
	if (a == TREE_ADA_BOOST)
	{
		if (cls)
			appendStringInfo(&buf, "\"algorithm\": \"%s\", \"learning_rate\": %.17g",
							 opt->boost_name, opt->learning_rate);
		else
			appendStringInfo(&buf, "\"loss\": \"%s\", \"learning_rate\": %.17g",
							 opt->ada_loss_name ? opt->ada_loss_name : "linear",
							 opt->learning_rate);
		if (opt->random_state >= 0)
			appendStringInfo(&buf, ", \"random_state\": %.0f", opt->random_state);
		appendStringInfoChar(&buf, '}');
		return buf.data;
	}
	if (a != TREE_BAGGING)
	{
		appendStringInfo(&buf, "\"criterion\": \"%s\", ", opt->criterion_name);
		if (p->max_depth == PG_INT32_MAX)
			appendStringInfoString(&buf, "\"max_depth\": null, ");
		else
			appendStringInfo(&buf, "\"max_depth\": %d, ", p->max_depth);
		appendStringInfo(&buf, "\"min_samples_split\": " INT64_FORMAT ", "
						 "\"min_samples_leaf\": " INT64_FORMAT ", ",
						 p->min_samples_split, p->min_samples_leaf);
		if (p->max_leaf_nodes > 0)
			appendStringInfo(&buf, "\"max_leaf_nodes\": %d, ", p->max_leaf_nodes);
		appendStringInfo(&buf, "\"min_impurity_decrease\": %.17g, ", p->min_impurity_decrease);
	}
	appendStringInfo(&buf, "\"max_features\": %d", p->max_features);
	if (a == TREE_DECISION_TREE)
		appendStringInfo(&buf, ", \"splitter\": \"%s\"", opt->splitter_name);
	if (a == TREE_RANDOM_FOREST || a == TREE_EXTRA_TREES || a == TREE_BAGGING)
		appendStringInfo(&buf, ", \"bootstrap\": %s", opt->bootstrap ? "true" : "false");
	if (a == TREE_GRADIENT_BOOSTING)
		appendStringInfo(&buf, ", \"loss\": \"%s\", \"learning_rate\": %.17g, \"subsample\": %.17g",
						 strcmp(opt->loss_name, "deviance") == 0 ? "log_loss" : opt->loss_name,
						 opt->learning_rate, opt->subsample);
	if (cls && opt->class_weight_name != NULL)
		appendStringInfo(&buf, ", \"class_weight\": \"%s\"", opt->class_weight_name);
	if (opt->random_state >= 0)
		appendStringInfo(&buf, ", \"random_state\": %.0f", opt->random_state);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
