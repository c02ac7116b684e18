/*
 * trainer_cart.h
 *	  Private to the pgml_trainer executable: the CART engine (cart.c) the
 *	  tree family is built on (forest.c: decision_tree, random_forest,
 *	  extra_trees, bagging; gbt.c: gradient_boosting_trees), and the random
 *	  numbers it draws (sk_random.c).
 *
 *	  The engine grows one tree as scikit-learn 1.2's DecisionTree does:
 *	  the same criteria (squared_error, friedman_mse, gini, entropy) computed
 *	  in the same order, the same feature draws and split search ("best":
 *	  sort the node's values, scan every threshold between two distinct
 *	  values; "random": one uniform threshold per feature, as extra trees),
 *	  depth first, or best first when max_leaf_nodes is set.  With the same
 *	  seed it grows the tree scikit-learn grows (see docs/algorithms.md for
 *	  where floating-point order can still differ).
 *
 *	  Thread safety: cart_fit uses malloc only, touches nothing global and
 *	  may run in several threads at once on the same CartData.  It never
 *	  raises an error: out of memory is a false return.
 */
#ifndef PGML_TRAINER_CART_H
#define PGML_TRAINER_CART_H

#include "postgres.h"

#include "pgml_train.h"

/* ----------------------------------------------------------------------
 * Random numbers (sk_random.c)
 * ---------------------------------------------------------------------- */

/* NumPy's legacy numpy.random.RandomState. */
typedef struct SkRandomState
{
	uint32		mt[624];
	int			pos;
} SkRandomState;

/* RandomState(seed) */
extern void sk_rs_seed(SkRandomState *rs, uint32 seed);
extern uint32 sk_rs_next32(SkRandomState *rs);
/* randint(low, high): [low, high), high - low <= 2^32 */
extern int64 sk_rs_randint(SkRandomState *rs, int64 low, int64 high);
/* permutation(n) (legacy shuffle of 0..n-1, n <= 2^32) into perm[n] */
extern void sk_rs_permutation(SkRandomState *rs, int64 *perm, int64 n);
/* random_sample(): a double in [0, 1) */
extern double sk_rs_random(SkRandomState *rs);

/* the largest value of scikit-learn's tree generator, and 2^31 - 1 */
#define SK_RAND_R_MAX 0x7FFFFFFF
/* scikit-learn's tree generator: a value in [0, SK_RAND_R_MAX] */
extern uint32 sk_rand_r(uint32 *seed);

/* ----------------------------------------------------------------------
 * The engine (cart.c)
 * ---------------------------------------------------------------------- */

typedef enum CartCriterion
{
	CART_SQUARED_ERROR,
	CART_FRIEDMAN_MSE,
	CART_GINI,
	CART_ENTROPY
} CartCriterion;

typedef struct CartParams
{
	CartCriterion criterion;
	bool		random_splits;	/* extra trees' splitter */
	int32		max_depth;		/* PG_INT32_MAX: unlimited */
	int64		min_samples_split;	/* >= 2 */
	int64		min_samples_leaf;	/* >= 1 */
	double		min_weight_leaf;	/* absolute weight */
	int32		max_features;	/* features drawn per node, 1..n_features */
	int32		max_leaf_nodes; /* 0: unlimited (depth first) */
	double		min_impurity_decrease;
} CartParams;

/* The rows a tree learns from: shared and read-only. */
typedef struct CartData
{
	const float *xcol;			/* [n_features * n_rows], column-major */
	int64		n_rows;
	int32		n_features;
	int32		n_classes;		/* 0: regression */
	int32		n_outputs;		/* regression: targets, y[row * n_outputs + k]
								 * (scikit-learn's multi-output trees:
								 * impurity averaged over the targets) */
} CartData;

typedef struct CartNode
{
	int32		left;			/* -1: a leaf */
	int32		right;
	int32		feature;
	double		threshold;		/* left iff x <= threshold */
	double		impurity;
	int64		n_samples;
	double		weighted_n;
} CartNode;

/*
 * A fitted tree, nodes in scikit-learn's order (depth first: preorder;
 * best first: in the order they were made).  values holds n_values numbers
 * per node: the weighted class counts (classification) or the mean of each
 * target (regression).  malloc'd.
 */
typedef struct CartTree
{
	int32		n_nodes;
	int32		capacity;
	int32		n_values;
	CartNode   *nodes;
	double	   *values;
} CartTree;

/*
 * Grow one tree on the rows with a nonzero weight (w NULL: every row,
 * weight 1), targets y (regression, or class indexes), drawing from seed
 * as scikit-learn's splitter does.  false when out of memory (the tree is
 * then freed).
 */
extern bool cart_fit(const CartData *d, const double *y, const double *w,
					 const CartParams *p, uint32 seed, CartTree *tree);
extern void cart_tree_free(CartTree *tree);

/* The leaf a training row falls in (as scikit-learn's apply). */
extern int32 cart_apply(const CartTree *tree, const CartData *d, int64 row);

/*
 * Add the tree's impurity decrease per feature into imp[n_features]
 * (scikit-learn's compute_feature_importances), normalized to sum 1 when
 * normalize and the sum is positive.
 */
extern void cart_importances(const CartTree *tree, int32 n_features,
							 bool normalize, double *imp);

/* NumPy's pairwise summation of a[0..n), as numpy.sum adds doubles. */
extern double cart_pairwise_sum(const double *a, int64 n);

/*
 * The float32 threshold t with (x < t) == (x <= threshold) for every
 * float32 x: how a scikit-learn split becomes a split of the image.
 */
extern float cart_float_threshold(double threshold);

/* ----------------------------------------------------------------------
 * The algorithms (forest.c, gbt.c); the hyperparameters (tree_params.c)
 * ---------------------------------------------------------------------- */

/*
 * The training rows column-major (palloc'd): what CartData.xcol points
 * to.  A missing or infinite value is an error naming its row.
 */
extern float *pgml_cart_columns(const PgmlTrainInput *in);

/*
 * The data of a fit of the engine: d gets the columns (pgml_cart_columns),
 * n_classes (0: regression trees) and n_outputs 1; returns a copy of the
 * labels (all in->n_targets of each row).  The
 * training data's mapping is released (pgml_train_input_done).
 */
extern double *pgml_cart_data(const PgmlTrainInput *in, int32 n_classes, CartData *d);

/* cart_fit, or an out-of-memory error naming in->algorithm. */
extern void pgml_cart_grow(const PgmlTrainInput *in, const CartData *d, const double *y,
						   const double *w, const CartParams *p, uint32 seed,
						   CartTree *tree);

/*
 * Fill m's tree arrays from fitted trees: each tree once per output group
 * (n_groups), leaves scaled by scale; proba: a leaf holds the class
 * probability of its group (two classes, one group: the second class's),
 * else the tree's value (of its group, when the tree has a value per
 * group).
 */
extern void pgml_cart_model_trees(PgmlModel *m, CartTree *trees, int32 n_trees,
								  int32 n_groups, double scale, bool proba);

/*
 * Fill m's trees from boosted trees of K outputs (leaves already scaled by
 * the learning rate): trees[t] belongs to output t mod K.  The initial
 * prediction init[] is the base margin for one output; for K > 1, K
 * one-leaf trees holding init[k] come first (the image has one base
 * margin).  Sets n_outputs and base_margin.
 */
extern void pgml_cart_model_boosted(PgmlModel *m, const CartTree *trees,
									int32 n_trees, int32 K, const double *init);

/*
 * {"feature_importances": [...]}: the mean over the trees that split of
 * their importances (each normalized first if normalize_each: forests;
 * not: gradient boosting), normalized to sum 1, as scikit-learn's
 * feature_importances_.
 */
extern char *pgml_cart_importances_json(const CartTree *trees, int64 n_trees,
										int32 n_features, bool normalize_each);
/* {"feature_importances": [imp...]} */
extern char *pgml_cart_format_importances(const double *imp, int32 n_features);

/*
 * The fits of the list (include/pgml_algorithms.h): each member of the
 * family has its own, so no fit tells the members apart by name.
 * decision_tree, random_forest, extra_trees, bagging: forest.c
 */
extern void pgml_decision_tree_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_random_forest_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_extra_trees_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_bagging_train(const PgmlTrainInput *in, PgmlModel *m);
/* gradient_boosting_trees */
extern void pgml_gbt_train(const PgmlTrainInput *in, PgmlModel *m);
/* hist_gradient_boosting */
extern void pgml_hist_gbt_train(const PgmlTrainInput *in, PgmlModel *m);
/* ada_boost (classification: SAMME) */
extern void pgml_adaboost_train(const PgmlTrainInput *in, PgmlModel *m);

#endif							/* PGML_TRAINER_CART_H */
