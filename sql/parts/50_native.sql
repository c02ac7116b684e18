-- part 50: the native XGBoost predictor, a reference for tests and benchmarks.
-- It lives in pgml_train.so (XGBoost is never loaded into pgml_worker.so).

CREATE FUNCTION pgml.predict_native(model_id bigint, features real[]) RETURNS real[]
    AS '$libdir/pgml_train', 'pgml_predict_native'
    LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000;
COMMENT ON FUNCTION pgml.predict_native(bigint, real[]) IS
    'test/benchmark reference: XGBoost''s own prediction for one row (class probabilities, or the value), from the booster bytes of the model''s artifact, loaded once per connection; NULL elements are missing values';
