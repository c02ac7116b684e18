-- Text feature columns: preprocess => '{"col": {"encode": ordinal | one_hot | target}}'.
-- Categories are a column's distinct values in byte order; unknown values and
-- NULLs follow the rules of docs/sql-reference.md ("Text features").
SET client_min_messages = warning;
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
RESET client_min_messages;
\set VERBOSITY default
\set SHOW_CONTEXT never

-- y depends exactly on the color and the size:
--   red 1, green 3, blue -2, yellow 0.5, plus 0.5 * size
CREATE TABLE paint AS
SELECT (ARRAY['red', 'green', 'blue', 'yellow'])[1 + i % 4] AS color,
       (i % 7)::real AS size,
       ((ARRAY[1.0, 3.0, -2.0, 0.5])[1 + i % 4] + 0.5 * (i % 7))::real AS y
  FROM generate_series(1, 200) i;

-- one_hot + linear recovers the function exactly (r2 = 1)
SELECT deployed FROM pgml.train('paint_1h', 'regression', 'paint', 'y', 'linear',
    preprocess => '{"color": {"encode": "one_hot"}}');
SELECT num_features, (metrics->>'r2')::float8 > 0.999999 AS exact
  FROM pgml.models WHERE id = 1;
-- red 2, green 4, blue -1, yellow 1.5 at size 2.  An unknown color is all
-- zeros: the intercept plus 0.5 * 2, 1.625 (scikit-learn's LinearRegression
-- on the same one-hot columns gives 1.625 too: the minimum-norm solution).
SELECT c, round(pgml.predict('paint_1h', ROW(c, 2::real))::numeric, 4) AS prediction
  FROM unnest(ARRAY['red', 'green', 'blue', 'yellow', 'purple']) c;
-- a table's rows, varchar fields, and the other functions' row forms
SELECT color, size, y, round(pgml.predict('paint_1h', (color, size))::numeric, 4) AS prediction
  FROM paint ORDER BY color, size LIMIT 3;
SELECT round(pgml.predict('paint_1h', ROW('green'::varchar(10), 4))::numeric, 4) AS from_varchar;
-- by model id (model 1 is paint_1h's)
SELECT round(pgml.predict(1, ROW('blue', 2))::numeric, 4) AS by_id;

-- ordinal (the default for a text column): blue 0, green 1, red 2, yellow 3;
-- y = 2 * code + 1; red is the most frequent color
CREATE TABLE ordinal AS
SELECT (ARRAY['red', 'green', 'blue', 'yellow', 'red'])[1 + i % 5] AS color,
       (2 * (ARRAY[2, 1, 0, 3, 2])[1 + i % 5] + 1)::real AS y
  FROM generate_series(1, 100) i;
SELECT deployed FROM pgml.train('ordinal', 'regression', 'ordinal', 'y', 'linear');
SELECT c, round(pgml.predict('ordinal', ROW(c))::numeric, 4) AS prediction
  FROM unnest(ARRAY['blue', 'green', 'red', 'yellow']) c;
-- an unknown value is missing: a linear model cannot take it without impute
SELECT pgml.predict('ordinal', ROW('purple'));
SELECT pgml.predict('ordinal', ROW(NULL::text));
-- with impute, it becomes the most frequent code, red's: 2 * 2 + 1 = 5
SELECT deployed FROM pgml.train('ordinal', 'regression', 'ordinal', 'y', 'linear',
    preprocess => '{"color": {"impute": "mode"}}');
SELECT round(pgml.predict('ordinal', ROW('purple'))::numeric, 4) AS unknown,
       round(pgml.predict('ordinal', ROW(NULL::text))::numeric, 4) AS null_value;

-- target: the mean label of the training rows in the category.  With
-- test_sampling 'last' the training rows are the first 150 of paint; a
-- linear model on the encoded color alone predicts a color's mean, and the
-- mean of all training rows for an unknown color.
CREATE VIEW paint_color AS SELECT color, y FROM paint;
SELECT deployed FROM pgml.train('paint_tgt', 'regression', 'paint_color', 'y', 'linear',
    test_size => 0.25, test_sampling => 'last',
    preprocess => '{"color": {"encode": "target"}}');
WITH train AS (SELECT color, y FROM paint LIMIT 150),
     expected AS (SELECT color AS c, avg(y) AS mean FROM train GROUP BY color
                  UNION ALL SELECT 'purple', avg(y) FROM train)
SELECT c, abs(pgml.predict('paint_tgt', ROW(c)) - mean) < 1e-4 AS matches_training_mean
  FROM expected ORDER BY c;

-- enums (and other string types) are text columns too: categories are the
-- labels in byte order (happy 0, ok 1, sad 2), whatever the enum's own order
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE moods AS
SELECT (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood AS m,
       (2 * (ARRAY[2, 1, 0])[1 + g % 3] + 1)::real AS y
  FROM generate_series(1, 60) g;
SELECT deployed FROM pgml.train('moods', 'regression', 'moods', 'y', 'linear');
SELECT round(pgml.predict('moods', ROW('sad'::mood))::numeric, 4) AS sad,
       round(pgml.predict('moods', ROW('happy'::mood))::numeric, 4) AS happy,
       round(pgml.predict('moods', ROW('ok'))::numeric, 4) AS ok_as_text;
-- an enum label: predict_label gives the enum's label
CREATE TABLE mood_of AS SELECT (y * 10)::real AS score, m FROM moods;
SELECT deployed FROM pgml.train('mood_of', 'classification', 'mood_of', 'm', 'xgboost',
    '{"n_estimators": 5}');
SELECT pgml.predict_label('mood_of', ARRAY[10]) AS score_10, pgml.predict_label('mood_of', ARRAY[50]) AS score_50;

-- search: each cross-validation fold fits the target means on its own
-- training rows.  A column that names every row (each row its own category)
-- says nothing about a held-out row, so the fold scores are poor; means
-- fitted on all training rows would hand every held-out row its own label
-- (fold r2 = 1).
CREATE TABLE unique_names AS SELECT 'row ' || g AS name, (g % 7)::real AS y
  FROM generate_series(1, 200) g;
SELECT deployed FROM pgml.train('unique_names', 'regression', 'unique_names', 'y', 'linear',
    search => 'grid', search_params => '{"fit_intercept": [true, false]}',
    preprocess => '{"name": {"encode": "target"}}');
SELECT c->'hyperparams' AS hyperparams, jsonb_array_length(c->'fold_scores') AS folds,
       (SELECT max(s::float8) FROM jsonb_array_elements_text(c->'fold_scores') s) < 0.1 AS no_leak
  FROM pgml.models m, jsonb_array_elements(m.metrics->'search'->'candidates') c
 WHERE m.id = (SELECT max(id) FROM pgml.models);

-- XGBoost on encoded columns predicts exactly as XGBoost's own predictor
-- (pgml.predict_native) given the encoded features by hand
CREATE TABLE mixed AS
SELECT (ARRAY['red', 'green', 'blue', 'yellow'])[1 + i % 4] AS color,
       CASE WHEN i % 9 = 0 THEN NULL ELSE (ARRAY['s', 'm', 'l'])[1 + i % 3] END AS tier,
       (i % 13)::real AS size,
       ((ARRAY[1.0, 3.0, -2.0, 0.5])[1 + i % 4] * (1 + i % 3) + sin(i) + 0.1 * (i % 13))::real AS y
  FROM generate_series(1, 300) i;
SELECT deployed FROM pgml.train('mixed', 'regression', 'mixed', 'y', 'xgboost',
    '{"n_estimators": 30, "max_depth": 4}',
    preprocess => '{"color": {"encode": "one_hot"}}');
-- inputs color (one_hot: blue, green, red, yellow), tier (ordinal: l 0, m 1, s 2), size
SELECT count(*) AS rows,
       count(*) FILTER (WHERE pgml.predict('mixed', (color, tier, size)) =
           (pgml.predict_native(m.id, ARRAY[(color = 'blue')::int, (color = 'green')::int,
                                            (color = 'red')::int, (color = 'yellow')::int,
                                            CASE tier WHEN 'l' THEN 0 WHEN 'm' THEN 1 WHEN 's' THEN 2 END,
                                            size]::real[]))[1]) AS identical
  FROM mixed, (SELECT max(id) AS id FROM pgml.models) m;

-- classification with a text label and text features: the row forms of
-- predict_label and predict_proba
CREATE TABLE pets AS
SELECT (ARRAY['cat', 'dog', 'fish'])[1 + i % 3] AS kind,
       (ARRAY['indoor', 'outdoor'])[1 + (i / 3) % 2] AS place,
       CASE WHEN i % 3 = 2 THEN 'tank' WHEN (i / 3) % 2 = 0 THEN 'sofa' ELSE 'garden' END AS home
  FROM generate_series(0, 119) i;
SELECT deployed FROM pgml.train('pets', 'classification', 'pets', 'home', 'xgboost',
    '{"n_estimators": 20}', preprocess => '{"kind": {"encode": "one_hot"}}');
SELECT (metrics->>'accuracy')::float8 AS accuracy FROM pgml.models ORDER BY id DESC LIMIT 1;
SELECT pgml.predict_label(m.id, ROW('fish', 'indoor')) AS label_by_id,
       array_length(pgml.predict_proba(m.id, ROW('fish', 'indoor')), 1) AS n_proba_by_id
  FROM (SELECT max(id) AS id FROM pgml.models) m;
SELECT k, p, pgml.predict_label('pets', ROW(k, p)) AS label,
       pgml.predict('pets', ROW(k, p)) AS class_index,
       array_length(pgml.predict_proba('pets', ROW(k, p)), 1) AS n_proba
  FROM unnest(ARRAY['cat', 'dog', 'fish']) k, unnest(ARRAY['indoor', 'outdoor']) p
 ORDER BY k, p;

-- PCA on one-hot columns: the row form of decompose
CREATE TABLE onehot_only AS SELECT color FROM paint;
SELECT deployed FROM pgml.train('pca_1h', 'decomposition', 'onehot_only', NULL, 'pca',
    '{"n_components": 2}', preprocess => '{"color": {"encode": "one_hot"}}');
SELECT array_length(pgml.decompose('pca_1h', ROW('red')), 1) AS components,
       pgml.decompose('pca_1h', ROW('red')) = pgml.decompose(m.id, ROW('red')) AS same_by_id
  FROM (SELECT max(id) AS id FROM pgml.models) m;

-- errors
SELECT pgml.predict('paint_1h', ARRAY[1, 2]);                 -- text inputs need a row
SELECT pgml.predict_proba('pets', ARRAY[1, 2]);
SELECT * FROM pgml.predict_batch('paint_1h', ARRAY[1, 2]::real[]);
SELECT pgml.predict('paint_1h', ROW(2::real, 'red'));        -- fields out of order
SELECT pgml.predict('paint_1h', ROW('red', 'big'));
SELECT pgml.predict('paint_1h', ROW('red'));                  -- too few
SELECT pgml.predict('paint_1h', ROW('red', 2, 3));            -- too many
SELECT pgml.predict('paint_1h', 5);                           -- not a row or an array
SELECT * FROM pgml.train('e', 'regression', 'paint', 'y', preprocess => '{"size": {"encode": "one_hot"}}');
SELECT * FROM pgml.train('e', 'regression', 'paint', 'y', preprocess => '{"color": {"encode": "hash"}}');
SELECT * FROM pgml.train('e', 'regression', 'paint', 'y', preprocess => '{"color": {"encode": 1}}');
SELECT * FROM pgml.train('e', 'clustering', 'onehot_only', NULL, 'kmeans',
    preprocess => '{"color": {"encode": "target"}}');
-- NULL in a one-hot column: every one of its features is missing
SELECT * FROM pgml.train('e', 'regression', 'mixed', 'y', 'linear',
    preprocess => '{"tier": {"encode": "one_hot"}}');
CREATE TABLE all_null AS SELECT NULL::text AS t, 1::real AS y FROM generate_series(1, 10);
SELECT * FROM pgml.train('e', 'regression', 'all_null', 'y', 'xgboost');
CREATE TABLE dates AS SELECT now()::date AS d, 1::real AS y;
SELECT * FROM pgml.train('e', 'regression', 'dates', 'y');
CREATE TABLE long_text AS SELECT repeat('x', 1025) AS t, 1::real AS y;
SELECT * FROM pgml.train('e', 'regression', 'long_text', 'y', 'xgboost');

CREATE TABLE many AS SELECT g::text AS t, 1::real AS y FROM generate_series(1, 65537) g;
SELECT * FROM pgml.train('e', 'regression', 'many', 'y', 'xgboost');
