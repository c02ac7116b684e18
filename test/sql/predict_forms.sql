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

-- arrays as a table stores them: up to 26 reals take a 1-byte header
-- (read in place, without an aligned copy); the same predictions as the
-- same values as float8[], with NULLs among them (missing values, the
-- same stored size as without for two of eight), in two dimensions, and
-- with a NaN for a model that cannot take it
CREATE TABLE pfs AS
  SELECT ARRAY[g % 7, g % 5, g % 3, g % 11, (g * 7) % 13, g % 2, (g * 3) % 17, g % 19]::real[] AS f,
         (g % 7 + 2 * (g % 5) - g % 3 + ((g * 3) % 17) / 4.0 + (g % 19) / 8.0)::real AS y
    FROM generate_series(1, 300) g;
SELECT deployed FROM pgml.train('pfs', 'regression', 'pfs', 'y', 'xgboost',
                                '{"n_estimators": 10, "max_depth": 4}');
CREATE TABLE pfs_q (kind text, f real[]);
INSERT INTO pfs_q SELECT 'plain', f FROM pfs;
INSERT INTO pfs_q SELECT 'nulls', ARRAY[f[1], NULL, f[3], f[4], NULL, f[6], f[7], f[8]] FROM pfs;
INSERT INTO pfs_q SELECT 'two dimensions', ARRAY[[f[1], f[2], f[3], f[4]], [f[5], f[6], f[7], f[8]]] FROM pfs;
SELECT kind, count(*) AS n_rows,
       count(*) FILTER (WHERE pg_column_size(f) < 127) AS short_rows,
       count(*) FILTER (WHERE pgml.predict('pfs', f) = pgml.predict('pfs', f::float8[])) AS agree,
       count(DISTINCT pgml.predict('pfs', f)) > 10 AS varied
  FROM pfs_q GROUP BY kind ORDER BY kind;
CREATE TABLE pfs_nan AS SELECT ARRAY['NaN', 1]::real[] AS f;
SELECT pg_column_size(f) < 127 AS short FROM pfs_nan;
SELECT pgml.predict('pf', f) FROM pfs_nan;

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
