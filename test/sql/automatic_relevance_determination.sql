-- automatic_relevance_determination (src/algorithms/
-- automatic_relevance_determination.c): Bayesian ridge with a precision
-- per weight, which prunes the features that do not help.  Its parity with
-- scikit-learn's ARDRegression is test/t/051_regularized_parity.pl; here:
-- what it must find on data whose answer is known, the effective
-- hyperparameters, and every refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA ard;
SET search_path = ard, public;

-- y = 5 + 3 x1 - 2 x3 exactly: the useless x2 and x4 are pruned (their
-- weights are exactly zero: moving them changes no prediction), the others
-- are least squares'
SELECT setseed(0.5);
CREATE TABLE exact AS
  SELECT random()::real AS x1, random()::real AS x2, random()::real AS x3, random()::real AS x4,
         NULL::real AS y
    FROM generate_series(1, 200);
UPDATE exact SET y = 5 + 3 * x1 - 2 * x3;

SELECT deployed FROM pgml.train('ard_exact', 'regression', 'ard.exact', 'y', 'automatic_relevance_determination');
SELECT count(*) FILTER (WHERE abs(pgml.predict('ard_exact', ARRAY[x1, x2, x3, x4]) - y) > 1e-3) AS wrong,
       count(*) FILTER (WHERE pgml.predict('ard_exact', ARRAY[x1, x2 + 100, x3, x4 - 100])
                              <> pgml.predict('ard_exact', ARRAY[x1, x2, x3, x4])) AS pruned_ones_matter,
       count(*) FILTER (WHERE pgml.predict('ard_exact', ARRAY[x1 + 1, x2, x3, x4])
                              = pgml.predict('ard_exact', ARRAY[x1, x2, x3, x4])) AS kept_ones_ignored
  FROM exact;
SELECT m.hyperparams FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = 'ard_exact';
-- everything pruned (a threshold below every precision): the mean of the
-- training rows (the first 150)
SELECT deployed FROM pgml.train('ard_none', 'regression', 'ard.exact', 'y', 'automatic_relevance_determination',
                                '{"threshold_lambda": 0, "max_iter": 3}', test_sampling => 'last');
SELECT count(DISTINCT pgml.predict('ard_none', ARRAY[x1, x2, x3, x4])) AS distinct_predictions,
       abs(min(pgml.predict('ard_none', ARRAY[x1, x2, x3, x4]))
           - (SELECT avg(y) FROM (SELECT y FROM ard.exact LIMIT 150) s)) < 1e-4 AS is_the_training_mean
  FROM exact;

-- refusals
\i test/sql/include/error_of.sql
SELECT h, error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'ard.exact', 'y',
                            'automatic_relevance_determination', hyperparams => %L)$$, h))
  FROM (VALUES ('{"n_iter": 0}'), ('{"tol": -1}'), ('{"threshold_lambda": -1}'),
               ('{"alpha_init": 1}')) v(h);
-- a constant feature with lambda_1 = 0 and fewer rows than features: that
-- weight's precision reaches zero, and the Woodbury matrix is not finite
-- (scikit-learn fails there too: "array must not contain infs or NaNs")
CREATE TABLE wide AS
  SELECT x1, x2, x3, x4, x1 * x2 AS x5, x3 * x4 AS x6, x1 - x4 AS x7, 1::real AS k, y
    FROM exact LIMIT 6;
SELECT * FROM pgml.train('bad', 'regression', 'ard.wide', 'y', 'automatic_relevance_determination',
                         '{"lambda_1": 0}', test_size => 2, test_sampling => 'last');
-- one training row (3 rows, 2 of them test)
CREATE TABLE three AS SELECT * FROM exact LIMIT 3;
SELECT * FROM pgml.train('bad', 'regression', 'ard.three', 'y', 'automatic_relevance_determination',
                         test_size => 2);

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects WHERE name LIKE 'ard\_%' OR name = 'bad') s;
DROP SCHEMA ard CASCADE;
