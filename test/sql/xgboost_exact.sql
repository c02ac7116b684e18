-- XGBoost exactness: what pgml.predict / pgml.predict_proba serve from the
-- shared image must equal XGBoost's own prediction (pgml.predict_native, the
-- booster bytes of the same model run by libxgboost) bit for bit, on whole
-- datasets, including rows with missing (NULL) features.  Then the
-- hyperparameter checks of xgb.c and the errors of pgml.predict_native.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;

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

-- The error of pgml.predict_native(model, f), with the model id written as
-- <id> (ids depend on the tests that ran before), or 'no error'.
CREATE FUNCTION native_error(model bigint, f real[]) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pgml.predict_native(model, f);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || replace(SQLERRM, 'model ' || model || ' ', 'model <id> ');
END
$$;

-- Largest absolute difference between two arrays, element by element; NULL
-- unless they have the same length (a NaN anywhere makes it NaN).
CREATE FUNCTION max_diff(a real[], b real[]) RETURNS real
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cardinality(a) = cardinality(b)
                THEN (SELECT max(abs(a[k] - b[k])) FROM generate_subscripts(a, 1) k) END
$$;

--
-- digits: 10 classes (multi:softprob).  Trained on the clean table; predicted
-- on every row, clean and with NULL pixels (a third of the rows lose 12
-- pixels each, some rows lose all of them).
--
SELECT * FROM pgml.train('xgb_digits', 'classification', 'pgml.digits', 'target',
                         'xgboost', '{"n_estimators": 30, "max_depth": 4}');
SELECT model_of('xgb_digits') AS digits_model \gset
SELECT hyperparams FROM pgml.models WHERE id = :digits_model;

CREATE TABLE digits_x AS
    SELECT row_number() OVER () AS id, ARRAY(SELECT unnest(image))::real[] AS f, target
      FROM pgml.digits;
ALTER TABLE digits_x ADD COLUMN f_null real[];
UPDATE digits_x SET f_null = f;
UPDATE digits_x SET f_null[(id * 7) % 64 + 1] = NULL, f_null[(id * 11) % 64 + 1] = NULL,
                    f_null[(id * 13) % 64 + 1] = NULL, f_null[(id * 17) % 64 + 1] = NULL,
                    f_null[(id * 19) % 64 + 1] = NULL, f_null[(id * 23) % 64 + 1] = NULL,
                    f_null[(id * 29) % 64 + 1] = NULL, f_null[(id * 31) % 64 + 1] = NULL,
                    f_null[(id * 37) % 64 + 1] = NULL, f_null[(id * 41) % 64 + 1] = NULL,
                    f_null[(id * 43) % 64 + 1] = NULL, f_null[(id * 47) % 64 + 1] = NULL
 WHERE id % 3 = 0;
UPDATE digits_x SET f_null = array_fill(NULL::real, ARRAY[64]) WHERE id % 101 = 0;

SELECT count(*) AS rows,
       count(*) FILTER (WHERE cardinality(p_clean) = 10 AND cardinality(n_clean) = 10) AS ten_probs,
       max(max_diff(p_clean, n_clean)) AS max_diff_clean,
       count(*) FILTER (WHERE array_position(f_null, NULL) IS NOT NULL) AS rows_with_nulls,
       max(max_diff(p_null, n_null)) AS max_diff_nulls,
       count(*) FILTER (WHERE p_null <> p_clean) > 100 AS nulls_change_outputs
  FROM (SELECT f_null,
               pgml.predict_proba(:digits_model, f) AS p_clean,
               pgml.predict_native(:digits_model, f) AS n_clean,
               pgml.predict_proba(:digits_model, f_null) AS p_null,
               pgml.predict_native(:digits_model, f_null) AS n_null
          FROM digits_x) s;
-- the same in parallel workers (each loads its own booster)
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET force_parallel_mode = regress;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE pgml.predict_proba(:digits_model, f_null)
                              IS DISTINCT FROM pgml.predict_native(:digits_model, f_null)) AS differ
  FROM digits_x;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET force_parallel_mode;
-- the model is a real one: the served class is the argmax, and mostly right
SELECT avg((pgml.predict(:digits_model, f) = target)::int) > 0.95 AS accurate
  FROM digits_x;

--
-- breast_cancer: binary (binary:logistic).  Trained on a copy with NULLs, so
-- that the trees learn where missing values go.
--
CREATE TABLE bc_nulls AS SELECT * FROM pgml.breast_cancer;
UPDATE bc_nulls SET "worst radius" = NULL, "mean concave points" = NULL
 WHERE "mean area"::int % 3 = 0;
UPDATE bc_nulls SET "worst perimeter" = NULL, "worst concave points" = NULL, "worst area" = NULL
 WHERE "mean area"::int % 5 = 1;
SELECT * FROM pgml.train('xgb_bc', 'classification', 'bc_nulls', 'malignant',
                         'xgboost', '{"n_estimators": 40, "learning_rate": 0.2}');
SELECT model_of('xgb_bc') AS bc_model \gset
SELECT features_of('bc_nulls', 'malignant') AS bc_features \gset
-- predict_proba gives [P(false), P(true)], predict_native P(true) only
SELECT count(*) AS rows,
       count(*) FILTER (WHERE array_position(f, NULL) IS NOT NULL) AS rows_with_nulls,
       count(*) FILTER (WHERE cardinality(p) = 2 AND cardinality(n) = 1) AS shapes_ok,
       max(abs(p[2] - n[1])) AS max_diff,
       min(n[1]) < 0.01 AND max(n[1]) > 0.99 AS confident
  FROM (SELECT f, pgml.predict_proba(:bc_model, f) AS p, pgml.predict_native(:bc_model, f) AS n
          FROM (SELECT :bc_features AS f FROM bc_nulls) s) t;

--
-- diabetes: regression (reg:squarederror, then count:poisson with its exp
-- output), predicted on the table and on a copy with NULLs.
--
CREATE TABLE diabetes_nulls AS SELECT * FROM pgml.diabetes;
UPDATE diabetes_nulls SET bmi = NULL, s5 = NULL WHERE target::int % 4 = 0;
UPDATE diabetes_nulls SET bp = NULL, s1 = NULL, s3 = NULL WHERE target::int % 7 = 0;
SELECT * FROM pgml.train('xgb_diabetes', 'regression', 'pgml.diabetes', 'target',
                         'xgboost', '{"n_estimators": 50}');
SELECT * FROM pgml.train('xgb_diabetes_poisson', 'regression', 'diabetes_nulls', 'target',
                         'xgboost', '{"n_estimators": 50, "objective": "count:poisson", "max_depth": 3}');
SELECT model_of('xgb_diabetes') AS diabetes_model, model_of('xgb_diabetes_poisson') AS poisson_model \gset
SELECT features_of('diabetes_nulls', 'target') AS diabetes_features \gset
SELECT CASE m WHEN :diabetes_model THEN 'squarederror' ELSE 'poisson' END AS objective,
       count(*) AS rows,
       count(*) FILTER (WHERE array_position(f, NULL) IS NOT NULL) AS rows_with_nulls,
       count(*) FILTER (WHERE cardinality(n) = 1) AS shapes_ok,
       max(abs(pgml.predict(m, f) - n[1])) AS max_diff,
       count(DISTINCT n[1]) > 100 AS varied
  FROM (SELECT m, f, pgml.predict_native(m, f) AS n
          FROM (SELECT :diabetes_features AS f FROM pgml.diabetes
                UNION ALL SELECT :diabetes_features FROM diabetes_nulls) s,
               (VALUES (:diabetes_model), (:poisson_model)) v(m)
         ORDER BY m) t
 GROUP BY m ORDER BY m;

--
-- More shapes of ensembles, on diabetes with NULLs: pruned trees (exact with a
-- large gamma leaves unreachable "deleted" nodes), approx, random-forest style
-- parallel trees, lossguide, the other objectives (gamma, tweedie with exp
-- output; absoluteerror starts from the median, not 0.5), and a binary model
-- with its own base_score.
--
CREATE TABLE variants (name text, hyperparams jsonb);
INSERT INTO variants VALUES
    ('exact_pruned', '{"tree_method": "exact", "max_depth": 8, "gamma": 1000, "n_estimators": 20}'),
    ('approx', '{"tree_method": "approx", "max_bin": 16, "n_estimators": 20}'),
    ('forest', '{"num_parallel_tree": 3, "subsample": 0.8, "colsample_bynode": 0.5, "learning_rate": 1, "n_estimators": 4}'),
    ('lossguide', '{"grow_policy": "lossguide", "max_leaves": 8, "max_depth": 0, "n_estimators": 20}'),
    ('gamma', '{"objective": "reg:gamma", "n_estimators": 20}'),
    ('tweedie', '{"objective": "reg:tweedie", "tweedie_variance_power": 1.3, "n_estimators": 20}'),
    ('absoluteerror', '{"objective": "reg:absoluteerror", "n_estimators": 20}'),
    ('pseudohuber', '{"objective": "reg:pseudohubererror", "huber_slope": 20, "n_estimators": 20}');
SELECT v.name, t.deployed
  FROM variants v,
       pgml.train('xgb_' || v.name, 'regression', 'diabetes_nulls', 'target', 'xgboost', v.hyperparams) t
 ORDER BY v.name;
-- one model at a time (predict_native keeps one booster per backend)
SELECT v.name,
       (SELECT count(*) FILTER (WHERE array_position(s.f, NULL) IS NOT NULL)
          FROM (SELECT :diabetes_features AS f FROM diabetes_nulls) s) AS rows_with_nulls,
       (SELECT max(abs(pgml.predict(mm.m, s.f) - (pgml.predict_native(mm.m, s.f))[1]))
          FROM (SELECT model_of('xgb_' || v.name) AS m) mm,
               (SELECT :diabetes_features AS f FROM diabetes_nulls) s) AS max_diff
  FROM variants v ORDER BY v.name;
-- The same models with every row on the cold path: each EXECUTE plans the
-- call afresh, so every row is the first row of its call site (the walk
-- that prefetches; the rows of a scan above took the plain walk after their
-- first).  Depth-6 trees are stored as records, shallower ones interleaved.
CREATE FUNCTION cold_diff(m bigint, f real[]) RETURNS real
    LANGUAGE plpgsql AS $$
DECLARE
    p real;
BEGIN
    EXECUTE 'SELECT pgml.predict($1, $2)' INTO p USING m, f;
    RETURN abs(p - (pgml.predict_native(m, f))[1]);
END
$$;
SELECT v.name,
       (SELECT max(cold_diff(mm.m, s.f))
          FROM (SELECT model_of('xgb_' || v.name) AS m) mm,
               (SELECT :diabetes_features AS f FROM diabetes_nulls) s) AS max_diff_cold
  FROM variants v ORDER BY v.name;
SELECT * FROM pgml.train('xgb_bc_base', 'classification', 'bc_nulls', 'malignant', 'xgboost',
                         '{"base_score": 0.3, "scale_pos_weight": 2, "max_depth": 3, "n_estimators": 20}');
SELECT count(*) AS rows,
       max(abs((pgml.predict_proba(model_of('xgb_bc_base'), f))[2]
               - (pgml.predict_native(model_of('xgb_bc_base'), f))[1])) AS max_diff
  FROM (SELECT :bc_features AS f FROM bc_nulls) s;

--
-- More than 2048 features: the evaluator's per-split path (no three-region
-- vector), on trees of depth 1, 2 and 6, with missing values.
--
CREATE TABLE wide AS
    SELECT ARRAY(SELECT CASE WHEN (i * 7 + k) % 13 = 0 THEN NULL
                                ELSE ((i * 37 + k * 101) % 1000) / 1000.0 END
                      FROM generate_series(1, 2100) k)::real[] AS f
      FROM generate_series(1, 200) i;
ALTER TABLE wide ADD COLUMN y real;
UPDATE wide SET y = coalesce(f[3], 0.5) * 4 + coalesce(f[2070], 0.2) * 2 - coalesce(f[1500], 0);
CREATE TABLE wide_variants (name text, hyperparams jsonb);
INSERT INTO wide_variants VALUES
    ('d1', '{"max_depth": 1, "n_estimators": 5}'),
    ('d2', '{"max_depth": 2, "n_estimators": 5}'),
    ('d6', '{"max_depth": 6, "n_estimators": 20}'),
    ('stumps', '{"max_depth": 6, "gamma": 1000000, "n_estimators": 3}');
SELECT v.name, t.deployed
  FROM wide_variants v,
       pgml.train('wide_' || v.name, 'regression', 'wide', 'y', 'xgboost', v.hyperparams) t
 ORDER BY v.name;
SELECT v.name,
       (SELECT count(*) FROM wide WHERE array_position(f, NULL) IS NOT NULL) AS rows_with_nulls,
       (SELECT max(abs(pgml.predict(mm.m, w.f) - (pgml.predict_native(mm.m, w.f))[1]))
          FROM (SELECT model_of('wide_' || v.name) AS m) mm, wide w) AS max_diff,
       (SELECT count(DISTINCT pgml.predict(mm.m, w.f))
          FROM (SELECT model_of('wide_' || v.name) AS m) mm, wide w) > 2 AS varied
  FROM wide_variants v ORDER BY v.name;

--
-- 100 features (the three-region vector outside the stack frame) and depths
-- 7 to 10 (records up to depth 8, interleaved deeper), noisy labels so the
-- trees grow deep; every row on the plain walk (a scan) and on the cold walk.
--
CREATE TABLE mid AS
    SELECT ARRAY(SELECT CASE WHEN (i * 3 + k) % 17 = 0 THEN NULL
                             ELSE ((i * 37 + k * 101 + i * k) % 1000) / 1000.0 END
                   FROM generate_series(1, 100) k)::real[] AS f
      FROM generate_series(1, 600) i;
ALTER TABLE mid ADD COLUMN y real;
UPDATE mid SET y = ((coalesce(f[1], 0.5) * 1000)::int % 7) + coalesce(f[50], 0) * 3
                   - ((coalesce(f[99], 0.1) * 1000)::int % 5) * coalesce(f[7], 1);
CREATE TABLE mid_variants (name text, hyperparams jsonb);
INSERT INTO mid_variants VALUES
    ('d7', '{"max_depth": 7, "n_estimators": 15}'),
    ('d8', '{"max_depth": 8, "n_estimators": 15}'),
    ('d10', '{"max_depth": 10, "n_estimators": 15}');
SELECT v.name, t.deployed
  FROM mid_variants v,
       pgml.train('mid_' || v.name, 'regression', 'mid', 'y', 'xgboost', v.hyperparams) t
 ORDER BY v.name;
SELECT v.name,
       (SELECT max(abs(pgml.predict(mm.m, w.f) - (pgml.predict_native(mm.m, w.f))[1]))
          FROM (SELECT model_of('mid_' || v.name) AS m) mm, mid w) AS max_diff,
       (SELECT max(cold_diff(mm.m, w.f))
          FROM (SELECT model_of('mid_' || v.name) AS m) mm, mid w) AS max_diff_cold
  FROM mid_variants v ORDER BY v.name;

--
-- Hyperparameters are checked before training.
--
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.diabetes', 'target', 'xgboost', '{"n_estimator": 10}');
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.diabetes', 'target', 'xgboost', '{"max_depth": "6"}');
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.diabetes', 'target', 'xgboost', '{"max_depth": 2.5}');
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.diabetes', 'target', 'xgboost', '{"subsample": 0}');
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.diabetes', 'target', 'xgboost', '{"eta": 0.1, "learning_rate": 0.1}');
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.diabetes', 'target', 'xgboost', '{"objective": "binary:logistic"}');
SELECT * FROM pgml.train('xgb_bad', 'classification', 'pgml.digits', 'target', 'xgboost', '{"objective": "multi:softmax"}');
-- binary:logistic is a classification objective, of two classes only
SELECT * FROM pgml.train('xgb_bad', 'classification', 'pgml.digits', 'target', 'xgboost', '{"objective": "binary:logistic"}');
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.diabetes', 'target', 'xgboost', '{"tree_method": "gpu_hist"}');
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.diabetes', 'target', 'xgboost', '[1, 2]');
-- XGBoost's own refusal arrives as an error with its message (zero labels)
SELECT * FROM pgml.train('xgb_bad', 'regression', 'pgml.breast_cancer', 'mean concavity',
                         'xgboost', '{"objective": "reg:gamma", "n_estimators": 2}');
SELECT count(*) AS failed_projects_models FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = 'xgb_bad';

--
-- pgml.predict_native errors.
--
SELECT pgml.predict_native(-1, ARRAY[1]::real[]);
SELECT native_error(:diabetes_model, ARRAY[1, 2]::real[]) AS too_few;
SELECT native_error(:diabetes_model, '{}'::real[]) AS empty;
SELECT native_error(:diabetes_model, '{{1,2},{3,4}}'::real[]) AS two_dimensional;
-- a row of NULLs is a row of missing values for both
SELECT pgml.predict(:diabetes_model, array_fill(NULL::real, ARRAY[10]))
       = (pgml.predict_native(:diabetes_model, array_fill(NULL::real, ARRAY[10])))[1] AS all_missing_equal;
SELECT pgml.predict_native(:diabetes_model, NULL) IS NULL AS strict;
SELECT * FROM pgml.train('linear_diabetes', 'regression', 'pgml.diabetes', 'target');
SELECT native_error(model_of('linear_diabetes'), array_fill(0::real, ARRAY[10])) AS linear_model;
