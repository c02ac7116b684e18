/*-------------------------------------------------------------------------
 *
 * predict.c
 *	  SQL predict functions: the top of the prediction path.
 *
 * The whole path of a prediction, in three files:
 *	  predict.c	   pgml.predict(): argument checks, the per-call-site cache
 *	  registry.c   project -> slot -> mapped DSM segment (one atomic read
 *				   per row on the hot path; compile once per server on a miss)
 *	  tree_eval.c  evaluation of the image in place (image.c compiles it)
 *
 * Each call site caches its mapping in fn_extra.  A row costs: compare the
 * project name with the cached one, one atomic read of the slot's
 * generation, convert the features (none for real[] without NULLs), and the
 * evaluation itself.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "pgml_model.h"
#include "pgml_worker.h"

typedef struct PredictCache
{
	bool		by_id;
	int64		model_id;		/* key when by_id */
	int			project_len;	/* key otherwise (-1: none cached yet) */
	char		project[PGML_PROJECT_LEN];
	PgmlModelRef ref;
	float	   *buf;			/* conversion buffer */
	int			buflen;
} PredictCache;

/* The call site's cache, created on first use. */
static PredictCache *
cache_get(FunctionCallInfo fcinfo)
{
	PredictCache *c = (PredictCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PredictCache));
		c->project_len = -1;
		c->ref.slot = -1;
		fcinfo->flinfo->fn_extra = c;
	}
	return c;
}

/* Map the model named by argument 0 (project text or model id bigint). */
static const PgmlImageHeader *
model_for_call(FunctionCallInfo fcinfo, PredictCache *c, bool by_id)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", by_id ? "model_id" : "project name")));

	if (by_id)
	{
		int64		id = PG_GETARG_INT64(0);

		if (c->by_id && c->model_id == id && c->project_len == 0 &&
			pgml_registry_ref_valid(&c->ref))
			return c->ref.image;
		c->project_len = -1;
		pgml_registry_get_by_id(id, &c->ref);
		c->by_id = true;
		c->model_id = id;
		c->project_len = 0;
	}
	else
	{
		text	   *t = PG_GETARG_TEXT_PP(0);
		int			len = VARSIZE_ANY_EXHDR(t);

		if (!c->by_id && c->project_len == len &&
			memcmp(c->project, VARDATA_ANY(t), len) == 0 &&
			pgml_registry_ref_valid(&c->ref))
			return c->ref.image;
		c->project_len = -1;
		if (len >= PGML_PROJECT_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("project \"%s\" does not exist", text_to_cstring(t))));
		memcpy(c->project, VARDATA_ANY(t), len);
		c->project[len] = '\0';
		pgml_registry_get(c->project, &c->ref);
		c->by_id = false;
		c->project_len = len;
	}
	return c->ref.image;
}

/* Describe the model of this call for error messages. */
static char *
model_name(const PredictCache *c)
{
	if (c->by_id)
		return psprintf("model %lld", (long long) c->model_id);
	return psprintf("project \"%s\"", c->project);
}

/*
 * Turn argument 1 (an array of a numeric type) into float features for the
 * image, checking count and NULLs.  Returns a pointer valid until next call.
 */
static const float *
features_for_call(FunctionCallInfo fcinfo, PredictCache *c,
				  const PgmlImageHeader *image)
{
	ArrayType  *arr;
	Oid			elemtype;
	int			n;
	bool		linear = (image->algorithm != PGML_ALGO_XGBOOST);
	Datum	   *elems;
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("features must not be NULL"),
				 errhint("Pass an array of %d features; NULL elements are missing values.",
						 image->n_features)));
	arr = PG_GETARG_ARRAYTYPE_P(1);
	elemtype = ARR_ELEMTYPE(arr);
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (n != image->n_features)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wrong number of features for %s", model_name(c)),
				 errdetail("The model expects %d features; got %d.", image->n_features, n)));

	/* fast path: real[] without NULLs is used in place */
	if (elemtype == FLOAT4OID && !ARR_HASNULL(arr))
		return (const float *) ARR_DATA_PTR(arr);

	if (c->buflen < n)
	{
		c->buf = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(float) * Max(n, 1));
		c->buflen = n;
	}

	if (elemtype == FLOAT8OID && !ARR_HASNULL(arr))
	{
		const double *src = (const double *) ARR_DATA_PTR(arr);

		for (int i = 0; i < n; i++)
			c->buf[i] = (float) src[i];
		return c->buf;
	}

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
		{
			if (linear)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("linear models cannot predict with NULL features"),
						 errdetail("Feature %d is NULL.", i + 1),
						 errhint("Replace missing values, or use an xgboost model, which handles them.")));
			c->buf[i] = NAN;
			continue;
		}
		switch (elemtype)
		{
			case FLOAT4OID:
				c->buf[i] = DatumGetFloat4(elems[i]);
				break;
			case FLOAT8OID:
				c->buf[i] = (float) DatumGetFloat8(elems[i]);
				break;
			case INT2OID:
				c->buf[i] = (float) DatumGetInt16(elems[i]);
				break;
			case INT4OID:
				c->buf[i] = (float) DatumGetInt32(elems[i]);
				break;
			case INT8OID:
				c->buf[i] = (float) DatumGetInt64(elems[i]);
				break;
			case BOOLOID:
				c->buf[i] = DatumGetBool(elems[i]) ? 1.0f : 0.0f;
				break;
			case NUMERICOID:
				c->buf[i] = (float) DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
																	   elems[i]));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("features of type %s are not supported",
								format_type_be(elemtype))));
		}
	}
	pfree(elems);
	pfree(nulls);
	return c->buf;
}

/* Shared body of the scalar predict functions. */
static Datum
predict_common(FunctionCallInfo fcinfo, bool by_id)
{
	PredictCache *c = cache_get(fcinfo);
	const PgmlImageHeader *image = model_for_call(fcinfo, c, by_id);
	const float *x = features_for_call(fcinfo, c, image);
	double		y = pgml_image_predict(image, x);

	pgml_registry_count(&c->ref, 1);
	PG_RETURN_FLOAT4((float4) y);
}

PG_FUNCTION_INFO_V1(pgml_predict);

/* SQL: pgml.predict(project text, features anyarray) -> real */
Datum
pgml_predict(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(pgml_predict_by_id);

/* SQL: pgml.predict(model_id bigint, features anyarray) -> real */
Datum
pgml_predict_by_id(PG_FUNCTION_ARGS)
{
	return predict_common(fcinfo, true);
}

/* Shared body of predict_proba. */
static Datum
predict_proba_common(FunctionCallInfo fcinfo, bool by_id)
{
	PredictCache *c = cache_get(fcinfo);
	const PgmlImageHeader *image = model_for_call(fcinfo, c, by_id);
	const float *x;
	Datum	   *out;
	float	   *p;

	if (image->task != PGML_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a classification model", model_name(c)),
				 errhint("predict_proba returns class probabilities; use pgml.predict for regression.")));
	x = features_for_call(fcinfo, c, image);
	p = palloc(sizeof(float) * image->n_classes);
	out = palloc(sizeof(Datum) * image->n_classes);
	pgml_image_predict_proba(image, x, p);
	for (int k = 0; k < image->n_classes; k++)
		out[k] = Float4GetDatum(p[k]);
	pgml_registry_count(&c->ref, 1);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, image->n_classes, FLOAT4OID,
										  sizeof(float4), true, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(pgml_predict_proba);

/* SQL: pgml.predict_proba(project text, features anyarray) -> real[] */
Datum
pgml_predict_proba(PG_FUNCTION_ARGS)
{
	return predict_proba_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(pgml_predict_proba_by_id);

/* SQL: pgml.predict_proba(model_id bigint, features anyarray) -> real[] */
Datum
pgml_predict_proba_by_id(PG_FUNCTION_ARGS)
{
	return predict_proba_common(fcinfo, true);
}
