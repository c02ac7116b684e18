-- bayesian_ridge (src/algorithms/bayesian_ridge.c): ridge regression whose
-- precisions are estimated from the data.  Its parity with scikit-learn's
-- BayesianRidge is test/t/051_regularized_parity.pl; here: what it must
-- find on data whose answer is known, the effective hyperparameters, and
-- every refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA br;
SET search_path = br, public;

-- y = 5 + 3 x1 - 2 x3 exactly: the noise precision grows without bound and
-- the weights become least squares'; a constant target gives zero weights
SELECT setseed(0.5);
CREATE TABLE exact AS
  SELECT random()::real AS x1, random()::real AS x2, random()::real AS x3, NULL::real AS y
    FROM generate_series(1, 200);
UPDATE exact SET y = 5 + 3 * x1 - 2 * x3;
CREATE TABLE flat AS SELECT x1, x2, x3, 7::real AS y FROM exact;

\i test/sql/include/hyperparams_of.sql

SELECT deployed FROM pgml.train('br_exact', 'regression', 'br.exact', 'y', 'bayesian_ridge');
SELECT deployed FROM pgml.train('br_flat', 'regression', 'br.flat', 'y', 'bayesian_ridge');
SELECT count(*) FILTER (WHERE abs(pgml.predict('br_exact', ARRAY[x1, x2, x3]) - y) > 1e-3) AS exact_wrong,
       count(*) FILTER (WHERE pgml.predict('br_flat', ARRAY[x1, x2, x3]) <> 7) AS flat_wrong
  FROM exact;
SELECT hyperparams_of('br_exact') AS defaults;
-- max_iter is scikit-learn 1.3's name of n_iter
SELECT deployed FROM pgml.train('br_named', 'regression', 'br.exact', 'y', 'bayesian_ridge',
                                '{"max_iter": 5, "alpha_init": 1, "lambda_init": 0.5, "compute_score": true}');
SELECT hyperparams_of('br_named') AS given;

-- refusals
\i test/sql/include/error_of.sql
SELECT h, error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'br.exact', 'y',
                            'bayesian_ridge', hyperparams => %L)$$, h))
  FROM (VALUES ('{"n_iter": 0}'), ('{"tol": 0}'), ('{"alpha_1": -1}'), ('{"lambda_init": -0.5}'),
               ('{"alpha_init": 0}'),
               ('{"n_iter": 10, "max_iter": 10}'), ('{"alpha": 1}')) v(h);
SELECT error_of($$SELECT * FROM pgml.train('bad', 'classification', 'br.exact', 'y', 'bayesian_ridge')$$);
UPDATE exact SET x2 = NULL WHERE x1 < 0.1;
SELECT error_of($$SELECT * FROM pgml.train('bad', 'regression', 'br.exact', 'y', 'bayesian_ridge')$$);

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects WHERE name LIKE 'br\_%' OR name = 'bad') s;
DROP SCHEMA br CASCADE;
