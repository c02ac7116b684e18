/*
 * pgml_model.h
 *	  The logical content of a trained model, as trainers produce it and as
 *	  the msgpack artifact stores it.
 *
 * Contract:
 *	- Trainers (xgb.c, linear.c) fill a PgmlModel; artifact.c packs it into
 *	  the msgpack artifact stored in pgml.models.artifact.
 *	- image.c (in the preloaded library) validates an artifact and compiles it
 *	  into a flat shared image; it never sees a PgmlModel.
 *	- All arrays are palloc'd in the caller's memory context.
 *
 * Semantics every producer and consumer must follow:
 *	- Trees use XGBoost's own conventions: go left iff x[split] < split_cond
 *	  (float32 compare; equal goes right); a missing value (NaN) goes left iff
 *	  default_left; a leaf (left_child == -1) has its value in split_cond, with
 *	  the learning rate already folded in.  Child indexes are local to a tree.
 *	- margin[g] = base_margin + sum of leaf values of trees with tree_group ==
 *	  g, summed in float32 in tree order.
 *	- Linear: margin[g] = intercept[g] + sum_j coef[g * n_features + j] * x[j],
 *	  in double.
 *	- output turns margins into predictions (see PgmlOutput).
 *	- Classification: classes[] holds the original label values in ascending
 *	  order; a class index k means label classes[k].  Binary models have one
 *	  margin (n_outputs == 1), probability of classes[1].
 */
#ifndef PGML_MODEL_H
#define PGML_MODEL_H

#include "postgres.h"

/*
 * The artifact is one msgpack map (see docs/artifact.md).  Keys every reader
 * may rely on: "magic" (str PGML_ARTIFACT_MAGIC), "version" (uint), and
 * "booster" (bin: XGBoost's own UBJSON model bytes; absent for linear
 * models).
 */
#define PGML_ARTIFACT_MAGIC		"pgml_worker"
#define PGML_MAX_CLASSES		1024	/* the image loader's limit too */
#define PGML_ARTIFACT_VERSION	1
#define PGML_MAX_FEATURES		(1 << 24)	/* features per row */
#define PGML_MAX_TARGETS		1024	/* targets of a joint regression model */

typedef enum PgmlTask
{
	PGML_TASK_REGRESSION = 1,
	PGML_TASK_CLASSIFICATION = 2,
	PGML_TASK_CLUSTERING = 3,	/* no label; predict gives a cluster index */
	PGML_TASK_DECOMPOSITION = 4 /* no label; pgml.decompose gives components */
} PgmlTask;

typedef enum PgmlAlgorithm
{
	PGML_ALGO_XGBOOST = 1,
	PGML_ALGO_LINEAR = 2,		/* linear regression: OLS, ridge, lasso, elastic net */
	PGML_ALGO_LOGISTIC = 3,		/* logistic regression (classification) */
	PGML_ALGO_KMEANS = 4,		/* clustering: nearest centroid */
	PGML_ALGO_PCA = 5			/* decomposition: projection on components */
} PgmlAlgorithm;

/*
 * Preprocessing of one input feature, applied to the raw value before the
 * model sees it, in training (job.c) and in prediction (the image) alike:
 *	 missing (NaN):  impute == PGML_IMPUTE_KEEP  -> stays missing (trees only)
 *					 impute == PGML_IMPUTE_VALUE -> impute_value
 *					 impute == PGML_IMPUTE_ERROR -> an error (predict.c checks)
 *	 then, always:   pgml_preprocess_value(x, center, scale)
 * center 0 and scale 1 mean no scaling.  Everything in double, rounded to
 * float once, by this one function, so training and prediction agree bit
 * for bit.
 */
typedef enum PgmlImpute
{
	PGML_IMPUTE_KEEP = 0,
	PGML_IMPUTE_VALUE = 1,
	PGML_IMPUTE_ERROR = 2
} PgmlImpute;

typedef struct PgmlPreprocess
{
	uint8	   *impute;			/* [n_features] PgmlImpute */
	double	   *impute_value;	/* [n_features] */
	double	   *center;			/* [n_features] */
	double	   *scale;			/* [n_features], never 0 */
} PgmlPreprocess;

/* The one transform of a present (non-NaN, or imputed) feature value. */
static inline float
pgml_preprocess_value(double x, double center, double scale)
{
	return (float) ((x - center) / scale);
}

/*
 * Text feature columns.  A model's inputs are the values a caller supplies,
 * in column order: one per numeric scalar column, one per element of a
 * numeric array column, one per text column.  Its features are what the
 * trees or the linear model see: each numeric input is one feature, and a
 * text input becomes 1 (ordinal, target) or n_categories (one_hot) features
 * through its encoder.  With no encoders, inputs and features coincide.
 *
 * categories are the distinct non-NULL values of the column in the whole
 * relation (training and test rows), in byte order (memcmp over the common
 * length, then the shorter first; COLLATE "C").  A value s is category k
 * when it equals categories[k]; any other value is unknown.
 *	 ordinal:  feature = k;                unknown -> missing (NaN)
 *	 one_hot:  feature + k = 1, others 0;  unknown -> all 0
 *	 target:   feature = (float) target_value[k], the mean label of the
 *			   training rows in category k (for classification, of the class
 *			   index); categories without training rows and unknown values
 *			   -> (float) unknown_value, the mean over all training rows
 *	 NULL:	   every feature of the encoder is missing (NaN)
 * The encoded features then go through preprocessing (impute, scale) like
 * any other feature.
 */
typedef enum PgmlEncode
{
	PGML_ENCODE_ORDINAL = 1,
	PGML_ENCODE_ONE_HOT = 2,
	PGML_ENCODE_TARGET = 3
} PgmlEncode;

/* Largest number of categories of one text column. */
#define PGML_MAX_CATEGORIES		65536
/* Longest category (and text label), bytes. */
#define PGML_MAX_CATEGORY_BYTES	1024

typedef struct PgmlEncoder
{
	int32		input;			/* input index of the text column */
	int32		feature;		/* its first feature */
	PgmlEncode	kind;
	int32		n_categories;	/* >= 1 */
	char	  **categories;		/* [n_categories], NUL-terminated, ascending */
	double	   *target_value;	/* [n_categories], target only */
	double		unknown_value;	/* target only */
} PgmlEncoder;

/*
 * Byte order of names (class names, categories): memcmp over the common
 * length, then the shorter first (COLLATE "C").  The one comparison the
 * writer's sort, the loader's checks and predict's lookups all use.
 */
static inline int
pgml_name_cmp(const char *a, int32 alen, const char *b, int32 blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* Features an encoder writes. */
static inline int32
pgml_encoder_width(PgmlEncode kind, int32 n_categories)
{
	return kind == PGML_ENCODE_ONE_HOT ? n_categories : 1;
}

typedef enum PgmlOutput
{
	PGML_OUTPUT_IDENTITY = 1,	/* prediction = margin */
	PGML_OUTPUT_SIGMOID = 2,	/* binary: p = sigmoid(margin) */
	PGML_OUTPUT_SOFTMAX = 3,	/* multiclass: p = softmax(margins) */
	PGML_OUTPUT_EXP = 4,		/* poisson/gamma/tweedie: exp(margin) */
	PGML_OUTPUT_PROBA = 5,		/* classification by averaged trees: the
								 * margins are the class probabilities
								 * (binary: one margin, p of classes[1]) */
	PGML_OUTPUT_MEDIAN = 6		/* regression by AdaBoost.R2: target k's
								 * prediction is the weighted median, by
								 * tree_weight, of the values of its trees
								 * (tree_group[t] == k; the trees come
								 * target by target), as scikit-learn's
								 * AdaBoostRegressor: sort the values, the
								 * first whose cumulated weight (in double)
								 * reaches half the total */
} PgmlOutput;

typedef struct PgmlModel
{
	PgmlTask	task;
	PgmlAlgorithm algorithm;
	PgmlOutput	output;
	int32		n_features;
	int32		n_outputs;		/* margins per row: 1, n_classes, or a joint
								 * regression model's targets */
	int32		n_classes;		/* 0 for regression */
	double	   *classes;		/* [n_classes], ascending */

	/*
	 * Names of the classes, or NULL.  Set for text labels (names in
	 * ascending byte order; classes[k] = k, so pgml.predict returns the class
	 * index as PostgresML does) and for boolean labels ("false", "true";
	 * classes 0 and 1).  pgml.predict_label returns names[k], or the number
	 * classes[k] as text when there are no names.
	 */
	char	  **class_names;	/* [n_classes] NUL-terminated, or NULL */

	/* tree ensembles (algorithm == PGML_ALGO_XGBOOST) */
	float		base_margin;	/* already in margin space */
	int32		n_trees;
	int32		n_nodes;		/* total over all trees */
	int32	   *tree_group;		/* [n_trees] */
	int32	   *tree_offset;	/* [n_trees + 1], first node of each tree */
	int32	   *split_index;	/* [n_nodes] feature index (leaves: 0) */
	float	   *split_cond;		/* [n_nodes] threshold, or leaf value */
	int32	   *left_child;		/* [n_nodes] tree-local, -1 for a leaf */
	int32	   *right_child;	/* [n_nodes] tree-local, -1 for a leaf */
	bool	   *default_left;	/* [n_nodes] */
	double	   *tree_weight;	/* [n_trees], output median only, each
								 * finite and >= 0 (tree_group: targets) */

	/* linear models */
	double	   *coef;			/* [n_outputs * n_features], row-major */
	double	   *intercept;		/* [n_outputs] */

	/*
	 * k-means (algorithm == PGML_ALGO_KMEANS, task clustering): prediction
	 * is the index of the nearest centroid by squared Euclidean distance
	 * computed in double, ties to the lowest index.  n_outputs = n_clusters.
	 */
	int32		n_clusters;
	double	   *centroids;		/* [n_clusters * n_features] */

	/*
	 * PCA (algorithm == PGML_ALGO_PCA, task decomposition):
	 * out[c] = sum_j components[c * n_features + j] * (x[j] - pca_mean[j]),
	 * in double.  n_outputs = n_components.
	 */
	int32		n_components;
	double	   *pca_mean;		/* [n_features] */
	double	   *components;		/* [n_components * n_features] */

	/* per-feature preprocessing, or NULL for none */
	PgmlPreprocess *preprocess;

	/*
	 * Text inputs, in input order (see PgmlEncoder).  n_encoders == 0 means
	 * n_inputs == n_features.
	 */
	int32		n_inputs;
	int32		n_encoders;
	PgmlEncoder *encoders;		/* [n_encoders] */

	/* XGBoost's own serialized model (UBJSON), for export; may be NULL */
	char	   *booster;
	Size		booster_len;

	/* JSON texts, may be NULL */
	char	   *hyperparams_json;
	char	   *metrics_json;
} PgmlModel;

#endif							/* PGML_MODEL_H */
