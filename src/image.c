/*
 * image.c
 *	  Validates a model artifact (untrusted msgpack bytes, see
 *	  docs/artifact.md) and compiles it into the flat shared image that
 *	  tree_eval.c evaluates in place (see docs/image.md).
 *
 *	  The artifact may have been edited by hand, truncated or damaged, so
 *	  nothing in it is believed before it is checked: the msgpack structure
 *	  is skimmed first (every container count must fit in the remaining
 *	  bytes, nesting is bounded), then every field's type, every count and
 *	  array length, every node index and feature index is checked.  Any
 *	  violation is an ERRCODE_DATA_CORRUPTED error whose detail names it.
 *
 *	  Trees of depth <= PGML_MAX_PADDED_DEPTH are re-laid out as complete
 *	  binary trees (breadth-first, padded to the depth of their block;
 *	  interleaved, or as a top and one-line records: see image_layout.h) so
 *	  the evaluator walks them without branches, PGML_BLOCK_LANES trees at a
 *	  time; deeper trees keep a node-walk layout.  Child indexes are checked
 *	  to be greater than their parent's, so every walk terminates.
 */
#include "postgres.h"

#include <math.h>
#include <msgpack.h>

#include "port/pg_bitutils.h"
#include "port/pg_bswap.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "pgml_image.h"
#include "pgml_kind.h"
#include "pgml_model.h"
#include "image_layout.h"
#include "kind_routines.h"

#define CORRUPT(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_DATA_CORRUPTED), \
			 errmsg("model artifact is corrupted"), \
			 errdetail(__VA_ARGS__), \
			 errhint("Retrain the model, or restore its pgml.models row from a backup.")))

/* Largest nesting of msgpack containers accepted by the skim. */
#define SKIM_MAX_DEPTH		16
/* Largest number of top-level keys accepted. */
#define MAX_FIELDS			64
/* Largest tree and node counts accepted. */
#define MAX_TREES			(1 << 24)
#define MAX_NODES			(INT32_MAX / 2)
/* Deepest tree accepted (bounds the work of one deep-tree walk). */
#define MAX_DEPTH			1024

/* The fields of an artifact that the image compiler reads. */
typedef enum FieldId
{
	F_MAGIC,
	F_VERSION,
	F_TASK,
	F_ALGORITHM,
	F_OUTPUT,
	F_N_FEATURES,
	F_N_OUTPUTS,
	F_N_CLASSES,
	F_CLASSES,
	F_BASE_MARGIN,
	F_N_TREES,
	F_N_NODES,
	F_TREE_GROUP,
	F_TREE_OFFSET,
	F_SPLIT_INDEX,
	F_SPLIT_COND,
	F_LEFT_CHILD,
	F_RIGHT_CHILD,
	F_DEFAULT_LEFT,
	F_COEF,
	F_INTERCEPT,
	F_BOOSTER,
	F_HYPERPARAMS,
	F_METRICS,
	F_N_CLUSTERS,
	F_CENTROIDS,
	F_N_COMPONENTS,
	F_PCA_MEAN,
	F_COMPONENTS,
	F_IMPUTE,
	F_IMPUTE_VALUE,
	F_CENTER,
	F_SCALE,
	F_CLASS_NAMES,
	F_N_INPUTS,
	F_ENCODERS,
	F_CATEGORY_LEN,
	F_CATEGORY_BYTES,
	F_TARGET_VALUE,
	F_UNKNOWN_VALUE,
	F_TREE_WEIGHT,
	F_COUNT
} FieldId;

static const char *const field_names[F_COUNT] = {
	"magic", "version", "task", "algorithm", "output", "n_features",
	"n_outputs", "n_classes", "classes", "base_margin", "n_trees", "n_nodes",
	"tree_group", "tree_offset", "split_index", "split_cond", "left_child",
	"right_child", "default_left", "coef", "intercept", "booster",
	"hyperparams", "metrics", "n_clusters", "centroids", "n_components",
	"pca_mean", "components", "impute", "impute_value", "center", "scale",
	"class_names", "n_inputs", "encoders", "category_len", "category_bytes",
	"target_value", "unknown_value", "tree_weight"
};

/* The artifact's names of tasks, algorithms and outputs, in enum order. */
static const char *const task_names[] = {"regression", "classification",
"clustering", "decomposition"};
static const char *const algo_names[] = {"xgboost", "linear", "logistic",
"kmeans", "pca"};
static const char *const output_names[] = {"identity", "sigmoid",
"softmax", "exp", "proba", "median"};

/* Longest class name accepted, in bytes (the reader's limit for labels). */
#define MAX_CLASS_NAME		PGML_MAX_CATEGORY_BYTES

/* One element of the class_names array: a str inside the artifact, or not. */
typedef struct NameRef
{
	const char *ptr;			/* into the artifact bytes */
	uint32		len;
	msgpack_object_type type;	/* MSGPACK_OBJECT_STR when valid */
} NameRef;

/*
 * The top-level fields, as msgpack objects referencing the artifact bytes
 * (what a kind's plan and write routines read: include/pgml_kind.h).
 */
typedef struct PgmlImageFields
{
	bool		present[F_COUNT];
	msgpack_object obj[F_COUNT];

	/*
	 * class_names, when it is an array: its size, and its elements when
	 * there are at most PGML_MAX_CLASSES of them
	 */
	uint32		n_names;
	NameRef    *names;			/* palloc'd [PGML_MAX_CLASSES] */
} Fields;

/* A little-endian array blob inside the artifact. */
typedef struct Blob
{
	const uint8 *p;
	int64		n;
} Blob;

/* A tree's decoded properties, gathered before the image is laid out. */
typedef struct TreeInfo
{
	int32		depth;
	bool		padded;
} TreeInfo;

/* Read a big-endian unsigned integer of width bytes. */
static uint64
read_be(const uint8 *p, int width)
{
	uint64		v = 0;
	int			i;

	for (i = 0; i < width; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * Skim one msgpack object starting at *pp: check that it is complete, that
 * every container's count can fit in the remaining bytes and that nesting
 * stays under SKIM_MAX_DEPTH.  Advances *pp.  Returns false if malformed.
 * This bounds what msgpack-c allocates for the object tree.
 */
static bool
skim_object(const uint8 **pp, const uint8 *end, int depth)
{
	const uint8 *p = *pp;
	uint8		c;
	uint64		count = 0;		/* container elements */
	uint64		skip = 0;		/* payload bytes */
	bool		container = false;

	if (depth > SKIM_MAX_DEPTH || p >= end)
		return false;
	c = *p++;

#define NEED(n) do { if ((uint64) (end - p) < (uint64) (n)) return false; } while (0)

	if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
		skip = 0;
	else if (c >= 0x80 && c <= 0x8f)
	{
		container = true;
		count = 2 * (uint64) (c & 0x0f);
	}
	else if (c >= 0x90 && c <= 0x9f)
	{
		container = true;
		count = c & 0x0f;
	}
	else if (c >= 0xa0 && c <= 0xbf)
		skip = c & 0x1f;
	else
	{
		switch (c)
		{
			case 0xc4:			/* bin 8/16/32, str 8/16/32 */
			case 0xd9:
				NEED(1);
				skip = read_be(p, 1);
				p += 1;
				break;
			case 0xc5:
			case 0xda:
				NEED(2);
				skip = read_be(p, 2);
				p += 2;
				break;
			case 0xc6:
			case 0xdb:
				NEED(4);
				skip = read_be(p, 4);
				p += 4;
				break;
			case 0xc7:			/* ext 8/16/32: length, type, data */
				NEED(1);
				skip = read_be(p, 1) + 1;
				p += 1;
				break;
			case 0xc8:
				NEED(2);
				skip = read_be(p, 2) + 1;
				p += 2;
				break;
			case 0xc9:
				NEED(4);
				skip = read_be(p, 4) + 1;
				p += 4;
				break;
			case 0xca:			/* float 32/64 */
				skip = 4;
				break;
			case 0xcb:
				skip = 8;
				break;
			case 0xcc:			/* uint/int 8..64 */
			case 0xd0:
				skip = 1;
				break;
			case 0xcd:
			case 0xd1:
				skip = 2;
				break;
			case 0xce:
			case 0xd2:
				skip = 4;
				break;
			case 0xcf:
			case 0xd3:
				skip = 8;
				break;
			case 0xd4:			/* fixext 1/2/4/8/16: type, data */
				skip = 2;
				break;
			case 0xd5:
				skip = 3;
				break;
			case 0xd6:
				skip = 5;
				break;
			case 0xd7:
				skip = 9;
				break;
			case 0xd8:
				skip = 17;
				break;
			case 0xdc:			/* array 16/32 */
				NEED(2);
				container = true;
				count = read_be(p, 2);
				p += 2;
				break;
			case 0xdd:
				NEED(4);
				container = true;
				count = read_be(p, 4);
				p += 4;
				break;
			case 0xde:			/* map 16/32 */
				NEED(2);
				container = true;
				count = 2 * read_be(p, 2);
				p += 2;
				break;
			case 0xdf:
				NEED(4);
				container = true;
				count = 2 * read_be(p, 4);
				p += 4;
				break;
			default:			/* 0xc1 is never used */
				return false;
		}
	}

	if (container)
	{
		uint64		i;

		/* every element takes at least one byte */
		NEED(count);
		for (i = 0; i < count; i++)
			if (!skim_object(&p, end, depth + 1))
				return false;
	}
	else
	{
		NEED(skip);
		p += skip;
	}
#undef NEED
	*pp = p;
	return true;
}

/*
 * Unpack the artifact's top-level map into *f.  The objects kept in *f are
 * scalars, str or bin (which reference the artifact bytes), so the msgpack
 * zone is destroyed before any error is raised.  The one array read,
 * class_names, is copied into f->names (allocated before the zone exists)
 * as references to its str elements.
 */
static void
unpack_fields(const char *artifact, Size len, Fields *f)
{
	const uint8 *p = (const uint8 *) artifact;
	msgpack_unpacked unpacked;
	msgpack_unpack_return ret;
	size_t		off = 0;
	const char *problem = NULL;
	int			dup = -1;

	memset(f, 0, sizeof(*f));
	f->names = palloc(sizeof(NameRef) * PGML_MAX_CLASSES);
	if (artifact == NULL || len == 0)
		CORRUPT("The artifact is empty.");
	if (!skim_object(&p, p + len, 0))
		CORRUPT("The artifact is not a complete msgpack object (truncated or malformed bytes).");
	if ((Size) (p - (const uint8 *) artifact) != len)
		CORRUPT("The artifact has extra bytes after the end of its msgpack object (%zu).",
				(size_t) (len - (p - (const uint8 *) artifact)));

	msgpack_unpacked_init(&unpacked);
	ret = msgpack_unpack_next(&unpacked, artifact, len, &off);
	if (ret != MSGPACK_UNPACK_SUCCESS)
		problem = (ret == MSGPACK_UNPACK_NOMEM_ERROR) ?
			"out of memory" : "malformed msgpack";
	else if (unpacked.data.type != MSGPACK_OBJECT_MAP)
		problem = "not a map";
	else if (unpacked.data.via.map.size > MAX_FIELDS)
		problem = "too many keys";
	else
	{
		uint32		i;

		for (i = 0; i < unpacked.data.via.map.size && problem == NULL; i++)
		{
			const msgpack_object_kv *kv = &unpacked.data.via.map.ptr[i];
			int			k;

			if (kv->key.type != MSGPACK_OBJECT_STR)
			{
				problem = "a key that is not a string";
				break;
			}
			for (k = 0; k < F_COUNT; k++)
			{
				if (kv->key.via.str.size == strlen(field_names[k]) &&
					memcmp(kv->key.via.str.ptr, field_names[k],
						   kv->key.via.str.size) == 0)
					break;
			}
			if (k == F_COUNT)
				continue;		/* unknown keys are ignored */
			if (f->present[k])
			{
				dup = k;
				problem = "duplicate key";
				break;
			}
			if (k == F_CLASS_NAMES && kv->val.type == MSGPACK_OBJECT_ARRAY)
			{
				const msgpack_object_array *arr = &kv->val.via.array;
				uint32		j;

				f->n_names = arr->size;
				for (j = 0; j < arr->size && j < PGML_MAX_CLASSES; j++)
				{
					f->names[j].type = arr->ptr[j].type;
					f->names[j].ptr = NULL;
					f->names[j].len = 0;
					if (arr->ptr[j].type == MSGPACK_OBJECT_STR)
					{
						f->names[j].ptr = arr->ptr[j].via.str.ptr;
						f->names[j].len = arr->ptr[j].via.str.size;
					}
				}
			}
			if (kv->val.type == MSGPACK_OBJECT_ARRAY ||
				kv->val.type == MSGPACK_OBJECT_MAP)
				kv = NULL;		/* containers: keep only the type */
			f->present[k] = true;
			if (kv != NULL)
				f->obj[k] = unpacked.data.via.map.ptr[i].val;
			else
				f->obj[k].type = unpacked.data.via.map.ptr[i].val.type;
		}
	}
	msgpack_unpacked_destroy(&unpacked);

	if (dup >= 0)
		CORRUPT("Key \"%s\" appears more than once.", field_names[dup]);
	if (problem != NULL)
		CORRUPT("The artifact's msgpack top level is invalid: %s.", problem);
}

/* Name of a msgpack object type, for error details. */
static const char *
type_name(msgpack_object_type t)
{
	switch (t)
	{
		case MSGPACK_OBJECT_NIL:
			return "nil";
		case MSGPACK_OBJECT_BOOLEAN:
			return "boolean";
		case MSGPACK_OBJECT_POSITIVE_INTEGER:
			return "positive integer";
		case MSGPACK_OBJECT_NEGATIVE_INTEGER:
			return "negative integer";
		case MSGPACK_OBJECT_FLOAT32:
		case MSGPACK_OBJECT_FLOAT64:
			return "float";
		case MSGPACK_OBJECT_STR:
			return "str";
		case MSGPACK_OBJECT_ARRAY:
			return "array";
		case MSGPACK_OBJECT_MAP:
			return "map";
		case MSGPACK_OBJECT_BIN:
			return "bin";
		case MSGPACK_OBJECT_EXT:
			return "ext";
	}
	return "unknown";
}

/* Return field k, which must be present and of type t. */
static const msgpack_object *
need_field(const Fields *f, FieldId k, msgpack_object_type t)
{
	if (!f->present[k])
		CORRUPT("Key \"%s\" is missing.", field_names[k]);
	if (f->obj[k].type != t &&
		!(t == MSGPACK_OBJECT_FLOAT64 && f->obj[k].type == MSGPACK_OBJECT_FLOAT32))
		CORRUPT("Key \"%s\" has type %s, not %s.", field_names[k],
				type_name(f->obj[k].type), type_name(t));
	return &f->obj[k];
}

/* Return field k as an unsigned integer in [lo, hi]. */
static int64
need_uint(const Fields *f, FieldId k, int64 lo, int64 hi)
{
	const msgpack_object *o = need_field(f, k, MSGPACK_OBJECT_POSITIVE_INTEGER);

	if (o->via.u64 < (uint64) lo || o->via.u64 > (uint64) hi)
		CORRUPT("Key \"%s\" is %llu, outside [%lld, %lld].", field_names[k],
				(unsigned long long) o->via.u64, (long long) lo, (long long) hi);
	return (int64) o->via.u64;
}

/* Return field k, a str, matched against names[]; its index. */
static int
need_enum(const Fields *f, FieldId k, const char *const *names, int n)
{
	const msgpack_object *o = need_field(f, k, MSGPACK_OBJECT_STR);
	int			i;

	for (i = 0; i < n; i++)
		if (o->via.str.size == strlen(names[i]) &&
			memcmp(o->via.str.ptr, names[i], o->via.str.size) == 0)
			return i;
	CORRUPT("Key \"%s\" has an unknown value \"%.*s\".", field_names[k],
			(int) Min(o->via.str.size, 64), o->via.str.ptr);
	return -1;					/* keep compiler quiet */
}

/*
 * Return field k as a bin of exactly n elements of width bytes each.  An
 * empty array may also be absent or nil.
 */
static Blob
need_blob(const Fields *f, FieldId k, int64 n, int width)
{
	Blob		b;
	const msgpack_object *o;

	b.n = n;
	b.p = NULL;
	if (n == 0 && (!f->present[k] || f->obj[k].type == MSGPACK_OBJECT_NIL))
		return b;
	o = need_field(f, k, MSGPACK_OBJECT_BIN);
	if (n < 0 || (uint64) n > (uint64) (SIZE_MAX / width) ||
		(uint64) o->via.bin.size != (uint64) n * width)
		CORRUPT("Key \"%s\" holds %u bytes; %lld values of %d bytes were expected.",
				field_names[k], o->via.bin.size, (long long) n, width);
	b.p = (const uint8 *) o->via.bin.ptr;
	return b;
}

/* Check that optional field k, if present, has type t (or is nil). */
static void
check_optional(const Fields *f, FieldId k, msgpack_object_type t)
{
	if (f->present[k] && f->obj[k].type != MSGPACK_OBJECT_NIL &&
		f->obj[k].type != t)
		CORRUPT("Key \"%s\" has type %s, not %s.", field_names[k],
				type_name(f->obj[k].type), type_name(t));
}

/* Element i of a little-endian int32 blob. */
static inline int32
blob_i32(const Blob *b, int64 i)
{
	uint32		v;

	memcpy(&v, b->p + i * 4, 4);
#ifdef WORDS_BIGENDIAN
	v = pg_bswap32(v);
#endif
	return (int32) v;
}

/* Element i of a little-endian float32 blob. */
static inline float
blob_f32(const Blob *b, int64 i)
{
	uint32		v;
	float		f;

	memcpy(&v, b->p + i * 4, 4);
#ifdef WORDS_BIGENDIAN
	v = pg_bswap32(v);
#endif
	memcpy(&f, &v, 4);
	return f;
}

/* Element i of a little-endian float64 blob. */
static inline double
blob_f64(const Blob *b, int64 i)
{
	uint64		v;
	double		d;

	memcpy(&v, b->p + i * 8, 8);
#ifdef WORDS_BIGENDIAN
	v = pg_bswap64(v);
#endif
	memcpy(&d, &v, 8);
	return d;
}

/* Copy a little-endian float64 blob into native doubles at dst. */
static void
copy_f64(char *dst, const Blob *b)
{
	double	   *d = (double *) dst;
	int64		i;

	for (i = 0; i < b->n; i++)
		d[i] = blob_f64(b, i);
}

/* Whether optional field k is present and not nil. */
static bool
field_given(const Fields *f, FieldId k)
{
	return f->present[k] && f->obj[k].type != MSGPACK_OBJECT_NIL;
}

/* Round a size up to a multiple of 8. */
static inline uint64
align8(uint64 n)
{
	return (n + 7) & ~(uint64) 7;
}

/* Add a section of n bytes to the layout at *pos; return its offset. */
static uint64
reserve(uint64 *pos, uint64 n)
{
	uint64		off = *pos;

	*pos = align8(off + n);
	if (*pos > (uint64) MaxAllocHugeSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model image is too large")));
	return off;
}

/* Compare two trees of a window by padded depth, then tree index. */
static int
cmp_by_depth(const void *a, const void *b, void *arg)
{
	const TreeInfo *info = (const TreeInfo *) arg;
	int32		ta = *(const int32 *) a;
	int32		tb = *(const int32 *) b;

	if (info[ta].depth != info[tb].depth)
		return info[ta].depth < info[tb].depth ? -1 : 1;
	return ta < tb ? -1 : (ta > tb ? 1 : 0);
}

/*
 * Validate the trees (arrays already length-checked) and compute each tree's
 * depth.  Returns the palloc'd TreeInfo array.
 */
static TreeInfo *
check_trees(int32 n_trees, int32 n_nodes, int32 n_features, int32 n_outputs,
			const Blob *group, const Blob *offset, const Blob *split,
			const Blob *cond, const Blob *left, const Blob *right,
			const Blob *dleft)
{
	TreeInfo   *info = palloc0(sizeof(TreeInfo) * Max(n_trees, 1));
	int32	   *depth = palloc(sizeof(int32) * Max(n_nodes, 1));
	uint8	   *parents = palloc0(Max(n_nodes, 1));
	int32		t;

	if (blob_i32(offset, 0) != 0)
		CORRUPT("tree_offset[0] is %d, not 0.", blob_i32(offset, 0));
	if (blob_i32(offset, n_trees) != n_nodes)
		CORRUPT("tree_offset[%d] is %d, not n_nodes (%d).", n_trees,
				blob_i32(offset, n_trees), n_nodes);

	for (t = 0; t < n_trees; t++)
	{
		int32		start = blob_i32(offset, t);
		int32		stop = blob_i32(offset, t + 1);
		int32		g = blob_i32(group, t);
		int32		size;
		int32		i;

		if (stop <= start || stop > n_nodes)
			CORRUPT("tree_offset is not strictly increasing within n_nodes at tree %d (%d, %d).",
					t, start, stop);
		if (g < 0 || g >= n_outputs)
			CORRUPT("tree_group[%d] is %d, outside [0, %d).", t, g, n_outputs);
		size = stop - start;

		for (i = 0; i < size; i++)
		{
			int64		n = (int64) start + i;
			int32		l = blob_i32(left, n);
			int32		r = blob_i32(right, n);
			float		c = blob_f32(cond, n);
			uint8		d = dleft->p[n];

			if (d > 1)
				CORRUPT("default_left of node %d of tree %d is %d, not 0 or 1.",
						i, t, d);
			if (l == -1)
			{
				if (r != -1)
					CORRUPT("Node %d of tree %d has left child -1 but right child %d.",
							i, t, r);
				if (!isfinite(c))
					CORRUPT("Leaf %d of tree %d has a non-finite value.", i, t);
				continue;
			}
			if (l <= i || l >= size || r <= i || r >= size || l == r)
				CORRUPT("Node %d of tree %d has children %d and %d; children must be distinct, greater than the node and less than the tree size %d.",
						i, t, l, r, size);
			if (parents[start + l]++ > 0 || parents[start + r]++ > 0)
				CORRUPT("A node of tree %d has more than one parent.", t);
			if (blob_i32(split, n) < 0 || blob_i32(split, n) >= n_features)
				CORRUPT("split_index of node %d of tree %d is %d, outside [0, %d).",
						i, t, blob_i32(split, n), n_features);
			if (isnan(c))
				CORRUPT("split_cond of node %d of tree %d is NaN.", i, t);
		}

		/* depth, from the last node back: children come after parents */
		for (i = size - 1; i >= 0; i--)
		{
			int64		n = (int64) start + i;
			int32		l = blob_i32(left, n);

			if (l == -1)
				depth[n] = 0;
			else
				depth[n] = 1 + Max(depth[start + l],
								   depth[start + blob_i32(right, n)]);
		}
		info[t].depth = depth[start];
		if (info[t].depth > MAX_DEPTH)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("model tree is too deep"),
					 errdetail("Tree %d has %d levels; at most %d are supported.",
							   t, info[t].depth, MAX_DEPTH)));
		/*
		 * Pad when the tree is shallow enough and padding does not blow its
		 * size up by more than 16 times (for depth > 6).
		 */
		info[t].padded = info[t].depth <= 6 ||
			(info[t].depth <= PGML_MAX_PADDED_DEPTH &&
			 ((int64) 2 << info[t].depth) - 1 <= (int64) 16 * size);
	}
	pfree(depth);
	pfree(parents);
	return info;
}

/*
 * The feature word of a split (see image_layout.h): the region of the
 * three-region feature vector that gives XGBoost's missing-value rule, times
 * n_features, plus the feature index.
 */
static uint32
split_word(int32 n_features, int32 feature, float cond, bool default_left)
{
	uint32		region;

	if (!default_left)
		region = PGML_REGION_NAN_RIGHT;
	else if (cond == -INFINITY)
		region = PGML_REGION_NAN_RAW;
	else
		region = PGML_REGION_NAN_LEFT;
	return region * (uint32) n_features + (uint32) feature;
}

/*
 * Where breadth-first split p (p < 2^D - 1) of lane l of block b is stored,
 * from the start of the image (see PgmlImageBlock).
 */
static uint64
split_at(const PgmlImageBlock *b, int l, int32 p)
{
	int			T = pgml_top_levels(b->depth);
	int			level = pg_leftmost_one_pos32((uint32) p + 1);
	uint64		tree = b->tree_off + (uint64) l * b->tree_size;
	uint32		pos;
	int			sub;

	if (!b->records)
		return b->tree_off +
			((uint64) p * PGML_BLOCK_LANES + l) * sizeof(PgmlImageSplit);
	if (level < T)
		return tree + (uint64) p * sizeof(PgmlImageSplit);
	pos = (uint32) p + 1 - (1U << level);	/* index within its level */
	sub = level - T;			/* level within its record */
	return tree + pgml_top_bytes(T) + (uint64) (pos >> sub) * PGML_RECORD_BYTES +
		(((1U << sub) - 1) + (pos & ((1U << sub) - 1))) * sizeof(PgmlImageSplit);
}

/* Where leaf k (k < 2^D) of lane l of block b is stored. */
static uint64
leaf_at(const PgmlImageBlock *b, int l, int32 k)
{
	int			T = pgml_top_levels(b->depth);

	if (!b->records)
		return b->leaf_off + ((uint64) k * PGML_BLOCK_LANES + l) * sizeof(float);
	return b->tree_off + (uint64) l * b->tree_size + pgml_top_bytes(T) +
		(uint64) (k >> PGML_RECORD_LEVELS) * PGML_RECORD_BYTES +
		PGML_RECORD_LEAVES_AT +
		(uint64) (k & ((1 << PGML_RECORD_LEVELS) - 1)) * sizeof(float);
}

/*
 * Fill lane l of block b with the tree starting at node `start`,
 * breadth-first, propagating a leaf reached early down to the last level
 * (the padding splits it leaves behind go left).
 */
static void
fill_lane(char *base, const PgmlImageBlock *b, int lane, int64 start,
		  int32 n_features, const Blob *split, const Blob *cnd,
		  const Blob *left, const Blob *right, const Blob *dleft)
{
	int			D = b->depth;
	int32		src[(2 << PGML_MAX_PADDED_DEPTH) - 1];
	int32		n_internal = (1 << D) - 1;
	int32		n_all = (2 << D) - 1;
	int32		p;

	src[0] = 0;
	for (p = 0; p < n_all; p++)
	{
		int64		n = start + src[p];
		int32		l = blob_i32(left, n);

		if (p < n_internal)
		{
			PgmlImageSplit *s = (PgmlImageSplit *) (base + split_at(b, lane, p));

			if (l == -1)
			{
				s->word = 0;
				s->cond = get_float4_nan();
				src[2 * p + 1] = src[p];
				src[2 * p + 2] = src[p];
			}
			else
			{
				s->cond = blob_f32(cnd, n);
				s->word = split_word(n_features, blob_i32(split, n), s->cond,
									 dleft->p[n] != 0);
				src[2 * p + 1] = l;
				src[2 * p + 2] = blob_i32(right, n);
			}
		}
		else
		{
			Assert(l == -1);
			*(float *) (base + leaf_at(b, lane, p - n_internal)) = blob_f32(cnd, n);
		}
	}
}

/*
 * Validate the optional class_names field: absent (or nil), or for a
 * classification model an array of exactly n_classes str, each at most
 * MAX_CLASS_NAME bytes without NUL bytes, strictly ascending in byte order.
 * Returns the total bytes of the names, or -1 when there are none.
 */
static int64
check_class_names(const Fields *f, PgmlTask task, const char *task_name,
				  int32 n_classes)
{
	int64		total = 0;
	int32		k;

	if (!field_given(f, F_CLASS_NAMES))
		return -1;
	if (f->obj[F_CLASS_NAMES].type != MSGPACK_OBJECT_ARRAY)
		CORRUPT("Key \"class_names\" has type %s, not array.",
				type_name(f->obj[F_CLASS_NAMES].type));
	if (task != PGML_TASK_CLASSIFICATION)
		CORRUPT("A %s model has class_names.", task_name);
	if (f->n_names != (uint32) n_classes)
		CORRUPT("Key \"class_names\" has %u elements, not n_classes (%d).",
				f->n_names, n_classes);
	for (k = 0; k < n_classes; k++)
	{
		const NameRef *nr = &f->names[k];

		if (nr->type != MSGPACK_OBJECT_STR)
			CORRUPT("Class name %d has type %s, not str.", k,
					type_name(nr->type));
		if (nr->len > MAX_CLASS_NAME)
			CORRUPT("Class name %d is %u bytes long; at most %d are allowed.",
					k, nr->len, MAX_CLASS_NAME);
		if (nr->len > 0 && memchr(nr->ptr, '\0', nr->len) != NULL)
			CORRUPT("Class name %d contains a NUL byte.", k);
		if (k > 0 && pgml_name_cmp(f->names[k - 1].ptr, f->names[k - 1].len,
								   nr->ptr, nr->len) >= 0)
			CORRUPT("Class names are not strictly ascending in byte order at %d.",
					k);
		total += nr->len;
	}
	return total;
}

/* The validated text encoders of an artifact (see check_encoders). */
typedef struct EncoderPlan
{
	int32		n_inputs;
	int32		n_encoders;
	int64		n_categories;	/* over all encoders */
	Blob		head;			/* i32 x 4 per encoder */
	Blob		lens;			/* i32 per category */
	Blob		values;			/* f64 per category */
	Blob		unknown;		/* f64 per encoder */
	const uint8 *bytes;			/* category bytes, back to back */
	int64		n_bytes;
} EncoderPlan;

/*
 * Validate the optional text encoders (keys n_inputs, encoders,
 * category_len, category_bytes, target_value, unknown_value; all or none)
 * against n_features.  Without them the inputs are the features.
 */
static void
check_encoders(const Fields *f, int32 n_features, EncoderPlan *ep)
{
	const msgpack_object *o;
	int64		width_sum = 0;
	int64		at = 0;
	int64		k = 0;
	int32		prev_input = -1;
	bool		given = field_given(f, F_N_INPUTS);

	memset(ep, 0, sizeof(*ep));
	ep->n_inputs = n_features;
	if (field_given(f, F_ENCODERS) != given ||
		field_given(f, F_CATEGORY_LEN) != given ||
		field_given(f, F_CATEGORY_BYTES) != given ||
		field_given(f, F_TARGET_VALUE) != given ||
		field_given(f, F_UNKNOWN_VALUE) != given)
		CORRUPT("The encoder keys (n_inputs, encoders, category_len, category_bytes, target_value, unknown_value) are not all present.");
	if (!given)
		return;

	ep->n_inputs = (int32) need_uint(f, F_N_INPUTS, 1, n_features);
	o = need_field(f, F_ENCODERS, MSGPACK_OBJECT_BIN);
	if (o->via.bin.size == 0 || o->via.bin.size % 16 != 0 ||
		o->via.bin.size / 16 > (uint32) ep->n_inputs)
		CORRUPT("Key \"encoders\" holds %u bytes, not 16 for each of 1 to n_inputs (%d) encoders.",
				o->via.bin.size, ep->n_inputs);
	ep->n_encoders = (int32) (o->via.bin.size / 16);
	ep->head = need_blob(f, F_ENCODERS, 4 * (int64) ep->n_encoders, 4);
	for (int32 e = 0; e < ep->n_encoders; e++)
	{
		int32		input = blob_i32(&ep->head, 4 * e);
		int32		feature = blob_i32(&ep->head, 4 * e + 1);
		int32		kind = blob_i32(&ep->head, 4 * e + 2);
		int32		n_cat = blob_i32(&ep->head, 4 * e + 3);

		if (input <= prev_input || input >= ep->n_inputs)
			CORRUPT("Encoder %d has input %d; inputs must ascend within [0, %d).",
					e, input, ep->n_inputs);
		if (kind < PGML_ENCODE_ORDINAL || kind > PGML_ENCODE_TARGET)
			CORRUPT("Encoder %d has kind %d, not 1, 2 or 3.", e, kind);
		if (n_cat < 1 || n_cat > PGML_MAX_CATEGORIES)
			CORRUPT("Encoder %d has %d categories, outside [1, %d].", e, n_cat,
					PGML_MAX_CATEGORIES);
		if ((int64) feature != input + width_sum)
			CORRUPT("Encoder %d starts at feature %d, not %lld.", e, feature,
					(long long) (input + width_sum));
		width_sum += pgml_encoder_width((PgmlEncode) kind, n_cat) - 1;
		ep->n_categories += n_cat;
		prev_input = input;
	}
	if ((int64) ep->n_inputs + width_sum != n_features)
		CORRUPT("n_inputs (%d) and the encoders give %lld features, not n_features (%d).",
				ep->n_inputs, (long long) (ep->n_inputs + width_sum), n_features);

	ep->lens = need_blob(f, F_CATEGORY_LEN, ep->n_categories, 4);
	ep->values = need_blob(f, F_TARGET_VALUE, ep->n_categories, 8);
	ep->unknown = need_blob(f, F_UNKNOWN_VALUE, ep->n_encoders, 8);
	o = need_field(f, F_CATEGORY_BYTES, MSGPACK_OBJECT_BIN);
	ep->bytes = (const uint8 *) o->via.bin.ptr;
	ep->n_bytes = o->via.bin.size;
	for (int32 e = 0; e < ep->n_encoders; e++)
	{
		int32		n_cat = blob_i32(&ep->head, 4 * e + 3);
		bool		target = blob_i32(&ep->head, 4 * e + 2) == PGML_ENCODE_TARGET;
		const uint8 *prev = NULL;
		int32		prev_len = 0;

		if (target && !isfinite(blob_f64(&ep->unknown, e)))
			CORRUPT("unknown_value[%d] is not finite.", e);
		for (int32 c = 0; c < n_cat; c++, k++)
		{
			int32		len = blob_i32(&ep->lens, k);
			const uint8 *name = ep->bytes + at;

			if (len < 0 || len > PGML_MAX_CATEGORY_BYTES || len > ep->n_bytes - at)
				CORRUPT("Category %lld has length %d, outside [0, %d] or past the end of category_bytes.",
						(long long) k, len, PGML_MAX_CATEGORY_BYTES);
			if (len > 0 && memchr(name, '\0', len) != NULL)
				CORRUPT("Category %lld contains a NUL byte.", (long long) k);
			if (prev != NULL && pgml_name_cmp((const char *) prev, prev_len,
											  (const char *) name, len) >= 0)
				CORRUPT("The categories of encoder %d are not strictly ascending in byte order at %d.",
						e, c);
			if (target && !isfinite(blob_f64(&ep->values, k)))
				CORRUPT("target_value[%lld] is not finite.", (long long) k);
			prev = name;
			prev_len = len;
			at += len;
		}
	}
	if (at != ep->n_bytes)
		CORRUPT("Key \"category_bytes\" holds %lld bytes; the lengths add up to %lld.",
				(long long) ep->n_bytes, (long long) at);
}

/* Reserve the encoder sections of the image (see PgmlImageEncoder). */
static void
reserve_encoders(const EncoderPlan *ep, PgmlImage *hdr, uint64 *pos,
				 uint64 *bytes_off)
{
	hdr->pub.n_inputs = ep->n_inputs;
	hdr->pub.n_encoders = ep->n_encoders;
	if (ep->n_encoders == 0)
		return;
	hdr->encoders_off = reserve(pos, (uint64) ep->n_encoders * sizeof(PgmlImageEncoder));
	hdr->categories_off = reserve(pos, (uint64) ep->n_categories * sizeof(PgmlImageName));
	hdr->target_off = reserve(pos, (uint64) ep->n_categories * sizeof(double));
	*bytes_off = reserve(pos, (uint64) ep->n_bytes);
}

/* Write the encoder sections reserved by reserve_encoders. */
static void
write_encoders(const EncoderPlan *ep, char *base, const PgmlImage *hdr,
			   uint64 bytes_off)
{
	PgmlImageEncoder *encs;
	PgmlImageName *names;
	double	   *values;
	uint64		at = bytes_off;
	int64		k = 0;

	if (ep->n_encoders == 0)
		return;
	encs = (PgmlImageEncoder *) (base + hdr->encoders_off);
	names = (PgmlImageName *) (base + hdr->categories_off);
	values = (double *) (base + hdr->target_off);
	if (ep->n_bytes > 0)
		memcpy(base + bytes_off, ep->bytes, ep->n_bytes);
	for (int32 e = 0; e < ep->n_encoders; e++)
	{
		PgmlImageEncoder *enc = &encs[e];

		enc->input = blob_i32(&ep->head, 4 * e);
		enc->feature = blob_i32(&ep->head, 4 * e + 1);
		enc->kind = blob_i32(&ep->head, 4 * e + 2);
		enc->n_categories = blob_i32(&ep->head, 4 * e + 3);
		enc->first = (int32) k;
		enc->unknown_value = blob_f64(&ep->unknown, e);
		for (int32 c = 0; c < enc->n_categories; c++, k++)
		{
			names[k].off = at;
			names[k].len = blob_i32(&ep->lens, k);
			values[k] = blob_f64(&ep->values, k);
			at += names[k].len;
		}
	}
}

/*
 * The model kinds' plan and write routines (include/pgml_kind.h; the table
 * is src/kinds.c).  Each validates its own keys of the artifact and
 * reserves its arrays in the image (plan), then writes them once the image
 * is allocated (write); the header, classes, class names, encoders and
 * preprocessing are every kind's (pgml_image_compile).
 */

/* Dense matrices of k-means (centroids) and PCA (mean, components). */
typedef struct MatrixPlan
{
	bool		kmeans;
	Blob		matrix;
	Blob		mean;
} MatrixPlan;

void *
pgml_matrix_plan(const Fields *f, PgmlImage *hdr, uint64 *pos)
{
	MatrixPlan *mp = palloc0(sizeof(MatrixPlan));
	bool		kmeans = (hdr->pub.algorithm == PGML_ALGO_KMEANS);
	int32		n_features = hdr->pub.n_features;
	int32		n_outputs = hdr->pub.n_outputs;
	FieldId		count_field = kmeans ? F_N_CLUSTERS : F_N_COMPONENTS;
	FieldId		matrix_field = kmeans ? F_CENTROIDS : F_COMPONENTS;
	int32		n_rows = (int32) need_uint(f, count_field, 1, PGML_MAX_CLASSES);
	int64		i;

	if (n_rows != n_outputs)
		CORRUPT("Key \"%s\" is %d, not n_outputs (%d).",
				field_names[count_field], n_rows, n_outputs);
	mp->kmeans = kmeans;
	mp->matrix = need_blob(f, matrix_field, (int64) n_rows * n_features, 8);
	for (i = 0; i < mp->matrix.n; i++)
		if (!isfinite(blob_f64(&mp->matrix, i)))
			CORRUPT("Value %lld of \"%s\" is not finite.", (long long) i,
					field_names[matrix_field]);
	if (!kmeans)
	{
		mp->mean = need_blob(f, F_PCA_MEAN, n_features, 8);
		for (i = 0; i < mp->mean.n; i++)
			if (!isfinite(blob_f64(&mp->mean, i)))
				CORRUPT("Value %lld of \"pca_mean\" is not finite.",
						(long long) i);
		hdr->pca_mean_off = reserve(pos, (uint64) n_features * sizeof(double));
	}
	if (kmeans)
		hdr->centroids_off = reserve(pos, (uint64) mp->matrix.n * sizeof(double));
	else
		hdr->components_off = reserve(pos, (uint64) mp->matrix.n * sizeof(double));
	return mp;
}

void
pgml_matrix_write(const Fields *f, const PgmlImage *hdr, char *base, void *plan)
{
	MatrixPlan *mp = (MatrixPlan *) plan;

	copy_f64(base + (mp->kmeans ? hdr->centroids_off : hdr->components_off),
			 &mp->matrix);
	if (!mp->kmeans)
		copy_f64(base + hdr->pca_mean_off, &mp->mean);
}

/* Linear and logistic models: coefficients and intercepts. */
typedef struct LinearPlan
{
	Blob		coef;
	Blob		icpt;
} LinearPlan;

void *
pgml_linear_plan(const Fields *f, PgmlImage *hdr, uint64 *pos)
{
	LinearPlan *lp = palloc0(sizeof(LinearPlan));
	int32		n_outputs = hdr->pub.n_outputs;
	int64		i;

	lp->coef = need_blob(f, F_COEF, (int64) n_outputs * hdr->pub.n_features, 8);
	lp->icpt = need_blob(f, F_INTERCEPT, n_outputs, 8);
	for (i = 0; i < lp->coef.n; i++)
		if (!isfinite(blob_f64(&lp->coef, i)))
			CORRUPT("Coefficient %lld is not finite.", (long long) i);
	for (i = 0; i < lp->icpt.n; i++)
		if (!isfinite(blob_f64(&lp->icpt, i)))
			CORRUPT("Intercept %lld is not finite.", (long long) i);
	hdr->coef_off = reserve(pos, (uint64) lp->coef.n * sizeof(double));
	hdr->intercept_off = reserve(pos, (uint64) lp->icpt.n * sizeof(double));
	return lp;
}

void
pgml_linear_write(const Fields *f, const PgmlImage *hdr, char *base, void *plan)
{
	LinearPlan *lp = (LinearPlan *) plan;

	copy_f64(base + hdr->coef_off, &lp->coef);
	copy_f64(base + hdr->intercept_off, &lp->icpt);
}

/* Tree ensembles: what the write needs of the validated artifact. */
typedef struct TreePlan
{
	int32		n_trees;
	int32		n_nodes;
	Blob		group,
				weight,
				offset,
				split,
				cond,
				left,
				right,
				dleft;
	TreeInfo   *info;
	int32	   *order;
	int32		n_windows,
				n_blocks,
				n_deep;
	PgmlImageWindow *windows;
	PgmlImageBlock *blocks;
	PgmlImageDeep *deep;
	int32	   *lane_tree;
	int32	   *deep_tree;
} TreePlan;

/*
 * Tree ensembles (algorithm xgboost, and every CART model): validate the
 * trees and plan their layout (windows of consecutive trees; in each,
 * blocks of trees of one depth walked lane by lane, deeper trees node by
 * node).
 */
void *
pgml_trees_plan(const Fields *f, PgmlImage *hdr, uint64 *pos)
{
	TreePlan   *tp = palloc0(sizeof(TreePlan));
	int32		n_features = hdr->pub.n_features;
	int32		n_outputs = hdr->pub.n_outputs;
	PgmlOutput	output = (PgmlOutput) hdr->pub.output;
	const msgpack_object *o;
	int32		k;
	int32		w;
	int32		max_blocks;
	int32		window_trees;

	tp->n_trees = (int32) need_uint(f, F_N_TREES, 0, MAX_TREES);
	tp->n_nodes = (int32) need_uint(f, F_N_NODES, 0, MAX_NODES);

	o = need_field(f, F_BASE_MARGIN, MSGPACK_OBJECT_FLOAT64);
	hdr->base_margin = (float) o->via.f64;
	if (!isfinite(hdr->base_margin))
		CORRUPT("base_margin is not finite.");
	if (tp->n_nodes < tp->n_trees)
		CORRUPT("n_nodes (%d) is less than n_trees (%d).", tp->n_nodes, tp->n_trees);

	tp->group = need_blob(f, F_TREE_GROUP, tp->n_trees, 4);
	tp->offset = need_blob(f, F_TREE_OFFSET, (int64) tp->n_trees + 1, 4);
	tp->split = need_blob(f, F_SPLIT_INDEX, tp->n_nodes, 4);
	tp->cond = need_blob(f, F_SPLIT_COND, tp->n_nodes, 4);
	tp->left = need_blob(f, F_LEFT_CHILD, tp->n_nodes, 4);
	tp->right = need_blob(f, F_RIGHT_CHILD, tp->n_nodes, 4);
	tp->dleft = need_blob(f, F_DEFAULT_LEFT, tp->n_nodes, 1);

	/*
	 * a median model: each tree its own margin (the image's groups are
	 * 0 .. n_trees - 1), the trees' weights, and which trees are whose:
	 * the artifact's groups are targets, the trees target by target
	 */
	hdr->n_groups = n_outputs;
	if (output == PGML_OUTPUT_MEDIAN)
	{
		int32		prev = -1;

		if (tp->n_trees > PGML_MAX_CLASSES)
			CORRUPT("A median model has %d trees, more than %d.", tp->n_trees,
					PGML_MAX_CLASSES);
		tp->weight = need_blob(f, F_TREE_WEIGHT, tp->n_trees, 8);
		for (k = 0; k < tp->n_trees; k++)
		{
			double		wk = blob_f64(&tp->weight, k);
			int32		g = blob_i32(&tp->group, k);

			if (!(isfinite(wk) && wk >= 0.0))
				CORRUPT("tree_weight[%d] is %g, not a finite number >= 0.", k, wk);
			if (g != Max(prev, 0) && g != prev + 1)
				CORRUPT("tree_group[%d] of a median model is %d; its trees must come target by target, from 0 to %d.",
						k, g, n_outputs - 1);
			prev = g;
		}
		if (prev != n_outputs - 1)
			CORRUPT("The trees of a median model cover %d of its %d targets.",
					prev + 1, n_outputs);
		hdr->n_groups = tp->n_trees;
	}
	else if (f->present[F_TREE_WEIGHT])
		CORRUPT("Key \"tree_weight\" is present, but the output is \"%s\", not \"median\".",
				output_names[output - 1]);

	tp->info = check_trees(tp->n_trees, tp->n_nodes, n_features,
						   output == PGML_OUTPUT_MEDIAN ? n_outputs : hdr->n_groups, &tp->group,
					   &tp->offset, &tp->split, &tp->cond, &tp->left, &tp->right, &tp->dleft);

	/*
	 * Round-robin groups (XGBoost's multiclass layout: each round adds
	 * one tree per class) let the evaluator sum all classes at once.
	 */
	hdr->round_robin = (output != PGML_OUTPUT_MEDIAN && hdr->n_groups >= 2 && hdr->n_groups <= PGML_RR_MAX_GROUPS &&
					   tp->n_trees % hdr->n_groups == 0);
	for (k = 0; k < tp->n_trees && hdr->round_robin; k++)
		if (blob_i32(&tp->group, k) != k % hdr->n_groups)
			hdr->round_robin = false;
	window_trees = PGML_WINDOW_TREES;
	if (hdr->round_robin)
		window_trees -= PGML_WINDOW_TREES % hdr->n_groups;

	/* plan: windows of consecutive trees, padded trees sorted by depth */
	tp->n_windows = (tp->n_trees + window_trees - 1) / window_trees;
	max_blocks = tp->n_trees / PGML_BLOCK_LANES + tp->n_windows + 1;
	tp->windows = palloc0(sizeof(PgmlImageWindow) * Max(tp->n_windows, 1));
	tp->blocks = palloc0(sizeof(PgmlImageBlock) * max_blocks);
	tp->lane_tree = palloc(sizeof(int32) * PGML_BLOCK_LANES * max_blocks);
	tp->deep = palloc0(sizeof(PgmlImageDeep) * Max(tp->n_trees, 1));
	tp->deep_tree = palloc(sizeof(int32) * Max(tp->n_trees, 1));
	tp->order = palloc(sizeof(int32) * Max(tp->n_trees, 1));

	for (w = 0; w < tp->n_windows; w++)
	{
		PgmlImageWindow *win = &tp->windows[w];
		int32		n_padded = 0;
		int32		i;

		win->first_tree = w * window_trees;
		win->n_trees = Min(window_trees, tp->n_trees - win->first_tree);
		win->first_block = tp->n_blocks;
		win->first_deep = tp->n_deep;
		for (i = 0; i < win->n_trees; i++)
		{
			int32		t = win->first_tree + i;

			if (tp->info[t].padded)
				tp->order[n_padded++] = t;
			else
			{
				int32		nn = blob_i32(&tp->offset, t + 1) - blob_i32(&tp->offset, t);

				tp->deep[tp->n_deep].slot = i;
				tp->deep[tp->n_deep].n_nodes = nn;
				tp->deep[tp->n_deep].nodes_off =
					reserve(pos, (uint64) nn * sizeof(PgmlImageNode));
				tp->deep_tree[tp->n_deep] = t;
				tp->n_deep++;
			}
		}
		qsort_arg(tp->order, n_padded, sizeof(int32), cmp_by_depth, tp->info);
		for (i = 0; i < n_padded; i += PGML_BLOCK_LANES)
		{
			PgmlImageBlock *b = &tp->blocks[tp->n_blocks];
			int32		lanes = Min(PGML_BLOCK_LANES, n_padded - i);
			int32		l;
			int			D = tp->info[tp->order[i + lanes - 1]].depth;

			b->depth = D;
			b->n_lanes = lanes;
			Assert(tp->n_blocks < max_blocks);
			for (l = 0; l < PGML_BLOCK_LANES; l++)
			{
				if (l < lanes)
				{
					b->slot[l] = (int16) (tp->order[i + l] - win->first_tree);
					tp->lane_tree[tp->n_blocks * PGML_BLOCK_LANES + l] = tp->order[i + l];
				}
				else
					b->slot[l] = PGML_WINDOW_TREES;
			}
			b->records = (D >= PGML_RECORD_MIN_DEPTH &&
						  D <= PGML_RECORD_MAX_DEPTH);
			*pos = (*pos + 63) & ~(uint64) 63;
			if (b->records)
			{
				b->tree_size = pgml_top_bytes(pgml_top_levels(D)) +
					((uint64) 1 << pgml_top_levels(D)) * PGML_RECORD_BYTES;
				b->tree_off = reserve(pos, b->tree_size * lanes);
			}
			else
			{
				b->tree_off = reserve(pos, (uint64) ((1 << D) - 1) *
									  PGML_BLOCK_LANES * sizeof(PgmlImageSplit));
				b->leaf_off = reserve(pos, (uint64) (1 << D) *
									  PGML_BLOCK_LANES * sizeof(float));
			}
			tp->n_blocks++;
		}
		win->n_blocks = tp->n_blocks - win->first_block;
		win->n_deep = tp->n_deep - win->first_deep;
	}

	hdr->n_trees = tp->n_trees;
	hdr->n_windows = tp->n_windows;
	hdr->n_blocks = tp->n_blocks;
	hdr->n_deep = tp->n_deep;
	hdr->group_off = reserve(pos, (uint64) tp->n_trees * sizeof(int32));
	if (output == PGML_OUTPUT_MEDIAN)
	{
		hdr->tree_weight_off = reserve(pos, (uint64) tp->n_trees * sizeof(double));
		hdr->median_off = reserve(pos, (uint64) (n_outputs + 1) * sizeof(int32));
	}
	hdr->windows_off = reserve(pos, (uint64) tp->n_windows * sizeof(PgmlImageWindow));
	hdr->blocks_off = reserve(pos, (uint64) tp->n_blocks * sizeof(PgmlImageBlock));
	hdr->deep_off = reserve(pos, (uint64) tp->n_deep * sizeof(PgmlImageDeep));
	return tp;
}

/* Tree ensembles: write the planned layout. */
void
pgml_trees_write(const Fields *f, const PgmlImage *hdr, char *base, void *plan)
{
	TreePlan   *tp = (TreePlan *) plan;
	int32		n_features = hdr->pub.n_features;
	PgmlOutput	output = (PgmlOutput) hdr->pub.output;

	{
		int32	   *g = (int32 *) (base + hdr->group_off);
		int32		t,
					b;

		for (t = 0; t < tp->n_trees; t++)
			g[t] = blob_i32(&tp->group, t);
		if (output == PGML_OUTPUT_MEDIAN)
		{
			/* each tree its own margin; target k's trees from median[k] */
			int32	   *median = (int32 *) (base + hdr->median_off);

			for (t = 0; t < tp->n_trees; t++)
			{
				int32		target = g[t];

				((double *) (base + hdr->tree_weight_off))[t] = blob_f64(&tp->weight, t);
				if (t == 0 || target != g[t - 1])
					median[target] = t;
			}
			median[hdr->pub.n_outputs] = tp->n_trees;
			for (t = 0; t < tp->n_trees; t++)
				g[t] = t;
		}
		memcpy(base + hdr->windows_off, tp->windows,
			   sizeof(PgmlImageWindow) * tp->n_windows);
		memcpy(base + hdr->blocks_off, tp->blocks,
			   sizeof(PgmlImageBlock) * tp->n_blocks);
		memcpy(base + hdr->deep_off, tp->deep, sizeof(PgmlImageDeep) * tp->n_deep);

		for (b = 0; b < tp->n_blocks; b++)
		{
			PgmlImageBlock *blk = &tp->blocks[b];
			int			l;

			for (l = 0; l < blk->n_lanes; l++)
			{
				t = tp->lane_tree[b * PGML_BLOCK_LANES + l];
				fill_lane(base, blk, l, blob_i32(&tp->offset, t), n_features,
						  &tp->split, &tp->cond, &tp->left, &tp->right, &tp->dleft);
			}
			/* interleaved: unused lanes' splits go left, leaves are 0 */
			for (l = blk->n_lanes; l < PGML_BLOCK_LANES && !blk->records; l++)
			{
				int32		p;

				for (p = 0; p < (1 << blk->depth) - 1; p++)
					((PgmlImageSplit *) (base + split_at(blk, l, p)))->cond =
						get_float4_nan();
			}
		}
		for (b = 0; b < tp->n_deep; b++)
		{
			PgmlImageDeep *d = &tp->deep[b];
			PgmlImageNode *nodes = (PgmlImageNode *) (base + d->nodes_off);
			int32		i;
			int64		start;

			t = tp->deep_tree[b];
			start = blob_i32(&tp->offset, t);
			for (i = 0; i < d->n_nodes; i++)
			{
				int64		n = start + i;

				nodes[i].cond = blob_f32(&tp->cond, n);
				nodes[i].left = blob_i32(&tp->left, n);
				nodes[i].right = blob_i32(&tp->right, n);
				nodes[i].word = nodes[i].left < 0 ? 0 :
					split_word(n_features, blob_i32(&tp->split, n),
							   nodes[i].cond, tp->dleft.p[n] != 0);
			}
		}
	}
	pfree(tp->info);
	pfree(tp->order);
	pfree(tp->lane_tree);
	pfree(tp->deep_tree);
	pfree(tp->windows);
	pfree(tp->blocks);
	pfree(tp->deep);
}

/* Validate an artifact and compile it into an image (see pgml_image.h). */
PgmlImageHeader *
pgml_image_compile(const char *artifact, Size len, Size *size)
{
	Fields		f;
	const msgpack_object *o;
	PgmlTask	task;
	PgmlAlgorithm algorithm;
	PgmlOutput	output;
	int32		n_features,
				n_outputs,
				n_classes;
	Blob		classes;
	Blob		impute = {NULL, 0},
				impute_value = {NULL, 0},
				center = {NULL, 0},
				scale = {NULL, 0};
	bool		has_prep;
	int64		names_bytes;
	uint64		names_data_off = 0;
	EncoderPlan encoders;
	uint64		category_bytes_off = 0;
	uint64		pos;
	PgmlImage	hdr;
	PgmlImage  *img;
	char	   *base;
	void	   *plan;
	int32		k;
	const PgmlKindRoutine *kind;

	unpack_fields(artifact, len, &f);

	/* header */
	o = need_field(&f, F_MAGIC, MSGPACK_OBJECT_STR);
	if (o->via.str.size != strlen(PGML_ARTIFACT_MAGIC) ||
		memcmp(o->via.str.ptr, PGML_ARTIFACT_MAGIC, o->via.str.size) != 0)
		CORRUPT("The magic string is not \"%s\".", PGML_ARTIFACT_MAGIC);
	o = need_field(&f, F_VERSION, MSGPACK_OBJECT_POSITIVE_INTEGER);
	if (o->via.u64 != PGML_ARTIFACT_VERSION)
		CORRUPT("Artifact format version %llu is not supported (expected %d).",
				(unsigned long long) o->via.u64, PGML_ARTIFACT_VERSION);

	task = (PgmlTask) (need_enum(&f, F_TASK, task_names, 4) + 1);
	algorithm = (PgmlAlgorithm) (need_enum(&f, F_ALGORITHM, algo_names, 5) + 1);
	output = (PgmlOutput) (need_enum(&f, F_OUTPUT, output_names, 6) + 1);
	n_features = (int32) need_uint(&f, F_N_FEATURES, 1, PGML_MAX_FEATURES);
	n_outputs = (int32) need_uint(&f, F_N_OUTPUTS, 1, PGML_MAX_CLASSES);
	n_classes = (int32) need_uint(&f, F_N_CLASSES, 0, PGML_MAX_CLASSES);
	check_optional(&f, F_BOOSTER, MSGPACK_OBJECT_BIN);
	check_optional(&f, F_HYPERPARAMS, MSGPACK_OBJECT_STR);
	check_optional(&f, F_METRICS, MSGPACK_OBJECT_STR);

	/* consistency of task, algorithm, output and counts */
	kind = pgml_kind_of(algorithm);
	if (kind == NULL || !pgml_kind_serves(kind, task))
		CORRUPT("Algorithm \"%s\" does not fit task \"%s\".",
				algo_names[algorithm - 1], task_names[task - 1]);
	if (task == PGML_TASK_REGRESSION)
	{
		if (n_classes != 0)
			CORRUPT("A regression model has n_classes %d, not 0.", n_classes);
		/* several: a joint model, one margin (or median) per target */
		if (n_outputs != 1 && output != PGML_OUTPUT_IDENTITY &&
			output != PGML_OUTPUT_MEDIAN)
			CORRUPT("A regression model of %d targets has output \"%s\".",
					n_outputs, output_names[output - 1]);
		if (output != PGML_OUTPUT_IDENTITY &&
			!((output == PGML_OUTPUT_EXP || output == PGML_OUTPUT_MEDIAN) &&
			  pgml_kind_transforms(kind, output)))
			CORRUPT("A regression model has output \"%s\".",
					output_names[output - 1]);
	}
	else if (task == PGML_TASK_CLASSIFICATION)
	{
		if (n_classes < 2)
			CORRUPT("A classification model has n_classes %d, fewer than 2.",
					n_classes);
		if (output == PGML_OUTPUT_SIGMOID)
		{
			if (n_classes != 2 || n_outputs != 1)
				CORRUPT("A sigmoid model has n_classes %d and n_outputs %d, not 2 and 1.",
						n_classes, n_outputs);
		}
		else if (output == PGML_OUTPUT_SOFTMAX)
		{
			if (n_outputs != n_classes)
				CORRUPT("A softmax model has n_outputs %d, not n_classes (%d).",
						n_outputs, n_classes);
		}
		else if (output == PGML_OUTPUT_PROBA && pgml_kind_transforms(kind, output))
		{
			/* averaged trees: one probability, or one per class */
			if (n_outputs != (n_classes == 2 ? 1 : n_classes))
				CORRUPT("A proba model has n_classes %d and n_outputs %d.",
						n_classes, n_outputs);
		}
		else
			CORRUPT("A classification model has output \"%s\".",
					output_names[output - 1]);
	}
	else
	{
		/* clustering, decomposition: n_outputs clusters or components */
		if (n_classes != 0)
			CORRUPT("A %s model has n_classes %d, not 0.",
					task_names[task - 1], n_classes);
		if (output != PGML_OUTPUT_IDENTITY)
			CORRUPT("A %s model has output \"%s\".",
					task_names[task - 1], output_names[output - 1]);
	}

	classes = need_blob(&f, F_CLASSES, n_classes, 8);
	for (k = 0; k < n_classes; k++)
	{
		double		c = blob_f64(&classes, k);

		if (!isfinite(c))
			CORRUPT("Class label %d is not finite.", k);
		if (k > 0 && !(c > blob_f64(&classes, k - 1)))
			CORRUPT("Class labels are not strictly ascending at %d.", k);
	}
	names_bytes = check_class_names(&f, task, task_names[task - 1],
									n_classes);
	check_encoders(&f, n_features, &encoders);

	memset(&hdr, 0, sizeof(hdr));
	hdr.pub.magic = PGML_IMAGE_MAGIC;
	hdr.pub.version = PGML_IMAGE_VERSION;
	hdr.pub.task = task;
	hdr.pub.algorithm = algorithm;
	hdr.pub.output = output;
	hdr.pub.n_features = n_features;
	hdr.pub.n_outputs = n_outputs;
	hdr.pub.n_classes = n_classes;

	pos = align8(sizeof(PgmlImage));
	hdr.classes_off = reserve(&pos, (uint64) n_classes * sizeof(double));
	if (names_bytes >= 0)
	{
		hdr.names_off = reserve(&pos, (uint64) n_classes * sizeof(PgmlImageName));
		names_data_off = reserve(&pos, (uint64) names_bytes);
	}
	reserve_encoders(&encoders, &hdr, &pos, &category_bytes_off);

	/* per-feature preprocessing: all four arrays, or none */
	has_prep = field_given(&f, F_IMPUTE);
	if (field_given(&f, F_IMPUTE_VALUE) != has_prep ||
		field_given(&f, F_CENTER) != has_prep ||
		field_given(&f, F_SCALE) != has_prep)
		CORRUPT("The preprocessing keys (impute, impute_value, center, scale) are not all present.");
	if (has_prep)
	{
		int32		j;

		impute = need_blob(&f, F_IMPUTE, n_features, 1);
		impute_value = need_blob(&f, F_IMPUTE_VALUE, n_features, 8);
		center = need_blob(&f, F_CENTER, n_features, 8);
		scale = need_blob(&f, F_SCALE, n_features, 8);
		for (j = 0; j < n_features; j++)
		{
			if (impute.p[j] > PGML_IMPUTE_ERROR)
				CORRUPT("impute[%d] is %d, not 0, 1 or 2.", j, impute.p[j]);
			if (impute.p[j] == PGML_IMPUTE_VALUE &&
				!isfinite(blob_f64(&impute_value, j)))
				CORRUPT("impute_value[%d] is not finite.", j);
			if (!isfinite(blob_f64(&center, j)))
				CORRUPT("center[%d] is not finite.", j);
			if (!isfinite(blob_f64(&scale, j)) || blob_f64(&scale, j) == 0.0)
				CORRUPT("scale[%d] is zero or not finite.", j);
		}
		hdr.has_preprocess = 1;
		hdr.impute_off = reserve(&pos, (uint64) n_features);
		hdr.impute_value_off = reserve(&pos, (uint64) n_features * sizeof(double));
		hdr.center_off = reserve(&pos, (uint64) n_features * sizeof(double));
		hdr.scale_off = reserve(&pos, (uint64) n_features * sizeof(double));
	}

	/* the kind's own arrays */
	plan = kind->plan(&f, &hdr, &pos);
	hdr.pub.total_size = pos;

	base = MemoryContextAllocExtended(CurrentMemoryContext, pos,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	img = (PgmlImage *) base;
	memcpy(img, &hdr, sizeof(hdr));
	kind->write(&f, &hdr, base, plan);

	copy_f64(base + hdr.classes_off, &classes);
	if (names_bytes >= 0)
	{
		PgmlImageName *names = (PgmlImageName *) (base + hdr.names_off);
		uint64		at = names_data_off;

		for (k = 0; k < n_classes; k++)
		{
			names[k].off = at;
			names[k].len = (int32) f.names[k].len;
			if (f.names[k].len > 0)
				memcpy(base + at, f.names[k].ptr, f.names[k].len);
			at += f.names[k].len;
		}
	}
	pfree(f.names);
	write_encoders(&encoders, base, img, category_bytes_off);
	if (has_prep)
	{
		memcpy(base + hdr.impute_off, impute.p, n_features);
		copy_f64(base + hdr.impute_value_off, &impute_value);
		copy_f64(base + hdr.center_off, &center);
		copy_f64(base + hdr.scale_off, &scale);
	}

	*size = (Size) hdr.pub.total_size;
	/* tests count compilations with this (test/t/020_crash_restart.pl) */
	elog(DEBUG1, "pgml_worker: compiled a %s %s model image of %llu bytes",
		 task_names[task - 1], algo_names[algorithm - 1],
		 (unsigned long long) hdr.pub.total_size);
	return &img->pub;
}

/* Cheap sanity check of an image in memory (magic, version, size). */
bool
pgml_image_check(const void *image, Size size)
{
	const PgmlImageHeader *h = (const PgmlImageHeader *) image;

	if (image == NULL || size < sizeof(PgmlImage) ||
		((uintptr_t) image & 7) != 0)
		return false;
	return h->magic == PGML_IMAGE_MAGIC &&
		h->version == PGML_IMAGE_VERSION &&
		h->total_size == (uint64) size;
}
