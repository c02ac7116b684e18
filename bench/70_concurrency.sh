#!/usr/bin/env bash
# Benchmark: concurrency.  pgbench, 2 clients on 2 threads, each transaction
# one single-row prepared query on 11 features, a 100-tree, depth-6 XGBoost
# regression model on the synthetic 11-feature table (bench/predict/reg11.sql).
#
# The features reach the query in three shapes; each is measured with the
# model (pgml.predict) and without it (array_length of the same array: what
# the shape costs PostgreSQL and pgbench alone):
#
#   one real[] parameter   how an application sends a feature vector (psycopg,
#                          JDBC setArray, ...): one text array parameter,
#                          '{0.12,0.5,...}'::real[].  pgbench cannot build an
#                          array per transaction, so 64 vectors are drawn
#                          uniformly in [0, 1) at setup (pgbench -D f1..f64)
#                          and every transaction runs one of 64 scripts, each
#                          naming one vector, picked at random by pgbench.
#                          THE TARGETS ARE JUDGED ON THIS SHAPE.
#   PostgresML's query     the query of PostgresML's one-million-requests
#                          benchmark (pgml-cms/blog/scaling-postgresml-to-1-
#                          million-requests-per-second.md, "Methodology"):
#                          SELECT pgml.predict('flights', ARRAY[year, quarter,
#                          ... 11 real columns]) FROM flights_mat_3 LIMIT 1,
#                          i.e. the features of the table's first row, the
#                          same row in every transaction.  Here: 11 real
#                          columns of a copy of bench_reg11, LIMIT 1.
#   11 scalar parameters   the previous shape of this benchmark: 11 pgbench
#                          \set random values sent as 11 parameters, then
#                          ARRAY[:x1, ..., :x11]::real[].  Kept so that
#                          nothing is hidden; it mostly measures pgbench's
#                          \set and the binding of 11 parameters.
#
# plus SELECT 1 (the reference), PL/Python (xgboost.Booster per connection,
# bench/predict/plpython.sql) with one real[] parameter, pgml.predict of
# a 1-tree model with one real[] parameter (the cost of the call itself), and
# the floor: a C function of pgml.predict's signature that reads its
# arguments and predicts nothing (bench/predict/null_predict.c, built here and
# installed as pgml_bench_null.so for the run), which no implementation can beat.
#
# pgbench -n -M prepared -c 2 -j 2 -T BENCH_CONC_SECONDS (default 4) -P 1,
# the cases interleaved over BENCH_CONC_ROUNDS rounds (default 8): a round
# runs every case once, one after the other, in the order of run_order below
# (the cases compared most closely side by side), reversed every other round
# so that a drift of the machine's speed within a round biases no case.  A
# run's figure is pgbench's
# TPS without the connections' start; a case's figure is the median over the
# rounds.  The ratios to SELECT 1 are paired: the median over the rounds of
# (the case's TPS / SELECT 1's TPS in the same round), so that the machine's
# load, which drifts over minutes on this shared VM, cancels out (the ratio
# of the medians is printed too).  pgbench runs on the same 2 CPUs as the
# server.  The CPU time per transaction of the two backends
# (/proc/PID/schedstat) and of pgbench (its threads' schedstat), over
# seconds 1 to T-1 against the transactions counted over the same seconds,
# is reported beside the TPS.
# Targets: pgml.predict >= 0.75x the TPS of SELECT 1, >= 10x PL/Python's.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=${BENCH_CONC_SECONDS:-4}
ROUNDS=${BENCH_CONC_ROUNDS:-8}
NVEC=64
dir=$(mktemp -d)
nulllib="$(pg_config --pkglibdir)/pgml_bench_null.so"
trap 'rm -rf "$dir"; rm -f "$nulllib"' EXIT

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
# the same call with a 1-tree model: what a prediction costs without the walk
# of 100 trees (the call, the argument, the registry check, the result)
bench_sql -c "SELECT count(*) FROM pgml.train('bench_conc1', 'regression', 'bench_reg11', 'y',
    'xgboost', '{\"n_estimators\": 1, \"max_depth\": 6}')" >/dev/null

# The floor: a C function with pgml.predict's signature and no model.
gcc -std=gnu11 -O2 -Wall -Wextra -Wno-sign-compare -fPIC -shared -I"$(pg_config --includedir-server)" \
	-o "$nulllib" "$BENCH_DIR/predict/null_predict.c"
bench_sql -c "CREATE OR REPLACE FUNCTION bench_null_predict(text, real[]) RETURNS real
    AS 'pgml_bench_null', 'bench_null_predict' LANGUAGE C STABLE PARALLEL SAFE COST 10" >/dev/null

# PostgresML's shape: 11 real columns; the query reads the first row.
cols=$(for i in $(seq 1 11); do printf 'c%d, ' "$i"; done)
cols=${cols%, }
bench_sql <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_conc_rows;
CREATE TABLE bench_conc_rows AS
    SELECT $(for i in $(seq 1 11); do printf 'x[%d] AS c%d, ' "$i" "$i"; done | sed 's/, $//')
      FROM bench_reg11 LIMIT 1000;
VACUUM ANALYZE bench_conc_rows;
SQL

# The 64 vectors of the one-parameter shape, uniform in [0, 1), fixed seed:
# "-D fK={...}" options for pgbench.
mapfile -t defs < <(bench_sql <<SQL
SELECT setseed(0.7) \g /dev/null
SELECT '-Df' || k || '={' || string_agg(round(random()::numeric, 6)::text, ',') || '}'
  FROM generate_series(1, $NVEC) k, generate_series(1, 11) j GROUP BY k ORDER BY k;
SQL
)

# Scripts.  Case i is either one file $dir/i.sql or the $NVEC files
# $dir/i_K.sql (the one-parameter shape); args[i] holds pgbench's -f options.
labels=("SELECT 1"
	"pgml.predict (one real[] parameter)"
	"PL/Python (Booster per connection; one real[] parameter)"
	"features only (one real[] parameter)"
	"pgml.predict (PostgresML's query: first table row)"
	"features only (PostgresML's query)"
	"pgml.predict (11 scalar parameters)"
	"features only (11 scalar parameters)"
	"pgml.predict with a 1-tree model (one real[] parameter)"
	"C function of the same signature without a model (one real[] parameter)")
args=()
printf 'SELECT 1;\n' >"$dir/0.sql"
args[0]="-f $dir/0.sql"
onearg() {	# case, SQL with %s where the array goes
	local i=$1 k
	args[i]=""
	for ((k = 1; k <= NVEC; k++)); do
		printf "$2;\n" ":f$k::real[]" >"$dir/${i}_$k.sql"
		args[i]+=" -f $dir/${i}_$k.sql"
	done
}
onearg 1 "SELECT pgml.predict('bench_conc', %s)"
onearg 2 "SELECT bench_py_predict($model, %s)"
onearg 3 "SELECT array_length(%s, 1)"
printf "SELECT pgml.predict('bench_conc', ARRAY[%s]) FROM bench_conc_rows LIMIT 1;\n" "$cols" >"$dir/4.sql"
printf "SELECT array_length(ARRAY[%s], 1) FROM bench_conc_rows LIMIT 1;\n" "$cols" >"$dir/5.sql"
sets=$(for i in $(seq 1 11); do printf '\\set x%d random(0, 999999) / 1000000.0\n' "$i"; done)
feats="ARRAY[$(for i in $(seq 1 11); do printf ':x%d, ' "$i"; done)"
feats="${feats%, }]::real[]"
printf "%s\nSELECT pgml.predict('bench_conc', %s);\n" "$sets" "$feats" >"$dir/6.sql"
printf '%s\nSELECT array_length(%s, 1);\n' "$sets" "$feats" >"$dir/7.sql"
args[4]="-f $dir/4.sql"
args[5]="-f $dir/5.sql"
args[6]="-f $dir/6.sql"
args[7]="-f $dir/7.sql"
onearg 8 "SELECT pgml.predict('bench_conc1', %s)"
onearg 9 "SELECT bench_null_predict('bench_conc', %s)"
ncases=${#labels[@]}

# Every case must run without error (pgbench would count nothing).
for ((i = 0; i < ncases; i++)); do
	# shellcheck disable=SC2086
	if ! pgbench -n -M prepared -c 1 -t 20 "${defs[@]}" ${args[i]} >"$dir/check" 2>&1; then
		bench_log "   error in case ${labels[i]}:"
		cat "$dir/check" >&2
		exit 1
	fi
done

bench_begin concurrency "pgbench -c 2 -j 2, one single-row query per transaction (11 features, 100 trees of depth 6); TPS"
# CPU time (ns) of the pgbench backends so far, summed (/proc/PID/schedstat).
backend_cpu() {
	local pid sum=0
	for pid in $(bench_sql -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench'"); do
		[ -r "/proc/$pid/schedstat" ] && sum=$((sum + $(cut -d' ' -f1 "/proc/$pid/schedstat")))
	done
	echo "$sum"
}
# CPU time (ns) of process $1's threads so far (pgbench -j 2).
client_cpu() {
	local t sum=0
	for t in /proc/"$1"/task/*/schedstat; do
		[ -r "$t" ] && sum=$((sum + $(cut -d' ' -f1 "$t")))
	done
	echo "$sum"
}
# SELECT 1, the floor, the 100-tree and 1-tree models, features only, ...
run_order=(0 9 1 8 3 2 4 5 6 7)
if [ "$(printf '%s\n' "${run_order[@]}" | sort -n | tr '\n' ' ')" != "$(seq 0 $((ncases - 1)) | tr '\n' ' ')" ]; then
	bench_log "   run_order must list each of the $ncases cases once"
	exit 1
fi
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < ncases; k++)); do
		if ((r % 2 == 0)); then i=${run_order[k]}; else i=${run_order[ncases - 1 - k]}; fi
		# progress lines: "progress: 2.0 s, 1234.5 tps, lat 1.6 ms stddev 0.3";
		# the summary: "tps = 1234.5 (without initial connection time)"
		# shellcheck disable=SC2086
		pgbench -n -M prepared -c 2 -j 2 -T "$T" -P 1 "${defs[@]}" ${args[i]} 2>"$dir/progress" >"$dir/summary" &
		pg=$!
		# the CPU over seconds 1..T-1 of the run, against the
		# transactions the progress lines count over the same seconds
		sleep 1
		c0=$(backend_cpu)
		p0=$(client_cpu "$pg")
		sleep $((T - 2))
		c1=$(backend_cpu)
		p1=$(client_cpu "$pg")
		wait "$pg"
		awk -v i="$i" -v r="$r" '/^tps = / { print i, $3, r }' "$dir/summary" >>"$dir/tps"
		awk -v i="$i" -v c="$((c1 - c0))" -v p="$((p1 - p0))" -v t="$T" \
			'/^progress:/ && $2 + 0 > 1 && $2 + 0 <= t - 1 { n += $4 }
			END { if (n > 0) printf "%s %.2f %.2f\n", i, c / 1000 / n, p / 1000 / n }' "$dir/progress" >>"$dir/cpu"
	done
done
{
	printf 'case,runs,median_tps,min_tps,p90_tps,cpu_µs/tx\n'
	for ((i = 0; i < ncases; i++)); do
		s=$(awk -v i="$i" '$1 == i { print $2 }' "$dir/tps" | sort -g)
		printf '"%s",%s,%s,%s,%s,%s\n' "${labels[i]}" "$(printf '%s\n' "$s" | wc -l)" \
			"$(printf '%s\n' "$s" | bench_median)" "$(printf '%s\n' "$s" | head -n 1)" \
			"$(printf '%s\n' "$s" | awk '{ v[NR] = $1 } END { i = int(0.9 * NR + 0.999); print v[i] }')" \
			"$(awk -v i="$i" '$1 == i { print $2 }' "$dir/cpu" | bench_median)"
	done
} >"$BENCH_RESULTS/concurrency.raw.csv"

med() { bench_case_median concurrency "${labels[$1]}"; }
cpu() { bench_case_cpu concurrency "${labels[$1]}"; }
ccpu() { awk -v i="$1" '$1 == i { print $3 }' "$dir/cpu" | bench_median; }
# ratio of case $2 to case $1: the median over the rounds of the ratio of
# their TPS in the same round (paired); tr1: to SELECT 1, trf: to the floor
# (case 9); trm: the ratio of the medians
paired() {
	awk -v ref="$1" -v i="$2" '$1 == ref { r0[$3] = $2 } $1 == i { v[$3] = $2 }
		END { for (r in v) if (r0[r] > 0) print v[r] / r0[r] }' "$dir/tps" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f\n", m }'
}
tr1() { paired 0 "$1"; }
trf() { paired 9 "$1"; }
trm() { bench_ratio "$(med "$1")" "$(med 0)"; }
# the lowest and highest paired ratio over the rounds
trr() {
	awk -v i="$1" '$1 == 0 { ref[$3] = $2 } $1 == i { v[$3] = $2 }
		END { for (r in v) if (ref[r] > 0) print v[r] / ref[r] }' "$dir/tps" |
		sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f\n", lo, hi }'
}
# ratio of SELECT 1's CPU per transaction to case $1's: backends alone, and
# backends plus pgbench (what the TPS follows when the 2 CPUs are saturated)
cr1() { bench_ratio "$(cpu 0)" "$(cpu "$1")"; }
cr2() { awk -v a="$(cpu 0)" -v b="$(ccpu 0)" -v c="$(cpu "$1")" -v d="$(ccpu "$1")" 'BEGIN { printf "%.2f\n", (a + b) / (c + d) }'; }

bench_report concurrency "SELECT 1" tps
printf '\n(runs: rounds, one run of every case per round; median, min, p90: over the runs, TPS;\n'
printf 'ratio: median TPS / median TPS of SELECT 1; CPU µs/tx: CPU time of the two backends per\n'
printf 'transaction, µs, measured over seconds 1 to %s of each run.)\n\n' "$((T - 1))"
printf 'Paired ratios to SELECT 1 (median over the rounds of TPS / TPS of SELECT 1 in the same\n'
printf 'round; the targets use these):\n\n| case | paired ratio | lowest-highest round |\n|---|---:|---:|\n'
for ((i = 1; i < ncases; i++)); do
	printf '| %s | %s | %s |\n' "${labels[i]}" "$(tr1 "$i")" "$(trr "$i")"
done
printf '\n' 
printf 'The targets are judged on "%s": the feature vector\n' "${labels[1]}"
printf 'travels as one array parameter, as an application driver sends it, and varies between\n'
printf 'transactions (%d vectors drawn at random), so the model evaluates different features.\n' "$NVEC"
printf "PostgresML's own query (its table's first row, the same in every transaction) and the\n"
printf 'previous 11-scalar-parameter shape are reported beside it.\n\n'
bench_target "pgml.predict TPS / SELECT 1 TPS, paired" "$(tr1 1)" ">=" 0.75
printf -- '- the same by the ratio of the medians: %s; lowest and highest round: %s\n' "$(trm 1)" "$(trr 1)"
bench_target "pgml.predict TPS / PL/Python TPS" "$(bench_ratio "$(med 1)" "$(med 2)")" ">=" 10
printf -- '- the same ratio by CPU per transaction (SELECT 1 / pgml.predict): backends %s, backends + pgbench %s\n' "$(cr1 1)" "$(cr2 1)"
printf -- '- without the model (features only) / SELECT 1, the ceiling any model could reach: TPS %s, CPU backends %s, backends + pgbench %s\n' \
	"$(tr1 3)" "$(cr1 3)" "$(cr2 3)"
printf -- "- PostgresML's query / SELECT 1: TPS %s (features only %s); CPU backends %s, backends + pgbench %s\n" \
	"$(tr1 4)" "$(tr1 5)" "$(cr1 4)" "$(cr2 4)"
printf -- '- 11 scalar parameters / SELECT 1: TPS %s (features only %s); CPU backends %s, backends + pgbench %s\n' \
	"$(tr1 6)" "$(tr1 7)" "$(cr1 6)" "$(cr2 6)"
printf -- '- a 1-tree model / SELECT 1 (the call without the walk of 100 trees): TPS %s; CPU backends %s, backends + pgbench %s\n' \
	"$(tr1 8)" "$(cr1 8)" "$(cr2 8)"
printf -- '- the floor, a C function of the same signature that reads its arguments and has no model / SELECT 1: TPS %s; CPU backends %s, backends + pgbench %s\n' \
	"$(tr1 9)" "$(cr1 9)" "$(cr2 9)"
printf -- '- pgml.predict / the floor, paired: TPS %s (1-tree model %s)\n' "$(trf 1)" "$(trf 8)"
awk -v f="$(tr1 9)" 'BEGIN { if (f + 0 < 0.75)
	printf "- the floor itself is below the 0.75x target in this run: no implementation of the function could meet it here\n";
	else printf "- the floor is at or above the 0.75x target in this run\n" }'
printf -- '- CPU per transaction, µs (backends + pgbench = total):\n'
for ((i = 0; i < ncases; i++)); do
	printf -- '  - %s: %s + %s = %s\n' "${labels[i]}" "$(cpu "$i")" "$(ccpu "$i")" \
		"$(awk -v a="$(cpu "$i")" -v b="$(ccpu "$i")" 'BEGIN { printf "%.2f", a + b }')"
done
printf -- '- load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
bench_sql -c 'DROP TABLE bench_conc_rows'
