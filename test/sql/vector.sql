-- Vector functions (src/vector.c, sql/parts/40_vector.sql, docs/vector.md).
-- Every function for real[] and double precision[], the aggregates (also in
-- a parallel plan), the edge cases we define, and every error.

-- Exact values, real[]
SELECT pgml.dot_product(ARRAY[1,2,3]::real[], ARRAY[2,3,4]::real[]) = 20 AS dot_is_20;
SELECT pgml.dot_product(ARRAY[1,2,3]::real[], ARRAY[2,3,4]::real[]);
SELECT pgml.cosine_similarity(ARRAY[1,2,3]::real[], ARRAY[2,3,4]::real[]);
-- 20 / sqrt(14 * 29) = 0.99258333397...; the nearest real prints as 0.99258333
SELECT round(pgml.cosine_similarity(ARRAY[1,2,3]::real[], ARRAY[2,3,4]::real[])::float8::numeric, 7) = 0.9925833 AS cosine_ok;
SELECT pg_typeof(pgml.dot_product(ARRAY[1]::real[], ARRAY[1]::real[])),
       pg_typeof(pgml.dot_product(ARRAY[1]::float8[], ARRAY[1]::float8[])),
       pg_typeof(pgml.add(ARRAY[1]::real[], ARRAY[1]::real[])),
       pg_typeof(pgml.add(ARRAY[1]::float8[], 1));

SELECT pgml.add(ARRAY[1,2,3]::real[], ARRAY[0.5,-2,10]::real[]) AS add,
       pgml.subtract(ARRAY[1,2,3]::real[], ARRAY[0.5,-2,10]::real[]) AS subtract,
       pgml.multiply(ARRAY[1,2,3]::real[], ARRAY[0.5,-2,10]::real[]) AS multiply,
       pgml.divide(ARRAY[1,2,3]::real[], ARRAY[0.5,-2,10]::real[]) AS divide;
SELECT pgml.add(ARRAY[1,2,3]::real[], 1.5) AS add,
       pgml.subtract(ARRAY[1,2,3]::real[], 1.5) AS subtract,
       pgml.multiply(ARRAY[1,2,3]::real[], -2) AS multiply,
       pgml.divide(ARRAY[1,2,3]::real[], 4) AS divide;
-- real arithmetic happens in float: 0.1 + 0.2 prints as the float it is
SELECT pgml.add(ARRAY[0.1]::real[], ARRAY[0.2]::real[]), pgml.divide(ARRAY[1]::real[], 3);
-- IEEE division: no error, like numpy and PostgresML
SELECT pgml.divide(ARRAY[1,-1,0]::real[], 0) AS by_zero,
       pgml.divide(ARRAY[1,-1,0]::real[], ARRAY[0,0,0]::real[]) AS by_zeros;

SELECT pgml.norm_l0(ARRAY[3,-4,0]::real[]) AS l0, pgml.norm_l1(ARRAY[3,-4,0]::real[]) AS l1,
       pgml.norm_l2(ARRAY[3,-4,0]::real[]) AS l2, pgml.norm_max(ARRAY[3,-4,0]::real[]) AS max;
SELECT pgml.normalize_l1(ARRAY[3,-4,0]::real[]) AS l1,
       pgml.normalize_l2(ARRAY[3,-4,0]::real[]) AS l2,
       pgml.normalize_max(ARRAY[3,-4,0]::real[]) AS max;
SELECT pgml.distance_l1(ARRAY[1,2,3]::real[], ARRAY[2,3,5]::real[]) AS l1,
       pgml.distance_l2(ARRAY[1,2,3]::real[], ARRAY[2,3,5]::real[]) AS l2,
       sqrt(6::real)::real AS sqrt6;

-- Exact values, double precision[]
SELECT pgml.dot_product(ARRAY[1,2,3]::float8[], ARRAY[2,3,4]::float8[]) AS dot,
       pgml.cosine_similarity(ARRAY[1,2,3]::float8[], ARRAY[2,3,4]::float8[]) AS cosine,
       abs(pgml.cosine_similarity(ARRAY[1,2,3]::float8[], ARRAY[2,3,4]::float8[])
           - 20 / sqrt(406::float8)) < 1e-15 AS cosine_ok;
SELECT pgml.add(ARRAY[1,2,3]::float8[], ARRAY[0.5,-2,10]::float8[]) AS add,
       pgml.subtract(ARRAY[1,2,3]::float8[], ARRAY[0.5,-2,10]::float8[]) AS subtract,
       pgml.multiply(ARRAY[1,2,3]::float8[], ARRAY[0.5,-2,10]::float8[]) AS multiply,
       pgml.divide(ARRAY[1,2,3]::float8[], ARRAY[0.5,-2,10]::float8[]) AS divide;
SELECT pgml.add(ARRAY[1,2,3]::float8[], 1.5) AS add,
       pgml.subtract(ARRAY[1,2,3]::float8[], 1.5) AS subtract,
       pgml.multiply(ARRAY[1,2,3]::float8[], -2) AS multiply,
       pgml.divide(ARRAY[1,2,3]::float8[], 4) AS divide;
SELECT pgml.add(ARRAY[0.1]::float8[], ARRAY[0.2]::float8[]), pgml.divide(ARRAY[1]::float8[], 3);
SELECT pgml.divide(ARRAY[1,-1,0]::float8[], 0) AS by_zero,
       pgml.divide(ARRAY[1,-1,0]::float8[], ARRAY[0,0,0]::float8[]) AS by_zeros;
SELECT pgml.norm_l0(ARRAY[3,-4,0]::float8[]) AS l0, pgml.norm_l1(ARRAY[3,-4,0]::float8[]) AS l1,
       pgml.norm_l2(ARRAY[3,-4,0]::float8[]) AS l2, pgml.norm_max(ARRAY[3,-4,0]::float8[]) AS max;
SELECT pgml.normalize_l1(ARRAY[3,-4,0]::float8[]) AS l1,
       pgml.normalize_l2(ARRAY[3,-4,0]::float8[]) AS l2,
       pgml.normalize_max(ARRAY[3,-4,0]::float8[]) AS max;
SELECT pgml.distance_l1(ARRAY[1,2,3]::float8[], ARRAY[2,3,5]::float8[]) AS l1,
       pgml.distance_l2(ARRAY[1,2,3]::float8[], ARRAY[2,3,5]::float8[]) AS l2,
       sqrt(6::float8) AS sqrt6;

-- Longer than one block of lanes, with a tail: 1..100 . 1..100 = 338350
SELECT pgml.dot_product(a::real[], a::real[]) AS dot_real,
       pgml.dot_product(a::float8[], a::float8[]) AS dot_double,
       pgml.distance_l1(a::real[], pgml.add(a::real[], 1)) AS l1_real,
       pgml.distance_l2(a::float8[], pgml.add(a::float8[], 2)) AS l2_double,
       pgml.norm_l1(a::real[]) AS norm_l1
FROM (SELECT array_agg(i) AS a FROM generate_series(1, 100) i) s;

-- Every length from 1 to 70 (each way a vector can end: whole blocks of
-- lanes, whole vectors, a scalar tail), exact small-integer results
SELECT count(*) AS lengths,
       count(*) FILTER (WHERE pgml.dot_product(a::real[], b::real[]) <> n * (n + 1) * (2 * n + 1) / 6) AS dot_real_bad,
       count(*) FILTER (WHERE pgml.dot_product(a::float8[], b::float8[]) <> n * (n + 1) * (2 * n + 1) / 6) AS dot_double_bad,
       count(*) FILTER (WHERE pgml.distance_l1(a::real[], c::real[]) <> 3 * n
                           OR pgml.distance_l1(a::float8[], c::float8[]) <> 3 * n) AS l1_bad,
       count(*) FILTER (WHERE pgml.distance_l2(a::real[], c::real[]) <> sqrt(9 * n)::real
                           OR pgml.distance_l2(a::float8[], c::float8[]) <> sqrt(9 * n)) AS l2_bad,
       count(*) FILTER (WHERE pgml.cosine_similarity(a::real[], b::real[]) <> 1
                           OR pgml.cosine_similarity(a::float8[], b::float8[]) <> 1) AS cos_bad
FROM (SELECT n, array_agg(i ORDER BY i) AS a, array_agg(i ORDER BY i) AS b,
             array_agg(i + 3 ORDER BY i) AS c
      FROM generate_series(1, 70) n, generate_series(1, n) i GROUP BY n) s;

-- Cosine: parallel, opposite, orthogonal, zero and empty vectors
SELECT pgml.cosine_similarity(ARRAY[1,2,3]::real[], ARRAY[2,4,6]::real[]) AS parallel,
       pgml.cosine_similarity(ARRAY[1,2,3]::real[], ARRAY[-1,-2,-3]::real[]) AS opposite,
       pgml.cosine_similarity(ARRAY[1,0]::real[], ARRAY[0,5]::real[]) AS orthogonal,
       pgml.cosine_similarity(ARRAY[0,0]::real[], ARRAY[1,1]::real[]) AS zero,
       pgml.cosine_similarity('{}'::real[], '{}'::real[]) AS empty;
SELECT pgml.cosine_similarity(ARRAY[0.1,0.2,0.3]::float8[], ARRAY[0.1,0.2,0.3]::float8[]) AS same,
       pgml.cosine_similarity(ARRAY[0,0]::float8[], ARRAY[0,0]::float8[]) AS zero;

-- Empty vectors: the vector of length 0
SELECT pgml.dot_product('{}'::real[], '{}'::real[]) AS dot,
       pgml.distance_l2('{}'::float8[], '{}'::float8[]) AS l2,
       pgml.norm_l2('{}'::real[]) AS norm,
       pgml.add('{}'::real[], '{}'::real[]) AS add,
       pgml.multiply('{}'::float8[], 2) AS times2,
       pgml.normalize_l2('{}'::real[]) AS normalized;
-- An all-zero vector normalizes to itself
SELECT pgml.normalize_l1(ARRAY[0,0]::real[]) AS l1, pgml.normalize_l2(ARRAY[0,0]::float8[]) AS l2,
       pgml.normalize_max(ARRAY[0,-0.0]::float8[]) AS max;
-- Lower bounds are ignored; results start at 1
SELECT pgml.dot_product('[0:2]={1,2,3}'::real[], ARRAY[1,1,1]::real[]) AS dot,
       pgml.add('[5:6]={1,2}'::float8[], 1) AS added,
       array_lower(pgml.add('[5:6]={1,2}'::float8[], 1), 1) AS lower;
-- NaN and Infinity: NaN propagates; norm_max orders NaN above every number
SELECT pgml.norm_max(ARRAY[1,'NaN',-3]::real[]) AS max_nan,
       pgml.norm_l0(ARRAY[1,'NaN',0]::float8[]) AS l0_nan,
       pgml.dot_product(ARRAY[1,'Infinity']::float8[], ARRAY[1,0]::float8[]) AS inf_times_0,
       pgml.norm_l2(ARRAY['-Infinity',1]::real[]) AS l2_inf;

-- Aggregates
CREATE TEMP TABLE v (id int, r real[], d float8[]);
INSERT INTO v VALUES
  (1, ARRAY[1,-5,2], ARRAY[1,-5,2]),
  (2, ARRAY[-3,4,2], ARRAY[-3,4,2]),
  (3, NULL, NULL),
  (4, ARRAY[0.5,-0.25,-7], ARRAY[0.5,-0.25,-7]);
SELECT pgml.sum(r) AS sum, pgml.min(r) AS min, pgml.max(r) AS max,
       pgml.min_abs(r) AS min_abs, pgml.max_abs(r) AS max_abs FROM v;
SELECT pgml.sum(d) AS sum, pgml.min(d) AS min, pgml.max(d) AS max,
       pgml.min_abs(d) AS min_abs, pgml.max_abs(d) AS max_abs FROM v;
SELECT pg_typeof(pgml.sum(r)), pg_typeof(pgml.sum(d)), pg_typeof(pgml.max_abs(r)) FROM v;
-- no rows, or only NULL rows: NULL, as SQL's sum
SELECT pgml.sum(r) IS NULL AS no_rows, pgml.max(d) IS NULL AS no_rows_max FROM v WHERE false;
SELECT pgml.sum(r) IS NULL AS null_rows FROM v WHERE id = 3;
-- a group per row: the state is never shared between groups
SELECT id, pgml.max_abs(r), pgml.sum(d) FROM v GROUP BY id ORDER BY id;
-- pgml.sum(real[]) accumulates in double: 1e8 + 1 - 1e8 is 1, not 0
SELECT pgml.sum(x) FROM (VALUES (ARRAY[1e8]::real[]), (ARRAY[1]::real[]), (ARRAY[-1e8]::real[])) t(x);
-- NaN: max returns it, min skips it (PostgreSQL's order of floats)
SELECT pgml.max(x), pgml.min(x) FROM (VALUES (ARRAY['NaN',1]::float8[]), (ARRAY[2,'NaN']::float8[])) t(x);
SELECT pgml.max(x), pgml.min(x) FROM (VALUES (ARRAY['NaN']::real[]), (ARRAY['NaN']::real[])) t(x);
SELECT pgml.sum(x) FROM (VALUES ('{}'::real[]), ('{}'::real[])) t(x);
-- the step functions work outside an aggregate too (they copy the state)
SELECT pgml._vector_sum_step(ARRAY[1,2]::float8[], ARRAY[0.5,0.5]::real[]),
       pgml._vector_max_abs_step(NULL, ARRAY[-1,2]::real[]),
       pgml._vector_min_step(ARRAY[1,2]::float8[], NULL);

-- Aggregates in a parallel plan give the same result as a serial one
CREATE TABLE vector_rows AS
  SELECT i, ARRAY[i % 7 - 3, i % 11, -(i % 13), 0.5]::real[] AS r,
            ARRAY[i % 7 - 3, i % 11, -(i % 13), 0.5]::float8[] AS d
  FROM generate_series(1, 20000) i;
ANALYZE vector_rows;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT pgml.sum(r), pgml.max_abs(d) FROM vector_rows;
SELECT pgml.sum(r) AS sum_r, pgml.sum(d) AS sum_d, pgml.min(r) AS min_r, pgml.max(d) AS max_d,
       pgml.min_abs(r) AS min_abs_r, pgml.max_abs(d) AS max_abs_d FROM vector_rows;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- the same sums computed element by element in SQL
SELECT array_agg(s ORDER BY k) AS reference_sum
FROM (SELECT k, sum(x) AS s FROM vector_rows, unnest(d) WITH ORDINALITY u(x, k) GROUP BY k) t;
DROP TABLE vector_rows;

-- A random case against an independent computation in double precision.
-- real[] (n = 300, u = 2^-24, m = max(ceil(n/32), 7) = 10): dot product
-- within the documented (m + 7) u sum(|a*b|); distances within (m + 8) u
-- relative; norms (double accumulation) within u.  double precision[]: 1e-12.
SELECT setseed(0.42);
CREATE TEMP TABLE rnd AS
  SELECT i, array_agg((random() * 2 - 1)::real ORDER BY k) AS a,
            array_agg((random() * 2 - 1)::real ORDER BY k) AS b
  FROM generate_series(1, 200) i, generate_series(1, 300) k GROUP BY i;
CREATE TEMP TABLE rnd_ref AS
  SELECT i, sum(x::float8 * y::float8) AS dot, sum(abs(x::float8 * y::float8)) AS absdot,
            sum(x::float8 * x::float8) AS aa, sum(y::float8 * y::float8) AS bb,
            sum((x::float8 - y::float8) ^ 2) AS sq, sum(abs(x::float8 - y::float8)) AS l1,
            sum(abs(x::float8)) AS norm1, 17 * 2.0 ^ (-24) AS tol, 18 * 2.0 ^ (-24) AS dtol
  FROM rnd, unnest(a, b) u(x, y) GROUP BY i;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE abs(pgml.dot_product(a, b) - dot) > tol * absdot) AS dot_bad,
       count(*) FILTER (WHERE abs(pgml.distance_l2(a, b) - sqrt(sq)) > dtol * sqrt(sq)) AS l2_bad,
       count(*) FILTER (WHERE abs(pgml.distance_l1(a, b) - l1) > dtol * l1) AS l1_bad,
       count(*) FILTER (WHERE abs(pgml.cosine_similarity(a, b) - dot / sqrt(aa * bb))
                              > tol * (absdot / sqrt(aa * bb) + 1)) AS cos_bad,
       count(*) FILTER (WHERE abs(pgml.norm_l1(a) - norm1) > 2.0 ^ (-24) * norm1) AS norm_bad,
       count(*) FILTER (WHERE abs(pgml.dot_product(a::float8[], b::float8[]) - dot)
                              > 1e-12 * absdot) AS dot_double_bad,
       count(*) FILTER (WHERE abs(pgml.cosine_similarity(a::float8[], b::float8[]) - dot / sqrt(aa * bb))
                              > 1e-12) AS cos_double_bad
FROM rnd JOIN rnd_ref USING (i);
-- in practice the error is far below the bound
SELECT max(abs(pgml.dot_product(a, b) - dot) / absdot) < 2e-7 AS dot_error_small
FROM rnd JOIN rnd_ref USING (i);
-- the vector with the largest dot product against the first, by both ways
SELECT (SELECT i FROM rnd, (SELECT b AS q FROM rnd WHERE i = 1) q ORDER BY pgml.dot_product(a, q) DESC LIMIT 1)
     = (SELECT r.i FROM rnd r, LATERAL (SELECT sum(x::float8 * y::float8) AS s
                                        FROM unnest(r.a, (SELECT b FROM rnd WHERE i = 1)) u(x, y)) s
        ORDER BY s DESC LIMIT 1) AS same_top;

-- Errors: different lengths (SQLSTATE 2202E), with both lengths
\set VERBOSITY default
SELECT pgml.dot_product(ARRAY[1,2,3]::real[], ARRAY[1,2]::real[]);
SELECT pgml.add(ARRAY[1]::float8[], ARRAY[1,2]::float8[]);
SELECT pgml.subtract(ARRAY[1]::real[], '{}'::real[]);
SELECT pgml.multiply(ARRAY[1,2]::real[], ARRAY[1]::real[]);
SELECT pgml.divide(ARRAY[1,2]::float8[], ARRAY[1]::float8[]);
SELECT pgml.distance_l1(ARRAY[1,2]::real[], ARRAY[1]::real[]);
SELECT pgml.distance_l2(ARRAY[1,2]::float8[], ARRAY[1]::float8[]);
SELECT pgml.cosine_similarity(ARRAY[1,2]::real[], ARRAY[1,2,3]::real[]);
SELECT pgml.sum(x) FROM (VALUES (ARRAY[1,2]::real[]), (ARRAY[1,2,3]::real[])) t(x);
SELECT pgml.max_abs(x) FROM (VALUES (ARRAY[1,2]::float8[]), ('{}'::float8[])) t(x);
-- Errors: more than one dimension (2202E)
SELECT pgml.norm_l2(ARRAY[[1,2],[3,4]]::real[]);
SELECT pgml.dot_product(ARRAY[1,2,3,4]::float8[], ARRAY[[1,2],[3,4]]::float8[]);
SELECT pgml.min(x) FROM (VALUES (ARRAY[[1,2]]::real[])) t(x);
-- Errors: NULL elements (22004), with the position
SELECT pgml.dot_product(ARRAY[1,NULL,3]::real[], ARRAY[1,2,3]::real[]);
SELECT pgml.normalize_l2(ARRAY[1,2,NULL]::float8[]);
SELECT pgml.add(ARRAY[1,2]::real[], ARRAY[NULL,2]::real[]);
SELECT pgml.sum(x) FROM (VALUES (ARRAY[1,2]::float8[]), (ARRAY[1,NULL]::float8[])) t(x);
-- Errors: integer or numeric arrays match both overloads; a cast resolves it
SELECT pgml.dot_product(ARRAY[1,2,3], ARRAY[2,3,4]);
SELECT pgml.dot_product(ARRAY[1,2,3]::real[], ARRAY[2,3,4]);
-- a scalar argument of another numeric type is converted
SELECT pgml.multiply(ARRAY[1,2]::real[], 2), pgml.add(ARRAY[1.5,2.5], 1);
-- SQLSTATEs
\set VERBOSITY sqlstate
SELECT pgml.dot_product(ARRAY[1,2,3]::real[], ARRAY[1,2]::real[]);
SELECT pgml.norm_l2(ARRAY[[1,2],[3,4]]::real[]);
SELECT pgml.norm_l2(ARRAY[1,NULL]::float8[]);
\set VERBOSITY default
