-- huber (src/algorithms/huber.c): scikit-learn's HuberRegressor objective,
-- solved to its minimum.  Its parity with scikit-learn is
-- test/t/051_regularized_parity.pl; here: what it must find on data whose
-- answer is known, the effective hyperparameters, and every refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA hub;
SET search_path = hub, public;

-- y = 5 + 3 x1 - 2 x3 within +-0.005 (noise: an exact fit would put the
-- optimal scale at its bound, 0), but for 10 rows of 200 whose y is off by
-- -500 or +500: the Huber fit follows the 190 others, least squares does not
SELECT setseed(0.5);
CREATE TABLE rows AS
  SELECT g, random()::real AS x1, random()::real AS x2, random()::real AS x3,
         (random() - 0.5) / 100 AS noise, NULL::real AS y
    FROM generate_series(1, 200) g;
UPDATE rows SET y = 5 + 3 * x1 - 2 * x3 + noise + CASE WHEN g % 20 = 0 THEN (g % 40 - 10) * 50 ELSE 0 END;
CREATE VIEW train AS SELECT x1, x2, x3, y FROM rows;

CREATE FUNCTION clean_misses(project text) RETURNS bigint
    LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE abs(pgml.predict(project, ARRAY[x1, x2, x3]) - (5 + 3 * x1 - 2 * x3)) > 0.01)
      FROM hub.rows
$$;
\i test/sql/include/hyperparams_of.sql

SELECT count(*) FILTER (WHERE g % 20 = 0) AS outliers FROM rows;
SELECT deployed FROM pgml.train('hub_fit', 'regression', 'hub.train', 'y', 'huber');
SELECT deployed FROM pgml.train('hub_ols', 'regression', 'hub.train', 'y', 'linear');
SELECT clean_misses('hub_fit') AS huber_off_the_line, clean_misses('hub_ols') > 100 AS least_squares_off,
       hyperparams_of('hub_fit') AS hp;

-- epsilon 1 makes it least absolute deviations, its minimum at the scale's
-- bound (10 machine epsilons), where almost every row is an outlier and the
-- objective is piecewise linear: the steps crawl (the warning that they did
-- not converge is hidden here), and the fit is on the line
SET client_min_messages = error;
SELECT deployed FROM pgml.train('hub_lad', 'regression', 'hub.train', 'y', 'huber', '{"epsilon": 1}');
SET client_min_messages = warning;
SELECT clean_misses('hub_lad') AS lad_off_the_line;
-- exact data (no noise): the minimum is at the bound too, sigma is held
-- there while the weights converge (no warning)
CREATE TABLE exact AS SELECT x1, x2, x3, 5 + 3 * x1 - 2 * x3 AS y FROM rows;
SELECT deployed FROM pgml.train('hub_exact', 'regression', 'hub.exact', 'y', 'huber');
SELECT count(*) FILTER (WHERE abs(pgml.predict('hub_exact', ARRAY[x1, x2, x3]) - y) > 1e-3) AS exact_off FROM exact;

-- through the origin: y = 3 x1 - 2 x3 (+-0.005), no intercept
CREATE TABLE origin AS SELECT x1, x2, x3, 3 * x1 - 2 * x3 + noise AS y FROM rows;
SELECT deployed FROM pgml.train('hub_origin', 'regression', 'hub.origin', 'y', 'huber',
                                '{"fit_intercept": false, "warm_start": true}');
SELECT count(*) FILTER (WHERE abs(pgml.predict('hub_origin', ARRAY[x1, x2, x3]) - (3 * x1 - 2 * x3)) > 0.01) AS origin_off,
       abs(pgml.predict('hub_origin', ARRAY[0, 0, 0]::real[])) AS at_zero
  FROM origin;

-- a large penalty shrinks the weights; one step does not converge (a warning)
SELECT deployed FROM pgml.train('hub_alpha', 'regression', 'hub.train', 'y', 'huber', '{"alpha": 1000}');
SELECT abs(pgml.predict('hub_alpha', ARRAY[1, 0, 0]::real[]) - pgml.predict('hub_alpha', ARRAY[0, 0, 0]::real[])) < 0.1
       AS alpha_shrinks_x1;
SET client_min_messages = warning;
SELECT deployed FROM pgml.train('hub_1', 'regression', 'hub.train', 'y', 'huber', '{"max_iter": 1}');

-- refusals
\i test/sql/include/error_of.sql
SELECT h, error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'hub.train', 'y',
                            'huber', hyperparams => %L)$$, h))
  FROM (VALUES ('{"epsilon": 0.5}'), ('{"max_iter": -1}'), ('{"max_iter": 1.5}'), ('{"alpha": -1}'),
               ('{"alpha": 1e301}'), ('{"tol": -1}'), ('{"fit_intercept": 1}'), ('{"l1_ratio": 0.5}')) v(h);
SELECT error_of($$SELECT * FROM pgml.train('bad', 'classification', 'hub.train', 'y', 'huber')$$);
UPDATE rows SET x2 = NULL WHERE x1 < 0.1;
SELECT error_of($$SELECT * FROM pgml.train('bad', 'regression', 'hub.train', 'y', 'huber')$$);

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects WHERE name LIKE 'hub%' OR name = 'bad') s;
DROP SCHEMA hub CASCADE;
