-- bench/predict/reg11.sql: a synthetic regression table of 11 real features
-- (x real[11]) and a label y, for the memory and concurrency benchmarks.
-- psql variable rows: the number of rows.  Fixed seed; serial plan.
SET client_min_messages = warning;
SELECT setseed(0.11);
DROP TABLE IF EXISTS bench_reg11;
CREATE TABLE bench_reg11 AS
    SELECT x, (4 * x[1] + 3 * x[2] * x[3] + 2 * sin(6 * x[4]) + (x[5] > 0.5)::int * x[6]
               - x[7] * x[7] + x[8] * x[9] + 0.5 * x[10] + 0.1 * x[11]
               + 0.2 * random())::real AS y
      FROM (SELECT ARRAY[random(), random(), random(), random(), random(), random(),
                         random(), random(), random(), random(), random()]::real[] AS x
              FROM generate_series(1, :rows)) s;
VACUUM ANALYZE bench_reg11;
