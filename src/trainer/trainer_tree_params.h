/*
 * trainer_tree_params.h
 *	  Private to the pgml_trainer executable: the hyperparameters of the
 *	  tree family, parsed from pgml.train's hyperparams against the table of
 *	  tree_params.c (scikit-learn 1.2's names and defaults), and turned into
 *	  the engine's CartParams.
 */
#ifndef PGML_TRAINER_TREE_PARAMS_H
#define PGML_TRAINER_TREE_PARAMS_H

#include "trainer_cart.h"

typedef enum TreeAlgorithm
{
	TREE_DECISION_TREE,
	TREE_RANDOM_FOREST,
	TREE_EXTRA_TREES,
	TREE_BAGGING,
	TREE_GRADIENT_BOOSTING,
	TREE_ADA_BOOST,
	TREE_HIST_GRADIENT_BOOSTING
} TreeAlgorithm;

/* a count given as a number, a fraction of a total, or a rule */
typedef enum TreeCountKind
{
	TREE_COUNT_NUMBER,
	TREE_COUNT_FRACTION,
	TREE_COUNT_ALL,				/* null: all of them */
	TREE_COUNT_SQRT,
	TREE_COUNT_LOG2,
	TREE_COUNT_AUTO				/* max_features "auto": sqrt (classification),
								 * all (regression) */
} TreeCountKind;

typedef struct TreeCount
{
	TreeCountKind kind;
	double		value;
} TreeCount;

/* Whole numbers are doubles here; -1 means null (none). */
typedef struct TreeOptions
{
	TreeAlgorithm algorithm;
	double		n_estimators;
	const char *criterion_name;
	CartCriterion criterion;
	const char *splitter_name;
	bool		random_splits;
	double		max_depth;
	TreeCount	min_samples_split;
	TreeCount	min_samples_leaf;
	double		min_weight_fraction_leaf;
	TreeCount	max_features;
	double		max_leaf_nodes;
	double		min_impurity_decrease;
	const char *class_weight_name;	/* NULL, "balanced", "balanced_subsample" */
	double		random_state;
	bool		bootstrap;
	TreeCount	max_samples;
	double		learning_rate;
	double		subsample;
	const char *loss_name;
	const char *boost_name;		/* ada_boost's "algorithm" */
	const char *ada_loss_name;	/* ada_boost regression's "loss", NULL:
								 * "linear" */
	double		verbose;
	/* hist_gradient_boosting */
	double		min_samples_leaf_hg;
	double		max_bins;
	double		l2_regularization;
	const char *early_stopping_name;	/* NULL: "auto"; "true", "false" */
	const char *scoring_name;
	double		validation_fraction;
	double		n_iter_no_change;
	double		tol;
	double		unused;			/* accepted keys without effect */
} TreeOptions;

/* The member of the family called name (an error if none). */
extern TreeAlgorithm tree_algorithm_of(const char *name);

/*
 * Defaults for in->algorithm and in->task, then in->hyperparams; more rows
 * than the engine numbers (INT32_MAX) is an error.
 */
extern void tree_parse_options(const PgmlTrainInput *in, TreeOptions *opt);

/*
 * The engine's parameters for a tree of the fit, as scikit-learn resolves
 * them (fractions of in->n_rows rows, min_weight_leaf from the total sample
 * weight).
 */
extern void tree_cart_params(const TreeOptions *opt, const PgmlTrainInput *in,
							 double total_weight, CartParams *p);

/* The effective hyperparameters, as a JSON object text (palloc'd). */
extern char *tree_options_json(const TreeOptions *opt, const CartParams *p,
							   bool classification);

#endif							/* PGML_TRAINER_TREE_PARAMS_H */
