-- Hyperparameter validation of every algorithm: unknown keys and bad values
-- are errors naming the key.
-- start from a fresh extension: no models, ids from 1
SET client_min_messages = warning;
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
RESET client_min_messages;
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT * FROM pgml.load_dataset('iris');
CREATE VIEW two AS SELECT sepal_length, sepal_width FROM pgml.iris;
CREATE TABLE reg AS SELECT g::real AS x, (2 * g)::real AS y FROM generate_series(1, 50) g;

SELECT * FROM pgml.train('h', 'classification', 'pgml.iris', 'target', 'linear', '{"C": -1}');
-- C and tol must be positive: 0 is refused; alpha may be 0
SELECT * FROM pgml.train('h', 'classification', 'pgml.iris', 'target', 'linear', '{"C": 0}');
SELECT * FROM pgml.train('h', 'regression', 'reg', 'y', 'lasso', '{"tol": 0}');
BEGIN;
SELECT project FROM pgml.train('h0', 'regression', 'reg', 'y', 'ridge', '{"alpha": 0}');
ROLLBACK;
SELECT * FROM pgml.train('h', 'classification', 'pgml.iris', 'target', 'linear', '{"max_iter": 2.5}');
SELECT * FROM pgml.train('h', 'classification', 'pgml.iris', 'target', 'linear', '{"alpha": 1}');
SELECT * FROM pgml.train('h', 'classification', 'pgml.iris', 'target', 'linear', '[1, 2]');
SELECT * FROM pgml.train('r', 'regression', 'reg', 'y', 'ridge', '{"alpha": "lots"}');
SELECT * FROM pgml.train('r', 'regression', 'reg', 'y', 'lasso', '{"l1_ratio": 0.5}');
SELECT * FROM pgml.train('r', 'regression', 'reg', 'y', 'elastic_net', '{"l1_ratio": 2}');
SELECT * FROM pgml.train('r', 'classification', 'pgml.iris', 'target', 'lasso');
SELECT * FROM pgml.train('k', 'clustering', 'two', NULL, 'kmeans', '{"n_clusters": 0}');
SELECT * FROM pgml.train('k', 'clustering', 'two', NULL, 'kmeans', '{"init": "psychic"}');
SELECT * FROM pgml.train('k', 'clustering', 'two', NULL, 'kmeans', '{"k": 3}');
SELECT * FROM pgml.train('k', 'clustering', 'two', NULL, 'kmeans', '{"refine": "yes"}');
SELECT * FROM pgml.train('p', 'decomposition', 'two', NULL, 'pca', '{"n_components": "x"}');
SELECT * FROM pgml.train('x', 'classification', 'pgml.iris', 'target', 'xgboost', '{"max_depth": -1}');
SELECT * FROM pgml.train('x', 'classification', 'pgml.iris', 'target', 'xgboost', '{"n_estimators": 5, "eta": 0.1, "learning_rate": 0.2}');
SELECT * FROM pgml.train('x', 'classification', 'pgml.iris', 'target', 'xgboost_random_forest', '{"num_parallel_tree": 5}');
-- training that diverges to NaN or infinite values is a clear error
SELECT * FROM pgml.train('x', 'regression', 'pgml.iris', 'target', 'xgboost', '{"n_estimators": 3, "learning_rate": 1e38}');
CREATE TABLE huge_y AS SELECT i::real AS x, (CASE WHEN i % 2 = 0 THEN 3e38 ELSE 1 END)::float8 AS y
  FROM generate_series(1, 200) i;
SELECT * FROM pgml.train('x', 'regression', 'huge_y', 'y', 'xgboost', '{"n_estimators": 5, "objective": "reg:gamma"}');
DROP TABLE huge_y;
-- a linear target beyond the range of real (what predict returns); the
-- training rows in scan order (test_sampling last), so the first bad one
-- is always table row 2
CREATE TABLE huge_lin AS SELECT i::real AS x, (CASE WHEN i % 2 = 0 THEN 1e300 ELSE 1 END)::float8 AS y
  FROM generate_series(1, 50) i;
SELECT * FROM pgml.train('x', 'regression', 'huge_lin', 'y', 'linear', test_sampling => 'last');
SELECT * FROM pgml.train('x', 'regression', 'huge_lin', 'y', 'ridge', test_sampling => 'last');
DROP TABLE huge_lin;
-- nothing was stored by the failures
SELECT count(*) AS models FROM pgml.models;
-- null means the default (C = 1)
SELECT deployed FROM pgml.train('ok', 'classification', 'pgml.iris', 'target', 'linear', '{"C": null}');
SELECT hyperparams ->> 'C' AS c FROM pgml.models;
-- leave nothing that depends on pgml's dataset tables
DROP VIEW two;
DROP TABLE reg;
