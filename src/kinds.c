/*-------------------------------------------------------------------------
 *
 * kinds.c
 *	  The routine table of each model kind (include/pgml_kind.h): what
 *	  packs its artifact section (artifact.c), validates and lays out its
 *	  image (image.c) and evaluates a row (tree_eval.c).  The artifact's
 *	  "algorithm" selects the kind; linear and logistic models are one kind.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "pgml_kind.h"
#include "kind_routines.h"

#define TASK(t) (1u << PGML_TASK_##t)
#define OUTPUT(o) (1u << PGML_OUTPUT_##o)

static const PgmlKindRoutine trees = {
	.name = "trees",
	.tasks = TASK(REGRESSION) | TASK(CLASSIFICATION),
	/* XGBoost's objectives, averaged trees, AdaBoost.R2's median */
	.transforms = OUTPUT(IDENTITY) | OUTPUT(EXP) | OUTPUT(MEDIAN) |
	OUTPUT(SIGMOID) | OUTPUT(SOFTMAX) | OUTPUT(PROBA),
	.missing_values = true,
	.pack_fields = pgml_trees_pack_fields,
	.pack = pgml_trees_pack,
	.plan = pgml_trees_plan,
	.write = pgml_trees_write,
	.outputs = pgml_trees_outputs,
	.value = pgml_trees_value,
	.classify = pgml_trees_classify,
	.proba = pgml_trees_proba,
	.class_proba = pgml_trees_class_proba,
};

/*
 * Linear models: regression (artifact "linear") and classification
 * ("logistic") are one kind with the same routines; the artifact's
 * algorithm also says which task the model may serve, hence two entries.
 */
#define LINEAR_ROUTINES \
	.name = "linear", \
	.missing_values = false, \
	.pack_fields = pgml_linear_pack_fields, \
	.pack = pgml_linear_pack, \
	.plan = pgml_linear_plan, \
	.write = pgml_linear_write, \
	.outputs = pgml_linear_outputs, \
	.value = pgml_linear_value

static const PgmlKindRoutine linear_regression = {
	LINEAR_ROUTINES,
	.tasks = TASK(REGRESSION),
	.transforms = OUTPUT(IDENTITY),
};

static const PgmlKindRoutine linear_classification = {
	LINEAR_ROUTINES,
	.tasks = TASK(CLASSIFICATION),
	.transforms = OUTPUT(SIGMOID) | OUTPUT(SOFTMAX),
	.classify = pgml_linear_classify,
	.proba = pgml_linear_proba,
	.class_proba = pgml_linear_class_proba,
};

static const PgmlKindRoutine centroids = {
	.name = "centroids",
	.tasks = TASK(CLUSTERING),
	.transforms = OUTPUT(IDENTITY),
	.missing_values = false,
	.pack_fields = pgml_centroids_pack_fields,
	.pack = pgml_centroids_pack,
	.plan = pgml_matrix_plan,
	.write = pgml_matrix_write,
	.outputs = pgml_centroids_outputs,
	.value = pgml_centroids_value,
};

static const PgmlKindRoutine projection = {
	.name = "projection",
	.tasks = TASK(DECOMPOSITION),
	.transforms = OUTPUT(IDENTITY),
	.missing_values = false,
	.pack_fields = pgml_projection_pack_fields,
	.pack = pgml_projection_pack,
	.plan = pgml_matrix_plan,
	.write = pgml_matrix_write,
	.outputs = pgml_projection_outputs,
	.value = pgml_projection_value,
};

/* by the artifact's algorithm (PgmlAlgorithm) */
static const PgmlKindRoutine *const kind_of_algorithm[] = {
	[PGML_ALGO_XGBOOST] = &trees,
	[PGML_ALGO_LINEAR] = &linear_regression,
	[PGML_ALGO_LOGISTIC] = &linear_classification,
	[PGML_ALGO_KMEANS] = &centroids,
	[PGML_ALGO_PCA] = &projection,
};

/* See pgml_kind.h. */
const PgmlKindRoutine *
pgml_kind_of(int32 algorithm)
{
	if (algorithm < 0 || algorithm >= (int32) lengthof(kind_of_algorithm))
		return NULL;
	return kind_of_algorithm[algorithm];
}
