/*
 * artifact.c
 *	  Packs a trained PgmlModel into its durable msgpack artifact, the bytea
 *	  stored in pgml.models.artifact: the entries every model has here, its
 *	  kind's section through the kind's routine table (include/pgml_kind.h;
 *	  the sections are below).  The format is specified in
 *	  docs/artifact.md; image.c is its only reader inside the extension.
 *	  In pgml_worker.so, with the image code, so that each kind's routines
 *	  are in one library; the training library calls it.
 *
 *	  The artifact is one msgpack map.  Scalars are msgpack scalars; every
 *	  array is a msgpack bin holding little-endian fixed-width values, so a
 *	  20 MB ensemble is a handful of memcpy's, not millions of msgpack
 *	  objects.  Bytes are appended straight into a palloc'd buffer that
 *	  already has room for the varlena header, so the result is never copied.
 */
#include "postgres.h"

#include <msgpack.h>

#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "pgml_algorithms.h"
#include "pgml_kind.h"
#include "pgml_model.h"
#include "kind_routines.h"

/* Element types of the array blobs (see docs/artifact.md). */
typedef enum BlobType
{
	BLOB_I32,
	BLOB_F32,
	BLOB_F64,
	BLOB_U8,					/* from bool: 0 or 1 */
	BLOB_U8_RAW					/* from uint8, as is */
} BlobType;

/* msgpack write callback: append bytes to the StringInfo under construction. */
static int
artifact_write(void *data, const char *buf, size_t len)
{
	StringInfo	si = (StringInfo) data;

	if (len > (size_t) (MaxAllocSize - 1 - si->len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model artifact is too large"),
				 errdetail("The packed model exceeds %zu bytes.",
						   (size_t) MaxAllocSize)));
	appendBinaryStringInfo(si, buf, (int) len);
	return 0;
}

/* Pack a str key. */
static void
pack_key(msgpack_packer *pk, const char *key)
{
	size_t		len = strlen(key);

	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, key, len);
}

/* Pack a key followed by a str value. */
static void
pack_str_field(msgpack_packer *pk, const char *key, const char *value)
{
	size_t		len = strlen(value);

	pack_key(pk, key);
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, value, len);
}

/* Pack a key followed by a non-negative integer value. */
static void
pack_uint_field(msgpack_packer *pk, const char *key, int64 value)
{
	Assert(value >= 0);
	pack_key(pk, key);
	msgpack_pack_uint64(pk, (uint64) value);
}

/*
 * Pack a key followed by a bin of n little-endian values of the given type.
 * On a little-endian machine the array is appended as is.
 */
static void
pack_blob_field(msgpack_packer *pk, StringInfo si, const char *key,
				BlobType type, const void *values, int64 n)
{
	size_t		width;
	size_t		nbytes;

	switch (type)
	{
		case BLOB_I32:
		case BLOB_F32:
			width = 4;
			break;
		case BLOB_F64:
			width = 8;
			break;
		default:
			width = 1;
			break;
	}
	if (n < 0 || (uint64) n > (uint64) (MaxAllocSize / width))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model artifact is too large"),
				 errdetail("Array \"%s\" has %lld elements.", key,
						   (long long) n)));
	nbytes = (size_t) n * width;
	if (nbytes > 0 && values == NULL)
		elog(ERROR, "cannot pack model: array \"%s\" is missing", key);

	pack_key(pk, key);
	msgpack_pack_bin(pk, nbytes);
	if (nbytes == 0)
		return;

	if (type == BLOB_U8_RAW)
	{
		msgpack_pack_bin_body(pk, values, nbytes);
		return;
	}
	if (type == BLOB_U8)
	{
		/* bool arrays: one byte 0/1 each, whatever sizeof(bool) is */
		const bool *b = (const bool *) values;
		int64		i;

		enlargeStringInfo(si, (int) nbytes);
		for (i = 0; i < n; i++)
			si->data[si->len++] = b[i] ? 1 : 0;
		si->data[si->len] = '\0';
		return;
	}
#ifdef WORDS_BIGENDIAN
	{
		const uint8 *src = (const uint8 *) values;
		int64		i;
		size_t		k;

		enlargeStringInfo(si, (int) nbytes);
		for (i = 0; i < n; i++)
			for (k = 0; k < width; k++)
				si->data[si->len++] = src[i * width + (width - 1 - k)];
		si->data[si->len] = '\0';
	}
#else
	msgpack_pack_bin_body(pk, values, nbytes);
#endif
}

/*
 * Pack a key followed by an array of n str values (the class names).  The
 * names are NUL-terminated; the terminators are not stored.
 */
static void
pack_str_array_field(msgpack_packer *pk, const char *key, char *const *values,
					 int32 n)
{
	int32		i;

	pack_key(pk, key);
	msgpack_pack_array(pk, (size_t) n);
	for (i = 0; i < n; i++)
	{
		size_t		len;

		if (values[i] == NULL)
			elog(ERROR, "cannot pack model: element %d of \"%s\" is missing",
				 i, key);
		len = strlen(values[i]);
		msgpack_pack_str(pk, len);
		msgpack_pack_str_body(pk, values[i], len);
	}
}

/*
 * Pack the text encoders (see docs/artifact.md, "Text inputs"): n_inputs,
 * and five flat arrays over the encoders and their categories: six fields.
 */
static void
pack_encoders(msgpack_packer *pk, StringInfo si, const PgmlModel *m)
{
	int64		total = 0;
	int32	   *head = palloc(sizeof(int32) * 4 * m->n_encoders);
	int32	   *lens;
	double	   *target;
	double	   *unknown = palloc(sizeof(double) * m->n_encoders);
	StringInfoData bytes;
	int64		k = 0;

	for (int e = 0; e < m->n_encoders; e++)
		total += m->encoders[e].n_categories;
	lens = palloc(sizeof(int32) * Max(total, 1));
	target = palloc0(sizeof(double) * Max(total, 1));
	initStringInfo(&bytes);
	for (int e = 0; e < m->n_encoders; e++)
	{
		const PgmlEncoder *enc = &m->encoders[e];

		head[4 * e] = enc->input;
		head[4 * e + 1] = enc->feature;
		head[4 * e + 2] = (int32) enc->kind;
		head[4 * e + 3] = enc->n_categories;
		unknown[e] = enc->kind == PGML_ENCODE_TARGET ? enc->unknown_value : 0;
		for (int c = 0; c < enc->n_categories; c++, k++)
		{
			lens[k] = strlen(enc->categories[c]);
			appendBinaryStringInfo(&bytes, enc->categories[c], lens[k]);
			if (enc->kind == PGML_ENCODE_TARGET)
				target[k] = enc->target_value[c];
		}
	}
	pack_uint_field(pk, "n_inputs", m->n_inputs);
	pack_blob_field(pk, si, "encoders", BLOB_I32, head, 4 * (int64) m->n_encoders);
	pack_blob_field(pk, si, "category_len", BLOB_I32, lens, total);
	pack_key(pk, "category_bytes");
	msgpack_pack_bin(pk, bytes.len);
	msgpack_pack_bin_body(pk, bytes.data, bytes.len);
	pack_blob_field(pk, si, "target_value", BLOB_F64, target, total);
	pack_blob_field(pk, si, "unknown_value", BLOB_F64, unknown, m->n_encoders);
	pfree(head);
	pfree(lens);
	pfree(target);
	pfree(unknown);
	pfree(bytes.data);
}

/* Name of a task, as stored in the artifact. */
static const char *
task_name(PgmlTask task)
{
	if (task < PGML_TASK_REGRESSION || task > PGML_TASK_DECOMPOSITION)
		elog(ERROR, "unknown model task %d", (int) task);
	return pgml_task_name(task);
}

/* Name of an algorithm, as stored in the artifact. */
static const char *
algorithm_name(PgmlAlgorithm algorithm)
{
	switch (algorithm)
	{
		case PGML_ALGO_XGBOOST:
			return "xgboost";
		case PGML_ALGO_LINEAR:
			return "linear";
		case PGML_ALGO_LOGISTIC:
			return "logistic";
		case PGML_ALGO_KMEANS:
			return "kmeans";
		case PGML_ALGO_PCA:
			return "pca";
	}
	elog(ERROR, "unknown model algorithm %d", (int) algorithm);
	return NULL;
}

/* Name of an output transform, as stored in the artifact. */
static const char *
output_name(PgmlOutput output)
{
	switch (output)
	{
		case PGML_OUTPUT_IDENTITY:
			return "identity";
		case PGML_OUTPUT_SIGMOID:
			return "sigmoid";
		case PGML_OUTPUT_SOFTMAX:
			return "softmax";
		case PGML_OUTPUT_EXP:
			return "exp";
		case PGML_OUTPUT_PROBA:
			return "proba";
		case PGML_OUTPUT_MEDIAN:
			return "median";
	}
	elog(ERROR, "unknown model output %d", (int) output);
	return NULL;
}

/* ----------------------------------------------------------------------
 * The kinds' sections (include/pgml_kind.h; the table is src/kinds.c)
 * ---------------------------------------------------------------------- */

/* what a kind's pack routine writes into */
struct PgmlArtifactWriter
{
	msgpack_packer pk;
	StringInfo	si;
};

/* trees: base_margin .. default_left, and tree_weight for output median */
int
pgml_trees_pack_fields(const PgmlModel *m)
{
	return 10 + (m->output == PGML_OUTPUT_MEDIAN);
}

void
pgml_trees_pack(PgmlArtifactWriter *w, const PgmlModel *m)
{
	msgpack_packer *pk = &w->pk;

	if (m->n_trees < 0 || m->n_nodes < 0)
		elog(ERROR, "cannot pack a model with negative counts");
	pack_key(pk, "base_margin");
	msgpack_pack_float(pk, m->base_margin);
	pack_uint_field(pk, "n_trees", m->n_trees);
	pack_uint_field(pk, "n_nodes", m->n_nodes);
	pack_blob_field(pk, w->si, "tree_group", BLOB_I32, m->tree_group,
					m->n_trees);
	pack_blob_field(pk, w->si, "tree_offset", BLOB_I32, m->tree_offset,
					(int64) m->n_trees + 1);
	pack_blob_field(pk, w->si, "split_index", BLOB_I32, m->split_index,
					m->n_nodes);
	pack_blob_field(pk, w->si, "split_cond", BLOB_F32, m->split_cond,
					m->n_nodes);
	pack_blob_field(pk, w->si, "left_child", BLOB_I32, m->left_child,
					m->n_nodes);
	pack_blob_field(pk, w->si, "right_child", BLOB_I32, m->right_child,
					m->n_nodes);
	pack_blob_field(pk, w->si, "default_left", BLOB_U8, m->default_left,
					m->n_nodes);
	if (m->output == PGML_OUTPUT_MEDIAN)
		pack_blob_field(pk, w->si, "tree_weight", BLOB_F64, m->tree_weight,
						m->n_trees);
}

/* linear: coef, intercept */
int
pgml_linear_pack_fields(const PgmlModel *m)
{
	return 2;
}

void
pgml_linear_pack(PgmlArtifactWriter *w, const PgmlModel *m)
{
	pack_blob_field(&w->pk, w->si, "coef", BLOB_F64, m->coef,
					(int64) m->n_outputs * m->n_features);
	pack_blob_field(&w->pk, w->si, "intercept", BLOB_F64, m->intercept,
					m->n_outputs);
}

/* centroids: n_clusters, centroids */
int
pgml_centroids_pack_fields(const PgmlModel *m)
{
	return 2;
}

void
pgml_centroids_pack(PgmlArtifactWriter *w, const PgmlModel *m)
{
	if (m->n_clusters < 0)
		elog(ERROR, "cannot pack a model with negative counts");
	pack_uint_field(&w->pk, "n_clusters", m->n_clusters);
	pack_blob_field(&w->pk, w->si, "centroids", BLOB_F64, m->centroids,
					(int64) m->n_clusters * m->n_features);
}

/* projection: n_components, pca_mean, components */
int
pgml_projection_pack_fields(const PgmlModel *m)
{
	return 3;
}

void
pgml_projection_pack(PgmlArtifactWriter *w, const PgmlModel *m)
{
	if (m->n_components < 0)
		elog(ERROR, "cannot pack a model with negative counts");
	pack_uint_field(&w->pk, "n_components", m->n_components);
	pack_blob_field(&w->pk, w->si, "pca_mean", BLOB_F64, m->pca_mean,
					m->n_features);
	pack_blob_field(&w->pk, w->si, "components", BLOB_F64, m->components,
					(int64) m->n_components * m->n_features);
}

/* ----------------------------------------------------------------------
 * The artifact
 * ---------------------------------------------------------------------- */

/* Pack a model into its msgpack artifact (a palloc'd bytea). */
bytea *
pgml_artifact_pack(const PgmlModel *m)
{
	StringInfoData si;
	PgmlArtifactWriter w;
	msgpack_packer *pk = &w.pk;
	const PgmlKindRoutine *kind = pgml_kind_of(m->algorithm);
	int			n_fields;
	bytea	   *result;

	if (kind == NULL)
		elog(ERROR, "unknown model algorithm %d", (int) m->algorithm);
	if (m->n_features < 0 || m->n_outputs < 0 || m->n_classes < 0)
		elog(ERROR, "cannot pack a model with negative counts");

	initStringInfo(&si);
	appendStringInfoSpaces(&si, VARHDRSZ);
	w.si = &si;
	msgpack_packer_init(pk, &si, artifact_write);

	/* magic, version, task, algorithm, output, 3 counts, classes */
	n_fields = 9 + kind->pack_fields(m);
	if (m->class_names != NULL)
		n_fields++;
	if (m->preprocess != NULL)
		n_fields += 4;			/* impute, impute_value, center, scale */
	if (m->n_encoders > 0)
		n_fields += 6;			/* n_inputs and the five encoder arrays */
	if (m->booster != NULL)
		n_fields++;
	if (m->hyperparams_json != NULL)
		n_fields++;
	if (m->metrics_json != NULL)
		n_fields++;

	msgpack_pack_map(pk, n_fields);
	pack_str_field(pk, "magic", PGML_ARTIFACT_MAGIC);
	pack_uint_field(pk, "version", PGML_ARTIFACT_VERSION);
	pack_str_field(pk, "task", task_name(m->task));
	pack_str_field(pk, "algorithm", algorithm_name(m->algorithm));
	pack_str_field(pk, "output", output_name(m->output));
	pack_uint_field(pk, "n_features", m->n_features);
	pack_uint_field(pk, "n_outputs", m->n_outputs);
	pack_uint_field(pk, "n_classes", m->n_classes);
	pack_blob_field(pk, &si, "classes", BLOB_F64, m->classes, m->n_classes);
	if (m->class_names != NULL)
		pack_str_array_field(pk, "class_names", m->class_names,
							 m->n_classes);

	kind->pack(&w, m);

	if (m->preprocess != NULL)
	{
		const PgmlPreprocess *pp = m->preprocess;

		/* PgmlImpute values are 0..2: one byte each, as the bool arrays */
		pack_blob_field(pk, &si, "impute", BLOB_U8_RAW, pp->impute,
						m->n_features);
		pack_blob_field(pk, &si, "impute_value", BLOB_F64, pp->impute_value,
						m->n_features);
		pack_blob_field(pk, &si, "center", BLOB_F64, pp->center,
						m->n_features);
		pack_blob_field(pk, &si, "scale", BLOB_F64, pp->scale,
						m->n_features);
	}

	if (m->n_encoders > 0)
		pack_encoders(pk, &si, m);

	if (m->booster != NULL)
	{
		pack_key(pk, "booster");
		msgpack_pack_bin(pk, m->booster_len);
		msgpack_pack_bin_body(pk, m->booster, m->booster_len);
	}
	if (m->hyperparams_json != NULL)
		pack_str_field(pk, "hyperparams", m->hyperparams_json);
	if (m->metrics_json != NULL)
		pack_str_field(pk, "metrics", m->metrics_json);

	result = (bytea *) si.data;
	SET_VARSIZE(result, si.len);
	return result;
}
