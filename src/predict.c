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
 * A call site checks that the user may use the project when it resolves
 * its model and again in each new statement (acl.c, cached per backend),
 * never per row.
 *
 * Each call site caches its mapping in fn_extra for its statement.  A row
 * costs: compare the project name with the cached one and the statement
 * with the cached one, convert the features (none for real[] without
 * NULLs), and the evaluation itself.  A new statement checks the slot's
 * generation (one atomic read, in recent_find).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "pgml_acl.h"
#include "pgml_kind.h"
#include "pgml_model.h"
#include "pgml_worker.h"

typedef struct PredictCache
{
	bool		by_id;
	int64		model_id;		/* key when by_id */
	int			project_len;	/* key otherwise (-1: none cached yet) */
	char		project[PGML_PROJECT_LEN];
	PgmlModelRef ref;
	/* the statement ref was resolved (and checked) for, and the user */
	LocalTransactionId stmt_lxid;
	TimestampTz stmt_start;
	Oid			stmt_user;
	LocalTransactionId held_lxid;	/* transaction whose hold ref has */
	float	   *buf;			/* conversion buffer */
	int			buflen;
	bool		row;			/* argument 1 is a row, not an array */
	/* row form: the field types of the last row's descriptor, resolved */
	int			row_natts;
	Oid		   *field_orig;		/* the field's declared type (cache key) */
	Oid		   *field_type;		/* that type, or a domain's base type */
	Oid		   *field_elem;		/* its element type (base), or InvalidOid */
} PredictCache;

/*
 * Backend-wide memory of recent resolutions, so that a new query (a fresh
 * fn_extra) finds its model without the registry's lock: an entry is used
 * only while its slot's generation is unchanged, which also guarantees the
 * mapping it points at is still this backend's (registry.c).
 */
#define RECENT_MODELS 32
typedef struct RecentModel
{
	bool		used;
	bool		by_id;
	int64		model_id;
	int			project_len;
	char		project[PGML_PROJECT_LEN];
	PgmlModelRef ref;
	LocalTransactionId stmt_lxid;	/* the statement it was resolved in */
	TimestampTz stmt_start;
	LocalTransactionId held_lxid;	/* transaction whose hold ref has */
} RecentModel;

static RecentModel recent[RECENT_MODELS];
static int	recent_next = 0;

/* Is this the statement that (lxid, start) names?  See same_statement(). */
static inline bool
is_current_statement(LocalTransactionId lxid, TimestampTz start)
{
	return lxid == MyProc->lxid && start == GetCurrentStatementStartTimestamp();
}

/*
 * Look a key up among the recent resolutions; true and *ref if still valid,
 * or resolved in this statement (whose model it stays).
 */
static bool
recent_find(bool by_id, int64 model_id, const char *project, int len,
			PgmlModelRef *ref)
{
	for (int i = 0; i < RECENT_MODELS; i++)
	{
		RecentModel *r = &recent[i];

		if (!r->used || r->by_id != by_id)
			continue;
		if (by_id ? r->model_id != model_id
			: (r->project_len != len || memcmp(r->project, project, len) != 0))
			continue;
		if (!is_current_statement(r->stmt_lxid, r->stmt_start) &&
			!pgml_registry_ref_valid(&r->ref))
		{
			if (r->held_lxid == MyProc->lxid)
				pgml_registry_release(&r->ref);
			r->used = false;
			return false;
		}
		*ref = r->ref;
		return true;
	}
	return false;
}

/* Remember a fresh resolution. */
static void
recent_add(bool by_id, int64 model_id, const char *project, int len,
		   const PgmlModelRef *ref)
{
	RecentModel *r = NULL;

	/*
	 * A free entry, else one of an earlier statement: the entries of this
	 * statement are its models (one statement, one model), and only a
	 * statement of more than RECENT_MODELS models loses some of them.
	 */
	for (int i = 0; i < RECENT_MODELS && r == NULL; i++)
		if (!recent[i].used)
			r = &recent[i];
	for (int i = 0; i < RECENT_MODELS && r == NULL; i++)
	{
		RecentModel *c = &recent[(recent_next + i) % RECENT_MODELS];

		if (!is_current_statement(c->stmt_lxid, c->stmt_start))
			r = c;
	}
	if (r == NULL)
		r = &recent[recent_next];
	recent_next = (r - recent + 1) % RECENT_MODELS;
	if (r->used && r->held_lxid == MyProc->lxid)
		pgml_registry_release(&r->ref);
	pgml_registry_hold(ref);
	r->held_lxid = MyProc->lxid;
	r->used = true;
	r->by_id = by_id;
	r->stmt_lxid = MyProc->lxid;
	r->stmt_start = GetCurrentStatementStartTimestamp();
	r->model_id = model_id;
	r->project_len = len;
	if (!by_id)
		memcpy(r->project, project, len);
	r->ref = *ref;
}

/*
 * Is argument 1 of this type a row (true) or an array (false)?  Any other
 * type, which an anyelement overload lets through, is an error.  The array
 * types of the overloads are answered without a catalog lookup: a prepared
 * statement gets a fresh cache at every execution.
 */
static bool
features_are_row(Oid argtype)
{
	switch (argtype)
	{
		case InvalidOid:
		case FLOAT4ARRAYOID:
		case FLOAT8ARRAYOID:
		case INT2ARRAYOID:
		case INT4ARRAYOID:
		case INT8ARRAYOID:
		case NUMERICARRAYOID:
		case BOOLARRAYOID:
			return false;
	}
	if (type_is_rowtype(argtype))
		return true;
	if (!OidIsValid(get_element_type(argtype)))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("features of type %s are not supported", format_type_be(argtype)),
				 errhint("Pass an array of a numeric or boolean type, or a row of numeric, boolean and text fields.")));
	return false;
}

/* The call site's cache, created on first use. */
static PredictCache *
cache_get(FunctionCallInfo fcinfo)
{
	PredictCache *c = (PredictCache *) fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		bool		row = features_are_row(get_fn_expr_argtype(fcinfo->flinfo, 1));

		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PredictCache));
		c->project_len = -1;
		c->ref.slot = -1;
		c->row = row;
		fcinfo->flinfo->fn_extra = c;
		/* a call site's first row finds the model out of the CPU caches */
		pgml_image_expect_cold();
	}
	return c;
}

/*
 * Is this still the statement the call site resolved its model for?  A
 * statement is served by one version of a model, the one deployed when it
 * first needed it: a redeploy reaches the next statement, never the middle
 * of a scan (the old image stays mapped until the transaction ends,
 * registry.c).  PL/pgSQL keeps a call site across the statements of a
 * transaction; the top-level statement's start tells them apart.
 */
static inline bool
same_statement(const PredictCache *c)
{
	return is_current_statement(c->stmt_lxid, c->stmt_start) && c->stmt_user == GetUserId();
}

/* The call site lets go of the model it resolved (see pgml_registry_hold). */
static void
cache_release(PredictCache *c)
{
	if (c->ref.slot >= 0 && c->held_lxid == MyProc->lxid)
		pgml_registry_release(&c->ref);
	c->held_lxid = InvalidLocalTransactionId;
	c->ref.slot = -1;
	c->ref.image = NULL;
}

/*
 * A standby learns of deploys and changed model rows from the replicated
 * tables, once per statement: replace the image if it is not the version
 * the tables name.
 */
static void
standby_refresh(PredictCache *c, bool by_id)
{
	PgmlModelVersion want = pgml_registry_current(by_id, c->project, c->model_id);
	PgmlModelVersion have = {c->ref.model_id, c->ref.model_xmin};

	if (want.model_id != 0 &&
		(want.model_id != have.model_id || want.xmin != have.xmin))
	{
		pgml_registry_refresh(by_id, c->project, c->model_id, &have, &c->ref);
		recent_add(by_id, c->model_id, c->project, by_id ? 0 : strlen(c->project), &c->ref);
	}
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

		if (c->by_id && c->model_id == id && c->project_len == 0 && same_statement(c))
			return c->ref.image;
		cache_release(c);
		c->project_len = -1;
		c->project[0] = '\0';
		if (!pgml_acl_check_use(NULL, id))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("model %lld does not exist", (long long) id)));
		if (!recent_find(true, id, NULL, 0, &c->ref))
		{
			pgml_registry_get_by_id(id, &c->ref);
			recent_add(true, id, NULL, 0, &c->ref);
		}
		c->by_id = true;
		c->model_id = id;
		if (RecoveryInProgress())
			standby_refresh(c, true);
		c->project_len = 0;
	}
	else
	{
		text	   *t = PG_GETARG_TEXT_PP(0);
		int			len = VARSIZE_ANY_EXHDR(t);

		if (!c->by_id && c->project_len == len &&
			memcmp(c->project, VARDATA_ANY(t), len) == 0 && same_statement(c))
			return c->ref.image;
		cache_release(c);
		c->project_len = -1;
		if (len >= PGML_PROJECT_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("project \"%s\" does not exist", text_to_cstring(t))));
		memcpy(c->project, VARDATA_ANY(t), len);
		c->project[len] = '\0';

		/*
		 * A project that does not exist is not served, whatever a slot
		 * still holds under its name: on a standby, no commit of the
		 * primary drops the image of a project renamed or dropped there.
		 */
		if (!pgml_acl_check_use(c->project, 0))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("project \"%s\" does not exist", c->project),
					 errhint("Train a model first: SELECT pgml.train('%s', ...).", c->project)));
		if (!recent_find(false, 0, c->project, len, &c->ref))
		{
			pgml_registry_get(c->project, &c->ref);
			recent_add(false, 0, c->project, len, &c->ref);
		}
		c->by_id = false;
		c->model_id = 0;
		if (RecoveryInProgress())
			standby_refresh(c, false);
		c->project_len = len;
	}
	c->stmt_lxid = MyProc->lxid;
	c->stmt_start = GetCurrentStatementStartTimestamp();
	c->stmt_user = GetUserId();
	pgml_registry_hold(&c->ref);
	c->held_lxid = MyProc->lxid;
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

/* What to do about a missing value this model cannot take. */
static const char *
missing_hint(const PgmlImageHeader *image)
{
	if (pgml_kind_of(image->algorithm)->missing_values)
		return "Replace missing values, or train without \"impute\": \"error\" for this column (xgboost handles missing values).";
	return "Replace missing values, train with preprocess => '{\"column\": {\"impute\": \"mean\"}}', or use an xgboost model, which handles them.";
}

/*
 * A NULL (missing) feature j: fine for tree models and imputed features;
 * otherwise an error naming the feature (and the row field, if any).
 */
static void
missing_check(const PgmlImageHeader *image, int j, const char *field)
{
	if (pgml_image_missing_ok(image, j))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("this model cannot predict with NULL features"),
			 field ? errdetail("Feature %d (field \"%s\") is NULL.", j + 1, field)
			 : errdetail("Feature %d is NULL.", j + 1),
			 errhint("%s", missing_hint(image))));
}

static const float *features_from_row(FunctionCallInfo fcinfo, PredictCache *c,
									  const PgmlImageHeader *image);

/* An array of n features does not fit the model: say why. */
static void
array_shape_error(const PredictCache *c, const PgmlImageHeader *image, int n)
{
	if (image->n_encoders > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s has text inputs, which an array cannot hold", model_name(c)),
				 errdetail("It was trained on %d text column(s) among %d inputs.",
						   image->n_encoders, image->n_inputs),
				 errhint("Pass the features as a row, for example pgml.predict('project', ROW(1.5, 'red')) or pgml.predict('project', t) FROM t.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("wrong number of features for %s", model_name(c)),
			 errdetail("The model expects %d features; got %d.", image->n_features, n)));
}

/*
 * A NaN feature is a missing value, as a NULL is: an error for a model that
 * cannot take it there (it would predict garbage).
 */
static void
nan_check(const PgmlImageHeader *image, const float *x)
{
	int32		j = pgml_image_first_bad_nan(image, x);

	if (j >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("this model cannot predict with NaN features"),
				 errdetail("Feature %d is NaN, a missing value as NULL is.", j + 1),
				 errhint("%s", missing_hint(image))));
}

static const float *features_for_call_raw(FunctionCallInfo fcinfo, PredictCache *c,
										  const PgmlImageHeader *image);

/*
 * Argument 1 (an array of a numeric type, or a row) as float features for
 * the image, checking count, NULLs and NaNs.  Returns a pointer valid until
 * the next call.
 */
static const float *
features_for_call(FunctionCallInfo fcinfo, PredictCache *c,
				  const PgmlImageHeader *image)
{
	const float *x = features_for_call_raw(fcinfo, c, image);

	if (!c->row)				/* features_from_row checks its own */
		nan_check(image, x);
	return x;
}

/* The conversion buffer, of at least n floats. */
static float *
cache_buf(FunctionCallInfo fcinfo, PredictCache *c, int n)
{
	if (c->buflen < n)
	{
		c->buf = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(float) * Max(n, 1));
		c->buflen = n;
	}
	return c->buf;
}

/*
 * The bytes of a one-dimensional real[] without NULLs stored with a 1-byte
 * header (what a table holds for up to 26 elements): ArrayType's fields
 * after one header byte instead of four, so unaligned, the data at
 * ARR_OVERHEAD_NONULLS(1) - 3 bytes.
 */
#define SHORT_ARRAY_DATA	(VARHDRSZ_SHORT + ARR_OVERHEAD_NONULLS(1) - VARHDRSZ)

/*
 * The features of argument d if it is such an array of the model's
 * feature count, copied into the buffer; NULL for every other array.
 * PG_GETARG_ARRAYTYPE_P would palloc an aligned copy of it per row (a
 * twentieth of the time of a small tree's pgml.predict).
 */
static const float *
short_real_array(FunctionCallInfo fcinfo, PredictCache *c,
				 const PgmlImageHeader *image, Datum d)
{
	const char *p = DatumGetPointer(d);
	int32		ndim,
				dataoffset,
				dim;
	Oid			elemtype;

	if (!VARATT_IS_SHORT(p) || VARATT_IS_EXTERNAL(p) || image->n_encoders > 0 ||
		VARSIZE_SHORT(p) != SHORT_ARRAY_DATA + sizeof(float) * image->n_features)
		return NULL;
	memcpy(&ndim, p + VARHDRSZ_SHORT, sizeof(int32));
	memcpy(&dataoffset, p + VARHDRSZ_SHORT + sizeof(int32), sizeof(int32));
	memcpy(&elemtype, p + VARHDRSZ_SHORT + 2 * sizeof(int32), sizeof(Oid));
	memcpy(&dim, p + VARHDRSZ_SHORT + 2 * sizeof(int32) + sizeof(Oid), sizeof(int32));
	if (ndim != 1 || dataoffset != 0 || elemtype != FLOAT4OID || dim != image->n_features)
		return NULL;
	memcpy(cache_buf(fcinfo, c, dim), p + SHORT_ARRAY_DATA, sizeof(float) * dim);
	return c->buf;
}

/* features_for_call without the NaN check. */
static const float *
features_for_call_raw(FunctionCallInfo fcinfo, PredictCache *c,
					  const PgmlImageHeader *image)
{
	const float *x;
	ArrayType  *arr;
	Oid			elemtype;
	int			n;
	Datum	   *elems;
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (c->row)
		return features_from_row(fcinfo, c, image);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("features must not be NULL"),
				 errhint("Pass an array of %d features; NULL elements are missing values.",
						 image->n_features)));
	if ((x = short_real_array(fcinfo, c, image, PG_GETARG_DATUM(1))) != NULL)
		return x;
	arr = PG_GETARG_ARRAYTYPE_P(1);
	elemtype = ARR_ELEMTYPE(arr);
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (n != image->n_features || image->n_encoders > 0)
		array_shape_error(c, image, n);

	/* real[] without NULLs is used in place */
	if (elemtype == FLOAT4OID && !ARR_HASNULL(arr))
		return (const float *) ARR_DATA_PTR(arr);

	cache_buf(fcinfo, c, n);

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
			missing_check(image, i, NULL);
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

/* predict serves one value per row: not a decomposition, not a joint model. */
static void
not_decomposition(const PgmlImageHeader *image, const PredictCache *c)
{
	if (image->task == PGML_TASK_DECOMPOSITION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is a decomposition model", model_name(c)),
				 errhint("Use pgml.decompose() to get its components.")));
	if (image->task == PGML_TASK_REGRESSION && image->n_outputs > 1)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is a joint model of %d targets", model_name(c), image->n_outputs),
				 errhint("Use pgml.predict_joint() to get its predictions.")));
}

/* Shared body of the scalar predict functions. */
static Datum
predict_common(FunctionCallInfo fcinfo, bool by_id)
{
	PredictCache *c = cache_get(fcinfo);
	const PgmlImageHeader *image = model_for_call(fcinfo, c, by_id);
	const float *x;
	double		y;

	not_decomposition(image, c);
	x = features_for_call(fcinfo, c, image);
	y = pgml_image_predict(image, x);

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

/* A real[] of n values, after counting one prediction of the call's model. */
static Datum
floats_result(PredictCache *c, const float *v, int n)
{
	Datum	   *out = palloc(sizeof(Datum) * Max(n, 1));

	for (int k = 0; k < n; k++)
		out[k] = Float4GetDatum(v[k]);
	pgml_registry_count(&c->ref, 1);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, FLOAT4OID, sizeof(float4), true,
										  TYPALIGN_INT));
}

/* Shared body of predict_proba. */
static Datum
predict_proba_common(FunctionCallInfo fcinfo, bool by_id)
{
	PredictCache *c = cache_get(fcinfo);
	const PgmlImageHeader *image = model_for_call(fcinfo, c, by_id);
	const float *x;
	float	   *p;

	if (image->task != PGML_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a classification model", model_name(c)),
				 errhint("predict_proba returns class probabilities; use pgml.predict for regression.")));
	x = features_for_call(fcinfo, c, image);
	p = palloc(sizeof(float) * image->n_classes);
	pgml_image_predict_proba(image, x, p);
	return floats_result(c, p, image->n_classes);
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

/* Shared body of predict_joint: every target of a regression model. */
static Datum
predict_joint_common(FunctionCallInfo fcinfo, bool by_id)
{
	PredictCache *c = cache_get(fcinfo);
	const PgmlImageHeader *image = model_for_call(fcinfo, c, by_id);
	const float *x;
	float	   *v;

	if (image->task != PGML_TASK_REGRESSION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a regression model", model_name(c)),
				 errhint("predict_joint returns the targets of a regression model (pgml.train_joint); use pgml.predict for other tasks.")));
	x = features_for_call(fcinfo, c, image);
	v = palloc(sizeof(float) * image->n_outputs);
	pgml_image_predict_raw(image, x, v);
	return floats_result(c, v, image->n_outputs);
}

PG_FUNCTION_INFO_V1(pgml_predict_joint);

/* SQL: pgml.predict_joint(project text, features anyarray) -> real[] */
Datum
pgml_predict_joint(PG_FUNCTION_ARGS)
{
	return predict_joint_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(pgml_predict_joint_by_id);

/* SQL: pgml.predict_joint(model_id bigint, features anyarray) -> real[] */
Datum
pgml_predict_joint_by_id(PG_FUNCTION_ARGS)
{
	return predict_joint_common(fcinfo, true);
}

/* Convert one scalar datum of a numeric type to float; false if unsupported. */
static bool
scalar_to_float(Datum d, Oid type, float *out)
{
	switch (type)
	{
		case FLOAT4OID:
			*out = DatumGetFloat4(d);
			return true;
		case FLOAT8OID:
			*out = (float) DatumGetFloat8(d);
			return true;
		case INT2OID:
			*out = (float) DatumGetInt16(d);
			return true;
		case INT4OID:
			*out = (float) DatumGetInt32(d);
			return true;
		case INT8OID:
			*out = (float) DatumGetInt64(d);
			return true;
		case BOOLOID:
			*out = DatumGetBool(d) ? 1.0f : 0.0f;
			return true;
		case NUMERICOID:
			*out = (float) DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
			return true;
	}
	return false;
}

/*
 * Is this a type whose values are text: text features and labels in
 * training (data.c), text fields at predict time?  The string types (text,
 * varchar, char(n), name, citext, ...), enums, and unknown (a quoted literal
 * in ROW('red', ...)).
 */
bool
pgml_text_type(Oid t)
{
	char		category;
	bool		preferred;

	if (t == TEXTOID || t == VARCHAROID || t == BPCHAROID || t == NAMEOID ||
		t == UNKNOWNOID)
		return true;
	get_type_category_preferred(t, &category, &preferred);
	return category == TYPCATEGORY_STRING || category == TYPCATEGORY_ENUM;
}

/*
 * The text of a non-NULL value of a pgml_text_type() type: *len bytes at
 * the result (not NUL-terminated for the varlena types), valid in the
 * current memory context.  Other string types and enums stand for their
 * text output.
 */
const char *
pgml_text_value(Datum d, Oid t, int32 *len)
{
	const char *s;

	if (t == TEXTOID || t == VARCHAROID || t == BPCHAROID)
	{
		text	   *txt = DatumGetTextPP(d);

		*len = VARSIZE_ANY_EXHDR(txt);
		return VARDATA_ANY(txt);
	}
	if (t == NAMEOID)
		s = NameStr(*DatumGetName(d));
	else if (t == UNKNOWNOID)
		s = DatumGetCString(d);
	else
	{
		Oid			typoutput;
		bool		varlena;

		getTypeOutputInfo(t, &typoutput, &varlena);
		s = OidOutputFunctionCall(typoutput, d);
	}
	*len = strlen(s);
	return s;
}

/* Where the inputs of a row go: the walk of features_from_row. */
typedef struct RowWalk
{
	const PgmlImageHeader *image;
	const PredictCache *c;
	float	   *buf;			/* [n_features] */
	int			ni;				/* next input */
	int			nf;				/* its first feature */
	int			e;				/* next encoder */
	int32		enc_input;		/* input of encoder e, or -1 */
	int32		enc_feature;
	int32		enc_width;
} RowWalk;

/* Advance to encoder e of the image (or past the last one). */
static void
walk_encoder(RowWalk *w, int e)
{
	w->e = e;
	w->enc_input = -1;
	if (e < w->image->n_encoders)
		pgml_image_encoder(w->image, e, &w->enc_input, &w->enc_feature,
						   &w->enc_width);
}

/* One numeric input (v, NaN for NULL) of field att. */
static void
walk_number(RowWalk *w, float v, bool isnull, Form_pg_attribute att)
{
	if (w->ni == w->enc_input)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("field \"%s\" is a number, but input %d of %s is text",
						NameStr(att->attname), w->ni + 1, model_name(w->c)),
				 errhint("Pass the row's fields in the order and types of the columns the model was trained on.")));
	if (w->nf < w->image->n_features)
	{
		if (isnull)
			missing_check(w->image, w->nf, NameStr(att->attname));
		w->buf[w->nf] = v;
	}
	w->ni++;
	w->nf++;
}

/* One text input (d of type t, or NULL) of field att. */
static void
walk_text(RowWalk *w, Datum d, bool isnull, Oid t, Form_pg_attribute att)
{
	const char *s;
	int32		len;
	float	   *out;

	if (w->ni != w->enc_input)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("field \"%s\" is text, but input %d of %s is a number",
						NameStr(att->attname), w->ni + 1, model_name(w->c)),
				 errhint("Pass the row's fields in the order and types of the columns the model was trained on.")));
	out = w->buf + w->enc_feature;
	if (isnull)
	{
		for (int k = 0; k < w->enc_width; k++)
		{
			missing_check(w->image, w->enc_feature + k, NameStr(att->attname));
			out[k] = NAN;
		}
	}
	else
	{
		s = pgml_text_value(d, t, &len);
		if (!pgml_image_encode(w->image, w->e, s, len, out) &&
			isnan(out[0]) && !pgml_image_missing_ok(w->image, w->enc_feature))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("field \"%s\" has a value the model has not seen: \"%.*s\"",
							NameStr(att->attname), Min(len, 64), s),
					 errdetail("Input %d of %s is ordinal-encoded, and this model cannot take a missing value.",
							   w->ni + 1, model_name(w->c)),
					 errhint("Train with \"impute\" for the column, with \"encode\": \"one_hot\" or \"target\", or with an xgboost model.")));
	}
	w->nf += w->enc_width;
	w->ni++;
	walk_encoder(w, w->e + 1);
}

/*
 * Resolve the field types of a row's descriptor once per call site: a
 * domain stands for its base type, as in training.  The cache is keyed on
 * the declared type of every field (checked at each row, without a catalog
 * lookup), so a row type altered between calls is resolved again.
 */
static void
row_fields(FunctionCallInfo fcinfo, PredictCache *c, TupleDesc desc)
{
	bool		same = (c->field_type != NULL && c->row_natts == desc->natts);

	for (int i = 0; same && i < desc->natts; i++)
		same = (c->field_orig[i] == TupleDescAttr(desc, i)->atttypid);
	if (same)
		return;
	if (c->field_type != NULL)
	{
		pfree(c->field_orig);
		pfree(c->field_type);
		pfree(c->field_elem);
	}
	c->field_orig = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
									   sizeof(Oid) * Max(desc->natts, 1));
	c->field_type = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
									   sizeof(Oid) * Max(desc->natts, 1));
	c->field_elem = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
									   sizeof(Oid) * Max(desc->natts, 1));
	for (int i = 0; i < desc->natts; i++)
	{
		Oid			o = TupleDescAttr(desc, i)->atttypid;
		Oid			t = getBaseType(o);
		Oid			e = get_element_type(t);

		c->field_orig[i] = o;
		c->field_type[i] = t;
		c->field_elem[i] = OidIsValid(e) ? getBaseType(e) : InvalidOid;
	}
	c->row_natts = desc->natts;
}

/*
 * Features from a row value: numeric scalars, numeric arrays (flattened)
 * and text, in column order, as training reads a relation.  Text fields go
 * through the model's encoders.
 */
static const float *
features_from_row(FunctionCallInfo fcinfo, PredictCache *c,
				  const PgmlImageHeader *image)
{
	HeapTupleHeader rec;
	TupleDesc	desc;
	HeapTupleData tuple;
	RowWalk		w;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("features must not be NULL")));
	rec = PG_GETARG_HEAPTUPLEHEADER(1);
	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(rec),
								  HeapTupleHeaderGetTypMod(rec));
	row_fields(fcinfo, c, desc);
	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;

	if (c->buflen < image->n_features)
	{
		c->buf = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
									sizeof(float) * Max(image->n_features, 1));
		c->buflen = image->n_features;
	}
	w.image = image;
	w.c = c;
	w.buf = c->buf;
	w.ni = 0;
	w.nf = 0;
	walk_encoder(&w, 0);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		isnull;
		Datum		d;
		Oid			elemtype;

		if (att->attisdropped)
			continue;
		d = heap_getattr(&tuple, i + 1, desc, &isnull);
		if (w.ni >= image->n_inputs)
		{
			w.ni++;				/* too many: counted for the error below */
			continue;
		}
		if (pgml_text_type(c->field_type[i]))
		{
			walk_text(&w, d, isnull, c->field_type[i], att);
			continue;
		}
		elemtype = c->field_elem[i];
		if (!OidIsValid(elemtype))
		{
			float		v = NAN;

			if (!isnull && !scalar_to_float(d, c->field_type[i], &v))
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("field \"%s\" has type %s, which cannot be a feature",
								NameStr(att->attname), format_type_be(att->atttypid))));
			walk_number(&w, v, isnull, att);
		}
		else
		{
			ArrayType  *arr;
			Datum	   *elems;
			bool	   *nulls;
			int			n;
			int16		typlen;
			bool		typbyval;
			char		typalign;

			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("array field \"%s\" is NULL", NameStr(att->attname))));
			arr = DatumGetArrayTypeP(d);
			/* the array's own element type: a domain's has the base's layout */
			get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
			deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign,
							  &elems, &nulls, &n);
			for (int k = 0; k < n; k++)
			{
				float		v = NAN;

				if (!nulls[k] && !scalar_to_float(elems[k], elemtype, &v))
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("field \"%s\" has type %s, which cannot be a feature",
									NameStr(att->attname), format_type_be(att->atttypid))));
				if (w.ni >= image->n_inputs)
					w.ni++;
				else
					walk_number(&w, v, nulls[k], att);
			}
		}
	}
	ReleaseTupleDesc(desc);

	if (w.ni != image->n_inputs)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wrong number of features for %s", model_name(c)),
				 errdetail("The model expects %d features; the row has %d.", image->n_inputs, w.ni)));
	nan_check(image, c->buf);
	return c->buf;
}

PG_FUNCTION_INFO_V1(pgml_predict_row);

/* SQL: pgml.predict(project text, row anyelement) -> real */
Datum
pgml_predict_row(PG_FUNCTION_ARGS)
{
	Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	PredictCache *c;
	const PgmlImageHeader *image;
	const float *x;
	double		y;

	/* anyelement also catches arrays of types no overload takes */
	if (!type_is_rowtype(argtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("features of type %s are not supported", format_type_be(argtype)),
				 errhint("Pass an array of a numeric or boolean type, or a row of numeric, boolean and text fields.")));
	c = cache_get(fcinfo);
	image = model_for_call(fcinfo, c, false);
	not_decomposition(image, c);
	x = features_from_row(fcinfo, c, image);
	y = pgml_image_predict(image, x);
	pgml_registry_count(&c->ref, 1);
	PG_RETURN_FLOAT4((float4) y);
}

PG_FUNCTION_INFO_V1(pgml_predict_batch);

/*
 * SQL: pgml.predict_batch(project text, features real[]) -> SETOF real.
 * features holds whole rows one after another; one prediction per row.
 */
Datum
pgml_predict_batch(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PredictCache *c;
	const PgmlImageHeader *image;
	ArrayType  *arr;
	int			n;
	int			rows;
	float	   *x;
	float	   *row;

	c = cache_get(fcinfo);
	image = model_for_call(fcinfo, c, false);
	not_decomposition(image, c);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("features must not be NULL")));
	arr = PG_GETARG_ARRAYTYPE_P(1);
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (image->n_encoders > 0)
		array_shape_error(c, image, n);
	if (image->n_features == 0 || n % image->n_features != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wrong number of features for %s", model_name(c)),
				 errdetail("The batch has %d values, which is not a multiple of the model's %d features.",
						   n, image->n_features)));
	rows = n / image->n_features;

	if (ARR_HASNULL(arr))
	{
		Datum	   *elems;
		bool	   *nulls;

		deconstruct_array(arr, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT,
						  &elems, &nulls, &n);
		x = palloc(sizeof(float) * Max(n, 1));
		for (int i = 0; i < n; i++)
		{
			if (nulls[i])
				missing_check(image, i % image->n_features, NULL);
			x[i] = nulls[i] ? NAN : DatumGetFloat4(elems[i]);
		}
	}
	else
		x = (float *) ARR_DATA_PTR(arr);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	row = x;
	for (int r = 0; r < rows; r++, row += image->n_features)
		nan_check(image, row);
	row = x;
	for (int r = 0; r < rows; r++, row += image->n_features)
	{
		Datum		v = Float4GetDatum((float4) pgml_image_predict(image, row));
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &isnull);
	}
	pgml_registry_count(&c->ref, rows);
	return (Datum) 0;
}

/* Shared body of pgml.decompose. */
static Datum
decompose_common(FunctionCallInfo fcinfo, bool by_id)
{
	PredictCache *c = cache_get(fcinfo);
	const PgmlImageHeader *image = model_for_call(fcinfo, c, by_id);
	const float *x;
	float	   *v;

	if (image->task != PGML_TASK_DECOMPOSITION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a decomposition model", model_name(c)),
				 errhint("pgml.decompose needs a model trained with task => 'decomposition' (pca).")));
	x = features_for_call(fcinfo, c, image);
	v = palloc(sizeof(float) * image->n_outputs);
	pgml_image_decompose(image, x, v);
	return floats_result(c, v, image->n_outputs);
}

PG_FUNCTION_INFO_V1(pgml_decompose);

/* SQL: pgml.decompose(project text, vector anyarray) -> real[] */
Datum
pgml_decompose(PG_FUNCTION_ARGS)
{
	return decompose_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(pgml_decompose_by_id);

/* SQL: pgml.decompose(model_id bigint, vector anyarray) -> real[] */
Datum
pgml_decompose_by_id(PG_FUNCTION_ARGS)
{
	return decompose_common(fcinfo, true);
}

/* Shared body of pgml.predict_label. */
static Datum
predict_label_common(FunctionCallInfo fcinfo, bool by_id)
{
	PredictCache *c = cache_get(fcinfo);
	const PgmlImageHeader *image = model_for_call(fcinfo, c, by_id);
	const float *x;
	int32		k;
	int32		len;
	const char *name;

	if (image->task != PGML_TASK_CLASSIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a classification model", model_name(c)),
				 errhint("predict_label returns class labels; use pgml.predict for other tasks.")));
	x = features_for_call(fcinfo, c, image);
	k = pgml_image_predict_class(image, x);
	pgml_registry_count(&c->ref, 1);
	name = pgml_image_class_name(image, k, &len);
	if (name != NULL)
		PG_RETURN_TEXT_P(cstring_to_text_with_len(name, len));
	PG_RETURN_TEXT_P(cstring_to_text(float8out_internal(pgml_image_class_label(image, k))));
}

PG_FUNCTION_INFO_V1(pgml_predict_label);

/* SQL: pgml.predict_label(project text, features anyarray) -> text */
Datum
pgml_predict_label(PG_FUNCTION_ARGS)
{
	return predict_label_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(pgml_predict_label_by_id);

/* SQL: pgml.predict_label(model_id bigint, features anyarray) -> text */
Datum
pgml_predict_label_by_id(PG_FUNCTION_ARGS)
{
	return predict_label_common(fcinfo, true);
}
