-- ransac (src/algorithms/ransac.c): scikit-learn's RANSACRegressor around
-- least squares.  Its parity with scikit-learn (same random_state, same
-- subsets, same model) is test/t/051_regularized_parity.pl; here: what it
-- must find on data whose answer is known, the effective hyperparameters,
-- the warning and every refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA ransac;
SET search_path = ransac, public;

-- y = 1 + 2 x1 - x2 exactly, but for 30 rows of 300 whose y is off by
-- +-100: RANSAC's consensus set is the 270 others, least squares is pulled
-- off the line
SELECT setseed(0.125);
CREATE TABLE rows AS
  SELECT g, (2 * random() - 1)::real AS x1, (2 * random() - 1)::real AS x2
    FROM generate_series(1, 300) g;
CREATE VIEW train AS
  SELECT x1, x2, 1 + 2 * x1 - x2 + CASE WHEN g % 10 = 0 THEN (g % 20 - 5) * 20 ELSE 0 END AS y
    FROM rows;

CREATE FUNCTION clean_misses(project text) RETURNS bigint
    LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE abs(pgml.predict(project, ARRAY[x1, x2]) - (1 + 2 * x1 - x2)) > 1e-4)
      FROM ransac.rows
$$;
\i test/sql/include/hyperparams_of.sql

SELECT deployed FROM pgml.train('ransac_fit', 'regression', 'ransac.train', 'y', 'ransac',
                                '{"random_state": 0}');
SELECT deployed FROM pgml.train('ransac_ols', 'regression', 'ransac.train', 'y', 'linear');
SELECT clean_misses('ransac_fit') AS ransac_off_the_line, clean_misses('ransac_ols') > 200 AS least_squares_off,
       hyperparams_of('ransac_fit') AS hp;
-- the squared loss with a threshold, a share of the rows per subset, the
-- job's seed: the same line
SELECT deployed FROM pgml.train('ransac_sq', 'regression', 'ransac.train', 'y', 'ransac',
                                '{"loss": "squared_error", "residual_threshold": 0.01, "min_samples": 0.02,
                                  "base_estimator": "deprecated", "estimator": null}');
SELECT clean_misses('ransac_sq') AS squared_off_the_line,
       hyperparams_of('ransac_sq') - 'random_state' AS hp;

-- max_skips 0: the first subset with fewer inliers than the best ends the
-- trials, with a warning
SELECT deployed FROM pgml.train('ransac_skips', 'regression', 'ransac.train', 'y', 'ransac',
                                '{"random_state": 3, "max_skips": 0, "residual_threshold": 1,
                                  "stop_probability": 1, "max_trials": 50}');

-- refusals
\i test/sql/include/error_of.sql
SELECT h, error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'ransac.train', 'y',
                            'ransac', hyperparams => %L)$$, h))
  FROM (VALUES ('{"min_samples": 0}'), ('{"min_samples": 1.5}'), ('{"residual_threshold": -1}'),
               ('{"max_trials": -1}'), ('{"stop_probability": 2}'), ('{"loss": "huber"}'),
               ('{"estimator": "Ridge"}'), ('{"base_estimator": "Ridge"}'), ('{"is_data_valid": true}'),
               ('{"alpha": 1}')) v(h);
SELECT error_of($$SELECT * FROM pgml.train('bad', 'classification', 'ransac.train', 'y', 'ransac')$$);
-- more rows per subset than rows, and no trial at all
SELECT * FROM pgml.train('bad', 'regression', 'ransac.train', 'y', 'ransac', '{"min_samples": 301}');
SELECT * FROM pgml.train('bad', 'regression', 'ransac.train', 'y', 'ransac', '{"max_trials": 0}');

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects WHERE name LIKE 'ransac%' OR name = 'bad') s;
DROP SCHEMA ransac CASCADE;
