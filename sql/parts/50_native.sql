-- part 50: the native XGBoost predictor (a reference for tests and benchmarks)
-- and the export of a model as XGBoost's own bytes.
-- It lives in pgml_train.so (XGBoost is never loaded into pgml_worker.so).

CREATE FUNCTION pgml.predict_native(model_id bigint, features real[]) RETURNS real[]
    AS '$libdir/pgml_train', 'pgml_predict_native'
    LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION pgml.predict_native(bigint, real[]) IS
    'test/benchmark reference: XGBoost''s own prediction for one row (class probabilities, or the value), from the booster bytes of the model''s artifact, loaded once per connection; NULL elements are missing values';

CREATE FUNCTION pgml.export_model(project_name text, format text DEFAULT 'ubj') RETURNS bytea
    AS '$libdir/pgml_train', 'pgml_export_model'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.export_model(text, text) IS
    'the XGBoost booster of the project''s deployed model, as stock XGBoost (1.6 or later) loads it (Booster(model_file=bytearray(...))): format ubj (as stored) or json';

CREATE FUNCTION pgml.export_model(model_id bigint, format text DEFAULT 'ubj') RETURNS bytea
    AS '$libdir/pgml_train', 'pgml_export_model_by_id'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION pgml.export_model(bigint, text) IS
    'the XGBoost booster of a model, as stock XGBoost (1.6 or later) loads it (Booster(model_file=bytearray(...))): format ubj (as stored) or json';
