-- linear_svm (src/algorithms/linear_svm.c): liblinear's objective, as
-- scikit-learn's LinearSVR and LinearSVC.  Its parity with scikit-learn (the
-- same minimum at a tight tol) is test/t/051_regularized_parity.pl; here:
-- what it must find on data whose answer is known, the effective
-- hyperparameters, the warning and every refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA lsvm;
SET search_path = lsvm, public;

-- y = 1 + 2 x1 - x2 exactly on 200 rows; the class is the sign of x1 - x2
-- (a margin of at least 0.1); three clusters of 0.2 around the corners of a
-- triangle
SELECT setseed(0.375);
CREATE TABLE rows AS
  SELECT g, (2 * random() - 1)::real AS x1, (2 * random() - 1)::real AS x2
    FROM generate_series(1, 200) g;
DELETE FROM rows WHERE abs(x1 - x2) < 0.1;
CREATE VIEW reg AS SELECT x1, x2, 1 + 2 * x1 - x2 AS y FROM rows;
CREATE VIEW cls AS SELECT x1, x2, x1 > x2 AS c FROM rows;
CREATE TABLE three AS
  SELECT (CASE k WHEN 0 THEN -0.7 WHEN 1 THEN 0.7 ELSE 0 END + (random() - 0.5) / 5)::real AS x1,
         (CASE k WHEN 2 THEN 0.7 ELSE -0.7 END + (random() - 0.5) / 5)::real AS x2, k
    FROM (SELECT g % 3 AS k FROM generate_series(1, 300) g) s;

\i test/sql/include/hyperparams_of.sql

-- regression: the absolute loss with no margin is exact: with C large
-- enough the minimum is the line itself (the intercept, a penalized
-- feature, too)
SELECT deployed FROM pgml.train('svr_exact', 'regression', 'lsvm.reg', 'y', 'linear_svm',
                                '{"C": 100, "tol": 1e-8, "max_iter": 100000, "random_state": 1}');
SELECT count(*) FILTER (WHERE abs(pgml.predict('svr_exact', ARRAY[x1, x2]) - y) > 1e-4) AS off_the_line,
       hyperparams_of('svr_exact') AS hp
  FROM reg;

-- classification: both losses separate two classes (a margin of 0.07, so
-- C large enough), and three clusters one against the rest; predict_proba
-- is the sigmoid (softmax) of the margins
SELECT l AS loss,
       (SELECT deployed FROM pgml.train('svc_' || l, 'classification', 'lsvm.cls', 'c', 'linear_svm',
                                        hyperparams => jsonb_build_object('loss', l, 'random_state', 2,
                                                                          'C', 100, 'max_iter', 100000))) AS deployed
  FROM unnest(ARRAY['hinge', 'squared_hinge']) l;
SELECT l AS loss,
       count(*) FILTER (WHERE pgml.predict('svc_' || l, ARRAY[x1, x2]) <> c::int) AS wrong,
       count(*) FILTER (WHERE ((pgml.predict_proba('svc_' || l, ARRAY[x1, x2]))[2] > 0.5) <> c) AS proba_disagrees
  FROM cls, unnest(ARRAY['hinge', 'squared_hinge']) l
 GROUP BY l ORDER BY l;
SELECT deployed FROM pgml.train('svc_three', 'classification', 'lsvm.three', 'k', 'linear_svm',
                                '{"class_weight": "balanced", "verbose": 0}');
SELECT count(*) FILTER (WHERE pgml.predict('svc_three', ARRAY[x1, x2]) <> k) AS wrong,
       min(cardinality(pgml.predict_proba('svc_three', ARRAY[x1, x2]))) AS n_proba,
       hyperparams_of('svc_three') - 'random_state' AS hp
  FROM three;

-- a warning when max_iter sweeps did not reach tol
SELECT deployed FROM pgml.train('svr_short', 'regression', 'lsvm.reg', 'y', 'linear_svm',
                                '{"max_iter": 1}');

-- refusals
\i test/sql/include/error_of.sql
SELECT t, h, error_of(format($$SELECT * FROM pgml.train(%L, %L, %L, %L, 'linear_svm', hyperparams => %L)$$,
                             'bad_' || t, t, 'lsvm.' || CASE t WHEN 'regression' THEN 'reg' ELSE 'cls' END,
                             CASE t WHEN 'regression' THEN 'y' ELSE 'c' END, h))
  FROM (VALUES ('classification', '{"penalty": "l1"}'), ('classification', '{"multi_class": "crammer_singer"}'),
               ('classification', '{"loss": "epsilon_insensitive"}'), ('regression', '{"loss": "hinge"}'),
               ('regression', '{"class_weight": "balanced"}'), ('classification', '{"epsilon": 0.1}'),
               ('regression', '{"C": 0}'), ('regression', '{"tol": 0}'), ('regression', '{"intercept_scaling": 0}'),
               ('regression', '{"epsilon": -1}'), ('regression', '{"max_iter": -1}'),
               ('regression', '{"alpha": 1}')) v(t, h);
-- the first-power losses have no primal solver in liblinear
SELECT * FROM pgml.train('bad_dual', 'classification', 'lsvm.cls', 'c', 'linear_svm',
                         '{"loss": "hinge", "dual": false}');
SELECT * FROM pgml.train('bad_dual', 'regression', 'lsvm.reg', 'y', 'linear_svm', '{"dual": false}');

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects
                       WHERE name LIKE 'svr\_%' OR name LIKE 'svc\_%' OR name LIKE 'bad\_%') s;
DROP SCHEMA lsvm CASCADE;
