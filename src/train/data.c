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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/regproc.h"
#include "utils/varlena.h"

#include "pgml_job.h"

#define FETCH_BATCH 10000

typedef struct ColumnPlan
{
	int			attnum;			/* 1-based in the SPI tuple */
	Oid			elemtype;		/* scalar type, or element type of an array */
	bool		is_array;
	int			width;			/* features it contributes */
	int			offset;			/* first feature index */
	char	   *name;
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

	get_typlenbyvalalign(c->elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, c->elemtype, typlen, typbyval, typalign,
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

/* Read a relation into a dense matrix, as the current user. */
void
pgml_data_read(const char *relation_name, const char *y_column,
			   PgmlDataset *out)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext batch_ctx;
	RangeVar   *rv;
	Oid			relid;
	char	   *query;
	Portal		portal;
	SPIPlanPtr	plan;
	ColumnPlan *cols = NULL;
	int			ncols = 0;
	int			y_attnum = 0;
	Oid			y_type = InvalidOid;
	int32		n_features = 0;
	int64		n_rows = 0;
	int64		cap = 0;
	float	   *x = NULL;
	double	   *y = NULL;
	bool		first = true;
	instr_time	t_start,
				t_fetched,
				t_done;
	double		read_s = 0,
				convert_s = 0;

	rv = makeRangeVarFromNameList(stringToQualifiedNameList(relation_name));
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s\" does not exist", relation_name)));

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
	batch_ctx = AllocSetContextCreate(CurrentMemoryContext, "pgml data batch",
									  ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		SPITupleTable *tt;
		TupleDesc	desc;

		INSTR_TIME_SET_CURRENT(t_start);
		SPI_cursor_fetch(portal, true, FETCH_BATCH);
		INSTR_TIME_SET_CURRENT(t_fetched);
		INSTR_TIME_SUBTRACT(t_fetched, t_start);
		read_s += INSTR_TIME_GET_DOUBLE(t_fetched);
		INSTR_TIME_SET_CURRENT(t_start);
		tt = SPI_tuptable;
		desc = tt->tupdesc;

		if (first)
		{
			/* Plan the columns from the result's descriptor. */
			MemoryContext old = MemoryContextSwitchTo(caller);

			cols = palloc0(sizeof(ColumnPlan) * desc->natts);
			for (int i = 0; i < desc->natts; i++)
			{
				Form_pg_attribute att = TupleDescAttr(desc, i);
				Oid			t = att->atttypid;
				Oid			et = get_element_type(t);

				if (att->attisdropped)
					continue;
				if (strcmp(NameStr(att->attname), y_column) == 0)
				{
					y_attnum = i + 1;
					y_type = t;
					continue;
				}
				if (numeric_type(t))
				{
					cols[ncols].elemtype = t;
					cols[ncols].is_array = false;
				}
				else if (OidIsValid(et) && numeric_type(et))
				{
					cols[ncols].elemtype = et;
					cols[ncols].is_array = true;
				}
				else
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("column \"%s\" has type %s, which cannot be a feature",
									NameStr(att->attname), format_type_be(t)),
							 errdetail("Features must be numeric or boolean scalars or arrays."),
							 errhint("Select the features you want through a view and train on the view.")));
				cols[ncols].attnum = i + 1;
				cols[ncols].name = pstrdup(NameStr(att->attname));
				ncols++;
			}
			if (y_attnum == 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" does not exist in relation \"%s\"",
								y_column, relation_name)));
			if (!numeric_type(y_type))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("label column \"%s\" has type %s", y_column,
								format_type_be(y_type)),
						 errdetail("The label must be a numeric or boolean scalar.")));
			if (ncols == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("relation \"%s\" has no feature columns", relation_name)));
			out->y_is_bool = (y_type == BOOLOID);
			MemoryContextSwitchTo(old);
		}

		if (tt->numvals == 0)
		{
			if (first)
				ereport(ERROR,
						(errcode(ERRCODE_NO_DATA_FOUND),
						 errmsg("relation \"%s\" has no rows", relation_name)));
			break;
		}

		for (uint64 r = 0; r < tt->numvals; r++)
		{
			HeapTuple	tup = tt->vals[r];
			bool		isnull;
			Datum		d;
			float	   *row;

			if (first)
			{
				/* widths come from the first row */
				n_features = 0;
				for (int c = 0; c < ncols; c++)
				{
					cols[c].offset = n_features;
					if (cols[c].is_array)
					{
						ArrayType  *arr;

						d = heap_getattr(tup, cols[c].attnum, desc, &isnull);
						if (isnull)
							ereport(ERROR,
									(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
									 errmsg("array column \"%s\" is NULL in the first row", cols[c].name),
									 errdetail("The first row fixes the number of features an array column contributes.")));
						arr = DatumGetArrayTypeP(d);
						cols[c].width = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
					}
					else
						cols[c].width = 1;
					n_features += cols[c].width;
				}
				if (n_features == 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("relation \"%s\" has no features", relation_name)));
				first = false;
			}

			if (n_rows == cap)
			{
				int64		newcap = Max(cap * 2, 1024);

				if ((Size) newcap * n_features * sizeof(float) >= MaxAllocHugeSize)
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("relation \"%s\" is too large to train on", relation_name)));
				if (x == NULL)
				{
					x = MemoryContextAllocHuge(caller, (Size) newcap * n_features * sizeof(float));
					y = MemoryContextAllocHuge(caller, (Size) newcap * sizeof(double));
				}
				else
				{
					x = repalloc_huge(x, (Size) newcap * n_features * sizeof(float));
					y = repalloc_huge(y, (Size) newcap * sizeof(double));
				}
				cap = newcap;
			}

			d = heap_getattr(tup, y_attnum, desc, &isnull);
			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("label column \"%s\" contains NULL", y_column),
						 errdetail("Row %lld has no label.", (long long) n_rows + 1),
						 errhint("Train on a view that filters out rows without a label.")));
			y[n_rows] = datum_to_double(d, y_type);
			if (!isfinite(y[n_rows]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("label column \"%s\" contains a non-finite value", y_column),
						 errdetail("Row %lld has label %g.", (long long) n_rows + 1, y[n_rows])));

			row = x + n_rows * n_features;
			for (int c = 0; c < ncols; c++)
			{
				d = heap_getattr(tup, cols[c].attnum, desc, &isnull);
				if (isnull)
				{
					for (int k = 0; k < cols[c].width; k++)
						row[cols[c].offset + k] = NAN;
				}
				else if (cols[c].is_array)
				{
					MemoryContext old = MemoryContextSwitchTo(batch_ctx);

					put_array(row + cols[c].offset, d, &cols[c], n_rows);
					MemoryContextSwitchTo(old);
				}
				else
					put_feature(row + cols[c].offset,
								datum_to_double(d, cols[c].elemtype), &cols[c], n_rows);
			}
			n_rows++;
		}
		MemoryContextReset(batch_ctx);
		SPI_freetuptable(tt);
		INSTR_TIME_SET_CURRENT(t_done);
		INSTR_TIME_SUBTRACT(t_done, t_start);
		convert_s += INSTR_TIME_GET_DOUBLE(t_done);
	}

	SPI_cursor_close(portal);
	SPI_finish();

	out->x = x;
	out->y = y;
	out->n_rows = n_rows;
	out->n_features = n_features;
	out->read_seconds = read_s;
	out->convert_seconds = convert_s;
}
