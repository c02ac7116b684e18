-- Standard scaling is (x - mean) / population standard deviation of the
-- training rows, applied in training and at predict time alike.  A linear
-- model cannot show a wrong center or scale (it absorbs any affine change
-- of a feature), so this checks it through PCA, whose output is the scaled
-- feature itself: with one feature and one component, decompose(x) =
-- +-(x - mean) / stddev_pop, mean and stddev of the training rows (the
-- first 30 of 40 with test_sampling 'last').
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;

CREATE TABLE scl AS SELECT g AS id, (g * g % 17 + 0.5 * g)::real AS x FROM generate_series(1, 40) g ORDER BY g;
CREATE VIEW scl_x AS SELECT x FROM scl;
SELECT project, algorithm FROM pgml.train('scl_pca', 'decomposition', 'scl_x', NULL, 'pca',
    '{"n_components": 1}', test_size => 10, test_sampling => 'last',
    preprocess => '{"x": {"scale": "standard"}}');
-- the oracle: SQL's avg and stddev_pop of the training rows, in double
CREATE TABLE scl_stats AS
    SELECT avg(x::float8) AS mean, stddev_pop(x::float8) AS sd FROM scl WHERE id <= 30;
SELECT count(*) AS rows,
       max(abs(abs((pgml.decompose('scl_pca', ARRAY[x]))[1]) - abs((x - s.mean) / s.sd))) < 1e-5
           AS equals_standardized
  FROM scl, scl_stats s;
-- and it has unit variance on the training rows
SELECT round(stddev_pop((pgml.decompose('scl_pca', ARRAY[x]))[1])::numeric, 4) AS train_sd
  FROM scl WHERE id <= 30;

DELETE FROM pgml.projects WHERE name = 'scl_pca';
DROP VIEW scl_x;
DROP TABLE scl, scl_stats;
