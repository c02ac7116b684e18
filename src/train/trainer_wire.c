/*
 * trainer_wire.c
 *	  The byte formats between a PostgreSQL process and its trainer
 *	  (pgml_trainer.h): the data layout of a fit, scalars, strings and
 *	  arrays, and the fitted fields of a model.  Linked into both
 *	  pgml_train.so and the pgml_trainer executable.
 *
 *	  The parent treats what the trainer sends as untrusted: the trainer
 *	  runs library code that may have been corrupted by the data it read.
 *	  Every count is checked against what is left of the message and
 *	  against the model's shape before anything is copied.
 */
#include "postgres.h"

#include "pgml_trainer.h"

#define LAYOUT_ALIGN	64

/* a + b rounded up to LAYOUT_ALIGN, false on overflow */
static bool
layout_add(Size *at, int64 count, Size elsize)
{
	Size		bytes;

	if (count < 0 || (count > 0 && (Size) count > (SIZE_MAX / 2) / elsize))
		return false;
	bytes = (Size) count * elsize;
	if (*at > SIZE_MAX / 2 - bytes - LAYOUT_ALIGN)
		return false;
	*at = TYPEALIGN(LAYOUT_ALIGN, *at + bytes);
	return true;
}

bool
pgml_trainer_layout(int64 n_rows, int32 n_features, int32 n_y,
					bool has_row_of, PgmlTrainerLayout *layout)
{
	Size		at = 0;

	memset(layout, 0, sizeof(*layout));
	if (n_rows < 0 || n_features < 0 || n_y < 0 || n_y > PGML_MAX_TARGETS)
		return false;
	if (n_features > 0 && n_rows > INT64_MAX / n_features)
		return false;
	layout->x_offset = 0;
	if (!layout_add(&at, n_rows * n_features, sizeof(float)))
		return false;
	if (n_y > 0)
	{
		layout->y_offset = at;
		if (n_rows > INT64_MAX / n_y || !layout_add(&at, n_rows * n_y, sizeof(double)))
			return false;
	}
	if (has_row_of)
	{
		layout->row_of_offset = at;
		if (!layout_add(&at, n_rows, sizeof(int64)))
			return false;
	}
	layout->total = Max(at, LAYOUT_ALIGN);
	return true;
}

void
pgml_wire_put_int32(StringInfo buf, int32 v)
{
	appendBinaryStringInfo(buf, (const char *) &v, sizeof(v));
}

void
pgml_wire_put_int64(StringInfo buf, int64 v)
{
	appendBinaryStringInfo(buf, (const char *) &v, sizeof(v));
}

void
pgml_wire_put_float8(StringInfo buf, double v)
{
	appendBinaryStringInfo(buf, (const char *) &v, sizeof(v));
}

void
pgml_wire_put_bytes(StringInfo buf, const void *data, int64 len)
{
	if (data == NULL)
	{
		pgml_wire_put_int64(buf, -1);
		return;
	}
	pgml_wire_put_int64(buf, len);
	if (len > 0)
		appendBinaryStringInfo(buf, data, (int) len);
}

void
pgml_wire_put_string(StringInfo buf, const char *s)
{
	pgml_wire_put_bytes(buf, s, s ? (int64) strlen(s) : 0);
}

static void
wire_short(PgmlWireReader *r, Size need)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROTOCOL_VIOLATION),
			 errmsg("malformed message from the trainer process"),
			 errdetail("%zu bytes needed at offset %zu of a %zu-byte message.",
					   need, r->pos, r->len)));
}

static const char *
wire_take(PgmlWireReader *r, Size n)
{
	const char *p;

	if (n > r->len - r->pos)
		wire_short(r, n);
	p = r->data + r->pos;
	r->pos += n;
	return p;
}

int32
pgml_wire_get_int32(PgmlWireReader *r)
{
	int32		v;

	memcpy(&v, wire_take(r, sizeof(v)), sizeof(v));
	return v;
}

int64
pgml_wire_get_int64(PgmlWireReader *r)
{
	int64		v;

	memcpy(&v, wire_take(r, sizeof(v)), sizeof(v));
	return v;
}

double
pgml_wire_get_float8(PgmlWireReader *r)
{
	double		v;

	memcpy(&v, wire_take(r, sizeof(v)), sizeof(v));
	return v;
}

char *
pgml_wire_get_bytes(PgmlWireReader *r, int64 *len)
{
	int64		n = pgml_wire_get_int64(r);
	char	   *copy;

	*len = n < 0 ? 0 : n;
	if (n < 0)
		return NULL;
	if ((uint64) n > r->len - r->pos)
		wire_short(r, (Size) n);
	copy = MemoryContextAllocHuge(CurrentMemoryContext, (Size) n + 1);
	memcpy(copy, wire_take(r, (Size) n), (Size) n);
	copy[n] = '\0';
	return copy;
}

char *
pgml_wire_get_string(PgmlWireReader *r)
{
	int64		len;

	return pgml_wire_get_bytes(r, &len);
}

void *
pgml_wire_get_array(PgmlWireReader *r, Size elsize, int64 count)
{
	int64		len;
	char	   *bytes = pgml_wire_get_bytes(r, &len);

	if (bytes == NULL)
		return NULL;
	if (count < 0 || (uint64) count > (uint64) len / elsize ||
		(Size) count * elsize != (Size) len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed message from the trainer process"),
				 errdetail("An array of %lld bytes where %lld elements of %zu bytes were expected.",
						   (long long) len, (long long) count, elsize)));
	return bytes;
}

/* element count a * b, or -1 when it overflows or a count is negative */
static int64
wire_product(int64 a, int64 b)
{
	if (a < 0 || b < 0 || (b > 0 && a > INT64_MAX / b))
		return -1;
	return a * b;
}

void
pgml_wire_put_fit(StringInfo buf, const PgmlModel *m)
{
	int64		nf = m->n_features;

	pgml_wire_put_int32(buf, (int32) m->algorithm);
	pgml_wire_put_int32(buf, (int32) m->output);
	pgml_wire_put_int32(buf, m->n_outputs);
	pgml_wire_put_float8(buf, m->base_margin);

	pgml_wire_put_int32(buf, m->n_trees);
	pgml_wire_put_int32(buf, m->n_nodes);
	pgml_wire_put_bytes(buf, m->tree_group, sizeof(int32) * (int64) m->n_trees);
	pgml_wire_put_bytes(buf, m->tree_offset, sizeof(int32) * ((int64) m->n_trees + 1));
	pgml_wire_put_bytes(buf, m->split_index, sizeof(int32) * (int64) m->n_nodes);
	pgml_wire_put_bytes(buf, m->split_cond, sizeof(float) * (int64) m->n_nodes);
	pgml_wire_put_bytes(buf, m->left_child, sizeof(int32) * (int64) m->n_nodes);
	pgml_wire_put_bytes(buf, m->right_child, sizeof(int32) * (int64) m->n_nodes);
	pgml_wire_put_bytes(buf, m->default_left, sizeof(bool) * (int64) m->n_nodes);
	pgml_wire_put_bytes(buf, m->tree_weight, m->tree_weight ? sizeof(double) * (int64) m->n_trees : 0);

	pgml_wire_put_bytes(buf, m->coef, sizeof(double) * m->n_outputs * nf);
	pgml_wire_put_bytes(buf, m->intercept, sizeof(double) * m->n_outputs);

	pgml_wire_put_int32(buf, m->n_clusters);
	pgml_wire_put_bytes(buf, m->centroids, sizeof(double) * m->n_clusters * nf);

	pgml_wire_put_int32(buf, m->n_components);
	pgml_wire_put_bytes(buf, m->pca_mean, sizeof(double) * nf);
	pgml_wire_put_bytes(buf, m->components, sizeof(double) * m->n_components * nf);

	pgml_wire_put_bytes(buf, m->booster, (int64) m->booster_len);
	pgml_wire_put_string(buf, m->hyperparams_json);
	pgml_wire_put_string(buf, m->metrics_json);
}

/* An array the model's algorithm needs must be there. */
static void
wire_require(const void *p, int64 count, const char *what)
{
	if (count != 0 && p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed message from the trainer process"),
				 errdetail("The fitted model lacks its %s.", what)));
}

void
pgml_wire_get_fit(PgmlWireReader *r, PgmlModel *m)
{
	int64		nf = m->n_features;
	int64		len;

	m->algorithm = (PgmlAlgorithm) pgml_wire_get_int32(r);
	m->output = (PgmlOutput) pgml_wire_get_int32(r);
	m->n_outputs = pgml_wire_get_int32(r);
	m->base_margin = (float) pgml_wire_get_float8(r);

	m->n_trees = pgml_wire_get_int32(r);
	m->n_nodes = pgml_wire_get_int32(r);
	if (m->n_outputs < 0 || m->n_trees < 0 || m->n_nodes < 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed message from the trainer process"),
				 errdetail("Negative counts in a fitted model.")));
	m->tree_group = pgml_wire_get_array(r, sizeof(int32), m->n_trees);
	m->tree_offset = pgml_wire_get_array(r, sizeof(int32), (int64) m->n_trees + 1);
	m->split_index = pgml_wire_get_array(r, sizeof(int32), m->n_nodes);
	m->split_cond = pgml_wire_get_array(r, sizeof(float), m->n_nodes);
	m->left_child = pgml_wire_get_array(r, sizeof(int32), m->n_nodes);
	m->right_child = pgml_wire_get_array(r, sizeof(int32), m->n_nodes);
	m->default_left = pgml_wire_get_array(r, sizeof(bool), m->n_nodes);
	m->tree_weight = pgml_wire_get_array(r, sizeof(double), m->n_trees);

	m->coef = pgml_wire_get_array(r, sizeof(double), wire_product(m->n_outputs, nf));
	m->intercept = pgml_wire_get_array(r, sizeof(double), m->n_outputs);

	m->n_clusters = pgml_wire_get_int32(r);
	m->centroids = pgml_wire_get_array(r, sizeof(double), wire_product(m->n_clusters, nf));

	m->n_components = pgml_wire_get_int32(r);
	m->pca_mean = pgml_wire_get_array(r, sizeof(double), nf);
	m->components = pgml_wire_get_array(r, sizeof(double), wire_product(m->n_components, nf));

	m->booster = pgml_wire_get_bytes(r, &len);
	m->booster_len = (Size) len;
	m->hyperparams_json = pgml_wire_get_string(r);
	m->metrics_json = pgml_wire_get_string(r);
	if (r->pos != r->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("malformed message from the trainer process"),
				 errdetail("%zu bytes left over after a fitted model.", r->len - r->pos)));

	/* what artifact.c will read, by algorithm */
	switch (m->algorithm)
	{
		case PGML_ALGO_XGBOOST:
			wire_require(m->tree_group, m->n_trees, "tree groups");
			wire_require(m->tree_offset, 1, "tree offsets");
			wire_require(m->split_index, m->n_nodes, "nodes");
			wire_require(m->split_cond, m->n_nodes, "nodes");
			wire_require(m->left_child, m->n_nodes, "nodes");
			wire_require(m->right_child, m->n_nodes, "nodes");
			wire_require(m->default_left, m->n_nodes, "nodes");
			if (m->output == PGML_OUTPUT_MEDIAN)
				wire_require(m->tree_weight, m->n_trees, "tree weights");
			break;
		case PGML_ALGO_LINEAR:
		case PGML_ALGO_LOGISTIC:
			wire_require(m->coef, wire_product(m->n_outputs, nf), "coefficients");
			wire_require(m->intercept, m->n_outputs, "intercepts");
			break;
		case PGML_ALGO_KMEANS:
			wire_require(m->centroids, wire_product(m->n_clusters, nf), "centroids");
			break;
		case PGML_ALGO_PCA:
			wire_require(m->pca_mean, nf, "mean");
			wire_require(m->components, wire_product(m->n_components, nf), "components");
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("malformed message from the trainer process"),
					 errdetail("Unknown algorithm %d in a fitted model.", (int) m->algorithm)));
	}
}
