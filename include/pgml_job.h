/*
 * pgml_job.h
 *	  One training job, shared by the background worker (worker.c) and the
 *	  synchronous pgml.train() (job.c): the same code path for both.
 *
 *	  data.c      reads the relation as the job's role into a dense matrix
 *	  split.c     the train/test split
 *	  search.c    hyperparameter search by cross-validation
 *	  evaluate.c  held-out evaluation with the image, metrics helpers
 *	  job.c       the job's phases: read, split, train (in the trainer
 *	              process, trainer_client.c), evaluate, store, deploy
 */
#ifndef PGML_JOB_H
#define PGML_JOB_H

#include "postgres.h"
#include "utils/jsonb.h"

#include "pgml_model.h"

typedef struct PgmlJob
{
	int64		job_id;			/* pgml.train_queue id, 0 for pgml.train() */
	const char *project_name;
	const char *task;			/* NULL: the project's task */
	const char *relation_name;
	const char *y_column_name;	/* the label (the first of y_column_names) */
	/*
	 * A joint model's targets (pgml.train_joint): n_y_columns >= 1 names,
	 * y_column_name their first.  0 and NULL for pgml.train and the queue,
	 * whose one label is y_column_name.
	 */
	int			n_y_columns;
	const char *const *y_column_names;
	const char *algorithm;
	Jsonb	   *hyperparams;	/* may be NULL */
	double		test_size;		/* fraction (0, 1), or a row count >= 1 */
	const char *test_sampling;	/* "random", "last" or "stratified" */
	const char *search;			/* NULL, "grid" or "random" */
	Jsonb	   *search_params;	/* {"param": [candidate values], ...} */
	Jsonb	   *search_args;	/* {"cv": k, "n_iter": n} */
	bool		automatic_deploy;
	bool		materialize_snapshot;	/* copy the rows into pgml.snapshot_<id> */
	Jsonb	   *preprocess;		/* {"column": {"impute": .., "scale": ..,
								 * "encode": ..}} or NULL */
	Oid			role;			/* the relation is read as this role */
} PgmlJob;

typedef struct PgmlJobResult
{
	int64		model_id;
	bool		deployed;
	char	   *task;
	char	   *algorithm;
} PgmlJobResult;

/*
 * Run a job inside the current transaction: read, split, train, evaluate,
 * store the model in pgml.models, deploy it if it is at least as good as the
 * deployed one (publication happens at commit).  Errors propagate.
 */
extern void pgml_job_run(const PgmlJob *job, PgmlJobResult *result);

/* Job id being run by this process, for cancellation checks (0: none). */
extern int64 pgml_current_job_id;

/* data.c */
typedef struct PgmlDataset
{
	float	   *x;				/* [n_rows * n_features], NaN for NULL */
	double	   *y;				/* [n_rows * n_targets] labels or targets,
								 * row-major; NULL without a label */
	int32		n_targets;		/* label columns: 1, more for a joint
								 * model, 0 without a label */
	int64		n_rows;
	int32		n_features;
	bool		y_is_bool;
	int32		n_label_names;	/* text labels: distinct values, else 0 */
	char	  **label_names;	/* [n_label_names] ascending; y holds indexes */
	int32		n_columns;		/* feature columns */
	char	  **column_names;	/* [n_columns] */
	int32	   *column_of;		/* [n_features]: the column of each feature */

	/*
	 * Text columns: as read, one feature holding the category index k
	 * (NaN for NULL) of column_categories[c][k], the distinct values in
	 * byte order.  Numeric columns have NULL and 0.  After
	 * pgml_encode_fit() the features are the model's (encoded).
	 */
	char	 ***column_categories;	/* [n_columns] */
	int32	   *column_n_categories;	/* [n_columns] */

	/*
	 * After pgml_encode_fit(), for re-fitting target encoders on other
	 * rows (cross-validation folds): the category index (NaN for NULL) of
	 * every row's target-encoded inputs, n_rows * n_target_inputs.
	 */
	int32		n_target_inputs;
	float	   *target_codes;
	double		read_seconds;	/* executor: fetching tuples */
	double		convert_seconds;	/* turning tuples into the matrix */
} PgmlDataset;

/*
 * Read every row of a relation with the current user's privileges: features
 * are every column but the label columns y_columns[0..n_y) (numeric
 * scalars and numeric arrays, in column order, arrays flattened).  n_y 0:
 * no label (y is NULL), every column is a feature; n_y > 1: a joint
 * model's numeric targets, y[row * n_y + k] of column k.  Errors name the offending column.
 */
extern void pgml_data_read(const char *relation_name,
						   const char *const *y_columns, int n_y,
						   PgmlDataset *out);

struct PgmlImageHeader;			/* pgml_image.h */

/* Default seed of the train/test split (and of searches); recorded on every model. */
#define PGML_SPLIT_SEED UINT64CONST(42)

/* job.c: is the algorithm of the tree family (XGBoost)? */
extern bool pgml_algorithm_is_trees(const char *algorithm);
/* Does it train on missing values as they are (pgml_algorithms.h)? */
extern bool pgml_algorithm_takes_missing(const char *algorithm);

/*
 * job.c: train algorithm on rows idx[0..n) of ds in the job's trainer
 * process; model arrives with task, n_features, n_classes, classes and
 * preprocessing set, the fit fills the rest.  filled (if not NULL) runs
 * as the rows go into the trainer's data, before the trainer starts: once
 * the labels are in (it may free ds->y's memory, and idx's with
 * PGML_FILLED_LABELS_ROWS: idx is not read again), and once the features
 * are (it may free ds's rows and idx).
 */
typedef enum PgmlFilled
{
	PGML_FILLED_LABELS,			/* the labels are in the data */
	PGML_FILLED_LABELS_ROWS,	/* the labels and row numbers (idx) are */
	PGML_FILLED_FEATURES		/* and the features, preprocessed */
} PgmlFilled;

extern void pgml_train_rows(const char *algorithm, const PgmlDataset *ds,
							const int64 *idx, int64 n, Jsonb *hyperparams,
							PgmlModel *model,
							void (*filled) (PgmlFilled stage, void *arg),
							void *filled_arg);

/* split.c: the next value of a seeded splitmix64 generator */
extern uint64 pgml_splitmix64(uint64 *state);

/*
 * split.c: the row order of the split, n_test test rows first, then the
 * training rows (palloc'd, ds->n_rows entries); sampling is "random",
 * "last" or "stratified"; n_classes > 0 for classification labels.
 */
extern int64 *pgml_split_order(const PgmlDataset *ds, int64 n_test,
							   const char *sampling, int32 n_classes, uint64 seed);

/*
 * split.c: keep only the test rows order[0..n_test) of ds, for the job's
 * last fit, as the training rows go into the trainer's data: evaluation
 * then reads the same rows, in the same order, from a quarter of the
 * memory.  First the labels (returns the test rows in ascending order, for
 * the second call), then the features and target codes: order[0..n_test)
 * is renumbered to the new rows and ds->n_rows becomes n_test.  Between
 * the two calls ds->y holds only the test rows' labels.
 */
extern int64 *pgml_split_keep_test_labels(PgmlDataset *ds, const int64 *order,
										  int64 n_test);
extern void pgml_split_keep_test_features(PgmlDataset *ds, int64 *order, int64 n_test,
										  int64 *sorted);

/* evaluate.c: the metric models of a task are ranked by (NULL: newest wins) */
extern const char *pgml_key_metric(PgmlTask task);
/* evaluate.c: a number of a metrics JSON object text, NaN if absent */
extern double pgml_metrics_number(const char *json, const char *key);
/* evaluate.c: two JSON object texts merged (keys of b win) */
extern char *pgml_metrics_merge(const char *a, const char *b);

/*
 * evaluate.c: pack model, compile its image and evaluate it on rows
 * idx[0..n) of ds; returns the metrics (JSON object text), and the artifact
 * and image when asked for (artifact_out non-NULL).
 */
extern char *pgml_evaluate_rows(const PgmlModel *model, const PgmlDataset *ds,
								const int64 *idx, int64 n, bytea **artifact_out,
								struct PgmlImageHeader **image_out, Size *size_out);

/*
 * search.c: choose hyperparameters by k-fold cross-validation over the
 * training rows idx[0..n); returns the best candidate (merged into the
 * given hyperparams) and a report for the model's metrics.
 */
extern Jsonb *pgml_run_search(const PgmlJob *job, const char *algorithm,
							  const PgmlDataset *ds, const PgmlModel *tmpl,
							  const int64 *idx, int64 n, Jsonb *hyperparams,
							  char **report);

#endif							/* PGML_JOB_H */
