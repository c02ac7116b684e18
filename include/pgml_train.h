/*
 * pgml_train.h
 *	  Contracts of the training library (pgml_train.so).  Nothing declared
 *	  here may be called from the postmaster or from pgml_worker.so: these
 *	  modules link XGBoost (OpenMP) and OpenBLAS.
 *
 *	  data.c	 relation -> PgmlDataset (dense float32 matrix + labels)
 *	  xgb.c		 XGBoost training -> PgmlModel trees + native booster bytes
 *	  linear.c	 OLS / logistic regression on OpenBLAS/LAPACK -> PgmlModel coef
 *	  metrics.c	 held-out metrics as a JSON object text
 *	  job.c		 one training job, from parameters to a deployed model
 *	  worker.c	 the background worker that owns pgml.train_queue
 *
 *	  (Packing a PgmlModel into its artifact is pgml_worker.so's:
 *	  pgml_artifact_pack, include/pgml_kind.h.)
 */
#ifndef PGML_TRAIN_H
#define PGML_TRAIN_H

#include "postgres.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "pgml_algorithms.h"
#include "pgml_hyperparams.h"
#include "pgml_model.h"

/*
 * The matrix a trainer sees: dense, row-major, float32, NaN for a missing
 * value.  For classification y holds class indexes 0 .. n_classes - 1 (as
 * double); for regression the target itself.
 */
typedef struct PgmlTrainInput
{
	const float *x;				/* [n_rows * n_features] */
	const double *y;			/* [n_rows * n_targets], row-major */
	int64		n_rows;
	int32		n_features;
	int32		n_classes;		/* 0 for regression */
	int32		n_targets;		/* 1, or a joint regression model's targets
								 * (pgml.train_joint); fits see 1 only:
								 * the trainer fits one model per target
								 * for the others (src/trainer/joint.c) */
	PgmlTask	task;
	const char *algorithm;		/* the name the user chose, e.g. "ridge" */
	Jsonb	   *hyperparams;	/* validated by the trainer; may be NULL */
	int			nthread;		/* explicit thread count for XGBoost/BLAS */
	uint64		seed;

	/*
	 * row_of[i]: the 0-based row of the relation (in the order it was read)
	 * that training row i came from, so that an error about a row names the
	 * table's row, not its place in the shuffled training set.  NULL when
	 * the training rows are the relation's rows in order.
	 */
	const int64 *row_of;		/* [n_rows] or NULL */
} PgmlTrainInput;

/*
 * The fit reads in->x, in->y and in->row_of no more (XGBoost has built its
 * own matrix from them): the trainer unmaps the training data, so that its
 * pages are freed while the rounds run.  Defined by the trainer (main.c).
 */
extern void pgml_train_input_done(const PgmlTrainInput *in);

/* The 1-based row of the relation that training row i came from. */
static inline int64
pgml_train_row_number(const PgmlTrainInput *in, int64 i)
{
	return (in->row_of != NULL ? in->row_of[i] : i) + 1;
}

/*
 * Called by trainers between iterations (boosting rounds, solver steps).
 * Runs CHECK_FOR_INTERRUPTS() and raises an error if the job was cancelled.
 * Must be called from the main thread only.
 */
extern void pgml_train_check_cancel(void);

/*
 * Zeroed working memory for count elements of elsize bytes in the current
 * context (huge allocations allowed); a clear error when count * elsize
 * would overflow or exceed what palloc can give.  job.c.
 */
extern void *pgml_train_alloc(Size count, Size elsize);

/*
 * The CPUs this process may run on (its affinity mask, which taskset and
 * cpuset cgroups narrow), at least 1: the thread count that
 * pgml_worker.nthread = 0 means.  job.c.
 */
extern int	pgml_train_cpus(void);

/*
 * The training rows as doubles, x[n_rows * n_features], and the mean of
 * each feature into mean[n_features]; a missing or infinite value is an
 * error naming `what` (the algorithm, as users know it).  matrix.c.
 */
extern void pgml_train_doubles(const PgmlTrainInput *in, const char *what,
							   double *x, double *mean);

/*
 * hyperparams.c: checks of hyperparameter values, one error shape for all
 * trainers: ERRCODE_INVALID_PARAMETER_VALUE, naming the key, the algorithm
 * and what is expected.
 */
typedef struct PgmlHpPair
{
	char	   *key;
	JsonbValue	value;
} PgmlHpPair;

extern int	pgml_hp_pairs(Jsonb *jb, const char *algorithm, PgmlHpPair **pairs);
extern void pgml_hp_bad_value(const char *algorithm, const char *key,
							  const char *expected) pg_attribute_noreturn();
extern double pgml_hp_number(const char *algorithm, const JsonbValue *v,
							 const char *key, const char *expected);
/*
 * pgml_hp_compat returns false for a key not in the compatibility list,
 * true for an accepted value, and raises ERRCODE_FEATURE_NOT_SUPPORTED
 * otherwise (include/pgml_hyperparams.h).
 */
extern bool pgml_hp_compat(const char *algorithm, const char *key,
						   const JsonbValue *v, const PgmlHpCompat *table);
extern double pgml_hp_integer(const char *algorithm, const JsonbValue *v,
							  const char *key, double lo, double hi,
							  const char *expected);

/*
 * A key the table cannot describe, checked before the others: true when it
 * took the key (its key belongs in the table's compat too, for the hint).
 */
typedef bool (*PgmlHpHook) (const char *algorithm, const char *key,
							const JsonbValue *v, void *opts);

/*
 * Validate jb (NULL: no hyperparameters) into opts, the table's struct
 * (include/pgml_hyperparams.h), by the keys of the table that apply to
 * algorithm and task (a key of the algorithm for another task is an error
 * naming the task); first, unless the table's trainer_defaults, set each key's
 * default written as JSON.  An unknown key is an error naming the
 * algorithms that take it and listing what this one accepts; null means
 * the default (as None does in scikit-learn), or "none" for a
 * PGML_HP_NULLABLE key.
 */
extern void pgml_hp_parse(const char *algorithm, PgmlTask task, Jsonb *jb,
						  const PgmlHpTable *table, void *opts,
						  PgmlHpHook hook);

/*
 * The effective hyperparameters opts holds (filled by pgml_hp_parse from
 * table t) as a JSON object text: every stored key of t that applies to
 * algorithm and task, in t's order (a nullable key's "none" as null, a
 * choice by its name).  palloc'd.
 */
extern char *pgml_hp_json(const PgmlHpTable *t, const char *algorithm, PgmlTask task,
						  const void *opts);

/* The name of choice index of a '|'-separated list ("a|old=a|b"). */
extern const char *pgml_hp_choice_name(const char *choices, int index);

/* Round progress report for pgml.stat_worker; may be called every round. */
extern void pgml_train_report_progress(int32 done, int32 total);

/*
 * xgb.c: train an XGBoost ensemble: algorithm "xgboost" (gradient
 * boosting), or with pgml_xgb_random_forest_train "xgboost_random_forest"
 * (one round of parallel trees, as XGBRF*).  Validates in->hyperparams (an
 * unknown key or a bad value is an ERRCODE_INVALID_PARAMETER_VALUE error
 * naming it), fills m->trees, base_margin, output, n_outputs, booster
 * bytes.  Frees every XGBoost handle on the error path too.  m->task,
 * n_features, n_classes, classes are set by the caller.
 */
extern void pgml_xgb_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_xgb_random_forest_train(const PgmlTrainInput *in, PgmlModel *m);

/*
 * xgb.c: XGBoost's last error message (palloc'd), without its time stamp,
 * source location and stack trace; for errdetail after a failed call.
 */
extern char *pgml_xgb_last_error(void);

/*
 * linear.c, a fit per member: "linear" (OLS for regression, logistic
 * regression for classification), "logistic_regression" (classification
 * only), "ridge" (classification: scikit-learn's RidgeClassifier), "lasso"
 * and "elastic_net" (regression only).  Logistic regression is
 * scikit-learn's (L2 penalty C = 1.0 by default; binary uses one margin
 * with sigmoid, multiclass is multinomial with softmax).  Fills m->coef,
 * intercept, n_outputs, output, algorithm and hyperparams_json.  NaN in x
 * is an error (the caller already rejects it).
 */
extern void pgml_linear_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_logistic_regression_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_ridge_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_lasso_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_elastic_net_train(const PgmlTrainInput *in, PgmlModel *m);

/*
 * metrics.c: held-out metrics, as a JSON object text (palloc'd).
 *	regression:		{"r2":..,"mean_absolute_error":..,"mean_squared_error":..}
 *	classification: {"accuracy":..,"f1":..,"precision":..,"recall":..,"mcc":..}
 *					(macro averages over the classes present in y_true or
 *					y_pred, as scikit-learn's average="macro"; binary too)
 * y_true/y_pred: regression values, or class indexes as double.
 *
 * pgml_metrics_classification_proba: metrics from probabilities, as a JSON
 * object text: {"roc_auc":..,"log_loss":..,"confusion_matrix":[[..],..]}.
 * proba is [n * n_classes] row-major (what pgml_image_predict_proba gives);
 * roc_auc is of classes[1] for binary, macro one-vs-rest for multiclass (as
 * scikit-learn's roc_auc_score(multi_class="ovr")); the confusion matrix
 * has a row per true class, a column per predicted class (argmax).
 */
extern char *pgml_metrics_regression(const double *y_true,
									 const double *y_pred, int64 n,
									 int32 n_targets);
extern char *pgml_metrics_classification(const double *y_true,
										 const double *y_pred, int64 n,
										 int32 n_classes);
extern char *pgml_metrics_classification_proba(const double *y_true,
											   const float *proba, int64 n,
											   int32 n_classes);

/*
 * cluster.c: k-means (in->algorithm "kmeans", task clustering; in->y is
 * NULL): scikit-learn's KMeans (k-means++ init, n_init runs, Lloyd) on
 * OpenBLAS, keeping the run with the lowest inertia.  Fills m->n_clusters,
 * centroids, n_outputs, algorithm, hyperparams_json.
 *
 * decompose.c: PCA (in->algorithm "pca", task decomposition; in->y NULL):
 * scikit-learn's PCA (centered, components by SVD through LAPACK, signs
 * as sklearn's svd_flip).  Fills m->n_components, pca_mean, components,
 * n_outputs, algorithm, hyperparams_json.
 */
extern void pgml_kmeans_train(const PgmlTrainInput *in, PgmlModel *m);
extern void pgml_pca_train(const PgmlTrainInput *in, PgmlModel *m);

/*
 * cluster_metrics.c: clustering metrics as a JSON object text:
 * {"silhouette": .., "inertia": ..}; labels are cluster indexes (as double),
 * x the [n * n_features] rows they were computed for.
 */
extern char *pgml_metrics_clustering(const float *x, int32 n_features,
									 const double *labels, int64 n,
									 int32 n_clusters, double inertia);

/*
 * Every fit function of the list (include/pgml_algorithms.h), declared from
 * it: those above, and the fit of each algorithm in a file of its own
 * (src/algorithms/, compiled into the trainer only).
 */
#define PGML_ALGORITHM_FIT_DECL(name, tasks, family, missing, joint, hp, fit) \
	extern void fit(const PgmlTrainInput *in, PgmlModel *m);
PGML_ALGORITHM_LIST(PGML_ALGORITHM_FIT_DECL)

#endif							/* PGML_TRAIN_H */
