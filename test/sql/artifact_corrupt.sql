-- A model artifact edited or damaged in pgml.models must never crash a
-- backend: the image compiler checks every field and reports
-- ERRCODE_DATA_CORRUPTED with a detail naming what is wrong.  Each UPDATE of
-- the artifact invalidates the cached image, so the next predict recompiles.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = warning;

SELECT * FROM pgml.load_dataset('breast_cancer');
-- 3 trees of depth <= 2: at most 21 nodes, so every node array is a bin 8
-- (a 2-byte header) and its offsets are easy to compute below.
SELECT project, task, algorithm FROM pgml.train('corrupt', 'classification',
    'pgml.breast_cancer', 'malignant', algorithm => 'xgboost',
    hyperparams => '{"n_estimators": 3, "max_depth": 2}');

-- the model the project serves (the newest deployment)
CREATE TABLE good AS
    SELECT id, artifact FROM pgml.models
     WHERE id = (SELECT d.model_id FROM pgml.deployments d
                   JOIN pgml.projects p ON p.id = d.project_id
                  WHERE p.name = 'corrupt' ORDER BY d.id DESC LIMIT 1);
-- one row of features (30 values, all 1)
CREATE TABLE feat AS SELECT array_fill(1.0::real, ARRAY[30]) AS f;
-- byte offset (0-based, for set_byte) of the first value of the bin stored
-- under a str key of at most 31 bytes, assuming a bin 8 header
CREATE FUNCTION bin_start(a bytea, key text) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT position(set_byte('\x00'::bytea, 0, 160 + length(key)) || convert_to(key, 'UTF8') IN a)
           - 1 + 1 + length(key) + 2
$$;
-- replace artifact bytes [off, off + len(b)) by b
CREATE FUNCTION patch(a bytea, off int, b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT substring(a FROM 1 FOR off) || b || substring(a FROM off + length(b) + 1)
$$;
CREATE FUNCTION set_artifact(a bytea) RETURNS void LANGUAGE sql AS $$
    UPDATE pgml.models SET artifact = a WHERE id = (SELECT id FROM good)
$$;

-- the intact model: a label, identical by project and by id
SELECT pgml.predict('corrupt', f) IN (0, 1) AS label_ok,
       pgml.predict('corrupt', f) = pgml.predict((SELECT id FROM good), f) AS same
  FROM feat;
CREATE TABLE expected AS SELECT pgml.predict_proba('corrupt', f) AS p FROM feat;
-- class names: "malignant" is a boolean label, so the model's artifact has
-- "class_names" => ["false", "true"] (msgpack: 92 a5 'false' a4 'true'),
-- and predict_label gives the name of the class predict gives
SELECT substring(artifact FROM position(convert_to('class_names', 'UTF8') IN artifact) + 11
                 FOR 12) AS names
  FROM good;
SELECT pgml.predict_label('corrupt', f) =
         CASE pgml.predict('corrupt', f) WHEN 0 THEN 'false' WHEN 1 THEN 'true' END
         AS label_is_name
  FROM feat;
-- the header starts as documented in docs/artifact.md: a map 16 (0xde, two
-- bytes of key count), "magic" => "pgml_worker", "version" => 1
SELECT get_byte(artifact, 0) = 222 AS map16, substring(artifact FROM 4 FOR 27) FROM good;

-- truncated
SELECT set_artifact(substring(artifact FROM 1 FOR length(artifact) - 10)) FROM good;
SELECT pgml.predict((SELECT id FROM good), f) FROM feat;
-- empty
SELECT set_artifact(''::bytea);
SELECT pgml.predict('corrupt', f) FROM feat;
-- extra bytes after the map
SELECT set_artifact(artifact || '\x00'::bytea) FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- not a map
SELECT set_artifact('\x93010203'::bytea);
SELECT pgml.predict('corrupt', f) FROM feat;
-- wrong magic: "Pgml_worker" (the magic string starts at byte 10)
SELECT set_artifact(set_byte(artifact, 10, ascii('P'))) FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- unknown version (its value is byte 29)
SELECT get_byte(artifact, 29) AS version FROM good;
SELECT set_artifact(set_byte(artifact, 29, 2)) FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- the left child of the root of tree 0 points past the end of the tree
SELECT set_artifact(patch(artifact, bin_start(artifact, 'left_child'), '\x7f000000'::bytea))
  FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- the left child of the root of tree 0 points at the root itself (a cycle)
SELECT set_artifact(patch(artifact, bin_start(artifact, 'left_child'), '\x00000000'::bytea))
  FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- the root of tree 0 tests feature 200 of 30
SELECT set_artifact(patch(artifact, bin_start(artifact, 'split_index'), '\xc8000000'::bytea))
  FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- tree 0 belongs to output group 1 of a single-output model
SELECT set_artifact(patch(artifact, bin_start(artifact, 'tree_group'), '\x01000000'::bytea))
  FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- the root's split condition is NaN
SELECT set_artifact(patch(artifact, bin_start(artifact, 'split_cond'), '\x0000c07f'::bytea))
  FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- n_features is nil (0xc0) instead of an integer
SELECT set_artifact(set_byte(artifact,
                             position('\xaa6e5f6665617475726573'::bytea IN artifact) + 10,
                             192))
  FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;
-- predict_proba reports the same error
SELECT pgml.predict_proba('corrupt', f) FROM feat;

-- class names corrupted (offset, 0-based for patch, of the first name's
-- str header, just after the array header 0x92)
CREATE FUNCTION names_start(a bytea) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT position(convert_to('class_names', 'UTF8') IN a) - 1 + 11 + 1
$$;
-- ["true", "false"]: not in ascending byte order
SELECT set_artifact(patch(artifact, names_start(artifact), '\xa474727565a566616c7365'::bytea))
  FROM good;
SELECT pgml.predict_label('corrupt', f) FROM feat;
-- ["fa\0se", "true"]: a NUL byte inside a name
SELECT set_artifact(patch(artifact, names_start(artifact), '\xa5666100'::bytea))
  FROM good;
SELECT pgml.predict('corrupt', f) FROM feat;

-- restoring the row serves the model again, unchanged
SELECT set_artifact(artifact) FROM good;
SELECT pgml.predict_proba('corrupt', f) = (SELECT p FROM expected) AS restored FROM feat;

-- text inputs (docs/artifact.md, "Text inputs"): a model on one text column
-- (categories blue, green, red, yellow; y = 2 * index + 1), and the bins
-- "encoders" (i32 input, feature, kind, n_categories per encoder),
-- "category_len" (i32 per category) and "category_bytes"
CREATE TABLE colors AS
    SELECT (ARRAY['red', 'green', 'blue', 'yellow'])[1 + g % 4] AS color,
           (2 * (ARRAY[2, 1, 0, 3])[1 + g % 4] + 1)::real AS y
      FROM generate_series(1, 40) g;
SELECT deployed FROM pgml.train('colors', 'regression', 'colors', 'y', 'linear');
CREATE TABLE good_text AS
    SELECT m.id, m.artifact FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
     WHERE p.name = 'colors';
CREATE FUNCTION set_text_artifact(a bytea) RETURNS void LANGUAGE sql AS $$
    UPDATE pgml.models SET artifact = a WHERE id = (SELECT id FROM good_text)
$$;
SELECT substring(artifact FROM bin_start(artifact, 'category_bytes') + 1 FOR 18) AS category_bytes,
       round(pgml.predict('colors', ROW('red'))::numeric, 4) AS red
  FROM good_text;
-- kind 7
SELECT set_text_artifact(patch(artifact, bin_start(artifact, 'encoders') + 8, '\x07000000'))
  FROM good_text;
SELECT pgml.predict('colors', ROW('red'));
-- no categories
SELECT set_text_artifact(patch(artifact, bin_start(artifact, 'encoders') + 12, '\x00000000'))
  FROM good_text;
SELECT pgml.predict('colors', ROW('red'));
-- "blue" becomes "zlue": no longer in byte order
SELECT set_text_artifact(patch(artifact, bin_start(artifact, 'category_bytes'), '\x7a'))
  FROM good_text;
SELECT pgml.predict('colors', ROW('red'));
-- a category longer than the bytes there are
SELECT set_text_artifact(patch(artifact, bin_start(artifact, 'category_len'), '\xd0070000'))
  FROM good_text;
SELECT pgml.predict('colors', ROW('red'));
-- restored: predicts again
SELECT set_text_artifact(artifact) FROM good_text;
SELECT round(pgml.predict('colors', ROW('red'))::numeric, 4) AS restored;
