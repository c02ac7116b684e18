-- Hyperparameter search with k-fold cross-validation, and the split options.
-- start from a fresh extension: no models, ids from 1
SET client_min_messages = warning;
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
RESET client_min_messages;
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT * FROM pgml.load_dataset('iris');

-- grid: every combination, each scored by 3-fold cross-validation
SELECT * FROM pgml.train('search', 'classification', 'pgml.iris', 'target', 'xgboost',
    hyperparams => '{"n_estimators": 10}',
    search => 'grid',
    search_params => '{"max_depth": [1, 3], "learning_rate": [0.1, 0.5]}',
    search_args => '{"cv": 3}');
SELECT search, search_params, search_args,
       metrics -> 'search' ->> 'method' AS method,
       metrics -> 'search' ->> 'metric' AS metric,
       jsonb_array_length(metrics -> 'search' -> 'candidates') AS candidates,
       (SELECT bool_and(jsonb_array_length(c -> 'fold_scores') = 3)
          FROM jsonb_array_elements(metrics -> 'search' -> 'candidates') c) AS three_folds_each,
       -- the mean is the mean of the folds
       (SELECT bool_and(abs((c ->> 'mean_score')::float8 -
                            (SELECT avg(f::float8) FROM jsonb_array_elements_text(c -> 'fold_scores') f)) < 1e-12)
          FROM jsonb_array_elements(metrics -> 'search' -> 'candidates') c) AS means_are_means,
       -- the best candidate has the highest mean, and its hyperparameters were used
       (metrics -> 'search' ->> 'best_mean_score')::float8 =
         (SELECT max((c ->> 'mean_score')::float8) FROM jsonb_array_elements(metrics -> 'search' -> 'candidates') c) AS best_is_max,
       hyperparams @> (metrics -> 'search' -> 'best_hyperparams') AS best_used,
       hyperparams ->> 'n_estimators' AS base_kept
  FROM pgml.models WHERE algorithm = 'xgboost';

-- random: n_iter draws
SELECT deployed IS NOT NULL AS trained FROM pgml.train('search_r', 'classification', 'pgml.iris', 'target', 'xgboost',
    hyperparams => '{"n_estimators": 5}', search => 'random',
    search_params => '{"max_depth": [1, 2, 3, 4]}', search_args => '{"n_iter": 3, "cv": 2}');
SELECT jsonb_array_length(metrics -> 'search' -> 'candidates') AS candidates
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'search_r';

-- stratified: the test set keeps the class proportions (50/50/50 -> 12 or 13
-- each, 38 in all: round(150 * 0.25), as PostgresML rounds; which classes
-- get the two leftover rows depends on the shuffle)
SELECT deployed FROM pgml.train('strat', 'classification', 'pgml.iris', 'target',
                                test_sampling => 'stratified');
SELECT test_sampling, test_rows,
       (SELECT bool_and(c IN (12, 13)) FROM unnest(per_class) c) AS proportional,
       cardinality(per_class) AS classes
  FROM (SELECT m.test_sampling, (SELECT sum(x::int) FROM jsonb_array_elements(r) rr, jsonb_array_elements_text(rr) x) AS test_rows,
               (SELECT array_agg((SELECT sum(x::int) FROM jsonb_array_elements_text(rr) x) ORDER BY ord)
                  FROM jsonb_array_elements(r) WITH ORDINALITY AS t(rr, ord)) AS per_class
          FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id,
               LATERAL (SELECT m.metrics -> 'confusion_matrix') AS cm(r)
         WHERE p.name = 'strat') s;

-- stratified is the default (PostgresML's); for regression each distinct
-- target value is a stratum, as PostgresML partitions by the label
SELECT deployed FROM pgml.train('strat_reg', 'regression', 'pgml.iris', 'target');
SELECT test_sampling FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = 'strat_reg';

-- test_size as a row count
SELECT deployed FROM pgml.train('rows', 'classification', 'pgml.iris', 'target', test_size => 30);
SELECT (SELECT sum(x::int) FROM jsonb_array_elements(metrics -> 'confusion_matrix') rr, jsonb_array_elements_text(rr) x) AS test_rows
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id WHERE p.name = 'rows';

-- errors
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', search => 'exhaustive',
    search_params => '{"max_depth": [1]}');
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', 'xgboost', search => 'grid');
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', 'xgboost', search => 'grid',
    search_params => '{"max_depth": []}');
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', 'xgboost', search => 'grid',
    search_params => '{"max_depth": 3}');
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', 'xgboost', search => 'grid',
    search_params => '{"max_depth": [1]}', search_args => '{"cv": 1}');
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', 'xgboost', search => 'grid',
    search_params => '{"max_depth": [1]}', search_args => '{"cv": "three"}');
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', 'xgboost', search => 'grid',
    search_params => '{"max_depth": [1]}', search_args => '{"folds": 5}');
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', 'xgboost', search => 'grid',
    search_params => '{"max_depth": [1]}', search_args => '[1]');
SELECT * FROM pgml.train('e', 'classification', 'pgml.iris', 'target', 'xgboost', search => 'grid',
    search_params => '{"max_dpeth": [1]}');
