/*-------------------------------------------------------------------------
 *
 * preprocess.c
 *	  pgml.train(preprocess => ...): per-column imputation and scaling.
 *
 * The spec is a jsonb object {"column": {"impute": .., "scale": ..,
 * "encode": ..}}.  "encode" (text columns) is read here too, but applied
 * first, by encode.c; impute and scale then apply to the encoded features.
 * Statistics come from the training rows only; they are stored in the model
 * (PgmlPreprocess, one entry per flattened feature) and applied by the image
 * at predict time with the same function, pgml_preprocess_value(), so that
 * training and prediction see identical floats.
 *
 *	impute: error (a missing value is an error; the default for models that
 *			cannot take missing values), mean, median, mode, min, max, zero
 *	scale:	preserve (default), standard (mean, population std), min_max,
 *			max_abs, robust (median, interquartile range), as scikit-learn's
 *			scalers; a zero spread scales by 1.
 *
 * Imputation comes first and scaling statistics are computed on the imputed
 * values, as a scikit-learn pipeline of an imputer and a scaler does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pgml_job.h"
#include "pgml_preprocess.h"

typedef enum ImputeKind
{
	IMPUTE_NONE,
	IMPUTE_ERROR,
	IMPUTE_MEAN,
	IMPUTE_MEDIAN,
	IMPUTE_MODE,
	IMPUTE_MIN,
	IMPUTE_MAX,
	IMPUTE_ZERO
} ImputeKind;

typedef enum ScaleKind
{
	SCALE_PRESERVE,
	SCALE_STANDARD,
	SCALE_MIN_MAX,
	SCALE_MAX_ABS,
	SCALE_ROBUST
} ScaleKind;

static const char *const impute_names[] = {NULL, "error", "mean", "median", "mode",
"min", "max", "zero"};
static const char *const scale_names[] = {"preserve", "standard", "min_max",
"max_abs", "robust"};

/* Index of name in names[0..n), or -1. */
static int
lookup(const char *name, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* qsort comparator for doubles. */
static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Linear-interpolated quantile of sorted v[0..n) (numpy's default). */
static double
quantile(const double *v, int64 n, double q)
{
	double		pos = q * (n - 1);
	int64		lo = (int64) floor(pos);
	int64		hi = Min(lo + 1, n - 1);

	return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

static const char *const encode_names[] = {NULL, "ordinal", "one_hot", "target"};

/* Read one column's spec: {"impute": .., "scale": .., "encode": ..}. */
static void
parse_column_spec(JsonbValue *spec, const char *column, ImputeKind *impute,
				  ScaleKind *scale, PgmlEncode *encode)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (spec->type != jbvBinary || !JsonContainerIsObject(spec->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("preprocess for column \"%s\" must be an object", column),
				 errhint("For example {\"%s\": {\"impute\": \"mean\", \"scale\": \"standard\"}}.", column)));

	it = JsonbIteratorInit(spec->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		char	   *val;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		if (v.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("preprocess \"%s\" of column \"%s\" must be a string", key, column)));
		val = pnstrdup(v.val.string.val, v.val.string.len);
		if (strcmp(key, "impute") == 0)
		{
			int			k = lookup(val, impute_names, lengthof(impute_names));

			if (k < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown impute \"%s\" for column \"%s\"", val, column),
						 errhint("Supported values are error, mean, median, mode, min, max and zero.")));
			*impute = (ImputeKind) k;
		}
		else if (strcmp(key, "scale") == 0)
		{
			int			k = lookup(val, scale_names, lengthof(scale_names));

			if (k < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown scale \"%s\" for column \"%s\"", val, column),
						 errhint("Supported values are preserve, standard, min_max, max_abs and robust.")));
			*scale = (ScaleKind) k;
		}
		else if (strcmp(key, "encode") == 0)
		{
			int			k = lookup(val, encode_names, lengthof(encode_names));

			if (k < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown encode \"%s\" for column \"%s\"", val, column),
						 errhint("Supported values are ordinal, one_hot and target.")));
			*encode = (PgmlEncode) k;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown preprocess key \"%s\" for column \"%s\"", key, column),
					 errhint("Supported keys are impute, scale and encode.")));
	}
}

/* Fit the statistics of one feature over the training rows. */
static void
fit_feature(PgmlPreprocess *p, int j, const PgmlDataset *ds, const int64 *rows,
			int64 n, ImputeKind impute, ScaleKind scale, bool missing_ok,
			const char *column)
{
	double	   *v = palloc(sizeof(double) * Max(n, 1));
	int64		m = 0;
	double		fill = 0;

	for (int64 i = 0; i < n; i++)
	{
		float		x = ds->x[rows[i] * ds->n_features + j];

		if (!isnan(x))
			v[m++] = x;
	}
	qsort(v, m, sizeof(double), cmp_double);

	/* imputation */
	p->impute[j] = missing_ok ? PGML_IMPUTE_KEEP : PGML_IMPUTE_ERROR;
	p->impute_value[j] = 0;
	if (impute != IMPUTE_NONE && impute != IMPUTE_ERROR)
	{
		if (m == 0 && impute != IMPUTE_ZERO)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("cannot impute column \"%s\": it has no values in the training rows",
							column)));
		switch (impute)
		{
			case IMPUTE_MEAN:
				for (int64 i = 0; i < m; i++)
					fill += v[i];
				fill /= m;
				break;
			case IMPUTE_MEDIAN:
				fill = quantile(v, m, 0.5);
				break;
			case IMPUTE_MODE:
				{
					/* most frequent value; the smallest one on ties */
					int64		best = 0,
								run = 0;

					for (int64 i = 0; i < m; i++)
					{
						run = (i > 0 && v[i] == v[i - 1]) ? run + 1 : 1;
						if (run > best)
						{
							best = run;
							fill = v[i];
						}
					}
					break;
				}
			case IMPUTE_MIN:
				fill = v[0];
				break;
			case IMPUTE_MAX:
				fill = v[m - 1];
				break;
			default:
				fill = 0;
				break;
		}
		p->impute[j] = PGML_IMPUTE_VALUE;
		p->impute_value[j] = (float) fill;
		/* scaling statistics see the imputed values too */
		for (int64 i = m; i < n; i++)
			v[i] = p->impute_value[j];
		m = n;
		qsort(v, m, sizeof(double), cmp_double);
	}
	else if (impute == IMPUTE_ERROR)
		p->impute[j] = PGML_IMPUTE_ERROR;

	/* scaling */
	p->center[j] = 0;
	p->scale[j] = 1;
	if (m > 0)
	{
		switch (scale)
		{
			case SCALE_STANDARD:
				{
					double		mean = 0,
								var = 0;

					for (int64 i = 0; i < m; i++)
						mean += v[i];
					mean /= m;
					for (int64 i = 0; i < m; i++)
						var += (v[i] - mean) * (v[i] - mean);
					p->center[j] = mean;
					p->scale[j] = sqrt(var / m);
					break;
				}
			case SCALE_MIN_MAX:
				p->center[j] = v[0];
				p->scale[j] = v[m - 1] - v[0];
				break;
			case SCALE_MAX_ABS:
				p->scale[j] = Max(fabs(v[0]), fabs(v[m - 1]));
				break;
			case SCALE_ROBUST:
				p->center[j] = quantile(v, m, 0.5);
				p->scale[j] = quantile(v, m, 0.75) - quantile(v, m, 0.25);
				break;
			default:
				break;
		}
		if (!(p->scale[j] > 0) || !isfinite(p->scale[j]))
			p->scale[j] = 1;
	}
	pfree(v);
}

/*
 * Parse the whole spec into per-column settings (arrays of n_columns, zero
 * where a column is not named).  Returns false when the spec is empty.
 */
static bool
parse_spec(Jsonb *spec, const PgmlDataset *ds, ImputeKind *impute,
		   ScaleKind *scale, PgmlEncode *encode)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	memset(impute, 0, sizeof(ImputeKind) * ds->n_columns);
	memset(scale, 0, sizeof(ScaleKind) * ds->n_columns);
	memset(encode, 0, sizeof(PgmlEncode) * ds->n_columns);
	if (spec == NULL || !JB_ROOT_IS_OBJECT(spec) || JB_ROOT_COUNT(spec) == 0)
	{
		if (spec != NULL && !JB_ROOT_IS_OBJECT(spec))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("preprocess must be a JSON object keyed by column name")));
		return false;
	}

	it = JsonbIteratorInit(&spec->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *column;
		int			c = -1;

		if (tok != WJB_KEY)
			continue;
		column = pnstrdup(v.val.string.val, v.val.string.len);
		for (int i = 0; i < ds->n_columns; i++)
			if (strcmp(ds->column_names[i], column) == 0)
				c = i;
		if (c < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("preprocess names column \"%s\", which is not a feature column", column)));
		tok = JsonbIteratorNext(&it, &v, true);
		parse_column_spec(&v, column, &impute[c], &scale[c], &encode[c]);
		if (encode[c] != 0 && ds->column_categories[c] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("encode applies to text columns; column \"%s\" is numeric", column),
					 errhint("Remove \"encode\" for this column.")));
	}
	return true;
}

/*
 * The encoding of each column ([n_columns]): the spec's, ordinal for a text
 * column the spec does not encode, 0 for numeric columns.
 */
PgmlEncode *
pgml_preprocess_encodings(Jsonb *spec, const PgmlDataset *ds)
{
	ImputeKind *impute = palloc(sizeof(ImputeKind) * ds->n_columns);
	ScaleKind  *scale = palloc(sizeof(ScaleKind) * ds->n_columns);
	PgmlEncode *encode = palloc(sizeof(PgmlEncode) * ds->n_columns);

	parse_spec(spec, ds, impute, scale, encode);
	for (int c = 0; c < ds->n_columns; c++)
		if (encode[c] == 0 && ds->column_categories[c] != NULL)
			encode[c] = PGML_ENCODE_ORDINAL;
	pfree(impute);
	pfree(scale);
	return encode;
}

/* Fit preprocessing from the spec over the training rows; NULL if none. */
PgmlPreprocess *
pgml_preprocess_fit(Jsonb *spec, const PgmlDataset *ds, const int64 *rows,
					int64 n, bool missing_ok)
{
	PgmlPreprocess *p;
	ImputeKind *impute = palloc(sizeof(ImputeKind) * ds->n_columns);
	ScaleKind  *scale = palloc(sizeof(ScaleKind) * ds->n_columns);
	PgmlEncode *encode = palloc(sizeof(PgmlEncode) * ds->n_columns);
	int			nf = ds->n_features;

	if (!parse_spec(spec, ds, impute, scale, encode))
		return NULL;

	p = palloc(sizeof(PgmlPreprocess));
	p->impute = palloc(sizeof(uint8) * nf);
	p->impute_value = palloc(sizeof(double) * nf);
	p->center = palloc(sizeof(double) * nf);
	p->scale = palloc(sizeof(double) * nf);
	for (int j = 0; j < nf; j++)
	{
		int			c = ds->column_of[j];

		fit_feature(p, j, ds, rows, n, impute[c], scale[c], missing_ok,
					ds->column_names[c]);
	}
	return p;
}

/*
 * Transform rows in place as the image will at predict time.  A missing
 * value whose feature says PGML_IMPUTE_ERROR is an error naming the column.
 */
void
pgml_preprocess_apply(const PgmlPreprocess *p, const PgmlDataset *ds,
					  float *x, int64 n)
{
	int			nf = ds->n_features;

	for (int64 i = 0; i < n; i++)
	{
		float	   *row = x + i * nf;

		for (int j = 0; j < nf; j++)
		{
			double		v = row[j];

			if (isnan(v))
			{
				if (p->impute[j] == PGML_IMPUTE_VALUE)
					v = p->impute_value[j];
				else if (p->impute[j] == PGML_IMPUTE_ERROR)
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("column \"%s\" has a missing value",
									ds->column_names[ds->column_of[j]]),
							 errhint("Impute it with preprocess => '{\"%s\": {\"impute\": \"mean\"}}', or filter the rows.",
									 ds->column_names[ds->column_of[j]])));
				else
					continue;	/* stays missing: trees handle it */
			}
			row[j] = pgml_preprocess_value(v, p->center[j], p->scale[j]);
		}
	}
}
