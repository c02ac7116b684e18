/*-------------------------------------------------------------------------
 *
 * data.c
 *	  Read a relation into a dense float32 matrix for training.
 *
 * The relation is read through SPI with the current user's privileges, so
 * table privileges and row-level security apply exactly as for a SELECT by
 * that user (the caller switches to the job's role first).  Rows are fetched
 * through a cursor in batches and converted straight into the matrix.
 *
 * A text column is one feature holding the index of its value among the
 * column's distinct values, sorted in byte order at the end of the read
 * (the same dictionary serves text labels); encode.c turns it into the
 * model's features.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "pgml_job.h"
#include "pgml_model.h"
#include "pgml_worker.h"

#define FETCH_BATCH 10000

/*
 * Distinct text values of a column (a text feature, or a text label), with
 * ids in first-seen order; sorted at the end of the read.  The hash table is
 * keyed by pointers to the strings, which live in the reader's out_ctx.
 */
typedef struct Dict
{
	HTAB	   *hash;			/* char * -> DictEntry */
	char	  **name_of;		/* [max] id -> text */
	int32		n;
	int32		max;			/* PGML_MAX_CLASSES or PGML_MAX_CATEGORIES */
	const char *column;
	bool		label;
} Dict;

typedef struct DictEntry
{
	char	   *key;			/* hash key: the text */
	int32		id;
} DictEntry;

typedef struct ColumnPlan
{
	int			attnum;			/* 1-based in the SPI tuple */
	Oid			elemtype;		/* scalar type, or element type of an array */
	bool		is_array;
	bool		is_text;		/* a text column: one feature, its category */
	int			width;			/* features it contributes */
	int			offset;			/* first feature index */
	char	   *name;
	Dict	   *dict;			/* text columns */
} ColumnPlan;

/* Is this a type we can turn into float features? */
static bool
numeric_type(Oid t)
{
	switch (t)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
		case BOOLOID:
			return true;
		default:
			return false;
	}
}

/* Convert one non-null scalar datum of a numeric type to double. */
static double
datum_to_double(Datum d, Oid t)
{
	switch (t)
	{
		case INT2OID:
			return (double) DatumGetInt16(d);
		case INT4OID:
			return (double) DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case FLOAT4OID:
			return (double) DatumGetFloat4(d);
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
		case BOOLOID:
			return DatumGetBool(d) ? 1.0 : 0.0;
	}
	elog(ERROR, "unexpected type %u", t);
	return 0;
}

/* Store one feature value, rejecting infinities (XGBoost refuses them). */
static inline void
put_feature(float *dst, double v, const ColumnPlan *c, int64 row)
{
	if (isinf(v) || (!isnan(v) && isinf((float) v)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("column \"%s\" contains an infinite value", c->name),
				 errdetail("Row %lld of the relation is out of range for a float32 feature.",
						   (long long) row + 1),
				 errhint("Replace infinities with NULL (a missing value) or a finite number.")));
	*dst = (float) v;
}

/* Flatten one array value into the row's features. */
static void
put_array(float *dst, Datum d, const ColumnPlan *c, int64 row)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	int			n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	Datum	   *elems;
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (n != c->width)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("array column \"%s\" has rows of different lengths", c->name),
				 errdetail("Row %lld has %d elements; the first row has %d.",
						   (long long) row + 1, n, c->width)));

	if (c->elemtype == FLOAT4OID && !ARR_HASNULL(arr))
	{
		const float *src = (const float *) ARR_DATA_PTR(arr);

		for (int i = 0; i < n; i++)
			put_feature(&dst[i], src[i], c, row);
		return;
	}
	if (c->elemtype == FLOAT8OID && !ARR_HASNULL(arr))
	{
		const double *src = (const double *) ARR_DATA_PTR(arr);

		for (int i = 0; i < n; i++)
			put_feature(&dst[i], src[i], c, row);
		return;
	}
	if (c->elemtype == INT2OID && !ARR_HASNULL(arr))
	{
		const int16 *src = (const int16 *) ARR_DATA_PTR(arr);

		for (int i = 0; i < n; i++)
			dst[i] = (float) src[i];
		return;
	}

	/* the array's own element type: a domain's, whose layout is the base's */
	get_typlenbyvalalign(c->elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			dst[i] = NAN;
		else
			put_feature(&dst[i], datum_to_double(elems[i], c->elemtype), c, row);
	}
	pfree(elems);
	pfree(nulls);
}

/* State of one read: the column plan and the growing matrix. */
typedef struct Reader
{
	const char *relation_name;
	const char *const *y_columns;	/* [n_y] label columns */
	int			n_y;			/* 0 (no label), 1, or more (joint) */
	MemoryContext out_ctx;		/* where x, y and the plan live */
	MemoryContext tmp_ctx;		/* reset every batch of rows */
	ColumnPlan *cols;
	int			ncols;
	int		   *y_attnums;		/* [n_y] */
	Oid		   *y_types;		/* [n_y] */
	bool		widths_known;
	int32		n_features;
	int64		n_rows;
	int64		cap;
	int64		expected_rows;	/* the planner's estimate; 0 if none */
	float	   *x;
	double	   *y;
	bool		y_text;			/* the label is text: y holds name ids */
	Dict	   *labels;			/* text labels */
} Reader;

/* Hash of a DictEntry key: the string it points to. */
static uint32
dict_hash(const void *key, Size keysize)
{
	return string_hash(*(char *const *) key, PGML_MAX_CATEGORY_BYTES + 1);
}

/* Compare two DictEntry keys: the strings they point to. */
static int
dict_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A new, empty dictionary in out_ctx. */
static Dict *
dict_create(MemoryContext out_ctx, const char *column, bool label)
{
	Dict	   *d = MemoryContextAllocZero(out_ctx, sizeof(Dict));
	HASHCTL		ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(DictEntry);
	ctl.hash = dict_hash;
	ctl.match = dict_match;
	ctl.hcxt = out_ctx;
	d->hash = hash_create(label ? "pgml labels" : "pgml categories", 64, &ctl,
						  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	d->max = label ? PGML_MAX_CLASSES : PGML_MAX_CATEGORIES;
	d->name_of = MemoryContextAlloc(out_ctx, sizeof(char *) * 64);
	d->column = column;
	d->label = label;
	return d;
}

/* The id of a non-NULL text value of type t, adding it on first sight. */
static int32
dict_id(Dict *d, Datum v, Oid t, MemoryContext out_ctx)
{
	int32		len;
	const char *text = pgml_text_value(v, t, &len);
	char	   *s;
	DictEntry  *e;
	bool		found;

	if (len > PGML_MAX_CATEGORY_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 d->label ? errmsg("a label of column \"%s\" is longer than %d bytes",
								   d->column, PGML_MAX_CATEGORY_BYTES)
				 : errmsg("a value of column \"%s\" is longer than %d bytes",
						  d->column, PGML_MAX_CATEGORY_BYTES),
				 d->label ? 0 : errdetail("Categories of a text feature are limited to %d bytes.",
										  PGML_MAX_CATEGORY_BYTES)));
	s = pnstrdup(text, len);
	e = hash_search(d->hash, &s, HASH_ENTER, &found);
	if (!found)
	{
		if (d->n >= d->max)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("column \"%s\" has more than %d distinct values", d->column,
							d->max),
					 d->label ? 0 : errhint("A text feature is encoded per category; group rare values, or drop the column from the view you train on.")));
		e->key = MemoryContextStrdup(out_ctx, s);
		e->id = d->n;
		if ((d->n & (d->n - 1)) == 0 && d->n >= 64)
			d->name_of = repalloc(d->name_of, sizeof(char *) * d->n * 2);
		d->name_of[d->n++] = e->key;
	}
	pfree(s);
	return e->id;
}

/* qsort comparator: dictionary ids by their text (byte order). */
static const Dict *sort_dict;
static int
cmp_dict_ids(const void *a, const void *b)
{
	return strcmp(sort_dict->name_of[*(const int32 *) a],
				  sort_dict->name_of[*(const int32 *) b]);
}

/*
 * Sort a dictionary's names (byte order: strcmp, as COLLATE "C") into
 * *names; rank[id] receives the sorted position of each id.  Returns rank,
 * palloc'd.
 */
static int32 *
dict_sort(const Dict *d, MemoryContext out_ctx, char ***names)
{
	int32	   *order = palloc(sizeof(int32) * Max(d->n, 1));
	int32	   *rank = palloc(sizeof(int32) * Max(d->n, 1));

	for (int i = 0; i < d->n; i++)
		order[i] = i;
	sort_dict = d;
	qsort(order, d->n, sizeof(int32), cmp_dict_ids);
	sort_dict = NULL;
	*names = MemoryContextAlloc(out_ctx, sizeof(char *) * Max(d->n, 1));
	for (int k = 0; k < d->n; k++)
	{
		rank[order[k]] = k;
		(*names)[k] = d->name_of[order[k]];
	}
	pfree(order);
	return rank;
}

/*
 * Text labels: sort the names, and renumber y so that class k is the k-th
 * name in ascending order.
 */
static void
reader_sort_labels(Reader *r, PgmlDataset *out)
{
	int32	   *rank = dict_sort(r->labels, r->out_ctx, &out->label_names);

	for (int64 i = 0; i < r->n_rows; i++)
		r->y[i] = rank[(int32) r->y[i]];
	out->n_label_names = r->labels->n;
	pfree(rank);
}

/*
 * Text features: sort each column's categories, and renumber its feature so
 * that category k is the k-th value in ascending order.
 */
static void
reader_sort_categories(Reader *r, PgmlDataset *out)
{
	out->column_categories = palloc0(sizeof(char **) * r->ncols);
	out->column_n_categories = palloc0(sizeof(int32) * r->ncols);
	for (int c = 0; c < r->ncols; c++)
	{
		const ColumnPlan *col = &r->cols[c];
		int32	   *rank;

		if (!col->is_text)
			continue;
		if (col->dict->n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("text column \"%s\" has no values", col->name),
					 errdetail("Every row of the relation has NULL in it, so it has no categories."),
					 errhint("Leave the column out of the view you train on.")));
		rank = dict_sort(col->dict, r->out_ctx, &out->column_categories[c]);
		out->column_n_categories[c] = col->dict->n;
		for (int64 i = 0; i < r->n_rows; i++)
		{
			float	   *v = &r->x[i * r->n_features + col->offset];

			if (!isnan(*v))
				*v = (float) rank[(int32) *v];
		}
		pfree(rank);
	}
}

/* Plan the columns from a descriptor: which are features, which is y. */
static void
reader_plan(Reader *r, TupleDesc desc)
{
	MemoryContext old = MemoryContextSwitchTo(r->out_ctx);

	r->cols = palloc0(sizeof(ColumnPlan) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Oid			t;
		Oid			et;
		ColumnPlan *c;

		if (att->attisdropped)
			continue;
		/* a domain is read as its base type */
		t = getBaseType(att->atttypid);
		{
			int			k;

			for (k = 0; k < r->n_y; k++)
				if (strcmp(NameStr(att->attname), r->y_columns[k]) == 0)
					break;
			if (k < r->n_y)
			{
				r->y_attnums[k] = i + 1;
				r->y_types[k] = t;
				continue;
			}
		}
		c = &r->cols[r->ncols];
		et = get_element_type(t);
		if (OidIsValid(et))
			et = getBaseType(et);
		if (numeric_type(t))
		{
			c->elemtype = t;
			c->is_array = false;
		}
		else if (OidIsValid(et) && numeric_type(et))
		{
			c->elemtype = et;
			c->is_array = true;
		}
		else if (pgml_text_type(t))
		{
			c->elemtype = t;
			c->is_text = true;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("column \"%s\" has type %s, which cannot be a feature",
							NameStr(att->attname), format_type_be(t)),
					 errdetail("Features must be numeric or boolean scalars or arrays, or text."),
					 errhint("Select the features you want through a view and train on the view.")));
		c->attnum = i + 1;
		c->name = pstrdup(NameStr(att->attname));
		if (c->is_text)
			c->dict = dict_create(r->out_ctx, c->name, false);
		r->ncols++;
	}
	for (int k = 0; k < r->n_y; k++)
	{
		if (r->y_attnums[k] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" does not exist in relation \"%s\"",
							r->y_columns[k], r->relation_name)));
		/* a joint model's targets are numbers, each a regression target */
		if (r->n_y > 1 && !numeric_type(r->y_types[k]))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("label column \"%s\" has type %s", r->y_columns[k],
							format_type_be(r->y_types[k])),
					 errdetail("The targets of a joint model must be numeric scalars.")));
	}
	/* one label: it may be text (classes) or boolean too */
	r->y_text = r->n_y == 1 && pgml_text_type(r->y_types[0]);
	if (r->y_text)
		r->labels = dict_create(r->out_ctx, r->y_columns[0], true);
	if (r->n_y == 1 && !numeric_type(r->y_types[0]) && !r->y_text)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("label column \"%s\" has type %s", r->y_columns[0],
						format_type_be(r->y_types[0])),
				 errdetail("The label must be a numeric, boolean or text scalar.")));
	if (r->ncols == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" has no feature columns", r->relation_name)));
	MemoryContextSwitchTo(old);
}

/* The first row fixes how many features each array column contributes. */
static void
reader_widths(Reader *r, const Datum *values, const bool *isnull)
{
	r->n_features = 0;
	for (int c = 0; c < r->ncols; c++)
	{
		ColumnPlan *col = &r->cols[c];

		col->offset = r->n_features;
		if (col->is_array)
		{
			ArrayType  *arr;

			if (isnull[col->attnum - 1])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("array column \"%s\" is NULL in the first row", col->name),
						 errdetail("The first row fixes the number of features an array column contributes.")));
			arr = DatumGetArrayTypeP(values[col->attnum - 1]);
			col->width = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
		}
		else
			col->width = 1;
		r->n_features += col->width;
	}
	if (r->n_features == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relation \"%s\" has no features", r->relation_name)));
	r->widths_known = true;
}

/* Append one row, given its deformed values, to the matrix. */
static void
reader_row(Reader *r, const Datum *values, const bool *isnull)
{
	float	   *row;
	int64		n = r->n_rows;

	if (!r->widths_known)
		reader_widths(r, values, isnull);

	if (n == r->cap)
	{
		int64		newcap = Max(r->cap * 2, 1024);
		bool		presized = false;

		/*
		 * The first allocation takes the expected row count, so that a large
		 * table is not copied at every doubling; an estimate too large to
		 * allocate is ignored (the doubling then says what is too large).
		 */
		if (r->x == NULL && r->expected_rows > newcap &&
			(double) r->expected_rows * r->n_features * sizeof(float) < (double) MaxAllocHugeSize)
			newcap = r->expected_rows;

		if ((Size) newcap * r->n_features * sizeof(float) >= MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("relation \"%s\" is too large to train on", r->relation_name)));
		if (r->x == NULL && newcap > 1024)
		{
			/* the estimate, if the memory is there; else start small */
			r->x = MemoryContextAllocExtended(r->out_ctx,
											  (Size) newcap * r->n_features * sizeof(float),
											  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
			if (r->x != NULL && r->n_y > 0)
			{
				r->y = MemoryContextAllocExtended(r->out_ctx, (Size) newcap * r->n_y * sizeof(double),
												  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
				if (r->y == NULL)
				{
					pfree(r->x);
					r->x = NULL;
				}
			}
			if (r->x == NULL)
				newcap = 1024;
			presized = (r->x != NULL);
		}
		if (presized)
		{
			/* allocated at the expected size above */
		}
		else if (r->x == NULL)
		{
			r->x = MemoryContextAllocHuge(r->out_ctx, (Size) newcap * r->n_features * sizeof(float));
			if (r->n_y > 0)
				r->y = MemoryContextAllocHuge(r->out_ctx, (Size) newcap * r->n_y * sizeof(double));
		}
		else
		{
			r->x = repalloc_huge(r->x, (Size) newcap * r->n_features * sizeof(float));
			if (r->n_y > 0)
				r->y = repalloc_huge(r->y, (Size) newcap * r->n_y * sizeof(double));
		}
		r->cap = newcap;
	}

	for (int k = 0; k < r->n_y; k++)
	{
		int			a = r->y_attnums[k] - 1;
		double	   *y = &r->y[n * r->n_y + k];

		if (isnull[a])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("label column \"%s\" contains NULL", r->y_columns[k]),
					 errdetail("Row %lld has no label.", (long long) n + 1),
					 errhint("Train on a view that filters out rows without a label.")));
		if (r->y_text)
		{
			MemoryContext old = MemoryContextSwitchTo(r->tmp_ctx);

			*y = dict_id(r->labels, values[a], r->y_types[0], r->out_ctx);
			MemoryContextSwitchTo(old);
		}
		else
			*y = datum_to_double(values[a], r->y_types[k]);
		if (!isfinite(*y))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("label column \"%s\" contains a non-finite value", r->y_columns[k]),
					 errdetail("Row %lld has label %g.", (long long) n + 1, *y)));
	}

	row = r->x + n * r->n_features;
	for (int c = 0; c < r->ncols; c++)
	{
		const ColumnPlan *col = &r->cols[c];
		int			a = col->attnum - 1;

		if (isnull[a])
		{
			for (int k = 0; k < col->width; k++)
				row[col->offset + k] = NAN;
		}
		else if (col->is_array)
		{
			MemoryContext old = MemoryContextSwitchTo(r->tmp_ctx);

			put_array(row + col->offset, values[a], col, n);
			MemoryContextSwitchTo(old);
		}
		else if (col->is_text)
		{
			MemoryContext old = MemoryContextSwitchTo(r->tmp_ctx);

			/* the id in first-seen order; renumbered in name order at the end */
			row[col->offset] = (float) dict_id(col->dict, values[a], col->elemtype,
											   r->out_ctx);
			MemoryContextSwitchTo(old);
		}
		else if (col->elemtype == FLOAT4OID)
			put_feature(row + col->offset, DatumGetFloat4(values[a]), col, n);
		else
			put_feature(row + col->offset, datum_to_double(values[a], col->elemtype), col, n);
	}
	r->n_rows++;
}

/* Error for an empty relation. */
static void
reader_check_rows(Reader *r)
{
	if (r->n_rows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("relation \"%s\" has no rows", r->relation_name)));
}

/* Seconds since *start, and reset *start to now. */
static double
lap(instr_time *start)
{
	instr_time	now;
	double		s;

	INSTR_TIME_SET_CURRENT(now);
	s = INSTR_TIME_GET_DOUBLE(now) - INSTR_TIME_GET_DOUBLE(*start);
	*start = now;
	return s;
}

/*
 * Rows a table holds now, as the planner would estimate them: its density at
 * the last VACUUM or ANALYZE times its current size, plus 1/16 for rows
 * added since; 0 if it was never analyzed.
 */
static int64
expected_rows(Relation rel)
{
	BlockNumber pages = RelationGetNumberOfBlocks(rel);
	double		density;

	if (rel->rd_rel->relpages <= 0 || rel->rd_rel->reltuples < 0)
		return 0;
	density = rel->rd_rel->reltuples / rel->rd_rel->relpages;
	return (int64) Min(density * pages * 1.0625 + 1024, (double) PG_INT64_MAX / 2);
}

/*
 * Rows of the direct scan whose two parts are timed: about one in 16,
 * spread pseudo-randomly (Fibonacci hashing of the row number) so that no
 * period of the table's layout, such as rows per page, biases the sample.
 * Timing every row would take two clock reads per row, about 0.08 s per
 * million rows here: more than a quarter of the conversion itself.
 */
static inline bool
timed_row(int64 n)
{
	return ((uint32) ((uint64) n * UINT64CONST(0x9E3779B97F4A7C15) >> 32) >> 28) == 0;
}

/*
 * Fast path: a plain table the user may SELECT as a whole, without row-level
 * security, is scanned directly: no query, no tuple copies.  Returns false
 * (having read nothing) when the relation needs the SQL path.  The loop's
 * time is split between reading and converting in the proportion the timed
 * rows (timed_row) show.
 */
static bool
read_direct(Reader *r, Oid relid, double *read_s, double *convert_s)
{
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	instr_time	start,
				t;
	int64		since_reset = 0;
	int64		n = 0;
	double		sampled_read = 0,
				sampled_convert = 0,
				total;

	if (get_rel_relkind(relid) != RELKIND_RELATION ||
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
		return false;

	rel = table_open(relid, AccessShareLock);
	reader_plan(r, RelationGetDescr(rel));
	r->expected_rows = expected_rows(rel);
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	INSTR_TIME_SET_CURRENT(start);
	for (;; n++)
	{
		bool		timed = timed_row(n);

		if (timed)
			INSTR_TIME_SET_CURRENT(t);
		if (!table_scan_getnextslot(scan, ForwardScanDirection, slot))
			break;
		slot_getallattrs(slot);
		if (timed)
			sampled_read += lap(&t);
		reader_row(r, slot->tts_values, slot->tts_isnull);
		if (timed)
			sampled_convert += lap(&t);
		if (++since_reset == 4096)
		{
			MemoryContextReset(r->tmp_ctx);
			since_reset = 0;
			CHECK_FOR_INTERRUPTS();
		}
	}
	total = lap(&start);
	if (sampled_read + sampled_convert > 0)
	{
		*read_s += total * sampled_read / (sampled_read + sampled_convert);
		*convert_s += total * sampled_convert / (sampled_read + sampled_convert);
	}
	else
		*read_s += total;
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	return true;
}

/* SQL path: SELECT * through a cursor, for views, RLS and column grants. */
static void
read_sql(Reader *r, Oid relid, double *read_s, double *convert_s)
{
	char	   *query;
	SPIPlanPtr	plan;
	Portal		portal;
	instr_time	t;
	Datum	   *values = NULL;
	bool	   *isnull = NULL;
	bool		planned = false;

	query = psprintf("SELECT * FROM %s",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												get_rel_name(relid)));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", query,
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);

	INSTR_TIME_SET_CURRENT(t);
	for (;;)
	{
		SPITupleTable *tt;

		SPI_cursor_fetch(portal, true, FETCH_BATCH);
		*read_s += lap(&t);
		tt = SPI_tuptable;
		if (!planned)
		{
			reader_plan(r, tt->tupdesc);
			values = palloc(sizeof(Datum) * Max(tt->tupdesc->natts, 1));
			isnull = palloc(sizeof(bool) * Max(tt->tupdesc->natts, 1));
			planned = true;
		}
		if (tt->numvals == 0)
			break;
		for (uint64 i = 0; i < tt->numvals; i++)
		{
			heap_deform_tuple(tt->vals[i], tt->tupdesc, values, isnull);
			reader_row(r, values, isnull);
		}
		MemoryContextReset(r->tmp_ctx);
		SPI_freetuptable(tt);
		*convert_s += lap(&t);
	}
	SPI_cursor_close(portal);
	SPI_finish();
}

/* Read a relation into a dense matrix, as the current user. */
void
pgml_data_read(const char *relation_name, const char *const *y_columns, int n_y,
			   PgmlDataset *out)
{
	Reader		r;
	RangeVar   *rv;
	Oid			relid;
	double		read_s = 0,
				convert_s = 0;

	rv = makeRangeVarFromNameList(stringToQualifiedNameList(relation_name));
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" does not exist", relation_name)));

	memset(&r, 0, sizeof(r));
	r.relation_name = relation_name;
	r.y_columns = y_columns;
	r.n_y = n_y;
	r.y_attnums = palloc0(sizeof(int) * Max(n_y, 1));
	r.y_types = palloc0(sizeof(Oid) * Max(n_y, 1));
	r.out_ctx = CurrentMemoryContext;
	r.tmp_ctx = AllocSetContextCreate(CurrentMemoryContext, "pgml data batch",
									  ALLOCSET_DEFAULT_SIZES);

	if (!read_direct(&r, relid, &read_s, &convert_s))
		read_sql(&r, relid, &read_s, &convert_s);
	reader_check_rows(&r);
	MemoryContextDelete(r.tmp_ctx);

	/* give back what a high estimate (or the last doubling) left unused */
	if (r.cap > r.n_rows + r.n_rows / 4 + 1024)
	{
		r.x = repalloc_huge(r.x, (Size) r.n_rows * r.n_features * sizeof(float));
		if (r.y)
			r.y = repalloc_huge(r.y, (Size) r.n_rows * r.n_y * sizeof(double));
		r.cap = r.n_rows;
	}

	out->x = r.x;
	out->y = r.y;
	out->n_targets = n_y;
	out->n_rows = r.n_rows;
	out->n_features = r.n_features;
	out->y_is_bool = (n_y == 1 && r.y_types[0] == BOOLOID);
	out->n_label_names = 0;
	out->label_names = NULL;
	if (r.y_text)
		reader_sort_labels(&r, out);
	reader_sort_categories(&r, out);
	out->n_columns = r.ncols;
	out->column_names = palloc(sizeof(char *) * r.ncols);
	out->column_of = palloc(sizeof(int32) * r.n_features);
	for (int c = 0; c < r.ncols; c++)
	{
		out->column_names[c] = r.cols[c].name;
		for (int k = 0; k < r.cols[c].width; k++)
			out->column_of[r.cols[c].offset + k] = c;
	}
	out->read_seconds = read_s;
	out->convert_seconds = convert_s;
}
