/*
 * pgml_image.h
 *	  The shared image: a flat, pointer-free, position-independent layout of
 *	  a model, compiled from its msgpack artifact, that lives in a DSM segment
 *	  and is evaluated in place by any backend.
 *
 *	  image.c	   artifact (untrusted bytes) -> validated image
 *	  tree_eval.c  evaluation of an image on one row of float32 features
 *
 * Contract:
 *	- pgml_image_compile() treats the artifact as untrusted: every count,
 *	  index and offset is checked; a bad artifact raises
 *	  ERRCODE_DATA_CORRUPTED with a detail naming what is wrong, never a crash.
 *	- The image begins with a PgmlImageHeader; everything after it is found by
 *	  offsets from the start of the image.  It is valid at any address
 *	  (8-byte aligned) and is never written after publication.
 *	- Evaluation functions never allocate and never raise errors: the caller
 *	  checks the feature count first.  NaN features are missing values.
 */
#ifndef PGML_IMAGE_H
#define PGML_IMAGE_H

#include "postgres.h"

#define PGML_IMAGE_MAGIC	0x504D4C49	/* "PMLI" */
#define PGML_IMAGE_VERSION	3

typedef struct PgmlImageHeader
{
	uint32		magic;
	uint32		version;
	uint64		total_size;		/* bytes, including this header */
	int32		task;			/* PgmlTask */
	int32		algorithm;		/* PgmlAlgorithm */
	int32		output;			/* PgmlOutput */
	int32		n_features;
	int32		n_outputs;
	int32		n_classes;
	int32		n_inputs;		/* values a caller supplies (see PgmlEncoder) */
	int32		n_encoders;		/* text inputs; 0: inputs are the features */
	/* the rest is private to image.c / tree_eval.c */
} PgmlImageHeader;

/*
 * Validate an artifact and compile it into an image, palloc'd in the current
 * memory context.  *size receives the image size.
 */
extern PgmlImageHeader *pgml_image_compile(const char *artifact, Size len,
										   Size *size);

/* Cheap sanity check of an image already in memory (magic, version, size). */
extern bool pgml_image_check(const void *image, Size size);

/*
 * Hint, for the calling thread, that its next tree-ensemble walk (only the
 * next; an evaluation of another kind of model leaves the hint for the next
 * walk) will probably find the model outside the CPU caches: the first row
 * of a call site.  The trees
 * are then walked so that their cache misses overlap (prefetching);
 * otherwise with fewer instructions.  Results are the same either way.
 */
extern void pgml_image_expect_cold(void);

/*
 * The evaluation functions below read the image and write only their
 * outputs, their stack and the per-thread hint above: they may run on
 * several threads at once (training's held-out evaluation does), as long as
 * those threads call nothing else of PostgreSQL's.
 */

/*
 * Raw outputs for one row: n_outputs values.  For trees, float32 margins
 * after the output transform (probabilities for SIGMOID/SOFTMAX, exp for EXP),
 * equal to XGBoost's own predict output bit for bit.  For linear models, the
 * same transform applied in double and rounded to float.
 */
extern void pgml_image_predict_raw(const PgmlImageHeader *image,
								   const float *x, float *out);

/*
 * The prediction pgml.predict returns for one row: the regression value, or
 * for classification the original label value (classes[argmax]).
 */
extern double pgml_image_predict(const PgmlImageHeader *image, const float *x);

/*
 * Class probabilities for one row, n_classes values (binary models give
 * [1 - p, p]).  Only for classification images.
 */
extern void pgml_image_predict_proba(const PgmlImageHeader *image,
									 const float *x, float *out);

/* Label value of class k (0 <= k < n_classes). */
extern double pgml_image_class_label(const PgmlImageHeader *image, int32 k);

/*
 * Name of class k (0 <= k < n_classes), *len bytes, not NUL-terminated, or
 * NULL when the model's labels are numbers (then use class_label).
 */
extern const char *pgml_image_class_name(const PgmlImageHeader *image, int32 k,
										 int32 *len);

/* Index (0 <= k < n_classes) of the class a row is predicted to be. */
extern int32 pgml_image_predict_class(const PgmlImageHeader *image, const float *x);

/*
 * Both at once: returns the class index and fills proba (n_classes values);
 * for tree ensembles with one walk instead of two.
 */
extern int32 pgml_image_predict_class_proba(const PgmlImageHeader *image,
											const float *x, float *proba);

/*
 * May feature j be missing (NaN) in a row given to this image?  True for
 * tree models unless preprocessing says PGML_IMPUTE_ERROR for it, and for
 * any model whose preprocessing imputes it; false otherwise (linear models,
 * k-means and PCA need every feature).  predict.c raises the error.
 */
extern bool pgml_image_missing_ok(const PgmlImageHeader *image, int32 j);

/*
 * The first feature of row x (n_features values) that is NaN where this
 * image cannot take a missing value, or -1.  A NaN is a missing value, as a
 * NULL is; a tree model without preprocessing takes any, so it returns at
 * once.
 */
extern int32 pgml_image_first_bad_nan(const PgmlImageHeader *image, const float *x);

/*
 * PCA images: the n_outputs components of one row (after preprocessing).
 * k-means images: pgml_image_predict() gives the cluster index (as double).
 */
extern void pgml_image_decompose(const PgmlImageHeader *image, const float *x,
								 float *out);

/*
 * Text inputs (image_encode.c).  Encoder e (0 <= e < n_encoders, in input
 * order) turns input *input into features [*feature, *feature + *width).
 */
extern void pgml_image_encoder(const PgmlImageHeader *image, int32 e,
							   int32 *input, int32 *feature, int32 *width);

/*
 * Write encoder e's features for the text value s (len bytes, no NUL
 * needed) into out[0..width), by the rules of PgmlEncoder.  Returns false
 * when s is not one of the encoder's categories (out is written anyway:
 * missing, zeros or the unknown value).  For a NULL value the caller writes
 * NaN into every feature instead.
 */
extern bool pgml_image_encode(const PgmlImageHeader *image, int32 e,
							  const char *s, int32 len, float *out);

#endif							/* PGML_IMAGE_H */
