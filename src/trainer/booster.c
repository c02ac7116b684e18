/*-------------------------------------------------------------------------
 *
 * booster.c
 *	  XGBoost's own prediction and JSON export, in the trainer process, for
 *	  pgml.predict_native and pgml.export_model (src/train/native.c sends
 *	  the requests).  The reference the exactness tests compare pgml.predict
 *	  with; not the serving path.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <xgboost/c_api.h>

#include "utils/memutils.h"

#include "trainer_booster.h"

/* The loaded booster, kept between requests. */
static BoosterHandle booster = NULL;
static int32 booster_n_features = 0;

void
pgml_trainer_booster_load(PgmlWireReader *r, StringInfo out)
{
	int64		model_id = pgml_wire_get_int64(r);
	int64		len;
	char	   *bytes = pgml_wire_get_bytes(r, &len);
	BoosterHandle h = NULL;
	bst_ulong	n_features;

	if (booster != NULL)
		(void) XGBoosterFree(booster);
	booster = NULL;
	if (bytes == NULL ||
		XGBoosterCreate(NULL, 0, &h) != 0 ||
		XGBoosterLoadModelFromBuffer(h, bytes, (bst_ulong) len) != 0 ||
		XGBoosterSetParam(h, "nthread", "1") != 0 ||
		XGBoosterGetNumFeature(h, &n_features) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("cannot load the xgboost booster of model %lld", (long long) model_id),
				 errdetail("XGBoost said: %s", pgml_xgb_last_error())));
	if (n_features < 1 || n_features > MaxAllocSize / sizeof(float))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("xgboost booster of model %lld has %llu features",
						(long long) model_id, (unsigned long long) n_features)));
	booster = h;
	booster_n_features = (int32) n_features;
	pgml_wire_put_int32(out, booster_n_features);
}

void
pgml_trainer_booster_predict(PgmlWireReader *r, StringInfo out)
{
	float	   *row = pgml_wire_get_array(r, sizeof(float), booster_n_features);
	char		iface[128];
	bst_ulong const *shape;
	bst_ulong	dim;
	const float *result;
	Size		n_out = 1;

	if (booster == NULL || row == NULL)
		elog(ERROR, "no booster loaded, or a row of the wrong size");
	snprintf(iface, sizeof(iface),
			 "{\"data\": [%zu, true], \"shape\": [1, %d], \"typestr\": \"<f4\", \"version\": 3}",
			 (size_t) row, booster_n_features);
	if (XGBoosterPredictFromDense(booster, iface,
								  "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
								  "\"iteration_end\": 0, \"strict_shape\": false, "
								  "\"cache_id\": 0, \"missing\": NaN}",
								  NULL, &shape, &dim, &result) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("xgboost prediction failed"),
				 errdetail("XGBoost said: %s", pgml_xgb_last_error())));
	for (bst_ulong d = 0; d < dim; d++)
		n_out *= shape[d];
	/* copy at once: the next XGBoost call reuses the result buffer */
	pgml_wire_put_bytes(out, result, (int64) (n_out * sizeof(float)));
}

void
pgml_trainer_booster_json(PgmlWireReader *r, StringInfo out)
{
	int64		model_id = pgml_wire_get_int64(r);
	int64		len;
	char	   *bytes = pgml_wire_get_bytes(r, &len);
	BoosterHandle h = NULL;
	bst_ulong	json_len;
	const char *json;

	if (bytes == NULL ||
		XGBoosterCreate(NULL, 0, &h) != 0 ||
		XGBoosterLoadModelFromBuffer(h, bytes, (bst_ulong) len) != 0 ||
		XGBoosterSaveModelToBuffer(h, "{\"format\": \"json\"}", &json_len, &json) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("cannot convert the xgboost booster of model %lld to json",
						(long long) model_id),
				 errdetail("XGBoost said: %s", pgml_xgb_last_error())));
	if (json_len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("json form of model %lld is too large (%llu bytes)",
						(long long) model_id, (unsigned long long) json_len),
				 errhint("Export it with format 'ubj'.")));
	pgml_wire_put_bytes(out, json, (int64) json_len);
	/* the process exits after an error: no handle to free on that path */
	(void) XGBoosterFree(h);
}
