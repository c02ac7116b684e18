-- The other forms of predict: a row value, a batch, by model id.
-- start from a fresh extension: no models, ids from 1
SET client_min_messages = warning;
DROP EXTENSION pgml_worker CASCADE;
CREATE EXTENSION pgml_worker;
RESET client_min_messages;
\set VERBOSITY default
\set SHOW_CONTEXT never

-- y = 2a + b exactly
CREATE TABLE pf AS SELECT g::real AS a, (g % 3)::real AS b, (2 * g + g % 3)::real AS y
  FROM generate_series(1, 50) g;
SELECT deployed FROM pgml.train('pf', 'regression', 'pf', 'y');

-- a row value: 2*10 + 1 = 21, whatever the field types
SELECT round(pgml.predict('pf', ROW(10, 1))::numeric, 3) AS ints,
       round(pgml.predict('pf', ROW(10::real, 1::real))::numeric, 3) AS reals,
       round(pgml.predict('pf', ROW(10.0, true))::numeric, 3) AS numeric_and_bool;
-- the features of a table's rows
SELECT a, b, round(pgml.predict('pf', (a, b))::numeric, 3) AS prediction
  FROM pf ORDER BY a LIMIT 3;
-- arrays in a row are flattened in order
SELECT round(pgml.predict('pf', ROW(ARRAY[10, 1]))::numeric, 3) AS array_field;

-- domains are read as their base types, in training and in a row
CREATE DOMAIN pf_measure AS real CHECK (VALUE >= 0);
CREATE DOMAIN pf_colour AS text;
CREATE DOMAIN pf_measures AS real[];
CREATE TABLE pfd (a pf_measure, b pf_measure, c pf_colour, y pf_measure);
INSERT INTO pfd SELECT g, g % 3, CASE WHEN g % 2 = 0 THEN 'red' ELSE 'blue' END, 2 * g + g % 3
  FROM generate_series(1, 50) g;
SELECT deployed FROM pgml.train('pfd', 'regression', 'pfd', 'y');
SELECT round(pgml.predict('pfd', ROW(10::pf_measure, 1::pf_measure, 'red'::pf_colour))::numeric, 3) AS domain_fields,
       round(pgml.predict('pfd', ROW(10::real, 1::real, 'red'::text))::numeric, 3) AS base_fields;
SELECT count(*) AS rows_agree FROM pfd
 WHERE pgml.predict('pfd', (a, b, c)) = pgml.predict('pfd', (a::real, b::real, c::text));
SELECT round(pgml.predict('pf', ROW(ARRAY[10, 1]::pf_measures))::numeric, 3) AS domain_array;
-- an array of a domain's values, in training and in a row
CREATE TABLE pfa AS SELECT ARRAY[a, b]::pf_measure[] AS x, y FROM pf;
SELECT deployed FROM pgml.train('pfa', 'regression', 'pfa', 'y');
SELECT round(pgml.predict('pfa', ROW(ARRAY[10, 1]::pf_measure[]))::numeric, 3) AS domain_elements;

-- a batch: rows one after another, one prediction per row
SELECT round(p::numeric, 3) AS batch FROM pgml.predict_batch('pf', ARRAY[1, 1, 2, 2, 10, 1]::real[]) p;
SELECT count(*) AS empty_batch FROM pgml.predict_batch('pf', ARRAY[]::real[]);

-- errors
SELECT pgml.predict('pf', pf.*) FROM pf LIMIT 1;   -- includes the label column
SELECT pgml.predict('pf', ROW(1, 'x'::text));
SELECT pgml.predict('pf', ROW(1, NULL::real));
SELECT pgml.predict('pf', ROW(NULL::real[]));
SELECT * FROM pgml.predict_batch('pf', ARRAY[1, 1, 2]::real[]);
SELECT * FROM pgml.predict_batch('pf', NULL);
SELECT * FROM pgml.predict_batch('pf', ARRAY[1, NULL]::real[]);
