#!/usr/bin/env bash
# Benchmark: concurrency.  pgbench, 2 clients on 2 threads, each transaction
# one single-row prepared query with 11 random features (pgbench \set):
#   SELECT 1                       the reference
#   pgml.predict                   a 100-tree, depth-6 XGBoost regression model
#                                  on the synthetic 11-feature table
#                                  (bench/predict/reg11.sql)
#   PL/Python                      the same model, xgboost.Booster per
#                                  connection (bench/predict/plpython.sql)
#   features only                  array_length of the features array, no model
# pgbench -n -M prepared -c 2 -j 2 -T BENCH_CONC_SECONDS (default 8) -P 1,
# the cases interleaved over BENCH_CONC_ROUNDS rounds (default 3); the figure
# is the median of the per-second TPS samples, the first three seconds of every
# run dropped (they hold the connections' start, and PL/Python's first call,
# which loads xgboost).  pgbench runs on the same 2 CPUs as the server.  The
# CPU time of the two backends per transaction (/proc/PID/schedstat over
# seconds 4 to T-1, against the transactions counted over the same seconds)
# is reported beside the TPS: it does not depend on the machine's load.
# Targets: pgml.predict >= 0.75x the TPS of SELECT 1, >= 10x PL/Python's.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=${BENCH_CONC_SECONDS:-8}
ROUNDS=${BENCH_CONC_ROUNDS:-3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

bench_sql -f "$BENCH_DIR/predict/plpython.sql" >/dev/null
if [ -z "$(bench_sql -c "SELECT to_regclass('bench_reg11')")" ]; then
	bench_sql -v rows=100000 -f "$BENCH_DIR/predict/reg11.sql" >/dev/null
fi
model=$(bench_sql <<'SQL'
SELECT count(*) FROM pgml.train('bench_conc', 'regression', 'bench_reg11', 'y',
    'xgboost', '{"n_estimators": 100, "max_depth": 6}') \g /dev/null
SELECT m.id FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = 'bench_conc' ORDER BY m.id DESC LIMIT 1;
SQL
)
bench_sql -c "SELECT bench_export_booster($model)" >/dev/null

# Features: 11 uniform random values in [0, 1) drawn by pgbench (\set), sent
# as parameters of a prepared statement (-M prepared), as an application
# would.  Every script draws them, SELECT 1 too, so that the client's work is
# the same in every case.
sets=$(for i in $(seq 1 11); do printf '\\set x%d random(0, 999999) / 1000000.0\n' "$i"; done)
feats="ARRAY[$(for i in $(seq 1 11); do printf ':x%d, ' "$i"; done)"
feats="${feats%, }]::real[]"
labels=("SELECT 1" "pgml.predict (shared memory)" "PL/Python (Booster per connection)" "features only (no model)")
printf '%s\nSELECT 1;\n' "$sets" >"$dir/0.sql"
printf "%s\nSELECT pgml.predict('bench_conc', %s);\n" "$sets" "$feats" >"$dir/1.sql"
printf '%s\nSELECT bench_py_predict(%s, %s);\n' "$sets" "$model" "$feats" >"$dir/2.sql"
printf '%s\nSELECT array_length(%s, 1);\n' "$sets" "$feats" >"$dir/3.sql"

bench_begin concurrency "pgbench -c 2 -j 2, one single-row query per transaction (11 features, 100 trees of depth 6); TPS"
# CPU time (ns) of the pgbench backends so far, summed (/proc/PID/schedstat).
backend_cpu() {
	local pid sum=0
	for pid in $(bench_sql -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench'"); do
		[ -r "/proc/$pid/schedstat" ] && sum=$((sum + $(cut -d' ' -f1 "/proc/$pid/schedstat")))
	done
	echo "$sum"
}
for ((r = 0; r < ROUNDS; r++)); do
	for i in 0 1 2 3; do
		# progress lines: "progress: 2.0 s, 1234.5 tps, lat 1.6 ms stddev 0.3"
		pgbench -n -M prepared -c 2 -j 2 -T "$T" -P 1 -f "$dir/$i.sql" 2>"$dir/progress" >/dev/null &
		pg=$!
		# the backends' CPU over seconds 4..T-1 of the run, against the
		# transactions the progress lines count over the same seconds
		sleep 4
		c0=$(backend_cpu)
		sleep $((T - 5))
		c1=$(backend_cpu)
		wait "$pg"
		awk -v i="$i" '/^progress:/ && $2 + 0 > 3 { print i, $4 }' "$dir/progress" >>"$dir/tps"
		awk -v i="$i" -v c="$((c1 - c0))" -v t="$T" '/^progress:/ && $2 + 0 > 4 && $2 + 0 <= t - 1 { n += $4 }
			END { if (n > 0) printf "%s %.2f\n", i, c / 1000 / n }' "$dir/progress" >>"$dir/cpu"
	done
done
{
	printf 'case,runs,median_tps,min_tps,p90_tps,cpu_µs/tx\n'
	for i in 0 1 2 3; do
		s=$(awk -v i="$i" '$1 == i { print $2 }' "$dir/tps" | sort -g)
		printf '"%s",%s,%s,%s,%s,%s\n' "${labels[i]}" "$(printf '%s\n' "$s" | wc -l)" \
			"$(printf '%s\n' "$s" | bench_median)" "$(printf '%s\n' "$s" | head -n 1)" \
			"$(printf '%s\n' "$s" | awk '{ v[NR] = $1 } END { i = int(0.9 * NR + 0.999); print v[i] }')" \
			"$(awk -v i="$i" '$1 == i { print $2 }' "$dir/cpu" | bench_median)"
	done
} >"$BENCH_RESULTS/concurrency.raw.csv"

one=$(bench_case_median concurrency "SELECT 1")
pgml=$(bench_case_median concurrency "pgml.predict (shared memory)")
py=$(bench_case_median concurrency "PL/Python (Booster per connection)")
feat=$(bench_case_median concurrency "features only (no model)")
cpu() { bench_case_cpu concurrency "$1"; }
bench_report concurrency "SELECT 1" tps
printf '\n(runs: per-second TPS samples; ratio: TPS / TPS of SELECT 1, higher is better; CPU µs/tx:\n'
printf 'CPU time of the two backends per transaction, µs, measured over seconds 4 to %s of each run.)\n\n' "$((T - 1))"
bench_target "pgml.predict TPS / SELECT 1 TPS" "$(bench_ratio "$pgml" "$one")" ">=" 0.75
bench_target "pgml.predict TPS / PL/Python TPS" "$(bench_ratio "$pgml" "$py")" ">=" 10
printf -- '- pgml.predict TPS / TPS of the same query without the model (features only): %s\n' "$(bench_ratio "$pgml" "$feat")"
printf -- '- backend CPU per transaction, µs: SELECT 1 %s, features only %s, pgml.predict %s, PL/Python %s\n' \
	"$(cpu "SELECT 1")" "$(cpu "features only (no model)")" "$(cpu "pgml.predict (shared memory)")" \
	"$(cpu "PL/Python (Booster per connection)")"
printf -- '- load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
