#!/usr/bin/env bash
# Benchmark: cold connection.  The time from opening a new connection to the
# result of its first query, for:
#   SELECT 1                    the cost of a connection alone
#   array_length                the same one-row literal, no model: what
#                               parsing the features costs
#   pgml.predict                first prediction: maps the model's DSM segment
#                               (by project name, and by model id)
#   pgml.predict_native         first call loads pgml_train.so, starts the
#                               backend's trainer process (XGBoost) and has it
#                               deserialize the booster from pgml.models: the
#                               "per-connection deserialize" baseline
#   PL/Python                   first call starts Python, imports numpy and
#                               xgboost and loads the booster (plpython.sql)
# The digits model of bench/20_predict.sh (trained here if it is missing), one
# row given as a literal.  bench/predict/pgconn.c (libpq) opens the
# connections, the cases interleaved, BENCH_COLD_CONNECTIONS of each
# (default 50); it also reads each backend's CPU time from
# /proc/PID/schedstat before closing (fork to first result).
# Target: pgml.predict's first prediction under 1 ms above SELECT 1.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${BENCH_COLD_CONNECTIONS:-50}
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
gcc -std=gnu11 -O2 -Wall -Wextra -I"$(pg_config --includedir)" \
	-o "$bin" "$BENCH_DIR/predict/pgconn.c" -L"$(pg_config --libdir)" -lpq

if [ -z "$(bench_sql -c "SELECT 1 FROM pgml.projects WHERE name = 'bench_digits'")" ]; then
	bench_log "   training the digits model (bench/20_predict.sh does it too)"
	bash "$BENCH_DIR/20_predict.sh" >/dev/null
fi
bench_sql -f "$BENCH_DIR/predict/plpython.sql" >/dev/null
model=$(bench_sql -c "SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
                       WHERE p.name = 'bench_digits' ORDER BY m.id DESC LIMIT 1")
bench_sql -c "SELECT bench_export_booster($model)" >/dev/null
row=$(bench_sql -c "SELECT image FROM bench_digits LIMIT 1")

bench_begin cold "new connection to first result, ms ($N connections each, interleaved)"
PGCONN_PAIRED="$BENCH_RESULTS/cold.paired.csv" "$bin" cold "$N" \
	"SELECT 1" "SELECT 1" \
	"array_length of the same row (no model)" "SELECT array_length('$row'::real[], 1)" \
	"pgml.predict (maps the shared image)" "SELECT pgml.predict('bench_digits', '$row'::real[])" \
	"pgml.predict by model id" "SELECT pgml.predict(${model}::bigint, '$row'::real[])" \
	"pgml.predict_native (starts a trainer and loads the booster)" "SELECT pgml.predict_native($model, '$row'::real[])" \
	"PL/Python (imports xgboost and loads)" "SELECT bench_py_predict($model, '$row'::real[])" \
	>"$BENCH_RESULTS/cold.raw.csv"

pair() { awk -F, -v l="\"$1\"" -v f="$2" '$1 == l { print $f }' "$BENCH_RESULTS/cold.paired.csv"; }
one=$(bench_case_median cold "SELECT 1")
pgml=$(bench_case_median cold "pgml.predict (maps the shared image)")
one_min=$(awk -F, '$1 == "\"SELECT 1\"" { print $4 }' "$BENCH_RESULTS/cold.raw.csv")
pgml_min=$(awk -F, '$1 == "\"pgml.predict (maps the shared image)\"" { print $4 }' "$BENCH_RESULTS/cold.raw.csv")
bench_report cold "SELECT 1"
printf '\n(CPU ms: median CPU time of the backend from fork to the first result, /proc/PID/schedstat.)\n\n'
printf 'Above SELECT 1, paired (median over the %s rounds of the case minus SELECT 1 in the same round), ms:\n\n' "$N"
printf '| case | wall | backend CPU |\n|---|---:|---:|\n'
awk -F, '{ l = $1; gsub(/"/, "", l); printf "| %s | %s | %s |\n", l, $2, $3 }' "$BENCH_RESULTS/cold.paired.csv"
printf '\n'
bench_target "pgml.predict - SELECT 1, paired median wall time (ms)" "$(pair "pgml.predict (maps the shared image)" 2)" "<=" 1
bench_target "pgml.predict - SELECT 1, paired median backend CPU time (ms)" "$(pair "pgml.predict (maps the shared image)" 3)" "<=" 1
printf -- '- difference of the medians: %s ms wall; of the fastest connections: %s ms\n' \
	"$(awk -v a="$pgml" -v b="$one" 'BEGIN { printf "%.3f", a - b }')" \
	"$(awk -v a="$pgml_min" -v b="$one_min" 'BEGIN { printf "%.3f", a - b }')"
printf -- '- load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$BENCH_RESULTS/cold.paired.csv"
