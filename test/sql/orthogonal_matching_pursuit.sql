-- orthogonal_matching_pursuit (src/algorithms/orthogonal_matching_pursuit.c):
-- a linear model with at most n_nonzero_coefs features.  Its parity with
-- scikit-learn's OrthogonalMatchingPursuit is test/t/051_regularized_parity.pl;
-- here: what it must find on data whose answer is known, the effective
-- hyperparameters, and every refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA omp;
SET search_path = omp, public;

-- y = 5 + 3 x1 - 2 x3 exactly; x2 and x4 are noise
SELECT setseed(0.5);
CREATE TABLE two AS
  SELECT random()::real AS x1, random()::real AS x2, random()::real AS x3, random()::real AS x4,
         NULL::real AS y
    FROM generate_series(1, 200);
UPDATE two SET y = 5 + 3 * x1 - 2 * x3;

CREATE FUNCTION misses(project text) RETURNS bigint
    LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE abs(pgml.predict(project, ARRAY[x1, x2, x3, x4]) - y) > 1e-4)
      FROM omp.two
$$;
\i test/sql/include/hyperparams_of.sql

-- two features picked: the exact answer, every row; the default, a tenth of
-- 4 features (at least 1), picks one and cannot
SELECT deployed FROM pgml.train('omp2', 'regression', 'omp.two', 'y', 'orthogonal_matching_pursuit',
                                '{"n_nonzero_coefs": 2}');
SELECT deployed FROM pgml.train('omp1', 'regression', 'omp.two', 'y', 'orthogonal_matching_pursuit');
SELECT misses('omp2') AS two_features_wrong, misses('omp1') > 100 AS one_feature_wrong_mostly,
       hyperparams_of('omp2') AS hp2, hyperparams_of('omp1') AS hp1;
-- the residual tolerance picks as many as it takes (two); so does the
-- variant on X itself (precompute false); without an intercept, the
-- constant 5 cannot be fitted by two features
SELECT deployed FROM pgml.train('omp_tol', 'regression', 'omp.two', 'y', 'orthogonal_matching_pursuit',
                                '{"tol": 1e-6, "precompute": "auto", "normalize": false}');
SELECT deployed FROM pgml.train('omp_x', 'regression', 'omp.two', 'y', 'orthogonal_matching_pursuit',
                                '{"n_nonzero_coefs": 2, "precompute": false}');
SELECT deployed FROM pgml.train('omp_noint', 'regression', 'omp.two', 'y', 'orthogonal_matching_pursuit',
                                '{"n_nonzero_coefs": 2, "fit_intercept": false}');
SELECT misses('omp_tol') AS tol_wrong, hyperparams_of('omp_tol') AS hp_tol,
       misses('omp_x') AS on_x_wrong,
       misses('omp_noint') > 0 AS no_intercept_misses;
-- the batch form
SELECT round(p::numeric, 3) AS batch FROM pgml.predict_batch('omp2', ARRAY[1, 0, 0, 0, 0, 0, 1, 0]::real[]) p;

-- refusals
\i test/sql/include/error_of.sql
SELECT h, error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'omp.two', 'y',
                            'orthogonal_matching_pursuit', hyperparams => %L)$$, h))
  FROM (VALUES ('{"n_nonzero_coefs": 5}'), ('{"n_nonzero_coefs": 0}'), ('{"n_nonzero_coefs": 1.5}'),
               ('{"tol": -1}'), ('{"normalize": true}'), ('{"precompute": "yes"}'),
               ('{"alpha": 1}')) v(h);
SELECT * FROM pgml.train('bad', 'regression', 'omp.two', 'y', 'orthogonal_matching_pursuit',
                         '{"n_nonzero_coefs": 5}');
SELECT error_of($$SELECT * FROM pgml.train('bad', 'classification', 'omp.two', 'y', 'orthogonal_matching_pursuit')$$);
UPDATE two SET x2 = NULL WHERE x1 < 0.1;
SELECT error_of($$SELECT * FROM pgml.train('bad', 'regression', 'omp.two', 'y', 'orthogonal_matching_pursuit')$$);

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects WHERE name LIKE 'omp%' OR name = 'bad') s;
DROP SCHEMA omp CASCADE;
