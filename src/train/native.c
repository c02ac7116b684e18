/*
 * native.c
 *	  pgml.predict_native(model_id, features): the prediction of XGBoost
 *	  itself, for one row, from the booster bytes stored in the model's
 *	  artifact.
 *
 *	  This is a reference, not the serving path.  It is the oracle of the
 *	  exactness tests (pgml.predict must agree with it bit for bit) and the
 *	  "C function calling XGBoost per row" and "per-connection deserialize"
 *	  baselines of the benchmarks: each backend loads the booster once and
 *	  keeps it, keyed by model id, until it is asked for another model.
 *
 *	  pgml.export_model(project or model id, format): the same booster
 *	  bytes, for stock XGBoost to load (UBJSON as stored, or JSON).
 *
 *	  XGBoost itself runs in a trainer process (pgml_trainer.h) that this
 *	  backend starts at its first call and keeps: it holds the loaded
 *	  booster, and each row is one request to it.  No PostgreSQL process
 *	  loads XGBoost.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include <msgpack.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "pgml_acl.h"
#include "pgml_model.h"
#include "pgml_train.h"
#include "pgml_trainer.h"

PG_FUNCTION_INFO_V1(pgml_predict_native);
PG_FUNCTION_INFO_V1(pgml_export_model);
PG_FUNCTION_INFO_V1(pgml_export_model_by_id);

/* The trainer holding this backend's booster, and which booster it is. */
static PgmlTrainer *native_trainer = NULL;
static int64 native_model_id = 0;
static Oid	native_models_relid = InvalidOid;	/* pgml.models it came from */
static int32 native_n_features = 0;
static float *native_row = NULL;	/* [native_n_features], TopMemoryContext */

/* Forget the cached booster. */
static void
native_forget(void)
{
	native_model_id = 0;
	native_models_relid = InvalidOid;
	native_n_features = 0;
	if (native_row != NULL)
		pfree(native_row);
	native_row = NULL;
}

/* The trainer, started if it is not running (it exits after an error). */
static PgmlTrainer *
native_get_trainer(void)
{
	if (!pgml_trainer_alive(native_trainer))
		native_forget();		/* a new trainer holds no booster */
	return pgml_trainer_ensure(&native_trainer);
}

/* Ask the trainer; model id and booster bytes are the payload of both uses. */
static char *
native_booster_call(PgmlTrainerMsgType type, int64 model_id, const char *bytes,
					Size len, PgmlTrainerMsgType expect, Size *reply_len)
{
	StringInfoData req;
	char	   *reply;

	initStringInfo(&req);
	pgml_wire_put_int64(&req, model_id);
	pgml_wire_put_bytes(&req, bytes, (int64) len);
	reply = pgml_trainer_call(native_get_trainer(), type, req.data, req.len,
							  expect, reply_len);
	pfree(req.data);
	return reply;
}

/* Find a str key in a msgpack map; NULL if absent. */
static msgpack_object *
native_map_get(msgpack_object *map, const char *key)
{
	size_t		len = strlen(key);

	for (uint32 i = 0; i < map->via.map.size; i++)
	{
		msgpack_object_kv *kv = &map->via.map.ptr[i];

		if (kv->key.type == MSGPACK_OBJECT_STR &&
			kv->key.via.str.size == len &&
			memcmp(kv->key.via.str.ptr, key, len) == 0)
			return &kv->val;
	}
	return NULL;
}

/*
 * OID of pgml.models.  Model ids start again at 1 when the extension is
 * dropped and created again, so the cache is keyed by this OID too.
 */
static Oid
native_models_oid(void)
{
	Oid			nsp = get_namespace_oid("pgml", true);

	return OidIsValid(nsp) ? get_relname_relid("models", nsp) : InvalidOid;
}

/*
 * The booster bytes of model_id's artifact, copied into the caller's memory
 * context (*len bytes).  Errors: unknown model, not an artifact, a model
 * without booster (linear models).
 */
static char *
native_read_booster(int64 model_id, Size *len)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	Datum		datum;
	bool		isnull;
	bytea	   *artifact;
	char	   *algorithm;
	msgpack_unpacked unpacked;
	msgpack_unpack_return urc;
	size_t		off = 0;
	const char *booster_ptr = NULL;
	size_t		booster_len = 0;
	bool		magic_ok = false;
	char	   *copy;
	PgmlCatalogSwitch cs;

	pgml_acl_check_use(NULL, model_id);
	args[0] = Int64GetDatum(model_id);
	pgml_catalog_push(&cs);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * The latest committed state, as the check above read: with the caller's
	 * (maybe REPEATABLE READ) snapshot, a model whose project was dropped
	 * since would pass the check (no such model) and still be read.
	 */
	PushActiveSnapshot(pgml_latest_snapshot());
	if (SPI_execute_with_args("SELECT artifact, algorithm FROM pgml.models WHERE id = $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read pgml.models");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("model %lld does not exist", (long long) model_id)));

	datum = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("model %lld has no artifact", (long long) model_id)));
	artifact = DatumGetByteaPP(datum);
	algorithm = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

	/* Only look up the two keys; no error may escape while unpacked lives. */
	msgpack_unpacked_init(&unpacked);
	urc = msgpack_unpack_next(&unpacked, VARDATA_ANY(artifact),
							  VARSIZE_ANY_EXHDR(artifact), &off);
	if (urc == MSGPACK_UNPACK_SUCCESS && unpacked.data.type == MSGPACK_OBJECT_MAP)
	{
		msgpack_object *magic = native_map_get(&unpacked.data, "magic");
		msgpack_object *booster = native_map_get(&unpacked.data, "booster");

		magic_ok = magic != NULL && magic->type == MSGPACK_OBJECT_STR &&
			magic->via.str.size == strlen(PGML_ARTIFACT_MAGIC) &&
			memcmp(magic->via.str.ptr, PGML_ARTIFACT_MAGIC,
				   strlen(PGML_ARTIFACT_MAGIC)) == 0;
		/* bin bodies point into the artifact itself, not into the zone */
		if (booster != NULL && booster->type == MSGPACK_OBJECT_BIN)
		{
			booster_ptr = booster->via.bin.ptr;
			booster_len = booster->via.bin.size;
		}
	}
	msgpack_unpacked_destroy(&unpacked);

	if (!magic_ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("artifact of model %lld is not a pgml_worker artifact",
						(long long) model_id)));
	if (booster_ptr == NULL || booster_len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model %lld has no xgboost booster", (long long) model_id),
				 errdetail("Only XGBoost models carry the native booster; this model's algorithm is %s.",
						   algorithm ? algorithm : "unknown")));

	/* Copy out of SPI's memory before SPI_finish releases it. */
	copy = SPI_palloc(booster_len);
	memcpy(copy, booster_ptr, booster_len);
	*len = (Size) booster_len;
	PopActiveSnapshot();
	SPI_finish();
	pgml_catalog_pop(&cs);

	/*
	 * Checked again now that the model was found: the first check passes a
	 * model that did not exist yet, and it may have been created between
	 * that check and the read.
	 */
	pgml_acl_check_use(NULL, model_id);
	return copy;
}

/*
 * Load the booster of model_id from pgml.models into the cache.  Every
 * error leaves the cache empty, never half loaded.
 */
static void
native_load(int64 model_id, Oid models_relid)
{
	char	   *bytes;
	Size		len;
	char	   *reply;
	Size		reply_len;
	PgmlWireReader r;
	int32		n_features;

	native_forget();
	bytes = native_read_booster(model_id, &len);
	reply = native_booster_call(PGML_TMSG_BOOSTER_LOAD, model_id, bytes, len,
								PGML_TMSG_OK, &reply_len);
	pfree(bytes);
	r.data = reply;
	r.len = reply_len;
	r.pos = 0;
	n_features = pgml_wire_get_int32(&r);
	pfree(reply);
	if (n_features < 1 || n_features > MaxAllocSize / sizeof(float))
		elog(ERROR, "the trainer reports %d features", n_features);

	native_row = MemoryContextAlloc(TopMemoryContext, sizeof(float) * n_features);
	native_n_features = n_features;
	native_model_id = model_id;
	native_models_relid = models_relid;
}

/*
 * pgml.predict_native(model_id bigint, features real[]) RETURNS real[]:
 * XGBoost's own output for one row (probabilities, or the value).
 */
Datum
pgml_predict_native(PG_FUNCTION_ARGS)
{
	int64		model_id = PG_GETARG_INT64(0);
	ArrayType  *features = PG_GETARG_ARRAYTYPE_P(1);
	int			n;
	char	   *reply;
	Size		reply_len;
	PgmlWireReader r;
	float	   *result;
	int64		result_len;
	Size		n_out;
	Datum	   *elems;
	ArrayType  *out;
	Oid			models_relid;

	if (ARR_ELEMTYPE(features) != FLOAT4OID)
		elog(ERROR, "pgml.predict_native expects real[]");
	if (ARR_NDIM(features) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("features must be a one-dimensional array")));

	models_relid = native_models_oid();
	pgml_acl_check_use(NULL, model_id);
	if (!pgml_trainer_alive(native_trainer) || native_model_id != model_id ||
		native_models_relid != models_relid)
		native_load(model_id, models_relid);

	n = ARR_NDIM(features) == 0 ? 0 : ARR_DIMS(features)[0];
	if (n != native_n_features)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model %lld expects %d features, got %d",
						(long long) model_id, native_n_features, n)));

	/* NULL elements are missing values, as NaN is for XGBoost. */
	if (ARR_HASNULL(features))
	{
		const bits8 *nulls = ARR_NULLBITMAP(features);
		const float *src = (const float *) ARR_DATA_PTR(features);

		for (int i = 0; i < n; i++)
		{
			if (nulls[i / 8] & (1 << (i % 8)))
				native_row[i] = *src++;
			else
				native_row[i] = NAN;
		}
	}
	else
		memcpy(native_row, ARR_DATA_PTR(features), sizeof(float) * n);

	{
		StringInfoData req;

		initStringInfo(&req);
		pgml_wire_put_bytes(&req, native_row, (int64) sizeof(float) * n);
		reply = pgml_trainer_call(native_trainer, PGML_TMSG_BOOSTER_PREDICT,
								  req.data, req.len, PGML_TMSG_FLOATS, &reply_len);
		pfree(req.data);
	}
	r.data = reply;
	r.len = reply_len;
	r.pos = 0;
	result = (float *) pgml_wire_get_bytes(&r, &result_len);
	if (result == NULL || result_len % sizeof(float) != 0 || result_len == 0)
		elog(ERROR, "the trainer sent a prediction of %lld bytes", (long long) result_len);
	n_out = (Size) result_len / sizeof(float);
	elems = palloc(sizeof(Datum) * n_out);
	for (Size i = 0; i < n_out; i++)
		elems[i] = Float4GetDatum(result[i]);
	out = construct_array(elems, (int) n_out, FLOAT4OID, sizeof(float4),
						  true, TYPALIGN_INT);
	PG_RETURN_ARRAYTYPE_P(out);
}

/* The id of the model project deploys now (its newest deployment). */
static int64
native_deployed_model(const char *project)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	Datum		datum;
	bool		isnull;
	int64		model_id;
	PgmlCatalogSwitch cs;

	pgml_acl_check_use(project, 0);
	args[0] = CStringGetTextDatum(project);
	pgml_catalog_push(&cs);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the project the check read, not the caller's snapshot's (see above) */
	PushActiveSnapshot(pgml_latest_snapshot());
	if (SPI_execute_with_args("SELECT (SELECT d.model_id FROM pgml.deployments d"
							  " WHERE d.project_id = p.id ORDER BY d.id DESC LIMIT 1)"
							  " FROM pgml.projects p WHERE p.name = $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read pgml.projects");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("project \"%s\" does not exist", project)));
	datum = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("project \"%s\" has no deployed model", project),
				 errhint("Train a model with pgml.train() or deploy one with pgml.deploy(), or export a model by id.")));
	model_id = DatumGetInt64(datum);
	PopActiveSnapshot();
	SPI_finish();
	pgml_catalog_pop(&cs);
	return model_id;
}

/* Booster bytes in XGBoost's JSON form, as a palloc'd bytea. */
static bytea *
native_booster_json(int64 model_id, const char *ubj, Size ubj_len)
{
	char	   *reply;
	Size		reply_len;
	PgmlWireReader r;
	char	   *json;
	int64		json_len;
	bytea	   *result;

	reply = native_booster_call(PGML_TMSG_BOOSTER_JSON, model_id, ubj, ubj_len,
								PGML_TMSG_BYTES, &reply_len);
	r.data = reply;
	r.len = reply_len;
	r.pos = 0;
	json = pgml_wire_get_bytes(&r, &json_len);
	if (json == NULL || json_len > (int64) (MaxAllocSize - VARHDRSZ))
		elog(ERROR, "the trainer sent a json form of %lld bytes", (long long) json_len);
	result = palloc(VARHDRSZ + json_len);
	SET_VARSIZE(result, VARHDRSZ + json_len);
	memcpy(VARDATA(result), json, json_len);
	pfree(json);
	pfree(reply);
	return result;
}

/* Export model_id's booster in format ("ubj" or "json") as a bytea. */
static bytea *
native_export(int64 model_id, const char *format)
{
	char	   *bytes;
	Size		len;
	bytea	   *result;

	if (strcmp(format, "ubj") != 0 && strcmp(format, "json") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown export format \"%s\"", format),
				 errhint("Supported formats are ubj (XGBoost's binary JSON) and json.")));

	bytes = native_read_booster(model_id, &len);
	if (strcmp(format, "json") == 0)
		return native_booster_json(model_id, bytes, len);

	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("booster of model %lld is too large (%zu bytes)",
						(long long) model_id, (size_t) len)));
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), bytes, len);
	pfree(bytes);
	return result;
}

/*
 * pgml.export_model(project_name text, format text) RETURNS bytea: the
 * XGBoost booster of the project's deployed model.
 */
Datum
pgml_export_model(PG_FUNCTION_ARGS)
{
	char	   *project = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *format = text_to_cstring(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BYTEA_P(native_export(native_deployed_model(project), format));
}

/*
 * pgml.export_model(model_id bigint, format text) RETURNS bytea: the
 * XGBoost booster of one model.
 */
Datum
pgml_export_model_by_id(PG_FUNCTION_ARGS)
{
	int64		model_id = PG_GETARG_INT64(0);
	char	   *format = text_to_cstring(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BYTEA_P(native_export(model_id, format));
}
