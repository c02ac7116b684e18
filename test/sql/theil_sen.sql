-- theil_sen (src/algorithms/theil_sen.c): scikit-learn's TheilSenRegressor.
-- Its parity with scikit-learn (the same subsets and spatial median) is
-- test/t/051_regularized_parity.pl; here: what it must find on data whose
-- answer is known, the effective hyperparameters, the warning and every
-- refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA ts;
SET search_path = ts, public;

-- y = 1 + 2 x1 - x2 exactly, but for 10 rows of 100 whose y is off by +-50:
-- most subsets of 3 rows are clean and solve to the line itself, whose
-- spatial median is then the line; least squares is pulled off it
SELECT setseed(0.625);
CREATE TABLE rows AS
  SELECT g, (2 * random() - 1)::real AS x1, (2 * random() - 1)::real AS x2
    FROM generate_series(1, 100) g;
CREATE TABLE train AS
  SELECT x1, x2, 1 + 2 * x1 - x2 + CASE WHEN g % 10 = 0 THEN (g % 20 - 5) * 10 ELSE 0 END AS y
    FROM rows;

CREATE FUNCTION clean_misses(project text) RETURNS bigint
    LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE abs(pgml.predict(project, ARRAY[x1, x2]) - (1 + 2 * x1 - x2)) > 0.01)
      FROM ts.rows
$$;
\i test/sql/include/hyperparams_of.sql
CREATE FUNCTION subsets_of(project text) RETURNS jsonb
    LANGUAGE sql AS $$
    SELECT m.metrics->'n_subpopulation' FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = project ORDER BY m.id DESC LIMIT 1
$$;

-- 75 training rows: 67,525 subsets of 3, more than max_subpopulation
-- (10,000): that many random ones (the metrics say how many were solved)
SELECT deployed FROM pgml.train('ts_fit', 'regression', 'ts.train', 'y', 'theil_sen',
                                '{"random_state": 0, "copy_X": true, "n_jobs": 2}');
SELECT deployed FROM pgml.train('ts_ols', 'regression', 'ts.train', 'y', 'linear');
SELECT clean_misses('ts_fit') AS theil_sen_off_the_line, clean_misses('ts_ols') > 50 AS least_squares_off,
       hyperparams_of('ts_fit') AS hp, subsets_of('ts_fit') AS subsets;
-- 20 rows, 16 of them training: every subset of 3 (560), no draw
CREATE TABLE few AS SELECT * FROM train LIMIT 20;
SELECT deployed FROM pgml.train('ts_few', 'regression', 'ts.few', 'y', 'theil_sen',
                                '{"max_subpopulation": 2000}', test_size => 0.2, test_sampling => 'last');
SELECT clean_misses('ts_few') AS few_off_the_line, subsets_of('ts_few') AS subsets;

-- a warning when max_iter steps of the spatial median did not converge
SELECT deployed FROM pgml.train('ts_short', 'regression', 'ts.train', 'y', 'theil_sen',
                                '{"max_iter": 1, "max_subpopulation": 100, "random_state": 1}');

-- refusals
\i test/sql/include/error_of.sql
SELECT h, error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'ts.train', 'y',
                            'theil_sen', hyperparams => %L)$$, h))
  FROM (VALUES ('{"max_subpopulation": 0}'), ('{"n_subsamples": 0}'), ('{"max_iter": -1}'),
               ('{"tol": -1}'), ('{"fit_intercept": "yes"}'), ('{"alpha": 1}')) v(h);
SELECT error_of($$SELECT * FROM pgml.train('bad', 'classification', 'ts.train', 'y', 'theil_sen')$$);
-- subsets of fewer rows than unknowns, or of more rows than there are
SELECT * FROM pgml.train('bad', 'regression', 'ts.train', 'y', 'theil_sen', '{"n_subsamples": 2}');
SELECT * FROM pgml.train('bad', 'regression', 'ts.train', 'y', 'theil_sen', '{"n_subsamples": 76}');
-- fewer training rows than features: the one subset is every row
CREATE TABLE wide AS
  SELECT g::real AS a, (g * g)::real AS b, (g % 3)::real AS c, (g % 5)::real AS d,
         (g % 2)::real AS e, (10 - g)::real AS f, g::real AS y
    FROM generate_series(1, 5) g;
SELECT * FROM pgml.train('bad', 'regression', 'ts.wide', 'y', 'theil_sen', '{"n_subsamples": 3}',
                         test_size => 0.2, test_sampling => 'last');
SELECT deployed FROM pgml.train('ts_wide', 'regression', 'ts.wide', 'y', 'theil_sen',
                                test_size => 0.2, test_sampling => 'last');

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects WHERE name LIKE 'ts\_%' OR name = 'bad') s;
DROP SCHEMA ts CASCADE;
