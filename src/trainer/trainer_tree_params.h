/*
 * trainer_tree_params.h
 *	  Private to the pgml_trainer executable: the hyperparameters of the
 *	  tree family, parsed from pgml.train's hyperparams against the table of
 *	  src/hp/cart.c (scikit-learn 1.2's names and defaults), and turned into
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

/*
 * A count given as a number, a fraction of a total, or a rule
 * (include/pgml_hyperparams.h: PgmlHpCount; the rules follow the choices
 * "sqrt|log2|auto" of src/hp/cart.c).
 */
typedef PgmlHpCount TreeCount;

#define TREE_COUNT_NUMBER	PGML_HP_COUNT_NUMBER
#define TREE_COUNT_FRACTION PGML_HP_COUNT_FRACTION
#define TREE_COUNT_ALL		PGML_HP_COUNT_NONE	/* null: all of them */
#define TREE_COUNT_SQRT		PGML_HP_COUNT_SQRT
#define TREE_COUNT_LOG2		PGML_HP_COUNT_LOG2
#define TREE_COUNT_AUTO		PGML_HP_COUNT_AUTO

/* The hyperparameters, as src/hp/cart.c's table fills them. */
typedef PgmlCartParams TreeOptions;

/*
 * Defaults for member algo of the family and in->task, then
 * in->hyperparams; more rows than the engine numbers (INT32_MAX) is an
 * error.
 */
extern void tree_parse_options(const PgmlTrainInput *in, TreeAlgorithm algo,
							   TreeOptions *opt);

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
