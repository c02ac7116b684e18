#!/usr/bin/env bash
# Benchmark: rank 10,000 random 128-dimensional real[] rows by their dot
# product with a random vector (ORDER BY 1 LIMIT 1), computed six ways:
# pgml.dot_product, a SQL function (SUM over two UNNESTs), PL/pgSQL,
# PL/Python (list comprehension), PL/Python with NumPy, and a floor query
# that only reads both arrays.  Serial plans (no parallel workers), so the
# numbers are per-core costs.
# Targets: pgml >= 40x faster than the SQL function, <= 1.5x the floor.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS=${BENCH_VECTOR_ROWS:-10000}
DIMS=${BENCH_VECTOR_DIMS:-128}

bench_sql -v rows="$ROWS" -v dims="$DIMS" <<'SQL'
CREATE EXTENSION IF NOT EXISTS plpython3u;
DROP TABLE IF EXISTS bench_vectors, bench_query;
SELECT setseed(0.2024);
CREATE TABLE bench_vectors AS
    SELECT i AS id, ARRAY(SELECT ((random() * 2 - 1) + 0 * i)::real
                          FROM generate_series(1, :dims)) AS v
    FROM generate_series(1, :rows) i;
CREATE TABLE bench_query AS
    SELECT ARRAY(SELECT (random() * 2 - 1)::real FROM generate_series(1, :dims)) AS q;
VACUUM ANALYZE bench_vectors;
VACUUM ANALYZE bench_query;

-- The baselines, written the way one would write them without an extension.
CREATE OR REPLACE FUNCTION bench_dot_sql(a real[], b real[]) RETURNS real
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT sum(x * y) FROM unnest(a, b) AS t(x, y) $$;

CREATE OR REPLACE FUNCTION bench_dot_plpgsql(a real[], b real[]) RETURNS real
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    s real := 0;
BEGIN
    FOR i IN 1 .. array_length(a, 1) LOOP
        s := s + a[i] * b[i];
    END LOOP;
    RETURN s;
END
$$;

CREATE OR REPLACE FUNCTION bench_dot_plpython(a real[], b real[]) RETURNS real
    LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
    AS $$ return sum([x * y for x, y in zip(a, b)]) $$;

CREATE OR REPLACE FUNCTION bench_dot_numpy(a real[], b real[]) RETURNS real
    LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE AS $$
np = GD.get("np")
if np is None:
    import numpy as np
    GD["np"] = np
return float(np.dot(np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)))
$$;
SQL

bench_begin vector "$ROWS rows x $DIMS dims: SELECT id, f(v, q) ... ORDER BY 2 LIMIT 1 (serial)"

query() { printf 'SELECT id, %s FROM bench_vectors ORDER BY 2 LIMIT 1' "$1"; }
Q='(SELECT q FROM bench_query)'

# Every way must find the same row (the smallest dot product).
expect=$(bench_sql -c "$(query "pgml.dot_product(v, $Q)")" | cut -d'|' -f1)
check() {
	local got
	got=$(bench_sql -c "$(query "$1")" | cut -d'|' -f1)
	if [ "$got" != "$expect" ]; then
		bench_log "   warning: $1 ranks row $got first, pgml.dot_product row $expect"
	fi
}
for f in bench_dot_sql bench_dot_plpgsql bench_dot_plpython bench_dot_numpy; do
	check "$f(v, $Q)"
done

bench_add "pgml.dot_product (C)" "$(query "pgml.dot_product(v, $Q)")"
bench_add "SQL function (sum over unnest)" "$(query "bench_dot_sql(v, $Q)")"
bench_add "PL/pgSQL loop" "$(query "bench_dot_plpgsql(v, $Q)")"
bench_add "PL/Python list comprehension" "$(query "bench_dot_plpython(v, $Q)")"
bench_add "PL/Python NumPy" "$(query "bench_dot_numpy(v, $Q)")"
bench_add "floor: array_length of both" "$(query "array_length(v, 1) + array_length($Q, 1)")"
bench_run vector

pgml=$(bench_case_median vector "pgml.dot_product (C)")
sqlf=$(bench_case_median vector "SQL function (sum over unnest)")
floor=$(bench_case_median vector "floor: array_length of both")
pgml_cpu=$(bench_case_cpu vector "pgml.dot_product (C)")
sqlf_cpu=$(bench_case_cpu vector "SQL function (sum over unnest)")
floor_cpu=$(bench_case_cpu vector "floor: array_length of both")
bench_report vector "pgml.dot_product (C)"
printf '\n'
bench_target "SQL function / pgml.dot_product, median wall time" "$(bench_ratio "$sqlf" "$pgml")" ">=" 40
bench_target "SQL function / pgml.dot_product, CPU time" "$(bench_ratio "$sqlf_cpu" "$pgml_cpu")" ">=" 40
bench_target "pgml.dot_product / floor, median wall time" "$(bench_ratio "$pgml" "$floor")" "<=" 1.5
bench_target "pgml.dot_product / floor, CPU time" "$(bench_ratio "$pgml_cpu" "$floor_cpu")" "<=" 1.5
printf -- '- load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

bench_sql -c 'DROP TABLE bench_vectors, bench_query'
