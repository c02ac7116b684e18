/*-------------------------------------------------------------------------
 *
 * encode.c
 *	  pgml.train(preprocess => '{"col": {"encode": ..}}'): text feature
 *	  columns become numeric features before preprocessing and training.
 *
 * data.c reads a text column as one feature holding the index of its value
 * among the column's distinct values (sorted in byte order, NaN for NULL).
 * Here each text column is expanded, by the rules of PgmlEncoder
 * (pgml_model.h), into the features the model sees:
 *
 *	ordinal   one feature, the category index (the default)
 *	one_hot   one 0/1 feature per category
 *	target    one feature, the mean label of the training rows in the
 *			  category (class index for classification); categories absent
 *			  from the training rows get the mean over all training rows
 *
 * The categories and target means are stored in the model, and the image
 * (src/image_encode.c) applies the same rules to text at predict time.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"

#include "pgml_job.h"
#include "pgml_model.h"
#include "pgml_preprocess.h"
#include "pgml_train.h"

/*
 * Mean label per category over rows[0..n), for a target encoder: code(i) is
 * row i's category index (NaN for NULL), read at codes[i * stride].
 */
static void
fit_target(PgmlEncoder *enc, const double *y, const float *codes, int64 stride,
		   const int64 *rows, int64 n)
{
	double	   *sum = palloc0(sizeof(double) * enc->n_categories);
	int64	   *count = palloc0(sizeof(int64) * enc->n_categories);
	double		total = 0;

	for (int64 i = 0; i < n; i++)
	{
		float		k = codes[rows[i] * stride];

		total += y[rows[i]];
		if (isnan(k))
			continue;
		sum[(int32) k] += y[rows[i]];
		count[(int32) k]++;
	}
	enc->unknown_value = n > 0 ? total / n : 0;
	enc->target_value = palloc(sizeof(double) * enc->n_categories);
	for (int32 k = 0; k < enc->n_categories; k++)
		enc->target_value[k] = count[k] > 0 ? sum[k] / count[k] : enc->unknown_value;
	pfree(sum);
	pfree(count);
}

/* Re-fit the target encoders on other rows (see pgml_preprocess.h). */
float *
pgml_encode_refit_target(const PgmlDataset *ds, const PgmlModel *model,
						 const int64 *rows, int64 n, PgmlEncoder **encoders)
{
	PgmlEncoder *encs;
	float	   *x;
	int			t = 0;

	if (ds->n_target_inputs == 0)
		return NULL;
	encs = palloc(sizeof(PgmlEncoder) * model->n_encoders);
	memcpy(encs, model->encoders, sizeof(PgmlEncoder) * model->n_encoders);
	x = pgml_train_alloc((Size) ds->n_rows * ds->n_features, sizeof(float));
	memcpy(x, ds->x, sizeof(float) * ds->n_rows * ds->n_features);
	for (int e = 0; e < model->n_encoders; e++)
	{
		PgmlEncoder *enc = &encs[e];
		const float *codes = ds->target_codes + t;

		if (enc->kind != PGML_ENCODE_TARGET)
			continue;
		fit_target(enc, ds->y, codes, ds->n_target_inputs, rows, n);
		for (int64 i = 0; i < ds->n_rows; i++)
		{
			float		k = codes[i * ds->n_target_inputs];

			x[i * ds->n_features + enc->feature] =
				isnan(k) ? NAN : (float) enc->target_value[(int32) k];
		}
		t++;
	}
	*encoders = encs;
	return x;
}

/* Encode the text columns of ds into the model's features (see header). */
void
pgml_encode_fit(Jsonb *spec, PgmlDataset *ds, const int64 *rows, int64 n,
				PgmlModel *model)
{
	PgmlEncode *kind = pgml_preprocess_encodings(spec, ds);
	int32		n_inputs = ds->n_features;
	int32		n_encoders = 0;
	int64		n_out = 0;
	int32	   *width = palloc(sizeof(int32) * n_inputs);
	int32	   *out_of = palloc(sizeof(int32) * n_inputs);	/* first feature */
	int32	   *enc_of = palloc(sizeof(int32) * n_inputs);	/* encoder or -1 */
	PgmlEncoder *encs;
	float	   *x;
	int32	   *column_of;
	int32		n_target = 0;

	model->n_inputs = n_inputs;
	model->n_encoders = 0;
	model->encoders = NULL;
	ds->n_target_inputs = 0;
	ds->target_codes = NULL;
	for (int c = 0; c < ds->n_columns; c++)
		if (kind[c] != 0)
			n_encoders++;
	if (n_encoders == 0)
		return;
	for (int c = 0; c < ds->n_columns; c++)
	{
		if (kind[c] != PGML_ENCODE_TARGET)
			continue;
		if (ds->y == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target encoding of column \"%s\" needs a label",
							ds->column_names[c]),
					 errdetail("This task learns without y_column_name."),
					 errhint("Use \"encode\": \"one_hot\" or \"ordinal\".")));
		if (ds->n_targets > 1)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("target encoding of column \"%s\" needs a single label",
							ds->column_names[c]),
					 errdetail("A joint model learns %d targets.", ds->n_targets),
					 errhint("Use \"encode\": \"one_hot\" or \"ordinal\".")));
	}

	/* plan: where each input's features go */
	encs = palloc0(sizeof(PgmlEncoder) * n_encoders);
	n_encoders = 0;
	for (int32 j = 0; j < n_inputs; j++)
	{
		int			c = ds->column_of[j];

		out_of[j] = (int32) n_out;
		enc_of[j] = -1;
		width[j] = 1;
		if (kind[c] != 0)
		{
			PgmlEncoder *enc = &encs[n_encoders];

			enc->input = j;
			enc->feature = (int32) n_out;
			enc->kind = kind[c];
			enc->n_categories = ds->column_n_categories[c];
			enc->categories = ds->column_categories[c];
			if (enc->kind == PGML_ENCODE_TARGET)
			{
				fit_target(enc, ds->y, ds->x + j, n_inputs, rows, n);
				n_target++;
			}
			width[j] = pgml_encoder_width(enc->kind, enc->n_categories);
			enc_of[j] = n_encoders++;
		}
		n_out += width[j];
		if (n_out > PGML_MAX_FEATURES)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("encoding gives more than %d features", PGML_MAX_FEATURES),
					 errdetail("Column \"%s\" has %d categories.", ds->column_names[c],
							   ds->column_n_categories[c]),
					 errhint("Use \"encode\": \"ordinal\" or \"target\" for columns with many values.")));
	}

	/* rewrite the matrix */
	x = pgml_train_alloc((Size) ds->n_rows * n_out, sizeof(float));
	for (int64 i = 0; i < ds->n_rows; i++)
	{
		const float *src = ds->x + i * n_inputs;
		float	   *dst = x + i * n_out;

		for (int32 j = 0; j < n_inputs; j++)
		{
			const PgmlEncoder *enc;
			float		k = src[j];
			float	   *out = dst + out_of[j];

			if (enc_of[j] < 0)
			{
				*out = k;
				continue;
			}
			enc = &encs[enc_of[j]];
			if (isnan(k))
			{
				for (int32 w = 0; w < width[j]; w++)
					out[w] = NAN;
				continue;
			}
			switch (enc->kind)
			{
				case PGML_ENCODE_ORDINAL:
					*out = k;
					break;
				case PGML_ENCODE_ONE_HOT:
					memset(out, 0, sizeof(float) * width[j]);
					out[(int32) k] = 1.0f;
					break;
				case PGML_ENCODE_TARGET:
					*out = (float) enc->target_value[(int32) k];
					break;
			}
		}
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	/* the raw codes of the target-encoded inputs, for re-fits on folds */
	ds->n_target_inputs = n_target;
	ds->target_codes = NULL;
	if (n_target > 0)
	{
		ds->target_codes = pgml_train_alloc((Size) ds->n_rows * n_target, sizeof(float));
		for (int64 i = 0; i < ds->n_rows; i++)
		{
			int32		t = 0;

			for (int e = 0; e < n_encoders; e++)
				if (encs[e].kind == PGML_ENCODE_TARGET)
					ds->target_codes[i * n_target + t++] = ds->x[i * n_inputs + encs[e].input];
		}
	}

	column_of = palloc(sizeof(int32) * n_out);
	for (int32 j = 0; j < n_inputs; j++)
		for (int32 w = 0; w < width[j]; w++)
			column_of[out_of[j] + w] = ds->column_of[j];

	pfree(ds->x);
	ds->x = x;
	ds->n_features = (int32) n_out;
	ds->column_of = column_of;
	model->n_encoders = n_encoders;
	model->encoders = encs;
	pfree(width);
	pfree(out_of);
	pfree(enc_of);
	pfree(kind);
}
