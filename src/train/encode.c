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

/* Mean label per category over the training rows, for a target encoder. */
static void
fit_target(PgmlEncoder *enc, const PgmlDataset *ds, int j, const int64 *rows,
		   int64 n)
{
	double	   *sum = palloc0(sizeof(double) * enc->n_categories);
	int64	   *count = palloc0(sizeof(int64) * enc->n_categories);
	double		total = 0;

	for (int64 i = 0; i < n; i++)
	{
		float		k = ds->x[rows[i] * ds->n_features + j];

		total += ds->y[rows[i]];
		if (isnan(k))
			continue;
		sum[(int32) k] += ds->y[rows[i]];
		count[(int32) k]++;
	}
	enc->unknown_value = n > 0 ? total / n : 0;
	enc->target_value = palloc(sizeof(double) * enc->n_categories);
	for (int32 k = 0; k < enc->n_categories; k++)
		enc->target_value[k] = count[k] > 0 ? sum[k] / count[k] : enc->unknown_value;
	pfree(sum);
	pfree(count);
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

	model->n_inputs = n_inputs;
	model->n_encoders = 0;
	model->encoders = NULL;
	for (int c = 0; c < ds->n_columns; c++)
		if (kind[c] != 0)
			n_encoders++;
	if (n_encoders == 0)
		return;
	if (ds->y == NULL)
		for (int c = 0; c < ds->n_columns; c++)
			if (kind[c] == PGML_ENCODE_TARGET)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("target encoding of column \"%s\" needs a label",
								ds->column_names[c]),
						 errdetail("This task learns without y_column_name."),
						 errhint("Use \"encode\": \"one_hot\" or \"ordinal\".")));

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
				fit_target(enc, ds, j, rows, n);
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
