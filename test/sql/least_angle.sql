-- least_angle and lasso_least_angle (src/algorithms/least_angle.c): the
-- least angle regression path, and its lasso modification.  Their parity
-- with scikit-learn's Lars and LassoLars is test/t/051_regularized_parity.pl;
-- here: what they must find on data whose answer is known, the effective
-- hyperparameters, and every refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA lars;
SET search_path = lars, public;

-- y = 5 + 3 x1 - 2 x3 exactly; x2 and x4 are noise
SELECT setseed(0.25);
CREATE TABLE two AS
  SELECT random()::real AS x1, random()::real AS x2, random()::real AS x3, random()::real AS x4,
         NULL::real AS y
    FROM generate_series(1, 200);
UPDATE two SET y = 5 + 3 * x1 - 2 * x3;

CREATE FUNCTION misses(project text) RETURNS bigint
    LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE abs(pgml.predict(project, ARRAY[x1, x2, x3, x4]) - y) > 1e-4)
      FROM lars.two
$$;
-- the model's coefficients, read off its predictions: f(e_j) - f(0)
CREATE FUNCTION coefs(project text) RETURNS numeric[]
    LANGUAGE sql AS $$
    SELECT array_agg(round((pgml.predict(project, e) - pgml.predict(project, ARRAY[0, 0, 0, 0]::real[]))::numeric, 3)
                     ORDER BY j)
      FROM (VALUES (1, ARRAY[1, 0, 0, 0]::real[]), (2, ARRAY[0, 1, 0, 0]::real[]),
                   (3, ARRAY[0, 0, 1, 0]::real[]), (4, ARRAY[0, 0, 0, 1]::real[])) v(j, e)
$$;
\i test/sql/include/hyperparams_of.sql

-- the whole path (500 steps, more than the 4 features) ends at least
-- squares: the exact answer, on the Gram matrix and on X itself; one step
-- takes only the feature most correlated with y (x1), and not all the way
SELECT deployed FROM pgml.train('lars_all', 'regression', 'lars.two', 'y', 'least_angle');
SELECT deployed FROM pgml.train('lars_x', 'regression', 'lars.two', 'y', 'least_angle',
                                '{"precompute": false, "normalize": false, "jitter": null}');
SELECT deployed FROM pgml.train('lars_1', 'regression', 'lars.two', 'y', 'least_angle',
                                '{"n_nonzero_coefs": 1}');
SELECT misses('lars_all') AS whole_path_wrong, misses('lars_x') AS on_x_wrong,
       coefs('lars_all') AS all_coefs, coefs('lars_1')::text ~ '^\{[0-9.]+,0.000,0.000,0.000\}$' AS one_step_x1_only,
       (coefs('lars_1'))[1] < 3 AS one_step_short_of_3,
       hyperparams_of('lars_all') AS hp_all, hyperparams_of('lars_1') AS hp_1;
-- without an intercept, the constant 5 cannot be fitted
SELECT deployed FROM pgml.train('lars_noint', 'regression', 'lars.two', 'y', 'least_angle',
                                '{"fit_intercept": false}');
SELECT misses('lars_noint') > 0 AS no_intercept_misses;

-- the lasso: at alpha 0 the path ends at least squares too; at an alpha
-- above every correlation no feature joins and the model is the mean of
-- the training rows (the first 150 of 200 with test_sampling 'last'); in
-- between, shrunk coefficients; positive: x3 (negative) never joins
SELECT deployed FROM pgml.train('lasso_0', 'regression', 'lars.two', 'y', 'lasso_least_angle',
                                '{"alpha": 0}');
SELECT deployed FROM pgml.train('lasso_big', 'regression', 'lars.two', 'y', 'lasso_least_angle',
                                '{"alpha": 1000}', test_sampling => 'last');
SELECT deployed FROM pgml.train('lasso_mid', 'regression', 'lars.two', 'y', 'lasso_least_angle',
                                '{"alpha": 0.05}');
SELECT deployed FROM pgml.train('lasso_pos', 'regression', 'lars.two', 'y', 'lasso_least_angle',
                                '{"alpha": 0.01, "positive": true}');
SELECT misses('lasso_0') AS alpha_0_wrong, coefs('lasso_0') AS alpha_0_coefs,
       coefs('lasso_big') AS big_alpha_coefs,
       abs(pgml.predict('lasso_big', ARRAY[0, 0, 0, 0]::real[]) -
           (SELECT avg(y) FROM (SELECT y FROM two ORDER BY ctid LIMIT 150) t)) < 1e-4 AS big_alpha_is_training_mean,
       (coefs('lasso_mid'))[1] BETWEEN 0 AND 3 AND (coefs('lasso_mid'))[3] BETWEEN -2 AND 0 AS mid_shrunk,
       (coefs('lasso_pos'))[3] = 0 AND (coefs('lasso_pos'))[1] > 0 AS positive_keeps_x3_out,
       hyperparams_of('lasso_mid') AS hp_mid;
-- a duplicated column (x1b = x1, before x2): tied with x1 at every step,
-- it comes up second and its turn to join finds it degenerate (a Cholesky
-- pivot of 0); it is set aside for good, so x2 joins and the second step
-- ends at the exact answer, on the Gram matrix and on X (scikit-learn zeroes
-- its correlation but keeps it in the step lengths: two steps end short)
CREATE TABLE dup AS SELECT x1, x1 AS x1b, x2, 5 + 3 * x1 - 2 * x2 AS y FROM two;
CREATE FUNCTION dup_misses(project text) RETURNS bigint
    LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE abs(pgml.predict(project, ARRAY[x1, x1b, x2]) - y) > 1e-4)
      FROM lars.dup
$$;
SELECT deployed FROM pgml.train('lars_dup', 'regression', 'lars.dup', 'y', 'least_angle',
                                '{"n_nonzero_coefs": 2}');
SELECT deployed FROM pgml.train('lars_dup_x', 'regression', 'lars.dup', 'y', 'least_angle',
                                '{"n_nonzero_coefs": 2, "precompute": false}');
SELECT deployed FROM pgml.train('lasso_dup', 'regression', 'lars.dup', 'y', 'lasso_least_angle',
                                '{"alpha": 0, "max_iter": 2}');
SELECT dup_misses('lars_dup') AS dup_wrong, dup_misses('lars_dup_x') AS dup_on_x_wrong,
       dup_misses('lasso_dup') AS lasso_dup_wrong;
-- the batch form
SELECT round(p::numeric, 3) AS batch FROM pgml.predict_batch('lars_all', ARRAY[1, 0, 0, 0, 0, 0, 1, 0]::real[]) p;

-- refusals
\i test/sql/include/error_of.sql
SELECT a, h, error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'lars.two', 'y',
                               %L, hyperparams => %L)$$, a, h))
  FROM (VALUES ('least_angle', '{"n_nonzero_coefs": 0}'), ('least_angle', '{"n_nonzero_coefs": 1.5}'),
               ('least_angle', '{"eps": 0}'), ('least_angle', '{"alpha": 1}'),
               ('least_angle', '{"jitter": 0.1}'), ('least_angle', '{"normalize": true}'),
               ('least_angle', '{"precompute": "yes"}'),
               ('lasso_least_angle', '{"alpha": -1}'), ('lasso_least_angle', '{"max_iter": -1}'),
               ('lasso_least_angle', '{"n_nonzero_coefs": 5}'), ('lasso_least_angle', '{"positive": 1}')) v(a, h);
SELECT * FROM pgml.train('bad', 'regression', 'lars.two', 'y', 'least_angle', '{"jitter": 0.1}');
SELECT error_of($$SELECT * FROM pgml.train('bad', 'classification', 'lars.two', 'y', 'least_angle')$$);
UPDATE two SET x2 = NULL WHERE x1 < 0.1;
SELECT error_of($$SELECT * FROM pgml.train('bad', 'regression', 'lars.two', 'y', 'lasso_least_angle')$$);

RESET search_path;
SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects
                       WHERE name LIKE 'lars%' OR name LIKE 'lasso%' OR name = 'bad') s;
DROP SCHEMA lars CASCADE;
