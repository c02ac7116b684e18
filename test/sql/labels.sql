-- Class labels of every kind: numbers, booleans and text, and predict_label.
-- start from a fresh extension: no models, ids from 1
SET client_min_messages = warning;
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
RESET client_min_messages;
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT * FROM pgml.load_dataset('iris');
CREATE TABLE species AS
    SELECT sepal_length, sepal_width, petal_length, petal_width,
           (ARRAY['setosa', 'versicolor', 'virginica'])[target + 1] AS name
      FROM pgml.iris;

-- text labels: predict returns the class index (labels in ascending order),
-- predict_label the label itself
SELECT * FROM pgml.train('species', 'classification', 'species', 'name', 'xgboost',
                         '{"n_estimators": 10}');
SELECT pgml.predict('species', ARRAY[5.1, 3.5, 1.4, 0.2]) AS index,
       pgml.predict_label('species', ARRAY[5.1, 3.5, 1.4, 0.2]) AS label;
-- each species is mostly predicted as itself (the exact counts depend on the
-- rows that trained the model); setosa, linearly separable, always
SELECT name, count(*) FILTER (WHERE predicted = name) >= 45 AS mostly_right,
       bool_and(predicted = name) OR name <> 'setosa' AS separable_all_right
  FROM (SELECT name, pgml.predict_label('species', ARRAY[sepal_length, sepal_width, petal_length, petal_width]) AS predicted
          FROM species) s
 GROUP BY name ORDER BY name;
-- index and label agree on every row
SELECT bool_and((ARRAY['setosa', 'versicolor', 'virginica'])[pgml.predict('species', f)::int + 1]
                = pgml.predict_label('species', f)) AS consistent
  FROM (SELECT ARRAY[sepal_length, sepal_width, petal_length, petal_width] AS f FROM species) s;
-- byte order, whatever the collation: 'B' < 'a' < 'é'
CREATE TABLE odd AS
    SELECT g::real AS x, CASE WHEN g <= 30 THEN 'a' WHEN g <= 60 THEN 'B' ELSE 'é' END AS l
      FROM generate_series(1, 90) g;
SELECT deployed FROM pgml.train('odd', 'classification', 'odd', 'l', 'xgboost', '{"n_estimators": 20}');
SELECT l, pgml.predict('odd', ARRAY[x]) AS index, pgml.predict_label('odd', ARRAY[x]) AS label
  FROM odd WHERE x IN (10, 40, 80) ORDER BY x;

-- boolean labels: predict gives 0/1, predict_label false/true
CREATE TABLE flags AS SELECT g::real AS x, g > 50 AS big FROM generate_series(1, 100) g;
SELECT deployed FROM pgml.train('flags', 'classification', 'flags', 'big');
SELECT pgml.predict('flags', ARRAY[5]) AS low, pgml.predict_label('flags', ARRAY[5]) AS low_label,
       pgml.predict('flags', ARRAY[95]) AS high, pgml.predict_label('flags', ARRAY[95]) AS high_label;

-- numeric labels: the number, as text
CREATE TABLE nums AS SELECT g::real AS x, CASE WHEN g > 50 THEN 7 ELSE -3 END AS k FROM generate_series(1, 100) g;
SELECT deployed FROM pgml.train('nums', 'classification', 'nums', 'k');
SELECT pgml.predict('nums', ARRAY[95]) AS value, pgml.predict_label('nums', ARRAY[95]) AS label,
       pgml.predict_label(currval('pgml.models_id_seq'), ARRAY[5]) AS by_id;

-- errors
SELECT * FROM pgml.train('e', 'regression', 'species', 'name');
CREATE TABLE lin AS SELECT g::real AS x, (2 * g)::real AS y FROM generate_series(1, 20) g;
SELECT deployed FROM pgml.train('lin', 'regression', 'lin', 'y');
SELECT pgml.predict_label('lin', ARRAY[1]);
CREATE TABLE long_label AS SELECT g::real AS x, repeat('x', 1025 + g % 2) AS l FROM generate_series(1, 10) g;
SELECT * FROM pgml.train('e', 'classification', 'long_label', 'l');
CREATE TABLE jsonlabel AS SELECT g::real AS x, '{}'::jsonb AS l FROM generate_series(1, 10) g;
SELECT * FROM pgml.train('e', 'classification', 'jsonlabel', 'l');
-- bigint labels beyond 2^53 would merge as doubles: refused; as text they train
CREATE TABLE big_label AS SELECT g::real AS x, (9007199254740992 + g % 3)::bigint AS l
  FROM generate_series(1, 30) g;
SELECT * FROM pgml.train('e', 'classification', 'big_label', 'l');
CREATE VIEW big_label_text AS SELECT x, l::text AS l FROM big_label;
SELECT deployed FROM pgml.train('big', 'classification', 'big_label_text', 'l');
SELECT array_length(pgml.predict_proba('big', ARRAY[1]), 1) AS three_classes;
