/*
 * pgml_preprocess.h
 *	  preprocess.c: fitting per-column imputation and scaling on training
 *	  rows, and applying it to rows as the image does at predict time.
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

/* Transform n rows (n * ds->n_features floats) in place. */
extern void pgml_preprocess_apply(const PgmlPreprocess *p, const PgmlDataset *ds,
								  float *x, int64 n);

#endif							/* PGML_PREPROCESS_H */
