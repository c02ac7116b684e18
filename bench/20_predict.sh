#!/usr/bin/env bash
# Benchmark: predict throughput.  The digits model (XGBoost, 100 rounds,
# max_depth 6, 10 classes: 1,000 trees) trained with pgml.train, then one
# prediction per row over the whole digits table (1,797 rows of 64 real
# features), aggregated so that nothing is shipped to the client:
#   pgml.predict              the image in shared memory (src/predict.c)
#   pgml.predict_native       XGBoost's own per-row predictor: since 0.2.0 a request
#                             per row to the backend's trainer process (no
#                             PostgreSQL process loads XGBoost); formerly a C function
#                             calling XGBoosterPredictFromDense per row
#   XGBoost C API per row     that C loop outside the database
#                             (bench/predict/xgb_predict.c), the same booster and
#                             rows, nthread 1: XGBoost's own per-row cost
#   PL/Python                 an xgboost.Booster kept per connection (GD),
#                             inplace_predict per row (bench/predict/plpython.sql)
#   floor                     the same scan, reading every array, no model
# Serial plans.  Reported in microseconds per row.
# Targets: >= 35x faster per row than PL/Python, >= 3x faster than
# XGBoost's C API per row (formerly measured through pgml.predict_native).
set -euo pipefail
: "${BENCH_SECONDS:=30}"
: "${BENCH_MIN_ROUNDS:=8}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_sql -f "$BENCH_DIR/predict/plpython.sql" >/dev/null
model=$(bench_sql <<'SQL'
SELECT to_regclass('pgml.digits') IS NULL AS need_digits \gset
\if :need_digits
SELECT count(*) FROM pgml.load_dataset('digits') \g /dev/null
\endif
DROP TABLE IF EXISTS bench_digits;
CREATE TABLE bench_digits AS
    SELECT ARRAY(SELECT unnest(image))::real[] AS image, target FROM pgml.digits;
VACUUM ANALYZE bench_digits;
SELECT count(*) FROM pgml.train('bench_digits', 'classification', 'bench_digits', 'target',
    'xgboost', '{"n_estimators": 100, "max_depth": 6}') \g /dev/null
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = 'bench_digits' ORDER BY m.id DESC LIMIT 1;
SQL
)
bench_sql -c "SELECT bench_export_booster($model)" >/dev/null
rows=$(bench_sql -c 'SELECT count(*) FROM bench_digits')
info=$(bench_sql -F ' ' -c "SELECT octet_length(artifact), (SELECT bytes FROM pgml.stat_models WHERE model_id = $model LIMIT 1) FROM pgml.models WHERE id = $model")

# All three predictors must agree on every row.
diff=$(bench_sql -c "SELECT count(*) FILTER (WHERE pgml.predict('bench_digits', image) <> bench_py_predict($model, image)),
                            count(*) FILTER (WHERE pgml.predict('bench_digits', image) <>
                                (SELECT i - 1 FROM unnest(pgml.predict_native($model, image)) WITH ORDINALITY u(p, i)
                                 ORDER BY p DESC, i LIMIT 1))
                       FROM bench_digits")
if [ "$diff" != "0|0" ]; then
	bench_log "   warning: rows where pgml.predict differs from PL/Python | from predict_native: $diff"
fi

bench_begin predict "digits: $rows rows x 64 features, 1,000 trees (10 classes x 100 rounds, depth 6); µs per row"
scan() { printf 'SELECT %s FROM bench_digits' "$1"; }
bench_add "pgml.predict (shared memory)" "$(scan "count(pgml.predict('bench_digits', image))")"
bench_add "pgml.predict_native (XGBoost per row in a trainer process)" "$(scan "count(pgml.predict_native($model, image))")"
bench_add "PL/Python (xgboost Booster per connection)" "$(scan "count(bench_py_predict($model, image))")"
bench_add "floor: the scan without predicting" "$(scan "sum(array_length(image, 1))")"
bench_run predict
bench_per_row predict "$rows"

pgml=$(bench_case_median predict "pgml.predict (shared memory)")
native=$(bench_case_median predict "pgml.predict_native (XGBoost per row in a trainer process)")
py=$(bench_case_median predict "PL/Python (xgboost Booster per connection)")
floor=$(bench_case_median predict "floor: the scan without predicting")
pgml_cpu=$(bench_case_cpu predict "pgml.predict (shared memory)")
native_cpu=$(bench_case_cpu predict "pgml.predict_native (XGBoost per row in a trainer process)")
py_cpu=$(bench_case_cpu predict "PL/Python (xgboost Booster per connection)")
bench_report predict "pgml.predict (shared memory)" "µs/row"
printf '\n'
printf -- '- model %s: artifact %s bytes, shared image %s bytes; predictions agree on all rows: %s\n' \
	"$model" ${info% *} ${info#* } "$([ "$diff" = "0|0" ] && echo yes || echo "NO ($diff)")"
bench_target "PL/Python / pgml.predict, median wall time per row" "$(bench_ratio "$py" "$pgml")" ">=" 35
bench_target "PL/Python / pgml.predict, CPU time per row" "$(bench_ratio "$py_cpu" "$pgml_cpu")" ">=" 35
# XGBoost's own per-row cost, outside the database (untimed: connecting,
# loading the booster and the rows)
capi_bin=$(mktemp)
gcc -std=gnu11 -O2 -Wall -Wextra -I"$(pg_config --includedir)" -o "$capi_bin" \
	"$BENCH_DIR/predict/xgb_predict.c" -L"$(pg_config --libdir)" -lpq -lxgboost
IFS=, read -r _ capi_passes capi capi_cpu < <("$capi_bin" "$model" "${BENCH_SECONDS:-30}")
rm -f "$capi_bin"
printf -- '- XGBoost C API per row outside the database (bench/predict/xgb_predict.c, %s passes over the rows): %s µs/row, CPU %s µs/row\n' \
	"$capi_passes" "$capi" "$capi_cpu"
bench_target "XGBoost C API per row / pgml.predict, median wall time per row" "$(bench_ratio "$capi" "$pgml")" ">=" 3
bench_target "XGBoost C API per row / pgml.predict, CPU time per row" "$(bench_ratio "$capi_cpu" "$pgml_cpu")" ">=" 3
printf -- '- predict_native (a request per row to the backend'"'"'s trainer process) / pgml.predict: %s (wall), %s (CPU of the backend only)\n' \
	"$(bench_ratio "$native" "$pgml")" "$(bench_ratio "$native_cpu" "$pgml_cpu")"
printf -- '- net of the floor (median wall): pgml.predict %s µs/row, predict_native %s µs/row, PL/Python %s µs/row\n' \
	"$(awk -v a="$pgml" -v f="$floor" 'BEGIN { printf "%.2f", a - f }')" \
	"$(awk -v a="$native" -v f="$floor" 'BEGIN { printf "%.2f", a - f }')" \
	"$(awk -v a="$py" -v f="$floor" 'BEGIN { printf "%.2f", a - f }')"
printf -- '- load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
