-- Clustering (k-means), decomposition (PCA) and preprocessing.
-- start from a fresh extension: no models, ids from 1
SET client_min_messages = warning;
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
RESET client_min_messages;
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT * FROM pgml.load_dataset('iris');
CREATE VIEW iris_features AS
    SELECT sepal_length, sepal_width, petal_length, petal_width FROM pgml.iris;

-- k-means: three clusters; each iris species falls mostly into one cluster
SELECT * FROM pgml.train('clusters', 'clustering', 'iris_features', NULL, 'kmeans',
                         '{"n_clusters": 3}');
SELECT (metrics ->> 'silhouette')::float8 BETWEEN 0.4 AND 0.7 AS silhouette_plausible,
       metrics ?& ARRAY['silhouette', 'inertia'] AS has_metrics,
       hyperparams ->> 'n_clusters' AS n_clusters
  FROM pgml.models WHERE algorithm = 'kmeans';
SELECT count(DISTINCT c) AS clusters,
       min(c) AS lowest, max(c) AS highest
  FROM (SELECT pgml.predict('clusters', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS c
          FROM pgml.iris) s;
-- setosa (target 0) is one cluster of its own
SELECT count(DISTINCT pgml.predict('clusters', ARRAY[sepal_length, sepal_width, petal_length, petal_width])) AS setosa_clusters
  FROM pgml.iris WHERE target = 0;

-- PCA: two components; on the rows it was fitted on (the first 112: the last
-- are held out) they are uncorrelated and the first has the larger spread
SELECT * FROM pgml.train('pca', 'decomposition', 'iris_features', NULL, 'pca',
                         '{"n_components": 2}', test_sampling => 'last');
SELECT array_length(pgml.decompose('pca', ARRAY[5.1, 3.5, 1.4, 0.2]), 1) AS components;
WITH d AS (SELECT pgml.decompose('pca', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS v
             FROM (SELECT * FROM pgml.iris ORDER BY ctid LIMIT 112) t)
SELECT count(*) AS training_rows, abs(corr(v[1], v[2])) < 1e-6 AS uncorrelated,
       var_pop(v[1]) > var_pop(v[2]) AS first_is_larger
  FROM d;

-- preprocessing: a standard-scaled feature, and a NULL imputed with the mean
CREATE TABLE pp AS SELECT g::real AS a, (1000 * g)::real AS b, (2 * g + 3)::real AS y
  FROM generate_series(1, 100) g;
UPDATE pp SET a = NULL WHERE a = 50;
SELECT deployed FROM pgml.train('pp', 'regression', 'pp', 'y', 'linear',
    preprocess => '{"a": {"impute": "mean", "scale": "standard"}, "b": {"scale": "min_max"}}');
-- the model sees scaled values; predictions are in the original units
SELECT round(pgml.predict('pp', ARRAY[10, 10000])::numeric, 2) AS scaled_predicts_23;
-- a NULL a is imputed (mean of the training rows), so linear predict accepts it
SELECT pgml.predict('pp', ARRAY[NULL, 10000]) IS NOT NULL AS imputed;
-- exactly: with impute zero, NULL predicts as 0 does
CREATE TABLE pp3 AS SELECT * FROM pp;
SELECT deployed FROM pgml.train('pp3', 'regression', 'pp3', 'y', 'linear',
    preprocess => '{"a": {"impute": "zero"}}');
SELECT pgml.predict('pp3', ARRAY[NULL, 10000]) = pgml.predict('pp3', ARRAY[0, 10000]) AS zero_imputed,
       pgml.predict('pp3', ARRAY[NULL, 10000]) <> pgml.predict('pp3', ARRAY[10, 10000]) AS not_just_any;
-- without an impute rule, b may not be NULL
SELECT pgml.predict('pp', ARRAY[10, NULL]);
-- NaN is a missing value as NULL is: imputed where a rule says so, else an error
SELECT pgml.predict('pp3', ARRAY['NaN', 10000]::real[]) = pgml.predict('pp3', ARRAY[0, 10000]) AS nan_imputed;
SELECT pgml.predict('pp', ARRAY[10, 'NaN']::real[]);
SELECT pgml.predict('pp', ARRAY[10, 'NaN']::float8[]);
SELECT pgml.predict('pp', ROW(10::real, 'NaN'::real));
SELECT * FROM pgml.predict_batch('pp', ARRAY[10, 10000, 10, 'NaN']::real[]);

-- xgboost keeps missing values unless told otherwise
CREATE TABLE pp2 AS SELECT g::real AS a, (g % 3)::real AS b, (g % 2)::int AS y FROM generate_series(1, 200) g;
SELECT deployed FROM pgml.train('pp2', 'classification', 'pp2', 'y', 'xgboost', '{"n_estimators": 5}',
    preprocess => '{"a": {"impute": "error"}}');
SELECT pgml.predict('pp2', ARRAY[1, NULL]) IS NOT NULL AS trees_take_missing;
SELECT pgml.predict('pp2', ARRAY[1, 'NaN']::real[]) = pgml.predict('pp2', ARRAY[1, NULL]) AS nan_is_missing;
SELECT pgml.predict('pp2', ARRAY[NULL, 1]);
SELECT pgml.predict('pp2', ARRAY['NaN', 1]::real[]);

-- errors
SELECT * FROM pgml.train('e', 'clustering', 'iris_features', 'sepal_length', 'kmeans');
SELECT * FROM pgml.train('e', 'clustering', 'iris_features', NULL, 'xgboost');
SELECT * FROM pgml.train('e', 'regression', 'pp', 'y', 'kmeans');
SELECT * FROM pgml.train('e', 'regression', 'pp', NULL);
SELECT pgml.predict('pca', ARRAY[5.1, 3.5, 1.4, 0.2]);
SELECT pgml.decompose('clusters', ARRAY[5.1, 3.5, 1.4, 0.2]);
SELECT * FROM pgml.train('e', 'regression', 'pp', 'y', preprocess => '{"nope": {"scale": "standard"}}');
SELECT * FROM pgml.train('e', 'regression', 'pp', 'y', preprocess => '{"a": {"scale": "sideways"}}');
SELECT * FROM pgml.train('e', 'regression', 'pp', 'y', preprocess => '{"a": {"impute": "guess"}}');
SELECT * FROM pgml.train('e', 'regression', 'pp', 'y', preprocess => '{"a": {"encode": "one_hot"}}');
SELECT * FROM pgml.train('e', 'regression', 'pp', 'y', preprocess => '{"a": "standard"}');
SELECT * FROM pgml.train('e', 'regression', 'pp', 'y', preprocess => '[1]');
SELECT * FROM pgml.train('e', 'regression', 'pp', 'y');
-- leave nothing that depends on pgml's dataset tables
DROP VIEW iris_features;
