-- xgboost_random_forest (XGBoost's XGBRFRegressor / XGBRFClassifier: one
-- boosting round of n_estimators parallel trees) and pgml.export_model.
-- What pgml.predict / pgml.predict_proba serve must equal XGBoost's own
-- prediction (pgml.predict_native) bit for bit on whole datasets, NULLs
-- included.  test/t/060_export.pl checks the exported bytes in Python's
-- xgboost, and the forests against Python's XGBRF* trained on the same rows.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
-- our own tables and helpers, apart from the other tests' in this database
CREATE SCHEMA xgb_rf;
SET search_path = xgb_rf, public;

SELECT * FROM pgml.load_dataset('digits');
SELECT * FROM pgml.load_dataset('breast_cancer');
SELECT * FROM pgml.load_dataset('diabetes');

-- The feature list of a table (every column but the label, in column order)
-- as an ARRAY[...]::real[] expression, into a psql variable.
CREATE FUNCTION features_of(tbl regclass, label name) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT 'ARRAY[' || string_agg(quote_ident(attname), ', ' ORDER BY attnum) || ']::real[]'
      FROM pg_attribute
     WHERE attrelid = tbl AND attnum > 0 AND NOT attisdropped AND attname <> label
$$;

-- Newest model of a project.
CREATE FUNCTION model_of(project text) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT max(m.id) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = project
$$;

-- Largest absolute difference between two arrays, element by element; NULL
-- unless they have the same length.
CREATE FUNCTION max_diff(a real[], b real[]) RETURNS real
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cardinality(a) = cardinality(b)
                THEN (SELECT max(abs(a[k] - b[k])) FROM generate_subscripts(a, 1) k) END
$$;

-- The model's XGBoost JSON (the json export), as jsonb.
CREATE FUNCTION model_json(model bigint) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT convert_from(pgml.export_model(model, 'json'), 'UTF8')::jsonb
$$;

-- The error of an expression, with the model id written as <id>, or 'no error'.
CREATE FUNCTION error_of(sql text, model bigint DEFAULT 0) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || replace(SQLERRM, 'model ' || model || ' ', 'model <id> ');
END
$$;

--
-- Regression on diabetes with NULLs, XGBRFRegressor's defaults: 100 trees
-- in one round, learning_rate 1, subsample 0.8, colsample_bynode 0.8,
-- reg_lambda 1e-5.
--
CREATE TABLE diabetes_nulls AS SELECT * FROM pgml.diabetes;
UPDATE diabetes_nulls SET bmi = NULL, s5 = NULL WHERE target::int % 4 = 0;
UPDATE diabetes_nulls SET bp = NULL, s1 = NULL, s3 = NULL WHERE target::int % 7 = 0;
SELECT * FROM pgml.train('rf_diabetes', 'regression', 'diabetes_nulls', 'target',
                         'xgboost_random_forest');
SELECT model_of('rf_diabetes') AS rf_diabetes \gset
SELECT algorithm, hyperparams FROM pgml.models WHERE id = :rf_diabetes;
-- one round of 100 parallel trees
SELECT j #>> '{learner,gradient_booster,model,gbtree_model_param,num_parallel_tree}' AS num_parallel_tree,
       jsonb_array_length(j #> '{learner,gradient_booster,model,trees}') AS trees,
       j #>> '{learner,objective,name}' AS objective
  FROM model_json(:rf_diabetes) j;
SELECT features_of('diabetes_nulls', 'target') AS diabetes_features \gset
SELECT count(*) AS rows,
       count(*) FILTER (WHERE array_position(f, NULL) IS NOT NULL) AS rows_with_nulls,
       max(abs(pgml.predict(:rf_diabetes, f) - (pgml.predict_native(:rf_diabetes, f))[1])) AS max_diff,
       count(DISTINCT pgml.predict(:rf_diabetes, f)) > 100 AS varied
  FROM (SELECT :diabetes_features AS f FROM diabetes_nulls
        UNION ALL SELECT :diabetes_features FROM pgml.diabetes) s;
-- an averaging forest, not a boosted sum: predictions stay inside the labels' range
SELECT min(pgml.predict(:rf_diabetes, :diabetes_features)) >= (SELECT min(target) FROM pgml.diabetes)
       AND max(pgml.predict(:rf_diabetes, :diabetes_features)) <= (SELECT max(target) FROM pgml.diabetes)
       AS within_label_range
  FROM diabetes_nulls;

-- another objective and the user's own forest parameters
SELECT * FROM pgml.train('rf_diabetes_poisson', 'regression', 'diabetes_nulls', 'target',
                         'xgboost_random_forest',
                         '{"n_estimators": 25, "objective": "count:poisson", "max_depth": 4, "subsample": 0.5, "colsample_bynode": 0.3}');
SELECT model_of('rf_diabetes_poisson') AS rf_poisson \gset
SELECT hyperparams FROM pgml.models WHERE id = :rf_poisson;
SELECT jsonb_array_length(j #> '{learner,gradient_booster,model,trees}') AS trees
  FROM model_json(:rf_poisson) j;
SELECT count(*) AS rows,
       max(abs(pgml.predict(:rf_poisson, f) - (pgml.predict_native(:rf_poisson, f))[1])) AS max_diff
  FROM (SELECT :diabetes_features AS f FROM diabetes_nulls) s;

--
-- Binary classification on breast_cancer with NULLs.
--
CREATE TABLE bc_nulls AS SELECT * FROM pgml.breast_cancer;
UPDATE bc_nulls SET "worst radius" = NULL, "mean concave points" = NULL
 WHERE "mean area"::int % 3 = 0;
UPDATE bc_nulls SET "worst perimeter" = NULL, "worst concave points" = NULL, "worst area" = NULL
 WHERE "mean area"::int % 5 = 1;
SELECT * FROM pgml.train('rf_bc', 'classification', 'bc_nulls', 'malignant',
                         'xgboost_random_forest', '{"n_estimators": 60}');
SELECT model_of('rf_bc') AS rf_bc \gset
SELECT features_of('bc_nulls', 'malignant') AS bc_features \gset
SELECT (metrics ->> 'accuracy')::float8 > 0.9 AS accurate FROM pgml.models WHERE id = :rf_bc;
SELECT jsonb_array_length(j #> '{learner,gradient_booster,model,trees}') AS trees
  FROM model_json(:rf_bc) j;
-- predict_proba gives [P(false), P(true)], predict_native P(true) only
SELECT count(*) AS rows,
       count(*) FILTER (WHERE array_position(f, NULL) IS NOT NULL) AS rows_with_nulls,
       count(*) FILTER (WHERE cardinality(p) = 2 AND cardinality(n) = 1) AS shapes_ok,
       max(abs(p[2] - n[1])) AS max_diff
  FROM (SELECT f, pgml.predict_proba(:rf_bc, f) AS p, pgml.predict_native(:rf_bc, f) AS n
          FROM (SELECT :bc_features AS f FROM bc_nulls) s) t;

--
-- Multiclass on digits: 30 trees per class in one round.
--
SELECT * FROM pgml.train('rf_digits', 'classification', 'pgml.digits', 'target',
                         'xgboost_random_forest', '{"n_estimators": 30, "max_depth": 8}');
SELECT model_of('rf_digits') AS rf_digits \gset
SELECT jsonb_array_length(j #> '{learner,gradient_booster,model,trees}') AS trees,
       j #>> '{learner,learner_model_param,num_class}' AS num_class
  FROM model_json(:rf_digits) j;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE cardinality(p) = 10 AND cardinality(n) = 10) AS ten_probs,
       max(max_diff(p, n)) AS max_diff,
       avg((pgml.predict(:rf_digits, f) = target)::int) > 0.9 AS accurate
  FROM (SELECT f, target, pgml.predict_proba(:rf_digits, f) AS p, pgml.predict_native(:rf_digits, f) AS n
          FROM (SELECT ARRAY(SELECT unnest(image))::real[] AS f, target FROM pgml.digits) s) t;

--
-- Hyperparameters: the number of trees is n_estimators.
--
SELECT * FROM pgml.train('rf_bad', 'regression', 'pgml.diabetes', 'target',
                         'xgboost_random_forest', '{"num_parallel_tree": 3}');
SELECT * FROM pgml.train('rf_bad', 'regression', 'pgml.diabetes', 'target',
                         'xgboost_random_forest', '{"n_estimators": 0}');
SELECT * FROM pgml.train('rf_bad', 'regression', 'pgml.diabetes', 'target',
                         'xgboost_random_forest', '{"subsample": 1.5}');

--
-- pgml.export_model: XGBoost's UBJSON bytes (as stored) or its JSON.
--
-- by project: the deployed model; by id: that model
SELECT pgml.export_model('rf_bc') = pgml.export_model(:rf_bc) AS same_bytes,
       substr(pgml.export_model(:rf_bc), 1, 1) = '\x7b'::bytea AS ubjson_object,
       pgml.export_model(:rf_bc, 'ubj') = pgml.export_model(:rf_bc) AS ubj_is_default;
-- a project serves its newest deployment
SELECT * FROM pgml.train('rf_bc', 'classification', 'bc_nulls', 'malignant',
                         'xgboost', '{"n_estimators": 5}', automatic_deploy => false);
SELECT pgml.export_model('rf_bc') = pgml.export_model(:rf_bc) AS still_the_forest;
SELECT project, strategy, algorithm FROM pgml.deploy(model_of('rf_bc'));
SELECT pgml.export_model('rf_bc') = pgml.export_model(model_of('rf_bc')) AS follows_deploy,
       pgml.export_model('rf_bc') <> pgml.export_model(:rf_bc) AS not_the_forest;
SELECT model_json(model_of('rf_bc')) #>> '{learner,gradient_booster,model,gbtree_model_param,num_trees}' AS trees;
-- STRICT
SELECT pgml.export_model(NULL::text) IS NULL AS null_project,
       pgml.export_model(:rf_bc, NULL) IS NULL AS null_format;
-- errors
SELECT pgml.export_model('no_such_project');
SELECT pgml.export_model(-1);
SELECT pgml.export_model(:rf_bc, 'xml');
SELECT * FROM pgml.train('rf_linear', 'regression', 'pgml.diabetes', 'target');
SELECT error_of(format('SELECT pgml.export_model(%s)', model_of('rf_linear')),
                model_of('rf_linear')) AS linear_model;
SELECT error_of($$SELECT pgml.export_model('rf_linear')$$, model_of('rf_linear')) AS linear_project;
SELECT * FROM pgml.train('not_deployed', 'regression', 'pgml.diabetes', 'target', 'xgboost',
                         '{"n_estimators": 2}', automatic_deploy => false);
SELECT pgml.export_model('not_deployed');
SELECT length(pgml.export_model(model_of('not_deployed'))) > 0 AS by_id_works;
