/*
 * wire_fuzz.c
 *	  Fuzz the parent's decoder of fitted models from the trainer process
 *	  (pgml_wire_get_fit, src/train/trainer_wire.c), built with
 *	  AddressSanitizer and UBSan by test/unit/wire_fuzz.sh.
 *
 *	  Seeds: a fitted model of each algorithm, encoded by pgml_wire_put_fit.
 *	  Each case mutates one seed (bit flips, a count or length overwritten
 *	  with an extreme value, truncation, appended bytes) and decodes it in
 *	  a PG_TRY (the trainer's runtime shim provides palloc and ereport).  A
 *	  decoded model is then read the way artifact.c packs it, every array
 *	  to the length its counts give: a count that disagrees with its array
 *	  is a sanitizer report, and the program exits non-zero.
 *
 *	  wire_fuzz CASES SEED  ->  "N cases, D decoded, R rejected"
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "utils/memutils.h"

#include "pgml_trainer.h"
#include "../../src/trainer/trainer_runtime.h"

void
pgml_shim_notice(const PgmlShimError *e)
{
}

void
pgml_shim_fatal(const PgmlShimError *e)
{
	fprintf(stderr, "uncaught error: %s\n", e->message ? e->message : "?");
	exit(2);
}

#define NF 4

static uint64 rng_state;

static uint64
rng(void)
{
	uint64		z = (rng_state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static void *
filled(Size n)
{
	char	   *p = palloc0(Max(n, 1));

	for (Size i = 0; i < n; i++)
		p[i] = (char) (i * 7 + 1);
	return p;
}

/* A model of algorithm a as a fit leaves it. */
static void
seed_model(PgmlAlgorithm a, PgmlModel *m)
{
	memset(m, 0, sizeof(*m));
	m->n_features = NF;
	m->algorithm = a;
	m->output = PGML_OUTPUT_IDENTITY;
	m->n_outputs = 1;
	m->hyperparams_json = "{\"k\": 1}";
	switch (a)
	{
		case PGML_ALGO_XGBOOST:
			m->n_trees = 3;
			m->n_nodes = 7;
			m->tree_group = filled(sizeof(int32) * 3);
			m->tree_offset = filled(sizeof(int32) * 4);
			m->split_index = filled(sizeof(int32) * 7);
			m->split_cond = filled(sizeof(float) * 7);
			m->left_child = filled(sizeof(int32) * 7);
			m->right_child = filled(sizeof(int32) * 7);
			m->default_left = filled(sizeof(bool) * 7);
			/* AdaBoost.R2's median: the one output with tree weights */
			m->output = PGML_OUTPUT_MEDIAN;
			m->tree_weight = filled(sizeof(double) * 3);
			m->booster = filled(33);
			m->booster_len = 33;
			break;
		case PGML_ALGO_LINEAR:
		case PGML_ALGO_LOGISTIC:
			m->n_outputs = 2;
			m->coef = filled(sizeof(double) * 2 * NF);
			m->intercept = filled(sizeof(double) * 2);
			break;
		case PGML_ALGO_KMEANS:
			m->n_clusters = 3;
			m->n_outputs = 3;
			m->centroids = filled(sizeof(double) * 3 * NF);
			break;
		case PGML_ALGO_PCA:
			m->n_components = 2;
			m->n_outputs = 2;
			m->pca_mean = filled(sizeof(double) * NF);
			m->components = filled(sizeof(double) * 2 * NF);
			m->metrics_json = "{\"v\": 1}";
			break;
	}
}

static volatile uint64 sink;

static void
touch(const void *p, int64 n)
{
	const unsigned char *b = p;

	for (int64 i = 0; i < n; i++)
		sink += b[i];
}

/* Read what artifact.c would read of a decoded model. */
static void
consume(const PgmlModel *m)
{
	int64		nf = m->n_features;

	switch (m->algorithm)
	{
		case PGML_ALGO_XGBOOST:
			touch(m->tree_group, sizeof(int32) * (int64) m->n_trees);
			touch(m->tree_offset, sizeof(int32) * ((int64) m->n_trees + 1));
			touch(m->split_index, sizeof(int32) * (int64) m->n_nodes);
			touch(m->split_cond, sizeof(float) * (int64) m->n_nodes);
			touch(m->left_child, sizeof(int32) * (int64) m->n_nodes);
			touch(m->right_child, sizeof(int32) * (int64) m->n_nodes);
			touch(m->default_left, sizeof(bool) * (int64) m->n_nodes);
			if (m->output == PGML_OUTPUT_MEDIAN)
				touch(m->tree_weight, sizeof(double) * (int64) m->n_trees);
			break;
		case PGML_ALGO_LINEAR:
		case PGML_ALGO_LOGISTIC:
			touch(m->coef, sizeof(double) * m->n_outputs * nf);
			touch(m->intercept, sizeof(double) * m->n_outputs);
			break;
		case PGML_ALGO_KMEANS:
			touch(m->centroids, sizeof(double) * m->n_clusters * nf);
			break;
		case PGML_ALGO_PCA:
			touch(m->pca_mean, sizeof(double) * nf);
			touch(m->components, sizeof(double) * m->n_components * nf);
			break;
	}
	touch(m->booster, (int64) m->booster_len);
	if (m->hyperparams_json)
		sink += strlen(m->hyperparams_json);
	if (m->metrics_json)
		sink += strlen(m->metrics_json);
}

/*
 * The start and width of every count and length of an encoded fit, found by
 * walking it in pgml_wire_get_fit's order: overwriting one of them is the
 * mutation most likely to break an invariant.
 */
typedef struct Fields
{
	int			n;
	int			at[64];
	int			width[64];
} Fields;

static void
walk(const StringInfoData *seed, Fields *f)
{
	/* 'i': int32, 'd': float8, 'b': length-prefixed bytes */
	static const char order[] = "iiidiibbbbbbbbbbibibbbbb";
	int			pos = 0;

	f->n = 0;
	for (const char *o = order; *o; o++)
	{
		f->at[f->n] = pos;
		if (*o == 'i')
		{
			f->width[f->n++] = 4;
			pos += 4;
		}
		else if (*o == 'd')
			pos += 8;
		else
		{
			int64		len;

			memcpy(&len, seed->data + pos, 8);
			f->width[f->n++] = 8;
			pos += 8 + (len > 0 ? (int) len : 0);
		}
	}
	if (pos != seed->len)
	{
		fprintf(stderr, "walk: %d of %d bytes\n", pos, seed->len);
		exit(1);
	}
}

/* a small count, sometimes negative or beyond what follows */
static int32
pick_count(void)
{
	static const int32 counts[] = {-1, 0, 1, 2, 3, 4, 7, 8, 1000000};

	return counts[rng() % lengthof(counts)];
}

/* an array of about count elements, or none */
static void
put_array(StringInfo s, int64 count, Size elsize)
{
	int64		n = count;

	switch (rng() % 8)
	{
		case 0:
			pgml_wire_put_bytes(s, NULL, 0);
			return;
		case 1:
			n = count + 1;
			break;
		case 2:
			n = count - 1;
			break;
		default:
			break;
	}
	if (n < 0 || n > 4096)
		n = (int64) (rng() % 5);
	pgml_wire_put_bytes(s, filled((Size) n * elsize), (int64) n * (int64) elsize);
}

/*
 * A message written field by field with counts and arrays chosen apart:
 * mostly consistent, sometimes an array missing or one element off.
 */
static void
generate(StringInfo s)
{
	int32		algorithm = (int32) (rng() % 7);
	int32		n_outputs = pick_count();
	int32		n_trees = pick_count();
	int32		n_nodes = pick_count();
	int32		n_clusters = pick_count();
	int32		n_components = pick_count();

	pgml_wire_put_int32(s, algorithm);
	pgml_wire_put_int32(s, (int32) (rng() % 5));
	pgml_wire_put_int32(s, n_outputs);
	pgml_wire_put_float8(s, 0.5);
	pgml_wire_put_int32(s, n_trees);
	pgml_wire_put_int32(s, n_nodes);
	put_array(s, n_trees, sizeof(int32));
	put_array(s, (int64) n_trees + 1, sizeof(int32));
	put_array(s, n_nodes, sizeof(int32));
	put_array(s, n_nodes, sizeof(float));
	put_array(s, n_nodes, sizeof(int32));
	put_array(s, n_nodes, sizeof(int32));
	put_array(s, n_nodes, sizeof(bool));
	put_array(s, (int64) n_outputs * NF, sizeof(double));
	put_array(s, n_outputs, sizeof(double));
	pgml_wire_put_int32(s, n_clusters);
	put_array(s, (int64) n_clusters * NF, sizeof(double));
	pgml_wire_put_int32(s, n_components);
	put_array(s, NF, sizeof(double));
	put_array(s, (int64) n_components * NF, sizeof(double));
	put_array(s, (int64) (rng() % 40), 1);
	pgml_wire_put_string(s, rng() % 2 ? "{}" : NULL);
	pgml_wire_put_string(s, rng() % 2 ? "{}" : NULL);
}

static Fields seed_fields[5];
static int	seed_index;

static void
mutate(StringInfo s)
{
	int			kind = (int) (rng() % 6);

	if (s->len == 0)
		return;
	switch (kind)
	{
		case 0:					/* bit flips */
			for (int i = 1 + (int) (rng() % 8); i > 0; i--)
				s->data[rng() % s->len] ^= (char) (1 << (rng() % 8));
			break;
		case 1:					/* an extreme int32 somewhere */
		case 2:					/* an extreme int64 somewhere */
			{
				static const int64 extremes[] = {-1, 0, 1, 2, 7, 255, 65536, INT32_MAX,
					INT32_MIN, (int64) INT32_MAX + 1, INT64_MAX, INT64_MIN, ((int64) 1 << 33)};
				int64		v = extremes[rng() % lengthof(extremes)];
				int			width = kind == 1 ? 4 : 8;
				int			at;

				if (s->len < width)
					return;
				at = (int) (rng() % (s->len - width + 1));
				if (kind == 1)
				{
					int32		v32 = (int32) v;

					memcpy(s->data + at, &v32, 4);
				}
				else
					memcpy(s->data + at, &v, 8);
				break;
			}
		case 3:					/* truncated */
			s->len = (int) (rng() % s->len);
			break;
		case 4:					/* trailing bytes */
			for (int i = 1 + (int) (rng() % 16); i > 0; i--)
				appendStringInfoChar(s, (char) rng());
			break;
		case 5:					/* a count or a length, extreme or near */
			{
				static const int64 values[] = {-2, -1, 0, 1, 2, 3, 4, 6, 7, 8, 16, 28,
					32, 56, 64, 255, INT32_MAX, INT32_MIN, (int64) INT32_MAX + 1,
				INT64_MAX, INT64_MIN};
				const Fields *f = &seed_fields[seed_index];
				int			which = (int) (rng() % f->n);
				int64		v = values[rng() % lengthof(values)];

				if (f->at[which] + f->width[which] > s->len)
					return;
				if (f->width[which] == 4)
				{
					int32		v32 = (int32) v;

					memcpy(s->data + f->at[which], &v32, 4);
				}
				else
					memcpy(s->data + f->at[which], &v, 8);
				break;
			}
	}
}

int
main(int argc, char **argv)
{
	long		cases = argc > 1 ? atol(argv[1]) : 100000;
	PgmlAlgorithm algos[] = {PGML_ALGO_XGBOOST, PGML_ALGO_LINEAR, PGML_ALGO_LOGISTIC,
	PGML_ALGO_KMEANS, PGML_ALGO_PCA};
	StringInfoData seeds[lengthof(algos)];
	volatile long decoded = 0,
				rejected = 0;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261203;
	for (int a = 0; a < lengthof(algos); a++)
	{
		PgmlModel	m;

		seed_model(algos[a], &m);
		initStringInfo(&seeds[a]);
		pgml_wire_put_fit(&seeds[a], &m);
		walk(&seeds[a], &seed_fields[a]);
	}

	for (long c = 0; c < cases; c++)
	{
		MemoryContext cx = AllocSetContextCreate(TopMemoryContext, "case",
												 ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cx);
		const StringInfoData *seed;
		StringInfoData s;
		PgmlModel	m;
		PgmlWireReader r;
		volatile bool ok = false;

		seed_index = (int) (rng() % lengthof(algos));
		seed = &seeds[seed_index];
		initStringInfo(&s);
		if (c % 2 == 1)
			generate(&s);
		else
		{
			appendBinaryStringInfo(&s, seed->data, seed->len);
			if (c > 0)			/* case 0: an unchanged seed must decode */
				mutate(&s);
		}
		/* a copy of exactly that length, so reads past it are caught */
		r.data = memcpy(palloc(Max(s.len, 1)), s.data, s.len);
		r.len = s.len;
		r.pos = 0;
		memset(&m, 0, sizeof(m));
		m.n_features = NF;
		PG_TRY();
		{
			pgml_wire_get_fit(&r, &m);
			ok = true;
		}
		PG_CATCH();
		{
			const PgmlShimError *e = pgml_shim_last_error();

			if (e->sqlerrcode != ERRCODE_PROTOCOL_VIOLATION)
			{
				fprintf(stderr, "case %ld: unexpected error %d: %s\n", c,
						e->sqlerrcode, e->message);
				exit(1);
			}
		}
		PG_END_TRY();
		if (ok)
		{
			consume(&m);
			decoded++;
		}
		else
			rejected++;
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cx);
	}
	printf("%ld cases, %ld decoded, %ld rejected\n", cases, decoded, rejected);
	return decoded > 0 && rejected > 0 ? 0 : 1;
}
