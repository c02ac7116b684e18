-- stochastic_gradient_descent, perceptron and passive_aggressive
-- (src/algorithms/sgd.c): scikit-learn's plain SGD with its shuffle.  Their
-- parity with scikit-learn (same random_state, same model) is
-- test/t/051_regularized_parity.pl; here: what they must learn on data whose
-- answer is known, the effective hyperparameters, the warning, and every
-- refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA sgd;
SET search_path = sgd, public;

-- y = 1 + 2 x1 - x2 exactly on 300 rows of features in [-1, 1] (and
-- through the origin, 2 x1 - x2); the class is the sign of x1 - x2 (a
-- margin of at least 0.1); three classes are three clusters of 0.2 around
-- the corners of a triangle
SELECT setseed(0.25);
CREATE TABLE rows AS
  SELECT g, (2 * random() - 1)::real AS x1, (2 * random() - 1)::real AS x2
    FROM generate_series(1, 300) g;
DELETE FROM rows WHERE abs(x1 - x2) < 0.1;
CREATE VIEW reg AS SELECT x1, x2, 1 + 2 * x1 - x2 AS y FROM rows;
CREATE VIEW cls AS SELECT x1, x2, x1 > x2 AS c FROM rows;
CREATE VIEW reg0 AS SELECT x1, x2, 2 * x1 - x2 AS y FROM rows;
CREATE TABLE three AS
  SELECT (CASE k WHEN 0 THEN -0.7 WHEN 1 THEN 0.7 ELSE 0 END + (random() - 0.5) / 5)::real AS x1,
         (CASE k WHEN 2 THEN 0.7 ELSE -0.7 END + (random() - 0.5) / 5)::real AS x2, k
    FROM (SELECT g % 3 AS k FROM generate_series(1, 300) g) s;

\i test/sql/include/hyperparams_of.sql

-- regression: squared error at a constant rate without a penalty, and
-- passive-aggressive steps with no margin through the origin, reach the
-- exact line; the default (invscaling, L2 1e-4, stopped by tol) comes
-- within 0.2
SELECT deployed FROM pgml.train('sgd_exact', 'regression', 'sgd.reg', 'y', 'stochastic_gradient_descent',
  '{"learning_rate": "constant", "eta0": 0.05, "penalty": null, "tol": null, "max_iter": 200, "random_state": 0}');
SELECT deployed FROM pgml.train('sgd_default', 'regression', 'sgd.reg', 'y', 'stochastic_gradient_descent');
SELECT deployed FROM pgml.train('pa_reg', 'regression', 'sgd.reg0', 'y', 'passive_aggressive',
  '{"epsilon": 0, "tol": null, "max_iter": 300, "fit_intercept": false}');
SELECT p AS project,
       max(abs(pgml.predict(p, ARRAY[x1, x2]) - CASE p WHEN 'pa_reg' THEN y - 1 ELSE y END)) < 1e-4
         AS within_1e4,
       max(abs(pgml.predict(p, ARRAY[x1, x2]) - CASE p WHEN 'pa_reg' THEN y - 1 ELSE y END)) < 0.2
         AS within_02
  FROM reg, unnest(ARRAY['sgd_exact', 'sgd_default', 'pa_reg']) p
 GROUP BY p ORDER BY p;
SELECT hyperparams_of('sgd_exact') AS hp_sgd, hyperparams_of('pa_reg') AS hp_pa;

-- classification: every algorithm separates the two classes; hinge is the
-- default; a classifier's predict_proba is the sigmoid of its margin
SELECT a AS algorithm,
       (SELECT deployed FROM pgml.train('cls_' || a, 'classification', 'sgd.cls', 'c', a,
                                        hyperparams => '{"random_state": 1}')) AS deployed
  FROM unnest(ARRAY['stochastic_gradient_descent', 'perceptron', 'passive_aggressive']) a;
SELECT a AS algorithm,
       count(*) FILTER (WHERE pgml.predict('cls_' || a, ARRAY[x1, x2]) <> c::int) AS wrong,
       count(*) FILTER (WHERE ((pgml.predict_proba('cls_' || a, ARRAY[x1, x2]))[2] > 0.5) <> c) AS proba_disagrees
  FROM cls, unnest(ARRAY['stochastic_gradient_descent', 'perceptron', 'passive_aggressive']) a
 GROUP BY a ORDER BY a;
SELECT hyperparams_of('cls_perceptron') AS hp_perceptron,
       hyperparams_of('cls_stochastic_gradient_descent') AS hp_sgd;
-- three classes, one against the rest, with log loss (by its old name)
SELECT deployed FROM pgml.train('three', 'classification', 'sgd.three', 'k', 'stochastic_gradient_descent',
  '{"loss": "log", "alpha": 1e-5, "random_state": 2, "max_iter": 2000}');
SELECT count(*) FILTER (WHERE pgml.predict('three', ARRAY[x1, x2]) <> k) AS wrong,
       min(cardinality(pgml.predict_proba('three', ARRAY[x1, x2]))) AS n_proba,
       hyperparams_of('three')->>'loss' AS loss
  FROM three;

-- a warning when max_iter epochs did not converge; none with tol null
SET client_min_messages = warning;
SELECT deployed FROM pgml.train('short', 'regression', 'sgd.reg', 'y', 'stochastic_gradient_descent',
  '{"max_iter": 1}');
SELECT deployed FROM pgml.train('short', 'regression', 'sgd.reg', 'y', 'stochastic_gradient_descent',
  '{"max_iter": 1, "tol": null}');

-- refusals
\i test/sql/include/error_of.sql
SELECT a, h, error_of(format($$SELECT * FROM pgml.train(%L, %L, %L, %L, %L, hyperparams => %L)$$,
                             'bad_' || t, t, 'sgd.' || CASE t WHEN 'regression' THEN 'reg' ELSE 'cls' END,
                             CASE t WHEN 'regression' THEN 'y' ELSE 'c' END, a, h))
  FROM (VALUES ('stochastic_gradient_descent', 'regression', '{"loss": "hinge"}'),
               ('stochastic_gradient_descent', 'classification', '{"loss": "absolute_error"}'),
               ('stochastic_gradient_descent', 'regression', '{"class_weight": "balanced"}'),
               ('stochastic_gradient_descent', 'regression', '{"early_stopping": true}'),
               ('stochastic_gradient_descent', 'regression', '{"average": -1}'),
               ('stochastic_gradient_descent', 'regression', '{"penalty": "l3"}'),
               ('stochastic_gradient_descent', 'regression', '{"l1_ratio": 1.5}'),
               ('stochastic_gradient_descent', 'regression', '{"max_iter": 0}'),
               ('stochastic_gradient_descent', 'regression', '{"C": 1}'),
               ('passive_aggressive', 'classification', '{"loss": "epsilon_insensitive"}'),
               ('passive_aggressive', 'regression', '{"C": 0}'),
               ('passive_aggressive', 'regression', '{"alpha": 0.1}'),
               ('perceptron', 'classification', '{"validation_fraction": 1}'),
               ('perceptron', 'classification', '{"random_state": -1}'),
               ('perceptron', 'regression', '{}')) v(a, t, h);
-- the schedule's own checks (after the table's)
SELECT * FROM pgml.train('bad_rate', 'regression', 'sgd.reg', 'y', 'stochastic_gradient_descent',
                         '{"alpha": 0, "learning_rate": "optimal"}');
SELECT * FROM pgml.train('bad_rate', 'regression', 'sgd.reg', 'y', 'stochastic_gradient_descent',
                         '{"learning_rate": "constant", "eta0": 0}');
SELECT * FROM pgml.train('bad_rate', 'classification', 'sgd.cls', 'c', 'stochastic_gradient_descent',
                         '{"eta0": 0, "learning_rate": "adaptive"}');
-- an overflow: a learning rate that grows with every row (invscaling with
-- a negative power) takes the weights past double precision
SELECT * FROM pgml.train('bad_overflow', 'regression', 'sgd.reg', 'y', 'stochastic_gradient_descent',
                         '{"power_t": -100, "eta0": 1, "penalty": null}');

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects
                       WHERE name IN ('sgd_exact', 'sgd_default', 'pa_reg', 'three', 'short')
                          OR name LIKE 'cls\_%' OR name LIKE 'bad\_%') s;
DROP SCHEMA sgd CASCADE;
