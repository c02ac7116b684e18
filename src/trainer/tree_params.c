/*-------------------------------------------------------------------------
 *
 * tree_params.c
 *	  The hyperparameters of the tree family (trainer_cart.h): scikit-learn
 *	  1.2's defaults for each algorithm and task, the parse of pgml.train's
 *	  hyperparams against the family's table (src/hp/cart.c, by
 *	  pgml_hp_parse), the checks that span keys, and the engine's
 *	  parameters they give.
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
	opt->early_stopping_name = "auto";
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
tree_parse_options(const PgmlTrainInput *in, TreeAlgorithm algo, TreeOptions *opt)
{
	/* the engine numbers rows with int32 */
	if (in->n_rows > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s trains on at most %d rows", in->algorithm, PG_INT32_MAX)));
	set_defaults(algo, in->task, opt);
	pgml_hp_parse(in->algorithm, in->task, in->hyperparams, &pgml_hp_cart, opt, NULL);

	/* what depends on the task */
	if (strcmp(opt->criterion_name, "squared_error") == 0)
		opt->criterion = CART_SQUARED_ERROR;
	else if (strcmp(opt->criterion_name, "friedman_mse") == 0)
		opt->criterion = CART_FRIEDMAN_MSE;
	else if (strcmp(opt->criterion_name, "gini") == 0)
		opt->criterion = CART_GINI;
	else
		opt->criterion = CART_ENTROPY;	/* entropy, log_loss */
	if (algo == TREE_ADA_BOOST && strcmp(opt->boost_name, "SAMME.R") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("AdaBoost's algorithm \"SAMME.R\" is not supported"),
				 errdetail("scikit-learn deprecated SAMME.R in version 1.4 and removed it in 1.6."),
				 errhint("Use \"SAMME\", scikit-learn's only algorithm since 1.6 (the default here).")));
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
		bool		is_auto = strcmp(opt->early_stopping_name, "auto") == 0;

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
						 is_auto ? "\"" : "",
						 opt->early_stopping_name,
						 is_auto ? "\"" : "",
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
						 opt->loss_name,
						 opt->learning_rate, opt->subsample);
	if (cls && opt->class_weight_name != NULL)
		appendStringInfo(&buf, ", \"class_weight\": \"%s\"", opt->class_weight_name);
	if (opt->random_state >= 0)
		appendStringInfo(&buf, ", \"random_state\": %.0f", opt->random_state);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
