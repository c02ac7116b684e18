-- Errors a user can provoke, one statement each, for the sites no other
-- test reached (scripts/errmsg_coverage.py lists them).  Each is the error
-- a user would see; the message and detail are the assertion.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
-- the error of a statement whose message holds a model id, with the id
-- replaced (ids depend on what ran before in this database)
CREATE FUNCTION er_error(stmt text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    message := 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    message := regexp_replace(message, 'model \d+', 'model N');
END $$;

CREATE TABLE er AS
    SELECT g::real AS a, (g % 5)::real AS b, (g % 2 = 0) AS c, (2 * g)::real AS y,
           (ARRAY['x', 'y', 'z'])[1 + g % 3] AS t, g AS id
      FROM generate_series(1, 40) g;
CREATE VIEW er_ab AS SELECT a, b FROM er;
CREATE VIEW er_aby AS SELECT a, b, y FROM er;

-- pgml.train arguments
SELECT * FROM pgml.train('', 'regression', 'er_aby', 'y');
SELECT * FROM pgml.train(repeat('p', 200), 'regression', 'er_aby', 'y');
SELECT * FROM pgml.train('er_p', 'regression', NULL, 'y');
SELECT * FROM pgml.train('er_p', 'clustering', 'er_ab', NULL, 'kmeans', search => 'grid',
                         search_params => '{"n_clusters": [2, 3]}');
SELECT * FROM pgml.train('er_p', 'regression', 'er_aby', 'y', 'xgboost', search => 'grid',
                         search_params => '{"max_depth": [[1], [2]]}');
SELECT * FROM pgml.train('er_p', 'regression', 'er_aby', 'y', 'xgboost', search => 'grid',
                         search_params => '{"max_depth": [1, 2]}', search_args => '{"cv": 40}');
SELECT * FROM pgml.train('er_p', 'regression', 'er_aby', 'y', 'xgboost', search => 'random',
                         search_params => jsonb_build_object(
                             'max_depth', (SELECT jsonb_agg(g) FROM generate_series(1, 400) g),
                             'n_estimators', (SELECT jsonb_agg(g) FROM generate_series(1, 400) g)));
-- relations without features
CREATE TABLE er_only_y AS SELECT y FROM er;
SELECT * FROM pgml.train('er_p', 'regression', 'er_only_y', 'y');
CREATE TABLE er_empty_arr AS SELECT ARRAY[]::real[] AS v, y FROM er;
SELECT * FROM pgml.train('er_p', 'regression', 'er_empty_arr', 'y');
CREATE TABLE er_null_arr AS SELECT CASE WHEN id > 1 THEN ARRAY[a] END AS v, y FROM er ORDER BY id;
SELECT * FROM pgml.train('er_p', 'regression', 'er_null_arr', 'y');
-- more than 1024 classes
CREATE TABLE er_many AS SELECT g::real AS a, g AS label FROM generate_series(1, 1100) g;
SELECT * FROM pgml.train('er_p', 'classification', 'er_many', 'label', 'xgboost',
                         '{"n_estimators": 1}');
-- preprocess
SELECT * FROM pgml.train('er_p', 'regression', 'er_aby', 'y',
                         preprocess => '{"a": {"normalize": "yes"}}');
CREATE TABLE er_nulls AS SELECT NULL::real AS a, b, y FROM er;
SELECT * FROM pgml.train('er_p', 'regression', 'er_nulls', 'y',
                         preprocess => '{"a": {"impute": "mean"}}');
-- xgboost hyperparameters
SELECT * FROM pgml.train('er_p', 'regression', 'er_aby', 'y', 'xgboost', '{"objective": 1}');
SELECT * FROM pgml.train('er_p', 'classification', 'er', 'c', 'xgboost',
                         '{"base_score": 1.5, "n_estimators": 1}');
SELECT * FROM pgml.train('er_p', 'regression', 'er_aby', 'y', 'xgboost',
                         '{"objective": "count:poisson", "base_score": -1, "n_estimators": 1}');
SELECT * FROM pgml.train('er_p', 'regression', 'er_aby', 'y', 'xgboost', '{"n_estimators": 0}');
-- PCA and k-means
CREATE TABLE er_two AS SELECT a, b FROM er ORDER BY id LIMIT 3;
SELECT * FROM pgml.train('er_p', 'decomposition', 'er_two', NULL, 'pca', test_size => 2);
-- test_size 1 is the fraction 1, as in PostgresML: nothing left to train on
SELECT * FROM pgml.train('er_p', 'decomposition', 'er_two', NULL, 'pca', test_size => 1);
CREATE TABLE er_const AS SELECT 1::real AS a, 2::real AS b FROM generate_series(1, 10);
SELECT * FROM pgml.train('er_p', 'decomposition', 'er_const', NULL, 'pca', '{"whiten": true}');
-- the native booster (predict_native): models without one, bad arrays
SELECT project, algorithm FROM pgml.train('er_lin', 'regression', 'er_aby', 'y');
SELECT project, algorithm FROM pgml.train('er_xgb', 'regression', 'er_aby', 'y', 'xgboost', '{"n_estimators": 2}');
SELECT * FROM er_error(format('SELECT pgml.predict_native(%s, ARRAY[1, 2]::real[])',
                       (SELECT id FROM pgml.deployed_models WHERE name = 'er_lin')));
SELECT * FROM er_error(format('SELECT pgml.predict_native(%s, ARRAY[[1, 2]]::real[])',
                       (SELECT id FROM pgml.deployed_models WHERE name = 'er_xgb')));
SELECT * FROM er_error(format('SELECT pgml.predict_native(%s, ARRAY[1, 2, 3]::real[])',
                       (SELECT id FROM pgml.deployed_models WHERE name = 'er_xgb')));
-- predict_native reads only "magic" and "booster" of the artifact
SELECT project, algorithm FROM pgml.train('er_nat', 'regression', 'er_aby', 'y', 'xgboost', '{"n_estimators": 2}');
CREATE TABLE er_nat AS SELECT id FROM pgml.deployed_models WHERE name = 'er_nat';
UPDATE pgml.models SET artifact = '\x80' WHERE id = (SELECT id FROM er_nat);
SELECT message FROM er_error(format('SELECT pgml.predict_native(%s, ARRAY[1, 2]::real[])',
                                    (SELECT id FROM er_nat)));
-- {"magic": "pgml_worker", "booster": bin "abc"}
UPDATE pgml.models SET artifact = '\x82a56d61676963ab70676d6c5f776f726b6572a7626f6f73746572c403616263'
 WHERE id = (SELECT id FROM er_nat);
SELECT message FROM er_error(format('SELECT pgml.predict_native(%s, ARRAY[1, 2]::real[])',
                                    (SELECT id FROM er_nat)));
-- a label that is not finite
CREATE TABLE er_inf_y AS SELECT a, CASE WHEN id = 9 THEN 'Infinity' ELSE y END::float8 AS y FROM er ORDER BY id;
SELECT * FROM pgml.train('er_p', 'regression', 'er_inf_y', 'y');
-- a row field that cannot be a feature
SELECT pgml.predict('er_lin', ROW(1::real, ARRAY['a']::text[]));
SELECT pgml.predict('er_lin', ROW(1::real, ARRAY[now()]));

DELETE FROM pgml.projects WHERE name LIKE 'er\_%';
DROP VIEW er_ab, er_aby;
DROP TABLE er_nat, er_inf_y;
DROP TABLE er, er_only_y, er_empty_arr, er_null_arr, er_many, er_nulls, er_two, er_const;
DROP FUNCTION er_error(text);
