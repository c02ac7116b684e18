/*
 * pgml_kind.h
 *	  Model kinds: the shapes a trained model takes in its artifact and in
 *	  the shared image, whatever algorithm trained it (docs/architecture.md,
 *	  "Algorithms and model kinds").  Trainers grow with algorithms; the
 *	  artifact and the image grow only with kinds.
 *
 *	  kind        artifact "algorithm"     tasks
 *	  trees       xgboost                  regression, classification
 *	  linear      linear, logistic         regression / classification
 *	  centroids   kmeans                   clustering
 *	  projection  pca                      decomposition
 *
 *	  (The artifact's "algorithm" names the kind, for compatibility with
 *	  0.1.0's artifacts; the algorithm that trained the model is in
 *	  pgml.models.algorithm.  Every algorithm of the tree family, XGBoost's
 *	  and the CART family's, writes "xgboost".)
 *
 *	  Each kind has one routine table, src/kinds.c:
 *
 *	  pack_fields, pack
 *		its section of the artifact: how many map entries, then the entries
 *		(src/artifact.c writes the header, classes, preprocessing, encoders,
 *		booster, hyperparameters and metrics, which every kind has)
 *	  plan, write
 *		validate its keys of an artifact and reserve its arrays in the image,
 *		then fill them once the image is allocated (src/image.c validates
 *		and lays out the rest); the artifact is untrusted: every count,
 *		index and value is checked before use
 *	  outputs, value, classify, proba, class_proba
 *		evaluate one row of n_features float32 values (src/tree_eval.c):
 *		the n_outputs raw values, the prediction of a task that is not
 *		classification, the class index, the n_classes probabilities, the
 *		last two at once; classify, proba and class_proba are NULL for a
 *		kind that serves no classification task.  They read the image and
 *		write only their outputs and their stack (several threads may
 *		evaluate at once)
 *	  transforms
 *		the output transforms (PgmlOutput) its images may have; image.c
 *		checks each against the task and the counts, and asks the kind for
 *		exp, median and proba (sigmoid and softmax follow from the task)
 *	  missing_values
 *		a missing (NaN) feature is a value the kind evaluates (trees: it
 *		follows the default branch); otherwise every feature must be
 *		present or imputed
 *
 *	  A new algorithm of an existing kind needs none of this; a new kind is
 *	  one routine table here and its rows in src/kinds.c.
 */
#ifndef PGML_KIND_H
#define PGML_KIND_H

#include "pgml_model.h"

/* opaque to the table's users: src/artifact.c, src/image.c, image_layout.h */
struct PgmlArtifactWriter;
struct PgmlImageFields;
struct PgmlImage;

typedef struct PgmlKindRoutine
{
	const char *name;
	uint32		tasks;			/* mask of 1 << PgmlTask */
	uint32		transforms;		/* mask of 1 << PgmlOutput: the output
								 * transforms its evaluation applies */
	bool		missing_values;

	/* artifact (src/artifact.c) */
	int			(*pack_fields) (const PgmlModel *m);
	void		(*pack) (struct PgmlArtifactWriter *w, const PgmlModel *m);

	/* image (src/image.c) */
	void	   *(*plan) (const struct PgmlImageFields *f, struct PgmlImage *hdr,
						 uint64 *pos);
	void		(*write) (const struct PgmlImageFields *f,
						  const struct PgmlImage *hdr, char *base, void *plan);

	/* evaluation (src/tree_eval.c) */
	void		(*outputs) (const struct PgmlImage *img, const float *x,
							float *out);
	double		(*value) (const struct PgmlImage *img, const float *x);
	int32		(*classify) (const struct PgmlImage *img, const float *x);
	void		(*proba) (const struct PgmlImage *img, const float *x,
						  float *out);
	int32		(*class_proba) (const struct PgmlImage *img, const float *x,
								float *proba);
} PgmlKindRoutine;

/* The routine table of an artifact's algorithm, or NULL if it has none. */
extern const PgmlKindRoutine *pgml_kind_of(int32 algorithm);

/* Does the kind apply that output transform? */
static inline bool
pgml_kind_transforms(const PgmlKindRoutine *k, PgmlOutput output)
{
	return (k->transforms & (1u << output)) != 0;
}

/* Does the kind serve the task? */
static inline bool
pgml_kind_serves(const PgmlKindRoutine *k, PgmlTask task)
{
	return (k->tasks & (1u << task)) != 0;
}

/*
 * src/artifact.c: pack a model into its msgpack artifact (a palloc'd
 * bytea): the common entries, then its kind's section.
 */
extern bytea *pgml_artifact_pack(const PgmlModel *m);

#endif							/* PGML_KIND_H */
