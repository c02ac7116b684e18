-- pgml.load_dataset(): the scikit-learn toy datasets as tables in schema pgml.
-- Expected numbers were computed independently with scikit-learn 1.2.1
-- (sklearn.datasets.load_*; real columns compared as float32 values).

-- Start without the tables, whatever ran before.
SET client_min_messages = warning;
DROP TABLE IF EXISTS pgml.breast_cancer, pgml.diabetes, pgml.digits, pgml.iris, pgml.linnerud, pgml.wine;
RESET client_min_messages;

-- Only roles granted EXECUTE may load; the table belongs to the extension's
-- owner (never to the caller), and everyone may read it.
CREATE ROLE regress_pgml_datasets;
SET ROLE regress_pgml_datasets;
SELECT * FROM pgml.load_dataset('iris');
RESET ROLE;
GRANT EXECUTE ON FUNCTION pgml.load_dataset(text, text, bigint, jsonb) TO regress_pgml_datasets;
SET ROLE regress_pgml_datasets;
SELECT * FROM pgml.load_dataset('iris');
SELECT count(*) FROM pgml.iris;
RESET ROLE;
SELECT t.tableowner = e.extowner::regrole::name AS owned_by_extension_owner
  FROM pg_tables t, pg_extension e
 WHERE t.schemaname = 'pgml' AND t.tablename = 'iris' AND e.extname = 'pgml_worker';

-- Every dataset: table name and row count.
SELECT * FROM pgml.load_dataset('breast_cancer');
SELECT * FROM pgml.load_dataset('diabetes');
SELECT * FROM pgml.load_dataset('digits');
SELECT * FROM pgml.load_dataset('iris');
SELECT * FROM pgml.load_dataset('linnerud');
SELECT * FROM pgml.load_dataset('wine');
SELECT tableowner FROM pg_tables WHERE schemaname = 'pgml' AND tablename = 'iris';
REVOKE EXECUTE ON FUNCTION pgml.load_dataset(text, text, bigint, jsonb) FROM regress_pgml_datasets;
DROP ROLE regress_pgml_datasets;

-- Schemas (PostgresML's names and types).
\d pgml.breast_cancer
\d pgml.diabetes
\d pgml.digits
\d pgml.iris
\d pgml.linnerud
\d pgml.wine

-- iris: 150 rows, 50 per class; column means 5.8433 3.0573 3.758 1.1993.
SELECT count(*), sum(target),
       round(avg(sepal_length)::numeric, 4) AS sepal_length,
       round(avg(sepal_width)::numeric, 4) AS sepal_width,
       round(avg(petal_length)::numeric, 4) AS petal_length,
       round(avg(petal_width)::numeric, 4) AS petal_width
FROM pgml.iris;
SELECT target, count(*) FROM pgml.iris GROUP BY target ORDER BY target;

-- digits: 1797 8x8 images; target sum 8070, pixel sum 561718; class counts
-- 178 182 177 183 181 182 181 179 174 180; images[0][2][1:4] = 3 15 2.
SELECT count(*), sum(target),
       (SELECT sum(p) FROM pgml.digits, unnest(image) AS p) AS pixels,
       count(*) FILTER (WHERE array_dims(image) = '[1:8][1:8]') AS eight_by_eight
FROM pgml.digits;
SELECT target, count(*) FROM pgml.digits GROUP BY target ORDER BY target;
SELECT image[3:3][2:4] AS first_image_row_3 FROM pgml.digits LIMIT 1;

-- diabetes: scaled features (each column's sum of squares is 1, mean 0),
-- raw target: sum 67243, mean 152.1335, bmi max 0.170555.
SELECT count(*), sum(target::float8) AS target_sum,
       round(avg(target)::numeric, 4) AS target_mean,
       round(avg(bmi)::numeric, 6) AS bmi_mean,
       round(max(bmi)::numeric, 6) AS bmi_max
FROM pgml.diabetes;
SELECT round(sum(age::float8 ^ 2)::numeric, 5) AS age, round(sum(sex::float8 ^ 2)::numeric, 5) AS sex,
       round(sum(bmi::float8 ^ 2)::numeric, 5) AS bmi, round(sum(bp::float8 ^ 2)::numeric, 5) AS bp,
       round(sum(s1::float8 ^ 2)::numeric, 5) AS s1, round(sum(s2::float8 ^ 2)::numeric, 5) AS s2,
       round(sum(s3::float8 ^ 2)::numeric, 5) AS s3, round(sum(s4::float8 ^ 2)::numeric, 5) AS s4,
       round(sum(s5::float8 ^ 2)::numeric, 5) AS s5, round(sum(s6::float8 ^ 2)::numeric, 5) AS s6
FROM pgml.diabetes;

-- breast_cancer: 212 malignant (sklearn target 0); mean radius 14.1273
-- (17.4628 among malignant), worst concave points 0.11461.
SELECT count(*), count(*) FILTER (WHERE malignant) AS malignant,
       round(avg("mean radius")::numeric, 4) AS mean_radius,
       round((avg("mean radius") FILTER (WHERE malignant))::numeric, 4) AS malignant_mean_radius,
       round(avg("worst concave points")::numeric, 5) AS worst_concave_points
FROM pgml.breast_cancer;

-- linnerud: 20 rows, whole numbers; column sums 189 2911 1406 (exercise:
-- load_linnerud().data) and 3572 708 1122 (physiological: .target); first
-- row 5 162 60 191 36 50, last row 2 110 43 138 33 68.
SELECT count(*), sum(chins) AS chins, sum(situps) AS situps, sum(jumps) AS jumps,
       sum(weight) AS weight, sum(waist) AS waist, sum(pulse) AS pulse,
       count(*) FILTER (WHERE chins = trunc(chins) AND situps = trunc(situps)
                          AND jumps = trunc(jumps) AND weight = trunc(weight)
                          AND waist = trunc(waist) AND pulse = trunc(pulse)) AS whole
FROM pgml.linnerud;
(SELECT * FROM pgml.linnerud LIMIT 1)
UNION ALL
(SELECT * FROM pgml.linnerud OFFSET 19);

-- wine: classes 59 71 48; hue 0.9574 and color_intensity 5.0581 (in this
-- column order, each with its own values), proline 746.8933.
SELECT count(*), sum(target),
       round(avg(hue)::numeric, 4) AS hue,
       round(avg(color_intensity)::numeric, 4) AS color_intensity,
       round(avg("od280/od315_of_diluted_wines")::numeric, 4) AS od280_od315,
       round(avg(proline)::numeric, 4) AS proline
FROM pgml.wine;
SELECT target, count(*) FROM pgml.wine GROUP BY target ORDER BY target;

-- Re-load refills the table; limit keeps the first rows; named arguments
-- and PostgresML's positions (source, subset, limit, kwargs).
SELECT * FROM pgml.load_dataset(source => 'iris', "limit" => 10);
SELECT count(*), max(sepal_length) FROM pgml.iris;
SELECT * FROM pgml.load_dataset('iris', NULL, 0);
SELECT count(*) FROM pgml.iris;
SELECT * FROM pgml.load_dataset('iris', "limit" => 1000, kwargs => '{}');
-- a view on a dataset survives its reload
CREATE VIEW iris_setosa AS SELECT * FROM pgml.iris WHERE target = 0;
SELECT * FROM pgml.load_dataset('iris', NULL, 60);
SELECT count(*) AS setosa_in_60_rows FROM iris_setosa;
SELECT * FROM pgml.load_dataset('iris');
SELECT count(*) AS setosa FROM iris_setosa;
DROP VIEW iris_setosa;

-- A load is transactional: rolling back keeps the previous table.
BEGIN;
SELECT * FROM pgml.load_dataset('iris', NULL, 3);
SELECT count(*) FROM pgml.iris;
ROLLBACK;
SELECT count(*) FROM pgml.iris;

-- Errors.
SELECT * FROM pgml.load_dataset('mnist');
SELECT * FROM pgml.load_dataset('Iris');
SELECT * FROM pgml.load_dataset(NULL);
SELECT * FROM pgml.load_dataset('iris', NULL, -1);
SELECT * FROM pgml.load_dataset('iris', 'small');
SELECT * FROM pgml.load_dataset('iris', kwargs => '{"as_frame": true}');
DROP TABLE pgml.wine;
CREATE VIEW pgml.wine AS SELECT 1 AS x;
SELECT * FROM pgml.load_dataset('wine');
DROP VIEW pgml.wine;
SELECT * FROM pgml.load_dataset('wine');
