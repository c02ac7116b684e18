-- pgml.hyperparameters(): the hyperparameter tables of the algorithms
-- (include/pgml_hyperparams.h, src/hp/), the same tables the trainer
-- validates pgml.train's hyperparams against.  What the listing says must
-- be what the trainer does: every algorithm of pgml.algorithms() has its
-- rows; every default written as JSON, given explicitly, trains the model
-- that no hyperparameters train (same predictions, same metrics); every
-- range and choice listed is the one enforced.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE SCHEMA hpt;
SET search_path = hpt, public;

-- every algorithm has rows, for every task it solves; no key twice for a task
SELECT a.name FROM pgml.algorithms() a
 WHERE NOT EXISTS (SELECT FROM pgml.hyperparameters() h WHERE h.algorithm = a.name);
SELECT a.name, t FROM pgml.algorithms() a, unnest(a.tasks) t
 WHERE NOT EXISTS (SELECT FROM pgml.hyperparameters() h
                    WHERE h.algorithm = a.name AND t = ANY (h.tasks));
SELECT algorithm, t, name, count(*) FROM pgml.hyperparameters(), unnest(tasks) t
 GROUP BY 1, 2, 3 HAVING count(*) > 1;

-- some rows as they are listed
SELECT algorithm, tasks, name, alias, type, default_value, minimum, maximum, choices
  FROM pgml.hyperparameters()
 WHERE (algorithm, name) IN (('xgboost', 'max_depth'), ('xgboost', 'learning_rate'),
                             ('xgboost_random_forest', 'learning_rate'), ('xgboost', 'tree_method'),
                             ('xgboost', 'eval_metric'), ('kmeans', 'n_init'), ('kmeans', 'random_state'),
                             ('random_forest', 'max_features'), ('bagging', 'n_estimators'),
                             ('ada_boost', 'loss'), ('ridge', 'solver'), ('pca', 'n_components'))
 ORDER BY 1, 3;
-- linear: OLS for regression, logistic regression for classification
SELECT tasks, string_agg(name, ', ' ORDER BY name)
  FROM pgml.hyperparameters() WHERE algorithm = 'linear' AND type <> 'compatible'
 GROUP BY 1 ORDER BY 1;
-- every listed key of random_forest, in the table's order
SELECT string_agg(name, ', ') FROM pgml.hyperparameters() WHERE algorithm = 'random_forest';

-- data: a regression and three classes, 120 rows, deterministic
CREATE TABLE reg AS
  SELECT sin(g)::real AS a, cos(g * 0.7)::real AS b, (g % 7)::real AS c,
         (3 * sin(g) + cos(g * 0.7) * (g % 7) + 0.1 * sin(g * 13))::real AS y
    FROM generate_series(1, 120) g;
CREATE TABLE cls AS
  SELECT a, b, c, CASE WHEN y < -1 THEN 0 WHEN y < 2 THEN 1 ELSE 2 END AS y FROM reg;
CREATE TABLE unsup AS SELECT a, b, c FROM reg;

-- the text as JSON, or NULL when it is words ("the job's seed")
CREATE FUNCTION as_json(t text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN t::jsonb;
EXCEPTION WHEN invalid_text_representation THEN
    RETURN NULL;
END
$$;

-- the defaults of an algorithm for a task that are written as JSON (not
-- XGBoost's dart keys: refused with booster gbtree, the default)
CREATE FUNCTION defaults_of(alg text, for_task text) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(h.name, as_json(h.default_value)), '{}')
      FROM pgml.hyperparameters() h
     WHERE h.algorithm = alg AND for_task = ANY (h.tasks) AND h.type <> 'compatible'
       AND as_json(h.default_value) IS NOT NULL
       AND h.description NOT LIKE '%booster "dart" only%'
$$;

CREATE FUNCTION model_of(project text) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT max(m.id) FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = project
$$;

-- Train alg twice, without hyperparameters and with its defaults given:
-- the rows whose predictions differ, and whether the held-out metrics do
-- (times aside).
CREATE FUNCTION defaults_train_alike(alg text, for_task text) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    rel text := CASE for_task WHEN 'regression' THEN 'hpt.reg'
                              WHEN 'classification' THEN 'hpt.cls' ELSE 'hpt.unsup' END;
    y text := CASE WHEN for_task IN ('regression', 'classification') THEN 'y' END;
    plain bigint;
    given bigint;
    differ bigint := 0;
    same_metrics boolean;
BEGIN
    PERFORM pgml.train('p_' || alg || '_' || for_task, for_task, rel, y, alg, '{}');
    plain := model_of('p_' || alg || '_' || for_task);
    PERFORM pgml.train('d_' || alg || '_' || for_task, for_task, rel, y, alg, defaults_of(alg, for_task));
    given := model_of('d_' || alg || '_' || for_task);
    IF y IS NOT NULL THEN
        EXECUTE format('SELECT count(*) FROM %s WHERE pgml.predict($1, ARRAY[a, b, c]) IS DISTINCT FROM pgml.predict($2, ARRAY[a, b, c])', rel)
           INTO differ USING plain, given;
    END IF;
    SELECT m1.metrics - 'fit_time' - 'score_time' = m2.metrics - 'fit_time' - 'score_time'
      INTO same_metrics
      FROM pgml.models m1, pgml.models m2 WHERE m1.id = plain AND m2.id = given;
    RETURN format('%s, metrics %s',
                  CASE WHEN y IS NULL THEN 'no predictions' ELSE differ || ' predictions differ' END,
                  CASE WHEN same_metrics THEN 'equal' ELSE 'differ' END);
END
$$;

-- (a statement each: a transaction holds a few new models' images only)
SELECT format('SELECT %L AS algorithm, %L AS task, '
              '(SELECT count(*) FROM jsonb_object_keys(defaults_of(%L, %L))) AS defaults_given, '
              'defaults_train_alike(%L, %L)', a.name, t, a.name, t, a.name, t)
  FROM pgml.algorithms() a, unnest(a.tasks) t
 ORDER BY a.name, t \gexec

-- and with booster dart, its keys' defaults
CREATE FUNCTION dart_alike() RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    plain bigint;
    given bigint;
    differ bigint;
BEGIN
    PERFORM pgml.train('dart_plain', 'regression', 'hpt.reg', 'y', 'xgboost',
                       '{"booster": "dart", "n_estimators": 20}');
    plain := model_of('dart_plain');
    PERFORM pgml.train('dart_given', 'regression', 'hpt.reg', 'y', 'xgboost',
                       (SELECT jsonb_object_agg(name, default_value::jsonb) FROM pgml.hyperparameters()
                         WHERE algorithm = 'xgboost' AND description LIKE '%booster "dart" only%')
                       || '{"booster": "dart", "n_estimators": 20}');
    given := model_of('dart_given');
    SELECT count(*) INTO differ FROM hpt.reg
     WHERE pgml.predict(plain, ARRAY[a, b, c]) IS DISTINCT FROM pgml.predict(given, ARRAY[a, b, c]);
    RETURN differ || ' predictions differ';
END
$$;
SELECT dart_alike();

-- the ranges and choices listed are the ones enforced: one step past
-- either bound of every finite integer range is refused, and so is a
-- choice not listed
\i test/sql/include/error_of.sql
SELECT h.algorithm, h.name, h.description,
       error_of(format('SELECT pgml.train(%L, %L, %L, %L, %L, %L)', 'r_' || h.algorithm, t,
                       'hpt.reg', 'y', h.algorithm,
                       jsonb_build_object(h.name, h.maximum + 1))) AS past_maximum,
       error_of(format('SELECT pgml.train(%L, %L, %L, %L, %L, %L)', 'r_' || h.algorithm, t,
                       'hpt.reg', 'y', h.algorithm,
                       jsonb_build_object(h.name, h.minimum - 1))) AS below_minimum
  FROM pgml.hyperparameters() h, unnest(h.tasks) t
 WHERE h.type = 'integer' AND t = 'regression' AND h.maximum IS NOT NULL
   AND h.maximum < 1e6
 ORDER BY 1, 2;
SELECT h.algorithm, h.name, error_of(format('SELECT pgml.train(%L, %L, %L, %L, %L, %L)',
                       'c_' || h.algorithm, 'classification', 'hpt.cls', 'y', h.algorithm,
                       jsonb_build_object(h.name, 'no such choice'))) AS bad_choice
  FROM pgml.hyperparameters() h
 WHERE h.type = 'choice' AND 'classification' = ANY (h.tasks)
 ORDER BY 1, 2;

-- a key of the other task: null is its default, a value an error naming
-- the task; a choice of the other task "does not fit"; the words true and
-- false are JSON's booleans, not strings; a number beyond double's range
-- is PostgreSQL's own error, for XGBoost as for every algorithm
SELECT k, regexp_replace(error_of(format('SELECT pgml.train(%L, %L, %L, %L, %L, %L)', 'k_' || i, task,
                          CASE task WHEN 'regression' THEN 'hpt.reg' ELSE 'hpt.cls' END, 'y', alg, hp)),
                          '[0-9]{20,}', '<digits>') AS error
  FROM (VALUES (1, 'null class_weight', 'regression', 'decision_tree', '{"class_weight": null, "max_depth": 2}'),
               (2, 'class_weight', 'regression', 'random_forest', '{"class_weight": "balanced"}'),
               (3, 'AdaBoost.R2 algorithm', 'regression', 'ada_boost', '{"algorithm": "SAMME"}'),
               (4, 'criterion of classification', 'regression', 'decision_tree', '{"criterion": "gini"}'),
               (5, 'objective of classification', 'regression', 'xgboost', '{"objective": "binary:logistic"}'),
               (6, 'objective of two classes', 'classification', 'xgboost', '{"objective": "binary:logistic"}'),
               (7, 'early_stopping "true"', 'classification', 'hist_gradient_boosting', '{"early_stopping": "true"}'),
               (8, 'early_stopping true', 'classification', 'hist_gradient_boosting', '{"early_stopping": true, "max_iter": 3}'),
               (9, 'learning_rate 1e400', 'regression', 'xgboost', '{"learning_rate": 1e400}'))
         AS c(i, k, task, alg, hp)
 ORDER BY i;

DROP SCHEMA hpt CASCADE;
