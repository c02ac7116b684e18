/*
 * pgml_algorithms.h
 *	  The one list of the algorithms pgml_worker trains: each one's name,
 *	  the tasks it solves, its trainer family, and whether it takes missing
 *	  values as they are.  The list is expanded into the table of
 *	  src/algorithms.c, which pgml.algorithms(), the queue's insert trigger,
 *	  the job's checks, every error that lists the choices and the trainer
 *	  process's choice of fit function (src/trainer/main.c) read.
 *	  Adding an algorithm of an existing kind is one line here and one file,
 *	  src/algorithms/<name>.c, with its hyperparameter table and its fit
 *	  (docs/algorithms.md, "Adding an algorithm"): the list declares both
 *	  (PGML_ALGORITHM_HP_DECL below, PGML_ALGORITHM_FIT_DECL in pgml_train.h).
 *
 *	  PGML_ALGORITHM(name, tasks, family, missing_values, joint, hyperparams, fit)
 *	  tasks: a mask of PGML_TASK_BIT(...)
 *	  joint: the fit learns several regression targets at once itself
 *	  (pgml.train_joint: XGBoost's multi-output boosting, scikit-learn's
 *	  multi-output trees); false: the trainer fits it once per target
 *	  (src/trainer/joint.c)
 *	  hyperparams: its table of hyperparameters (include/pgml_hyperparams.h,
 *	  src/hp/): what pgml.hyperparameters() lists and the trainer validates
 *	  fit: the trainer's fit function, one per algorithm (members of a family
 *	  call its shared body with the member, so no fit compares names;
 *	  src/trainer/main.c expands the list into its table of fits; the
 *	  server's expansions ignore it)
 */
#ifndef PGML_ALGORITHMS_H
#define PGML_ALGORITHMS_H

#include "pgml_hyperparams.h"
#include "pgml_model.h"

#define PGML_TASK_BIT(t) (1u << (PGML_TASK_##t))
#define PGML_SUPERVISED (PGML_TASK_BIT(REGRESSION) | PGML_TASK_BIT(CLASSIFICATION))

/*
 * the family of an algorithm: the model kind its fit produces, and for the
 * algorithms whose fits share a body, the trainer file of that body
 * (src/trainer/xgb.c, linear.c, cluster.c, decompose.c; the CART family:
 * forest.c, gbt.c, adaboost.c, hist_gbt.c); an algorithm in a file of its
 * own (src/algorithms/) takes the family of its kind
 */
typedef enum PgmlFamily
{
	PGML_FAMILY_TREES,
	PGML_FAMILY_LINEAR,
	PGML_FAMILY_CENTROIDS,
	PGML_FAMILY_PROJECTION,
	PGML_FAMILY_CART			/* src/trainer/forest.c, gbt.c on cart.c */
} PgmlFamily;

#define PGML_ALGORITHM_LIST(X) \
	X("xgboost", PGML_SUPERVISED, PGML_FAMILY_TREES, true, true, pgml_hp_xgboost, pgml_xgb_train) \
	X("xgboost_random_forest", PGML_SUPERVISED, PGML_FAMILY_TREES, true, true, pgml_hp_xgboost, pgml_xgb_random_forest_train) \
	X("linear", PGML_SUPERVISED, PGML_FAMILY_LINEAR, false, false, pgml_hp_linear, pgml_linear_train) \
	X("logistic_regression", PGML_TASK_BIT(CLASSIFICATION), PGML_FAMILY_LINEAR, false, false, pgml_hp_logistic, pgml_logistic_regression_train) \
	X("ridge", PGML_SUPERVISED, PGML_FAMILY_LINEAR, false, false, pgml_hp_ridge, pgml_ridge_train) \
	X("lasso", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_lasso, pgml_lasso_train) \
	X("elastic_net", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_elastic_net, pgml_elastic_net_train) \
	X("orthogonal_matching_pursuit", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_omp, pgml_omp_train) \
	X("bayesian_ridge", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_bayesian_ridge, pgml_bayesian_ridge_train) \
	X("automatic_relevance_determination", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_ard, pgml_ard_train) \
	X("least_angle", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_least_angle, pgml_least_angle_train) \
	X("lasso_least_angle", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_lasso_least_angle, pgml_lasso_least_angle_train) \
	X("huber", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_huber, pgml_huber_train) \
	X("stochastic_gradient_descent", PGML_SUPERVISED, PGML_FAMILY_LINEAR, false, false, pgml_hp_sgd, pgml_sgd_train) \
	X("perceptron", PGML_TASK_BIT(CLASSIFICATION), PGML_FAMILY_LINEAR, false, false, pgml_hp_sgd, pgml_perceptron_train) \
	X("passive_aggressive", PGML_SUPERVISED, PGML_FAMILY_LINEAR, false, false, pgml_hp_sgd, pgml_passive_aggressive_train) \
	X("ransac", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_ransac, pgml_ransac_train) \
	X("theil_sen", PGML_TASK_BIT(REGRESSION), PGML_FAMILY_LINEAR, false, false, pgml_hp_theil_sen, pgml_theil_sen_train) \
	X("linear_svm", PGML_SUPERVISED, PGML_FAMILY_LINEAR, false, false, pgml_hp_linear_svm, pgml_linear_svm_train) \
	X("kmeans", PGML_TASK_BIT(CLUSTERING), PGML_FAMILY_CENTROIDS, false, false, pgml_hp_kmeans, pgml_kmeans_train) \
	X("pca", PGML_TASK_BIT(DECOMPOSITION), PGML_FAMILY_PROJECTION, false, false, pgml_hp_pca, pgml_pca_train) \
	X("decision_tree", PGML_SUPERVISED, PGML_FAMILY_CART, false, true, pgml_hp_cart, pgml_decision_tree_train) \
	X("random_forest", PGML_SUPERVISED, PGML_FAMILY_CART, false, true, pgml_hp_cart, pgml_random_forest_train) \
	X("extra_trees", PGML_SUPERVISED, PGML_FAMILY_CART, false, true, pgml_hp_cart, pgml_extra_trees_train) \
	X("bagging", PGML_SUPERVISED, PGML_FAMILY_CART, false, true, pgml_hp_cart, pgml_bagging_train) \
	X("gradient_boosting_trees", PGML_SUPERVISED, PGML_FAMILY_CART, false, false, pgml_hp_cart, pgml_gbt_train) \
	X("ada_boost", PGML_SUPERVISED, PGML_FAMILY_CART, false, false, pgml_hp_cart, pgml_adaboost_train) \
	X("hist_gradient_boosting", PGML_SUPERVISED, PGML_FAMILY_CART, true, false, pgml_hp_cart, pgml_hist_gbt_train)

/*
 * Each algorithm's table of hyperparameters, declared from the list: the
 * shared tables of include/pgml_hyperparams.h, and the table of each
 * algorithm in a file of its own (src/algorithms/).
 */
#define PGML_ALGORITHM_HP_DECL(name, tasks, family, missing, joint, hp, fit) \
	extern const PgmlHpTable hp;
PGML_ALGORITHM_LIST(PGML_ALGORITHM_HP_DECL)

typedef struct PgmlAlgorithmDef
{
	const char *name;
	uint32		tasks;			/* PGML_TASK_BIT mask */
	PgmlFamily	family;
	bool		missing_values; /* NaN/NULL features train and predict as missing */
	bool		joint;			/* fits several regression targets itself */
	const PgmlHpTable *hyperparams;
} PgmlAlgorithmDef;

/* The algorithm of that name, or NULL. */
extern const PgmlAlgorithmDef *pgml_algorithm_find(const char *name);

/*
 * The algorithm of that name, or an error: "unknown algorithm" listing the
 * choices, or, for one PostgresML has that Debian lacks the library of
 * (lightgbm, catboost), "not available" with what to use instead.
 */
extern const PgmlAlgorithmDef *pgml_algorithm_lookup(const char *name);

/* Does the algorithm solve the task? */
static inline bool
pgml_algorithm_solves(const PgmlAlgorithmDef *a, PgmlTask task)
{
	return (a->tasks & (1u << task)) != 0;
}

/* The table of hyperparameters the algorithm takes for the task. */
static inline const PgmlHpTable *
pgml_algorithm_hyperparams(const PgmlAlgorithmDef *a, PgmlTask task)
{
	if (task == PGML_TASK_CLASSIFICATION && a->hyperparams->classification != NULL)
		return a->hyperparams->classification;
	return a->hyperparams;
}

/* The table in order, for pgml.algorithms() (and the index of an entry). */
extern int	pgml_algorithm_count(void);
extern int	pgml_algorithm_index(const PgmlAlgorithmDef *a);
extern const PgmlAlgorithmDef *pgml_algorithm_at(int i);

/* A task's name as SQL spells it ("regression", ...). */
extern const char *pgml_task_name(PgmlTask task);

/* "xgboost, ..., kmeans and pca": for hints that list the choices. */
extern const char *pgml_algorithm_names(void);

#endif							/* PGML_ALGORITHMS_H */
