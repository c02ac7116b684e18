/*-------------------------------------------------------------------------
 *
 * matrix.c
 *	  The training rows of k-means and PCA as a double matrix, checked for
 *	  missing and infinite values, with the feature means.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "pgml_train.h"

/* The training rows as doubles, and the feature means (see pgml_train.h). */
void
pgml_train_doubles(const PgmlTrainInput *in, const char *what, double *x,
				   double *mean)
{
	int64		n = in->n_rows;
	int			p = in->n_features;

	memset(mean, 0, sizeof(double) * p);
	for (int64 i = 0; i < n; i++)
		for (int j = 0; j < p; j++)
		{
			double		v = (double) in->x[i * p + j];

			if (!isfinite(v))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("%s does not accept missing or infinite feature values", what),
						 in->row_of ?
						 errdetail("Row %lld of the relation, feature %d, is %s.",
								   (long long) pgml_train_row_number(in, i), j + 1,
								   isnan(v) ? "NaN" : "infinite") :
						 errdetail("Training row %lld, feature %d, is %s.",
								   (long long) i + 1, j + 1,
								   isnan(v) ? "NaN" : "infinite"),
						 errhint("Impute or drop missing values before training.")));
			x[i * p + j] = v;
			mean[j] += v;
		}
	for (int j = 0; j < p; j++)
		mean[j] /= (double) n;
}
