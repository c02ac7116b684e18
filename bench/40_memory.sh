#!/usr/bin/env bash
# Benchmark: memory.  A model of at least 20 MB (artifact bytes): XGBoost
# regression with deep trees (90 rounds, max_depth 12) on the synthetic
# 11-feature table of bench/predict/reg11.sql (100,000 rows); it trains about
# ten times faster per byte of model than deep trees on digits.  Then BENCH_MEMORY_CONNECTIONS (default
# 50) connections that each predict one row once and stay open; the
# proportional set size (PSS: each page divided by the number of processes
# mapping it) of every backend is read from /proc/PID/smaps_rollup (as root)
# by bench/predict/pgconn.c.  Cases, one after another:
#   SELECT 1               the baseline backend
#   pgml.predict           maps the one shared image
#   pgml.predict_native    each backend's trainer process deserializes its own
#                          XGBoost booster (measured: the backends only; each
#                          trainer adds its own memory on top)
#   PL/Python              each backend imports xgboost and loads a Booster
# Target: the model is counted once per server, i.e. PSS per backend of
# pgml.predict <= baseline + (model bytes) / connections (plus what any
# backend spends to run a function on a few catalog lookups).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${BENCH_MEMORY_CONNECTIONS:-50}
ROWS=${BENCH_MEMORY_ROWS:-100000}
HP=${BENCH_MEMORY_HYPERPARAMS:-'{"n_estimators": 90, "max_depth": 12, "min_child_weight": 0, "max_bin": 32}'}
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
gcc -std=gnu11 -O2 -Wall -Wextra -I"$(pg_config --includedir)" \
	-o "$bin" "$BENCH_DIR/predict/pgconn.c" -L"$(pg_config --libdir)" -lpq

bench_sql -f "$BENCH_DIR/predict/plpython.sql" >/dev/null
bench_log "   training the large model: $HP"
bench_sql -v rows="$ROWS" -f "$BENCH_DIR/predict/reg11.sql" >/dev/null
model=$(bench_sql -v hp="$HP" <<'SQL'
SELECT count(*) FROM pgml.train('bench_memory', 'regression', 'bench_reg11', 'y',
    'xgboost', :'hp') \g /dev/null
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = 'bench_memory' ORDER BY m.id DESC LIMIT 1;
SQL
)
booster=$(bench_sql -c "SELECT bench_export_booster($model)")
read -r artifact image trees < <(bench_sql -F ' ' -c "
    SELECT octet_length(m.artifact), s.bytes, m.hyperparams->>'n_estimators'
      FROM pgml.models m LEFT JOIN pgml.stat_models s ON s.model_id = m.id WHERE m.id = $model")
row=$(bench_sql -c "SELECT x FROM bench_reg11 LIMIT 1")
if [ "$artifact" -lt 20000000 ]; then
	bench_log "   warning: the artifact has $artifact bytes, under 20 MB: raise BENCH_MEMORY_HYPERPARAMS"
fi

bench_begin memory "PSS per backend, kB: $N connections each predicting once with a $((artifact / 1000000)) MB model, all open"
{
	printf 'case,runs,median_kB,min_kB,p90_kB,mean_kB,rss_kB,pss_anon_kB,pss_shmem_kB\n'
	"$bin" memory "$N" "SELECT 1 (baseline backend)" "SELECT 1"
	"$bin" memory "$N" "pgml.predict (shared image)" "SELECT pgml.predict('bench_memory', '$row'::real[])"
	"$bin" memory "$N" "pgml.predict_native (booster in each backend's trainer; backend side only)" "SELECT pgml.predict_native($model, '$row'::real[])"
	"$bin" memory "$N" "PL/Python (Booster per backend)" "SELECT bench_py_predict($model, '$row'::real[])"
} >"$BENCH_RESULTS/memory.raw.csv"
cp "$BENCH_RESULTS/memory.raw.csv" "$BENCH_RESULTS/memory.detail.csv"

base=$(bench_case_median memory "SELECT 1 (baseline backend)")
pgml=$(bench_case_median memory "pgml.predict (shared image)")
native=$(bench_case_median memory "pgml.predict_native (booster in each backend's trainer; backend side only)")
py=$(bench_case_median memory "PL/Python (Booster per backend)")
bench_report memory "SELECT 1 (baseline backend)" kB
printf '\nPSS split (medians, kB) and RSS:\n\n| case | PSS | of which anonymous | of which shared memory | RSS |\n|---|---:|---:|---:|---:|\n'
awk -F, 'NR > 1 { l = $1; gsub(/"/, "", l); printf "| %s | %s | %s | %s | %s |\n", l, $3, $8, $9, $7 }' \
	"$BENCH_RESULTS/memory.detail.csv"
rm -f "$BENCH_RESULTS/memory.detail.csv"
printf '\n- model %s (%s trees of depth <= 12): artifact %s bytes (XGBoost booster %s bytes), shared image %s bytes\n' \
	"$model" "$trees" "$artifact" "$booster" "$image"
printf -- '- per backend above the baseline: pgml.predict %s kB, predict_native %s kB, PL/Python %s kB\n' \
	"$((pgml - base))" "$((native - base))" "$((py - base))"
printf -- '- image / %s connections = %s kB; artifact / %s = %s kB\n' \
	"$N" "$((image / 1024 / N))" "$N" "$((artifact / 1024 / N))"
bench_target "pgml.predict PSS above the baseline per backend, kB (limit: artifact/$N)" \
	"$((pgml - base))" "<=" "$((artifact / 1024 / N))"
printf -- '- total PSS of the %s backends: pgml.predict %s MB, predict_native %s MB, PL/Python %s MB\n' "$N" \
	"$((pgml * N / 1024))" "$((native * N / 1024))" "$((py * N / 1024))"
