/*
 * pgml_hyperparams.h
 *	  The hyperparameter tables: for each algorithm of the list
 *	  (include/pgml_algorithms.h names its table), every key it accepts,
 *	  with its type, range, default and what a bad value is told; the
 *	  scikit-learn keys it accepts without effect; and the keys it refuses,
 *	  with what to do instead.  The tables are data (src/hp/), linked
 *	  into pgml_worker.so, which lists them (pgml.hyperparameters(), in
 *	  algorithms_sql.c), and into the pgml_trainer program, which validates
 *	  pgml.train's hyperparams against them (pgml_hp_parse,
 *	  src/trainer/hyperparams.c) into the structs declared below.
 *
 *	  A table may serve several algorithms (the CART family's one table):
 *	  a key's `algorithms` names those that take it.  An algorithm may have
 *	  a table per task (linear: OLS for regression, logistic regression for
 *	  classification): PgmlHpTable.classification.
 */
#ifndef PGML_HYPERPARAMS_H
#define PGML_HYPERPARAMS_H

typedef enum PgmlHpType
{
	PGML_HP_INT,				/* a whole number in [min, max]; a double */
	PGML_HP_NUMBER,				/* a finite number in the range (min_open,
								 * max_open); a double */
	PGML_HP_BOOL,				/* true or false; a bool */
	PGML_HP_CHOICE,				/* one of choices: a double, its index; with
								 * PGML_HP_TEXT a const char *, the choice */
	PGML_HP_INT_OR_CHOICE,		/* PGML_HP_INT, or one of choices: -1 - its
								 * index */
	PGML_HP_COUNT_OR_SHARE,		/* a whole number in [1, max], or a number
								 * in (0, 1); a double */
	PGML_HP_COUNT_OR_FRACTION,	/* a whole number written without a point
								 * in [min, max], a fraction in (0, 1]
								 * ((0, 1) with max_open), or one of
								 * choices: a PgmlHpCount */
	PGML_HP_UNUSED,				/* checked as PGML_HP_INT, not stored (a
								 * seed a deterministic fit never draws) */
	PGML_HP_NEUTRAL,			/* accepted as false, 0 or null only (a
								 * feature not implemented); expected says
								 * what it must be */
	PGML_HP_REFUSED,			/* refused (ERRCODE_FEATURE_NOT_SUPPORTED):
								 * expected is the detail, hint what to do */
	PGML_HP_ELSEWHERE			/* a key of another model: refused as
								 * unknown, with expected as the detail */
} PgmlHpType;

/* PgmlHpSpec.flags */
#define PGML_HP_NULLABLE	0x01	/* null is a value, "none" (-1, NULL, or
									 * PGML_HP_COUNT_NONE), not the default */
#define PGML_HP_TEXT		0x02	/* PGML_HP_CHOICE: store the choice */

/*
 * A value of PGML_HP_COUNT_OR_FRACTION: kind is PGML_HP_COUNT_NUMBER,
 * _FRACTION, _NONE (null, with PGML_HP_NULLABLE), or
 * PGML_HP_COUNT_CHOICE + the index of a choice.
 */
typedef struct PgmlHpCount
{
	int			kind;
	double		value;
} PgmlHpCount;

#define PGML_HP_COUNT_NUMBER	0
#define PGML_HP_COUNT_FRACTION	1
#define PGML_HP_COUNT_NONE		2
#define PGML_HP_COUNT_CHOICE	3

typedef struct PgmlHpSpec
{
	const char *name;
	const char *alias;			/* another name of the same setting, or NULL */
	PgmlHpType	type;
	double		min;
	double		max;
	bool		min_open;		/* the range excludes min */
	bool		max_open;		/* the range excludes max */
	uint8		flags;			/* PGML_HP_NULLABLE, PGML_HP_TEXT */

	/*
	 * "a|b": the choices; "old=new" is another spelling of choice new,
	 * stored as new.  A JSON true or false matches the word.
	 */
	const char *choices;

	/*
	 * As JSON (set before the parse unless the table's trainer_defaults;
	 * for PGML_HP_INT_OR_CHOICE also a bare choice, false), or words for a
	 * default the trainer sets itself ("the job's seed": a nullable key
	 * is then set to none).
	 */
	const char *default_value;

	/*
	 * What a bad value is told it must be (NULL: written from the type and
	 * range); the detail of PGML_HP_ELSEWHERE and PGML_HP_REFUSED.
	 */
	const char *expected;
	const char *hint;			/* PGML_HP_REFUSED: what to do instead;
								 * others: the detail of the error for a
								 * task the key does not apply to */
	int			offset;			/* of its value in the table's struct; -1:
								 * not stored */
	const char *algorithms;		/* "a|b": the algorithms of the table that
								 * take it; NULL: all of them */
	const char *native;			/* the library's name of the key (XGBoost's
								 * SetParam), NULL: name */
	uint32		tasks;			/* the tasks it applies to (1 << PgmlTask
								 * bits), 0: every task */
} PgmlHpSpec;

/*
 * Keys of scikit-learn (or of another interface, source) that change
 * nothing here with the values listed, so that hyperparameters written for
 * it run: values is the '|'-separated list of accepted values as JSON texts
 * ("\"l2\"", "false", "null", "1"), NULL for any value; refusal is the
 * errdetail for another value.  A list ends with a NULL key.
 */
typedef struct PgmlHpCompat
{
	const char *key;
	const char *values;
	const char *refusal;
} PgmlHpCompat;

typedef struct PgmlHpTable
{
	const char *label;			/* the model, as the unknown-key hint names
								 * it; NULL: the algorithm's name */
	const PgmlHpSpec *specs;
	int			n_specs;
	const PgmlHpCompat *compat; /* or NULL */
	const char *compat_source;	/* whose keys compat lists: "scikit-learn's" */
	bool		trainer_defaults;	/* the defaults depend on the task or are
									 * the library's: the trainer sets them;
									 * default_value documents them */
	const struct PgmlHpTable *classification;	/* the table for that task,
												 * or NULL: this one */
} PgmlHpTable;

/*
 * Keys the Bayesian linear models share (src/algorithms/bayesian_ridge.c,
 * automatic_relevance_determination.c), with scikit-learn's names and
 * defaults: the rounds of the evidence updates, and the shape and rate of
 * the gamma priors of the precisions (what says which).  The including file
 * needs <limits.h> and <math.h>.
 */
#define PGML_HP_EVIDENCE_ROUNDS(type, field) \
	{"n_iter", "max_iter", PGML_HP_INT, 1, INT_MAX, false, false, 0, NULL, "300", \
	 "a positive integer (the most rounds of the evidence updates)", NULL, offsetof(type, field)}
#define PGML_HP_GAMMA_PRIOR(key, what, type, field) \
	{key, NULL, PGML_HP_NUMBER, 0, HUGE_VAL, false, false, 0, NULL, "1e-06", \
	 "a non-negative number (" what ")", NULL, offsetof(type, field)}

/* Does the spec apply to algorithm (its `algorithms` list)? */
extern bool pgml_hp_spec_applies(const PgmlHpSpec *spec, const char *algorithm);

/* ... and to the task (a PgmlTask)? */
static inline bool
pgml_hp_spec_for_task(const PgmlHpSpec *spec, int task)
{
	return spec->tasks == 0 || (spec->tasks & (1u << task)) != 0;
}

/* What a bad value of the spec is told it must be (palloc'd or static). */
extern const char *pgml_hp_expected(const PgmlHpSpec *spec);

/* The index of word (len bytes) in a '|'-separated list, or -1. */
extern int	pgml_hp_list_index(const char *list, const char *word, Size len);

/*
 * The tables (src/hp/) and the structs they fill.
 */

/* src/hp/xgboost.c: xgboost, xgboost_random_forest. */
typedef struct PgmlXgbParams
{
	/* numbers: NaN until given; choices: NULL until given */
	double		n_estimators;
	const char *objective;
	const char *tree_method;
	double		base_score;
	double		seed;
	const char *booster;
	double		max_depth;
	double		learning_rate;
	double		min_child_weight;
	double		max_delta_step;
	double		subsample;
	double		colsample_bytree;
	double		colsample_bylevel;
	double		colsample_bynode;
	double		gamma;
	double		reg_alpha;
	double		reg_lambda;
	double		max_bin;
	double		num_parallel_tree;
	double		max_leaves;
	const char *grow_policy;
	double		scale_pos_weight;
	double		tweedie_variance_power;
	double		huber_slope;
	/* booster dart only, from rate_drop on */
	double		rate_drop;
	double		skip_drop;
	const char *sample_type;
	const char *normalize_type;
	double		one_drop;
} PgmlXgbParams;

extern const PgmlHpTable pgml_hp_xgboost;

/* src/hp/linear.c: linear, logistic_regression, ridge, lasso, elastic_net. */
typedef struct PgmlLinearParams
{
	bool		fit_intercept;
	double		C;
	double		alpha;
	double		l1_ratio;
	double		max_iter;
	double		tol;
	int32		n_classes;		/* set by the trainer, for multi_class */
} PgmlLinearParams;

extern const PgmlHpTable pgml_hp_linear;	/* OLS; classification: logistic */
extern const PgmlHpTable pgml_hp_logistic;
extern const PgmlHpTable pgml_hp_ridge;
extern const PgmlHpTable pgml_hp_lasso;
extern const PgmlHpTable pgml_hp_elastic_net;

/* src/hp/kmeans.c */
typedef struct PgmlKmeansParams
{
	double		n_clusters;
	double		n_init;			/* -1: "auto", -2: "warn" (10) */
	double		max_iter;
	double		tol;
	double		init;			/* 0: "k-means++", 1: "random" */
	bool		refine;
	double		random_state;
} PgmlKmeansParams;

extern const PgmlHpTable pgml_hp_kmeans;

/* src/hp/pca.c */
typedef struct PgmlPcaParams
{
	double		n_components;	/* 0: all; in (0, 1): a share of variance */
	bool		whiten;
} PgmlPcaParams;

extern const PgmlHpTable pgml_hp_pca;

/*
 * src/hp/cart.c: the CART family (decision_tree, random_forest,
 * extra_trees, bagging, gradient_boosting_trees, ada_boost,
 * hist_gradient_boosting), scikit-learn 1.2's names and defaults.  Whole
 * numbers are doubles; -1 means null (none).  The counts' kinds:
 * PGML_HP_COUNT_* (choices "sqrt|log2|auto" follow).
 */
#define PGML_HP_COUNT_SQRT	(PGML_HP_COUNT_CHOICE + 0)
#define PGML_HP_COUNT_LOG2	(PGML_HP_COUNT_CHOICE + 1)
#define PGML_HP_COUNT_AUTO	(PGML_HP_COUNT_CHOICE + 2)	/* max_features "auto":
														 * sqrt (classification),
														 * all (regression) */

typedef struct PgmlCartParams
{
	/* set by the trainer */
	int			algorithm;		/* TreeAlgorithm (trainer_tree_params.h) */
	int			criterion;		/* CartCriterion, of criterion_name */
	bool		random_splits;

	/* set by the table */
	double		n_estimators;	/* hist_gradient_boosting: max_iter */
	const char *criterion_name;
	const char *splitter_name;
	double		max_depth;
	PgmlHpCount min_samples_split;
	PgmlHpCount min_samples_leaf;
	double		min_weight_fraction_leaf;
	PgmlHpCount max_features;
	double		max_leaf_nodes;
	double		min_impurity_decrease;
	const char *class_weight_name;	/* NULL, "balanced", "balanced_subsample" */
	double		random_state;
	bool		bootstrap;
	PgmlHpCount max_samples;
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
	const char *early_stopping_name;	/* "auto", "true", "false" */
	const char *scoring_name;
	double		validation_fraction;
	double		n_iter_no_change;
	double		tol;
	double		unused;			/* accepted keys without effect */
} PgmlCartParams;

extern const PgmlHpTable pgml_hp_cart;

#endif							/* PGML_HYPERPARAMS_H */
