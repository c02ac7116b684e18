-- The tree family trained by pgml_worker's CART engine (src/trainer/cart.c):
-- decision_tree, random_forest, extra_trees, bagging and
-- gradient_boosting_trees, with scikit-learn's hyperparameters.  Their
-- parity with scikit-learn (same random_state, same trees) is checked by
-- test/t/054_tree_parity.pl; here: what a tree must predict on data whose
-- answer is known, the prediction forms, the effective hyperparameters, the
-- feature importances and every refusal.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA trees;
SET search_path = trees, public;

-- A step: y = 10 for x < 0.5, 20 above; a second feature is noise-free
-- but useless (constant).  60 rows, the test set is the last 15 (x > 0.75).
CREATE TABLE step AS
  SELECT (g / 60.0)::real AS x, 1::real AS k,
         CASE WHEN g < 30 THEN 10 ELSE 20 END::real AS y
    FROM generate_series(0, 59) g;
-- the same step as two classes, and three classes that a second feature
-- names
CREATE TABLE stepc AS SELECT x, k, y > 15 AS c FROM step;
CREATE TABLE three AS
  SELECT x, (row_number() OVER (ORDER BY x) % 3)::real AS f,
         (row_number() OVER (ORDER BY x) % 3)::int AS c3
    FROM step;

-- Newest model of a project.
CREATE FUNCTION model_of(project text) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT max(m.id) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = project
$$;

\i test/sql/include/error_of.sql

-- Each algorithm learns the step exactly: the split falls between 29/60 and
-- 30/60, and every row of the table is predicted as its own y.
SELECT a AS algorithm,
       (SELECT deployed FROM pgml.train('step_' || a, 'regression', 'trees.step', 'y', a,
                                        hyperparams => h::jsonb,
                                        test_size => 0.25, test_sampling => 'last')) AS deployed
  FROM (VALUES ('decision_tree', '{}'),
               ('random_forest', '{"n_estimators": 7, "bootstrap": false}'),
               ('extra_trees', '{"n_estimators": 7}'),
               ('bagging', '{"n_estimators": 7, "bootstrap": false}'),
               ('gradient_boosting_trees', '{"n_estimators": 200, "learning_rate": 0.5}'),
               ('ada_boost', '{"n_estimators": 5, "random_state": 0}')) v(a, h);
-- (extra trees draw their thresholds at random between a node's minimum and
-- maximum: grown without a depth limit, every leaf is pure on the training
-- rows whatever was drawn, and the held-out rows are far from the step)
SELECT a AS algorithm,
       count(*) FILTER (WHERE abs(pgml.predict('step_' || a, ARRAY[x, k]) - y) > 1e-3) AS wrong
  FROM step, unnest(ARRAY['decision_tree', 'random_forest', 'extra_trees', 'bagging', 'gradient_boosting_trees']) a
 GROUP BY a ORDER BY a;
-- AdaBoost.R2 predicts the weighted median of its trees (output "median"):
-- one of the trees' values, right away from the step; the same value by
-- every predict form
SELECT count(*) FILTER (WHERE abs(pgml.predict('step_ada_boost', ARRAY[x, k]) - y) > 1e-3) AS wrong,
       count(*) FILTER (WHERE pgml.predict('step_ada_boost', ARRAY[x, k])
                              <> (pgml.predict_joint('step_ada_boost', ARRAY[x, k]))[1]) AS joint_differs
  FROM step WHERE abs(x - 0.4917) > 0.01;
-- stored metrics: the test rows' error (none: float4 leaves aside), and the
-- importances (x does all the work, the constant feature none)
SELECT p.name, (m.metrics->>'mean_absolute_error')::float8 < 1e-4 AS exact,
       m.metrics->'feature_importances' AS importances
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name LIKE 'step_%' ORDER BY p.name;
-- the effective hyperparameters, with scikit-learn's defaults filled in
SELECT p.name, m.hyperparams
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name LIKE 'step_%' ORDER BY p.name;

-- Classification: averaged trees give probabilities (output "proba"),
-- boosting a sigmoid or a softmax; every predict form agrees.
SELECT a AS algorithm,
       (SELECT deployed FROM pgml.train('cls_' || a, 'classification', 'trees.stepc', 'c', a,
                                        hyperparams => '{"n_estimators": 5, "random_state": 1}'::jsonb,
                                        test_size => 0.25, test_sampling => 'last')) AS deployed
  FROM unnest(ARRAY['random_forest', 'extra_trees', 'bagging', 'gradient_boosting_trees', 'ada_boost']) a;
SELECT deployed FROM pgml.train('cls_decision_tree', 'classification', 'trees.stepc', 'c',
                                'decision_tree', test_size => 0.25, test_sampling => 'last');
SELECT a AS algorithm,
       count(*) FILTER (WHERE pgml.predict('cls_' || a, ARRAY[x, k]) <> c::int) AS wrong,
       count(*) FILTER (WHERE abs((SELECT sum(p) FROM unnest(pgml.predict_proba('cls_' || a, ARRAY[x, k])) p) - 1) > 1e-6) AS proba_not_1,
       count(*) FILTER (WHERE ((pgml.predict_proba('cls_' || a, ARRAY[x, k]))[2] > 0.5) <> c) AS proba_disagrees
  FROM stepc, unnest(ARRAY['decision_tree', 'random_forest', 'extra_trees', 'bagging', 'gradient_boosting_trees', 'ada_boost']) a
 WHERE abs(x - 0.4917) > 0.01
 GROUP BY a ORDER BY a;
-- three classes: with the class as a feature every tree is exact
SELECT a AS algorithm,
       (SELECT deployed FROM pgml.train('three_' || a, 'classification', 'trees.three', 'c3', a,
                                        hyperparams => '{"random_state": 0}'::jsonb,
                                        test_size => 0.25, test_sampling => 'last')) AS deployed
  FROM unnest(ARRAY['decision_tree', 'random_forest', 'extra_trees', 'bagging', 'gradient_boosting_trees', 'ada_boost']) a;
SELECT a AS algorithm,
       count(*) FILTER (WHERE pgml.predict('three_' || a, ARRAY[x, f]) <> c3) AS wrong,
       min(cardinality(pgml.predict_proba('three_' || a, ARRAY[x, f]))) AS n_proba
  FROM three, unnest(ARRAY['decision_tree', 'random_forest', 'extra_trees', 'bagging', 'gradient_boosting_trees', 'ada_boost']) a
 GROUP BY a ORDER BY a;
-- one importance per feature, the class feature's the largest
SELECT p.name, m.metrics ? 'feature_importances' AS importances,
       (SELECT count(*) FROM jsonb_array_elements(m.metrics->'feature_importances')) AS n,
       (m.metrics->'feature_importances'->>1)::float8 > (m.metrics->'feature_importances'->>0)::float8 AS f_first
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name LIKE 'three_%' ORDER BY p.name;

-- class_weight "balanced" (and balanced_subsample for forests) train
SELECT algorithm FROM pgml.train('cw', 'classification', 'trees.three', 'c3', 'random_forest',
  hyperparams => '{"n_estimators": 3, "class_weight": "balanced_subsample", "random_state": 0}');
SELECT algorithm FROM pgml.train('cw', 'classification', 'trees.three', 'c3', 'decision_tree',
  hyperparams => '{"class_weight": "balanced", "criterion": "entropy", "max_leaf_nodes": 3,
                   "min_samples_leaf": 0.05, "min_samples_split": 0.1, "max_features": "log2"}');
SELECT hyperparams FROM pgml.models WHERE id = model_of('cw');
-- fractions, max_samples and the random splitter of a single tree
SELECT algorithm FROM pgml.train('frac', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"n_estimators": 3, "max_samples": 0.5, "max_features": 0.5, "min_weight_fraction_leaf": 0.1, "random_state": 0}');
SELECT algorithm FROM pgml.train('frac', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"n_estimators": 3, "max_samples": 20, "max_features": 1, "max_depth": null, "max_leaf_nodes": null}');
SELECT algorithm FROM pgml.train('frac', 'regression', 'trees.step', 'y', 'decision_tree',
  hyperparams => '{"splitter": "random", "random_state": 4, "criterion": "friedman_mse"}');
SELECT algorithm FROM pgml.train('frac', 'regression', 'trees.step', 'y', 'gradient_boosting_trees',
  hyperparams => '{"n_estimators": 3, "subsample": 0.5, "max_leaf_nodes": 4, "verbose": 1, "tol": 0.001,
                   "validation_fraction": 0.2, "n_iter_no_change": null, "warm_start": false, "ccp_alpha": 0}');
SELECT algorithm FROM pgml.train('frac', 'regression', 'trees.step', 'y', 'bagging',
  hyperparams => '{"n_estimators": 3, "max_samples": 0.5, "max_features": 1.0, "bootstrap_features": false}');

-- Refusals: each names the key, the algorithm and what it expects.
SELECT error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', %L,
                           hyperparams => %L)$$, a, h))
  FROM (VALUES
    ('random_forest', '{"n_estimatorz": 3}'),
    ('decision_tree', '{"n_estimators": 3}'),
    ('random_forest', '{"learning_rate": 0.1}'),
    ('random_forest', '{"n_estimators": 0}'),
    ('random_forest', '{"n_estimators": 2.5}'),
    ('random_forest', '{"n_estimators": "3"}'),
    ('random_forest', '{"max_depth": 0}'),
    ('random_forest', '{"bootstrap": 1}'),
    ('random_forest', '{"min_samples_split": 1}'),
    ('random_forest', '{"min_samples_split": 1.5}'),
    ('random_forest', '{"min_samples_leaf": 1.0}'),
    ('random_forest', '{"max_features": "all"}'),
    ('random_forest', '{"max_features": 3}'),
    ('random_forest', '{"max_features": true}'),
    ('random_forest', '{"criterion": "gini"}'),
    ('random_forest', '{"criterion": "poisson"}'),
    ('random_forest', '{"criterion": 1}'),
    ('random_forest', '{"class_weight": "balanced"}'),
    ('random_forest', '{"bootstrap": false, "max_samples": 0.5}'),
    ('random_forest', '{"max_samples": 500}'),
    ('random_forest', '{"max_samples": 0}'),
    ('random_forest', '{"min_weight_fraction_leaf": 0.6}'),
    ('random_forest', '{"min_impurity_decrease": -1}'),
    ('random_forest', '{"random_state": -1}'),
    ('random_forest', '{"ccp_alpha": 0.01}'),
    ('random_forest', '{"oob_score": true}'),
    ('random_forest', '{"n_jobs": 4}'),
    ('decision_tree', '{"splitter": "fast"}'),
    ('decision_tree', '{"class_weight": "balanced_subsample"}'),
    ('gradient_boosting_trees', '{"criterion": "gini"}'),
    ('gradient_boosting_trees', '{"loss": "log_loss"}'),
    ('gradient_boosting_trees', '{"loss": "huber", "alpha": 0.9}'),
    ('gradient_boosting_trees', '{"alpha": 0.9}'),
    ('gradient_boosting_trees', '{"init": "zero"}'),
    ('gradient_boosting_trees', '{"subsample": 0}'),
    ('gradient_boosting_trees', '{"learning_rate": 0}'),
    ('gradient_boosting_trees', '{"n_iter_no_change": 5}'),
    ('bagging', '{"max_features": 0.5}'),
    ('bagging', '{"bootstrap_features": true}'),
    ('bagging', '{"estimator": "svm"}'),
    ('bagging', '{"max_depth": 3}')) v(a, h);
SELECT error_of($$SELECT * FROM pgml.train('badc', 'classification', 'trees.stepc', 'c', 'random_forest',
                    hyperparams => '{"criterion": "squared_error"}')$$);
SELECT error_of($$SELECT * FROM pgml.train('badc', 'classification', 'trees.stepc', 'c', 'gradient_boosting_trees',
                    hyperparams => '{"loss": "squared_error"}')$$);
SELECT error_of($$SELECT * FROM pgml.train('badc', 'classification', 'trees.stepc', 'c', 'random_forest',
                    hyperparams => '[1]')$$);

-- the details and hints of each kind of refusal
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"learning_rate": 0.1}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"min_samples_leaf": 0}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"n_jobs": -1}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"warm_start": true}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'bagging',
  hyperparams => '{"max_features": 1}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'gradient_boosting_trees',
  hyperparams => '{"criterion": "entropy"}');
SELECT * FROM pgml.train('badc', 'classification', 'trees.stepc', 'c', 'decision_tree',
  hyperparams => '{"criterion": "friedman_mse"}');

-- (the server log must see these: refusals caught by error_of are not
-- logged, and test/run.sh counts the error sites the log shows)
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"max_samples": 500}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"bootstrap": false, "max_samples": 0.5}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"max_features": 3}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"class_weight": "balanced"}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'gradient_boosting_trees',
  hyperparams => '{"loss": "log_loss"}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'hist_gradient_boosting',
  hyperparams => '{"early_stopping": true, "validation_fraction": 0.99}');

-- ada_boost is AdaBoost-SAMME for classification, AdaBoost.R2 for
-- regression (whose loss is refused for classification); SAMME.R is not here
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'ada_boost', '{"loss": "huber"}');
SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y', 'ada_boost', '{"n_estimators": 1025}');
SELECT * FROM pgml.train('badc', 'classification', 'trees.stepc', 'c', 'ada_boost', '{"loss": "square"}');
SELECT * FROM pgml.train('badc', 'classification', 'trees.stepc', 'c', 'ada_boost',
  hyperparams => '{"algorithm": "SAMME.R"}');
SELECT error_of($$SELECT * FROM pgml.train('badc', 'classification', 'trees.stepc', 'c', 'ada_boost',
                    hyperparams => '{"estimator": "svm"}')$$);
-- a first stump no better than chance: four balanced classes, one constant
-- feature, 64 training rows (16 of each), so that every weight (1/64) and
-- every sum of them is exact and the error is exactly 1 - 1/4 whichever
-- rows train (with 45 rows of 3 classes the sum's rounding decided the tie)
CREATE TABLE chance AS SELECT 1::real AS k, g % 4 AS c4 FROM generate_series(1, 80) g;
SELECT * FROM pgml.train('chance', 'classification', 'trees.chance', 'c4', 'ada_boost', test_size => 16);
SELECT hyperparams FROM pgml.models WHERE id = model_of('three_ada_boost');

-- Missing values: the CART family does not take them (scikit-learn 1.2's
-- trees neither): NULL is refused before training, naming the row
CREATE TABLE holes AS SELECT * FROM step;
UPDATE holes SET x = NULL WHERE y = 20 AND x > 0.9;
SELECT error_of($$SELECT * FROM pgml.train('holes', 'regression', 'trees.holes', 'y', 'random_forest')$$);
-- imputed, they train; a missing value at predict time goes to the side
-- most training rows went (scikit-learn >= 1.3's rule): 45 training rows,
-- 30 of them left of the split (y = 10)
SELECT deployed FROM pgml.train('holes', 'regression', 'trees.holes', 'y', 'decision_tree',
  preprocess => '{"x": {"impute": "mean"}}', test_sampling => 'last');
SELECT pgml.predict('step_decision_tree', ARRAY[NULL, 1]::real[]) AS nan_goes_to_bigger_side,
       round(pgml.predict('step_random_forest', ARRAY['NaN', 1]::real[])::numeric, 4) AS forest_too;

-- hist_gradient_boosting: binned features, missing values as the split
-- learnt them.  The step is learnt (min_samples_leaf 5: 45 training rows)
SELECT deployed FROM pgml.train('hgb', 'regression', 'trees.step', 'y', 'hist_gradient_boosting',
  hyperparams => '{"min_samples_leaf": 5, "max_iter": 200, "learning_rate": 0.5}',
  test_size => 0.25, test_sampling => 'last');
SELECT count(*) FILTER (WHERE abs(pgml.predict('hgb', ARRAY[x, k]) - y) > 1e-3) AS wrong FROM step;
SELECT m.metrics->'n_iter' AS n_iter, m.metrics->'feature_importances' AS importances, m.hyperparams
  FROM pgml.models m WHERE id = model_of('hgb');
-- it trains on NULLs: the rows of x > 0.9 (y = 20) have none, so NULL
-- goes right, with the y = 20 rows (the scan that sends missing values
-- left would put them with y = 10)
-- (the rows with NULLs first and the last rows held out: the NULL rows
-- always train)
CREATE TABLE holes_nulls_first AS SELECT * FROM holes ORDER BY x NULLS FIRST;
SELECT deployed FROM pgml.train('hgb_holes', 'regression', 'trees.holes_nulls_first', 'y', 'hist_gradient_boosting',
  hyperparams => '{"min_samples_leaf": 3, "max_iter": 100, "learning_rate": 0.5}', test_sampling => 'last');
SELECT round(pgml.predict('hgb_holes', ARRAY[NULL, 1]::real[])::numeric, 2) AS null_x,
       round(pgml.predict('hgb_holes', ARRAY[0.1, 1]::real[])::numeric, 2) AS low_x;
-- classification, with early stopping on (a tenth of the rows validate)
SELECT deployed FROM pgml.train('hgb_c', 'classification', 'trees.three', 'c3', 'hist_gradient_boosting',
  hyperparams => '{"min_samples_leaf": 2, "early_stopping": true, "n_iter_no_change": 3, "random_state": 1}',
  test_size => 0.25, test_sampling => 'last');
SELECT count(*) FILTER (WHERE pgml.predict('hgb_c', ARRAY[x, f]) <> c3) AS wrong,
       (SELECT (metrics->>'n_iter')::int < 100 FROM pgml.models WHERE id = model_of('hgb_c')) AS stopped_early
  FROM three;
SELECT error_of(format($$SELECT * FROM pgml.train('bad', 'regression', 'trees.step', 'y',
                           'hist_gradient_boosting', hyperparams => %L)$$, h))
  FROM (VALUES ('{"max_bins": 256}'), ('{"early_stopping": "yes"}'), ('{"scoring": "r2"}'),
               ('{"categorical_features": [0]}'), ('{"loss": "log_loss"}'),
               ('{"min_samples_leaf": 0.5}'), ('{"n_estimators": 10}'),
               ('{"early_stopping": true, "validation_fraction": 0.99}'),
               ('{"l2_regularization": -1}'), ('{"monotonic_cst": [1, 0]}')) v(h);

-- Trees grown to their leaves learn every training row.  2,000 rows of
-- distinct random targets: the first 1,500 train, and a tree with 1,500
-- leaves is deeper than the image's padded blocks (depth 10), so it is
-- walked node by node: alone (decision_tree), or 16 in lanes and the 17th
-- alone (random_forest of 17 such trees, all features, no bootstrap).  And
-- 12,000 rows, 10,000 training: a tree of about 20,000 nodes, beyond the
-- 16,384 above which a lone tree's walk also prefetches a level ahead.
SELECT setseed(0.25);
CREATE TABLE noise AS
  SELECT g AS id, random()::real AS a, random()::real AS b, random()::real AS y
    FROM generate_series(1, 12000) g ORDER BY g;
CREATE VIEW noise_xy AS SELECT a, b, y FROM noise WHERE id <= 2000;
CREATE VIEW noise_big AS SELECT a, b, y FROM noise;
SELECT deployed FROM pgml.train('deep_big', 'regression', 'trees.noise_big', 'y', 'decision_tree',
  hyperparams => '{"random_state": 0}', test_size => 2000, test_sampling => 'last');
SELECT deployed FROM pgml.train('deep_one', 'regression', 'trees.noise_xy', 'y', 'decision_tree',
  hyperparams => '{"random_state": 0}', test_size => 500, test_sampling => 'last');
SELECT deployed FROM pgml.train('deep_17', 'regression', 'trees.noise_xy', 'y', 'random_forest',
  hyperparams => '{"n_estimators": 17, "bootstrap": false, "max_features": null, "random_state": 0}',
  test_size => 500, test_sampling => 'last');
SELECT count(*) AS training_rows,
       count(*) FILTER (WHERE pgml.predict('deep_one', ARRAY[a, b]) <> y) AS tree_wrong,
       count(*) FILTER (WHERE abs(pgml.predict('deep_17', ARRAY[a, b]) - y) > 1e-5) AS forest_wrong
  FROM noise WHERE id <= 1500;
SELECT count(*) AS training_rows,
       count(*) FILTER (WHERE pgml.predict('deep_big', ARRAY[a, b]) <> y) AS big_tree_wrong,
       (SELECT (s.bytes / 16) > 16384 FROM pgml.stat_models s
         WHERE s.model_id = model_of('deep_big') LIMIT 1) AS beyond_16384_nodes
  FROM noise WHERE id <= 10000;

-- A classification tree sorts a large node's values by radix (cart.c, with
-- integral weights): negative values in their order, -0 equal to +0.  x
-- takes the 41 values -10, -9.5, .., 10 in a scrambled order (29 or 30 rows
-- each), the class is -7 <= x <= 2, z is -0 or +0; 900 training rows.
CREATE TABLE signs AS
  SELECT (((g * 7919) % 41 - 20) * 0.5)::real AS x,
         CASE WHEN g % 2 = 0 THEN '-0' ELSE '0' END::real AS z,
         ((g * 7919) % 41 - 20) * 0.5 BETWEEN -7 AND 2 AS c
    FROM generate_series(1, 1200) g;
SELECT a AS algorithm,
       (SELECT deployed FROM pgml.train('signs_' || a, 'classification', 'trees.signs', 'c', a,
                                        hyperparams => '{"n_estimators": 5, "random_state": 2}'::jsonb,
                                        test_size => 0.25, test_sampling => 'last')) AS deployed
  FROM unnest(ARRAY['random_forest', 'bagging']) a;
SELECT deployed FROM pgml.train('signs_decision_tree', 'classification', 'trees.signs', 'c',
                                'decision_tree', test_size => 0.25, test_sampling => 'last');
-- every row right; the splits fall halfway between -7.5 and -7 and between
-- 2 and 2.5; z, one value, unused
SELECT a AS algorithm,
       (SELECT count(*) FILTER (WHERE pgml.predict('signs_' || a, ARRAY[x, z]) <> c::int)
          FROM signs) AS wrong,
       (SELECT array_agg(pgml.predict('signs_' || a, ARRAY[v, 0]) ORDER BY v)
          FROM unnest(ARRAY[-10, -7.3, -7.2, 2.2, 2.3, 10]::real[]) v) AS at_edges,
       (SELECT metrics->'feature_importances' FROM pgml.models
         WHERE id = model_of('signs_' || a)) AS importances
  FROM unnest(ARRAY['decision_tree', 'random_forest', 'bagging']) a
 ORDER BY a;

-- Search works with the family
SELECT deployed FROM pgml.train('searched', 'regression', 'trees.step', 'y', 'random_forest',
  hyperparams => '{"n_estimators": 3, "random_state": 0}',
  search => 'grid', search_params => '{"max_depth": [1, 2]}');
SELECT hyperparams->'max_depth' FROM pgml.models WHERE id = model_of('searched');

RESET search_path;
DROP SCHEMA trees CASCADE;
