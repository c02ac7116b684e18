/*
 * pgml_preprocess.h
 *	  preprocess.c: fitting per-column imputation and scaling on training
 *	  rows, and applying it to rows as the image does at predict time.
 *	  encode.c: turning text columns into features (see PgmlEncoder).
 */
#ifndef PGML_PREPROCESS_H
#define PGML_PREPROCESS_H

#include "postgres.h"
#include "utils/jsonb.h"

#include "pgml_job.h"
#include "pgml_model.h"

/*
 * Fit from spec ({"column": {"impute": .., "scale": ..}}) over rows[0..n) of
 * ds.  missing_ok: the model can take missing values (trees), so a feature
 * without an impute rule keeps them; otherwise they are errors.  Returns
 * NULL when the spec is empty.
 */
extern PgmlPreprocess *pgml_preprocess_fit(Jsonb *spec, const PgmlDataset *ds,
										   const int64 *rows, int64 n,
										   bool missing_ok);

/*
 * The encoding of each column of ds ([n_columns]) from spec: the "encode"
 * given, PGML_ENCODE_ORDINAL for other text columns, 0 for numeric ones.
 * "encode" on a numeric column is an error.
 */
extern PgmlEncode *pgml_preprocess_encodings(Jsonb *spec, const PgmlDataset *ds);

/*
 * encode.c: turn the text columns of ds (category indexes, as data.c reads
 * them) into the model's features, in place: ds->x, n_features and
 * column_of are replaced.  Target means come from the training rows
 * rows[0..n) (ds->y: the target, or class indexes).  Sets model->n_inputs,
 * n_encoders and encoders; a relation without text columns is left as is.
 */
extern void pgml_encode_fit(Jsonb *spec, PgmlDataset *ds, const int64 *rows,
							int64 n, PgmlModel *model);

/*
 * Cross-validation folds: re-fit the target encoders of model on the rows
 * rows[0..n) of ds.  Returns a copy of ds->x whose target-encoded features
 * use the new means, and sets *encoders to a copy of model's encoders
 * holding them; returns NULL (and leaves *encoders alone) when the model
 * has no target encoder.
 */
extern float *pgml_encode_refit_target(const PgmlDataset *ds, const PgmlModel *model,
									   const int64 *rows, int64 n,
									   PgmlEncoder **encoders);

/* Transform n rows (n * ds->n_features floats) in place. */
extern void pgml_preprocess_apply(const PgmlPreprocess *p, const PgmlDataset *ds,
								  float *x, int64 n);

#endif							/* PGML_PREPROCESS_H */
