-- pgml.train and pgml.predict: the synchronous path, deploy semantics, and
-- every error of the SQL surface.
-- start from a fresh extension: no models, ids from 1
SET client_min_messages = warning;
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
RESET client_min_messages;
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;

-- Exact linear data: y = 2a - 3b + 0.5, so every prediction is known.
CREATE TABLE lin_data AS
    SELECT g::real AS a, (g % 5)::real AS b, (2 * g - 3 * (g % 5) + 0.5)::real AS y
      FROM generate_series(1, 100) g;

SELECT * FROM pgml.train('lin', 'regression', 'lin_data', 'y');
-- 2*10 - 3*2 + 0.5 = 14.5
SELECT round(pgml.predict('lin', ARRAY[10, 2]::real[])::numeric, 3) AS real_arr,
       round(pgml.predict('lin', ARRAY[10, 2]::float8[])::numeric, 3) AS float8_arr,
       round(pgml.predict('lin', ARRAY[10, 2])::numeric, 3) AS int_arr,
       round(pgml.predict('lin', ARRAY[10, 2]::bigint[])::numeric, 3) AS bigint_arr,
       round(pgml.predict('lin', ARRAY[10, 2]::smallint[])::numeric, 3) AS smallint_arr;
-- a numeric literal resolves without a cast: 2*10 - 3*2.5 + 0.5 = 13
SELECT round(pgml.predict('lin', ARRAY[10, 2.5])::numeric, 3) AS numeric_arr;
-- every row of the table, against the formula
SELECT max(abs(pgml.predict('lin', ARRAY[a, b]) - (2 * a - 3 * b + 0.5))) < 1e-3 AS exact
  FROM lin_data;
SELECT p.name, m.algorithm, m.num_features, (m.metrics ->> 'r2')::float8 > 0.999999 AS perfect_r2,
       m.metrics ?& ARRAY['r2', 'mean_absolute_error', 'mean_squared_error', 'fit_time', 'score_time'] AS has_metrics,
       m.seed, m.test_size
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id;

-- by model id
SELECT round(pgml.predict(1, ARRAY[10, 2]::real[])::numeric, 3) AS by_id;

-- A worse model is stored but not deployed: predict keeps serving model 1.
CREATE TABLE lin_noisy AS
    SELECT a, b, y + (CASE WHEN a::int % 2 = 0 THEN 7 ELSE -7 END) AS y FROM lin_data;
SELECT * FROM pgml.train('lin', 'regression', 'lin_noisy', 'y');
SELECT round(pgml.predict('lin', ARRAY[10, 2]::real[])::numeric, 3) AS still_model_1;

-- A deploy that rolls back changes nothing.
CREATE TABLE lin_shifted AS SELECT a, b, y + 100 AS y FROM lin_data;
BEGIN;
SELECT * FROM pgml.train('lin', 'regression', 'lin_shifted', 'y');
ROLLBACK;
SELECT round(pgml.predict('lin', ARRAY[10, 2]::real[])::numeric, 3) AS after_rollback;
-- nor does one in a rolled-back savepoint
BEGIN;
SAVEPOINT s;
SELECT * FROM pgml.train('lin', 'regression', 'lin_shifted', 'y');
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT round(pgml.predict('lin', ARRAY[10, 2]::real[])::numeric, 3) AS after_savepoint;
-- a committed one is served by the next predict: 14.5 + 100
SELECT * FROM pgml.train('lin', 'regression', 'lin_shifted', 'y');
SELECT round(pgml.predict('lin', ARRAY[10, 2]::real[])::numeric, 3) AS redeployed;
SELECT count(*) AS deployments FROM pgml.deployments;

-- Classification with logistic regression, labels as they were given.
SELECT * FROM pgml.load_dataset('iris');
SELECT * FROM pgml.train('iris', 'classification', 'pgml.iris', 'target');
SELECT avg((pgml.predict('iris', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) = target)::int) > 0.9 AS accurate
  FROM pgml.iris;
SELECT array_length(p, 1) AS classes, abs(p[1] + p[2] + p[3] - 1) < 1e-6 AS sums_to_one
  FROM (SELECT pgml.predict_proba('iris', ARRAY[5.1, 3.5, 1.4, 0.2]) AS p) s;
SELECT DISTINCT pgml.predict('iris', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS label
  FROM pgml.iris ORDER BY 1;
SELECT (metrics ?& ARRAY['accuracy', 'f1', 'precision', 'recall']) AS has_metrics
  FROM pgml.models WHERE algorithm = 'linear' AND project_id = (SELECT id FROM pgml.projects WHERE name = 'iris');

-- Labels 0/1 given as booleans
CREATE TABLE bool_data AS
    SELECT g::real AS x, (g > 50) AS label FROM generate_series(1, 100) g;
SELECT * FROM pgml.train('bool', 'classification', 'bool_data', 'label');
SELECT pgml.predict('bool', ARRAY[5]) AS low, pgml.predict('bool', ARRAY[95]) AS high;

-- Parallel workers map the same segment.
SET force_parallel_mode = regress;
SET parallel_setup_cost = 0;
SELECT count(*) FILTER (WHERE abs(pgml.predict('lin', ARRAY[a, b]) - (2 * a - 3 * b + 100.5)) < 1e-3) AS parallel_ok
  FROM lin_data;
RESET force_parallel_mode;
RESET parallel_setup_cost;

-- The model cache: one image per project, compiled once.
SELECT project, model_id, algorithm, bytes > 0 AS has_bytes, loads, predict_calls > 0 AS used
  FROM pgml.stat_models WHERE datname = current_database() ORDER BY project NULLS LAST, model_id;

-- Errors of predict
SELECT pgml.predict('lin', ARRAY[1, 2, 3]::real[]);
SELECT pgml.predict('no such project', ARRAY[1, 2]::real[]);
SELECT pgml.predict('lin', NULL::real[]);
SELECT pgml.predict(NULL::text, ARRAY[1, 2]::real[]);
SELECT pgml.predict('lin', ARRAY[1, NULL]::real[]);
SELECT pgml.predict_proba('lin', ARRAY[1, 2]::real[]);
SELECT pgml.predict(123456, ARRAY[1, 2]::real[]);
SELECT pgml.predict('lin', ARRAY['a', 'b']);

-- Errors of train
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'y', algorithm => 'deep_magic');
-- PostgresML's lightgbm and catboost: Debian has no library for them; the
-- hint names what to use here and how their hyperparameters carry over
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'y', algorithm => 'lightgbm');
SELECT * FROM pgml.train('e', 'astrology', 'lin_data', 'y');
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'y', test_size => 0);
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'y', test_size => 1.5);
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'y', test_size => 100);
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'y', test_size => 0.9999999);
SELECT * FROM pgml.train('e', 'regression', 'no_such_table', 'y');
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'no_such_column');
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'y', search => 'grid');
SELECT * FROM pgml.train('lin', 'classification', 'lin_data', 'y');
SELECT * FROM pgml.train('e', 'regression', 'lin_data', 'y', test_sampling => 'sideways');
CREATE TABLE date_data AS SELECT '2020-01-01'::date AS t, 1::real AS y FROM generate_series(1, 10);
SELECT * FROM pgml.train('e', 'regression', 'date_data', 'y');
CREATE TABLE null_label AS SELECT g::real AS x, CASE WHEN g = 7 THEN NULL ELSE g END::real AS y FROM generate_series(1, 10) g;
SELECT * FROM pgml.train('e', 'regression', 'null_label', 'y');
CREATE TABLE inf_data AS SELECT CASE WHEN g = 3 THEN 'infinity'::real ELSE g END AS x, g::real AS y FROM generate_series(1, 10) g;
SELECT * FROM pgml.train('e', 'regression', 'inf_data', 'y');
CREATE TABLE one_class AS SELECT g::real AS x, 1 AS y FROM generate_series(1, 10) g;
SELECT * FROM pgml.train('e', 'classification', 'one_class', 'y');
CREATE TABLE empty_data (x real, y real);
SELECT * FROM pgml.train('e', 'regression', 'empty_data', 'y');
CREATE TABLE null_feature AS SELECT CASE WHEN g = 4 THEN NULL ELSE g END::real AS x, g::real AS y FROM generate_series(1, 10) g;
SELECT * FROM pgml.train('e', 'regression', 'null_feature', 'y', test_size => 0.1, test_sampling => 'last');
CREATE TABLE ragged AS SELECT CASE WHEN g = 5 THEN ARRAY[1, 2, 3] ELSE ARRAY[1, 2] END::real[] AS x, g::real AS y FROM generate_series(1, 10) g;
SELECT * FROM pgml.train('e', 'regression', 'ragged', 'y');
SELECT * FROM pgml.train(NULL, 'regression', 'lin_data', 'y');
SELECT * FROM pgml.train('e', 'regression', NULL, 'y');
-- nothing of the failed attempts was kept
SELECT count(*) AS projects_named_e FROM pgml.projects WHERE name = 'e';

-- Errors of the queue
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm)
VALUES ('q', 'regression', 'lin_data', 'y', 'deep_magic');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, algorithm)
VALUES ('q', 'classification', 'lin_data', 'y', 'catboost');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('q', 'regression', 'no_such_table', 'y');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name)
VALUES ('q', 'astrology', 'lin_data', 'y');
SELECT pgml.cancel_job(987654);
SELECT pgml.cancel_job(NULL);
SELECT pgml.wait_job(NULL);
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, test_size)
VALUES ('q', 'regression', 'lin_data', 'y', 'NaN');
INSERT INTO pgml.train_queue (project_name, task, relation_name, y_column_name, test_size)
VALUES ('q', 'regression', 'lin_data', 'y', 2.5);

-- The direct scan sizes its matrix from the table's statistics
-- (data.c, expected_rows).  A table that grew, or shrank, since its last
-- ANALYZE is still read whole: the classes of its last rows are there.
CREATE TABLE grown AS SELECT g::real AS x, 'a'::text AS y FROM generate_series(1, 3000) g;
ANALYZE grown;
INSERT INTO grown SELECT g, CASE WHEN g <= 9000 THEN 'b' ELSE 'c' END FROM generate_series(3001, 10000) g;
SELECT project, deployed FROM pgml.train('grown', 'classification', 'grown', 'y', 'xgboost',
    '{"n_estimators": 2}', test_size => 0.1, test_sampling => 'random');
SELECT array_length(pgml.predict_proba('grown', ARRAY[9500]), 1) AS classes,
       pgml.predict('grown', ARRAY[9500]) AS label_of_the_last_rows;
DELETE FROM grown WHERE x BETWEEN 2001 AND 3000 OR x > 4000;
-- (whether it replaces the deployed model depends on the random test rows)
SELECT project FROM pgml.train('grown', 'classification', 'grown', 'y', 'xgboost',
    '{"n_estimators": 2}', test_size => 0.1, test_sampling => 'random');
SELECT array_length(pgml.predict_proba(max(m.id), ARRAY[9500]), 1) AS classes_of_the_new_model
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'grown';
DROP TABLE grown;

-- every model records its phases; the fit, timed by the trainer around the
-- fit function, lies within the train phase (the trainer's start, the
-- hand-off, the fit and the model's transfer)
SELECT count(*) AS models,
       count(*) FILTER (WHERE (timings->>'fit')::float8 > 0
                          AND (timings->>'fit')::float8 <= (timings->>'train')::float8) AS fit_within_train,
       (SELECT array_agg(DISTINCT k ORDER BY k) FROM pgml.models m2, jsonb_object_keys(m2.timings) k) AS phases
  FROM pgml.models
 WHERE timings IS NOT NULL;
