/*
 * pgml_job.h
 *	  One training job, shared by the background worker (worker.c) and the
 *	  synchronous pgml.train() (job.c): the same code path for both.
 *
 *	  data.c  reads the relation as the job's role into a dense matrix
 *	  job.c   split, train, evaluate, store, deploy
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
	const char *y_column_name;
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
	double	   *y;				/* [n_rows] label or target */
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
 * are every column but y_column (numeric scalars and numeric arrays, in
 * column order, arrays flattened).  y_column NULL: no label (y is NULL),
 * every column is a feature.  Errors name the offending column.
 */
extern void pgml_data_read(const char *relation_name, const char *y_column,
						   PgmlDataset *out);

#endif							/* PGML_JOB_H */
