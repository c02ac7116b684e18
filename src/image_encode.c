/*-------------------------------------------------------------------------
 *
 * image_encode.c
 *	  Text inputs at predict time: look a value up among an encoder's
 *	  categories in the shared image and write the features it becomes.
 *
 * The categories of an encoder are sorted in byte order, so a lookup is a
 * binary search over the image's name table.  The rules (ordinal, one_hot,
 * target, unknown values) are those of PgmlEncoder in pgml_model.h, which
 * training (src/train/encode.c) follows too, so that a row predicts exactly
 * as it was evaluated.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "pgml_image.h"
#include "pgml_model.h"
#include "image_layout.h"

/* The encoders of an image. */
static inline const PgmlImageEncoder *
encoders_of(const PgmlImageHeader *image)
{
	const PgmlImage *img = (const PgmlImage *) image;

	return PGML_IMAGE_AT(img, img->encoders_off, PgmlImageEncoder);
}

/* Encoder e's input, first feature and width. */
void
pgml_image_encoder(const PgmlImageHeader *image, int32 e, int32 *input,
				   int32 *feature, int32 *width)
{
	const PgmlImageEncoder *enc = &encoders_of(image)[e];

	*input = enc->input;
	*feature = enc->feature;
	*width = pgml_encoder_width((PgmlEncode) enc->kind, enc->n_categories);
}

/* Category index of s among encoder enc's categories, or -1. */
static int32
find_category(const PgmlImage *img, const PgmlImageEncoder *enc,
			  const char *s, int32 len)
{
	const PgmlImageName *names = PGML_IMAGE_AT(img, img->categories_off,
											   PgmlImageName) + enc->first;
	int32		lo = 0,
				hi = enc->n_categories - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int			c = pgml_name_cmp(s, len, (const char *) img + names[mid].off,
									  names[mid].len);

		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Write encoder e's features for text s; false if s is unknown. */
bool
pgml_image_encode(const PgmlImageHeader *image, int32 e, const char *s,
				  int32 len, float *out)
{
	const PgmlImage *img = (const PgmlImage *) image;
	const PgmlImageEncoder *enc = &encoders_of(image)[e];
	int32		k = find_category(img, enc, s, len);

	switch ((PgmlEncode) enc->kind)
	{
		case PGML_ENCODE_ORDINAL:
			out[0] = k >= 0 ? (float) k : NAN;
			break;
		case PGML_ENCODE_ONE_HOT:
			memset(out, 0, sizeof(float) * enc->n_categories);
			if (k >= 0)
				out[k] = 1.0f;
			break;
		case PGML_ENCODE_TARGET:
			out[0] = (float) (k >= 0 ?
							  PGML_IMAGE_AT(img, img->target_off, double)[enc->first + k] :
							  enc->unknown_value);
			break;
	}
	return k >= 0;
}
