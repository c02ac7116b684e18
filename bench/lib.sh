# bench/lib.sh: helpers shared by the benchmark scripts (sourced, not run).
#
# bench/run.sh starts the cluster and exports PGHOST, PGPORT, PGUSER,
# PGDATABASE, BENCH_DIR (this directory) and BENCH_RESULTS (where results
# go).  A benchmark script sources this file and then, typically:
#
#   bench_sql <<'SQL' ... SQL                     # set up, fails on error
#   bench_begin vector "10,000 x 128-dim rows, ORDER BY dot product LIMIT 1"
#   bench_add "pgml.dot_product" "SELECT ..."      # register the cases
#   bench_add "floor" "SELECT ..."
#   bench_run vector                              # time them, interleaved
#   bench_report vector "floor"   # ratios to a case: table, CSV, PNG
#
# Timing: all cases run in one psql session (no connection time), measured
# with psql's \timing (client-observed latency of one query).  After one
# warm-up run each, the cases are timed in interleaved rounds: every round
# runs each case k times, k chosen so each case takes about as long as the
# slowest one (at most BENCH_MAX_PER_ROUND), and there are as many rounds as
# fit in BENCH_SECONDS (at least BENCH_MIN_ROUNDS).  Interleaving spreads any
# noise from the rest of the machine over all cases alike.  The reported
# figure is the median of all runs of a case; the backend's CPU time per run
# (from /proc, 10 ms ticks summed over all runs) is reported beside it, as
# it stays meaningful when the machine is busy.
: "${BENCH_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
: "${BENCH_RESULTS:=$BENCH_DIR/results}"
: "${BENCH_SECONDS:=45}"
: "${BENCH_MIN_ROUNDS:=3}"
: "${BENCH_MAX_ROUNDS:=50}"
: "${BENCH_MAX_PER_ROUND:=50}"
BENCH_PYTHON=/usr/bin/python3	# has numpy and matplotlib; the python3 on PATH may not
mkdir -p "$BENCH_RESULTS"

# Run SQL with psql: no psqlrc, quiet, stop on the first error, unaligned.
bench_sql() {
	psql -X -q -v ON_ERROR_STOP=1 -At "$@"
}

# Print a line to stderr (progress; stdout is for the results).
bench_log() {
	printf '%s\n' "$*" >&2
}

# Median of numbers on stdin.
bench_median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Start a benchmark: its name (file names in results/) and a one-line title.
bench_begin() {
	BENCH_NAME=$1
	BENCH_LABELS=()
	BENCH_SQLS=()
	printf '%s\n' "$2" >"$BENCH_RESULTS/$1.title"
	bench_log "== $1: $2"
}

# Register a case of the current benchmark: label, one SQL statement.
bench_add() {
	BENCH_LABELS+=("$1")
	BENCH_SQLS+=("${2%;}")
}

# Run a psql script (stdin) in one session with \\timing; print the times
# (ms), one a line, and pass through the "CPU ..." lines of bench_cpu_probe.
bench_timed_session() {
	psql -X -q -v ON_ERROR_STOP=1 | sed -n -e 's/^Time: \([0-9.]*\) ms.*/\1/p' -e '/^CPU /p'
}

# psql lines that store the backend's CPU time (user + system, clock ticks)
# in the variable $1, untimed.  Superuser only (reads /proc/self/stat).
bench_cpu_probe() {
	printf '\\timing off\n'
	printf "SELECT split_part(pg_read_file('/proc/self/stat'), ' ', 14)::bigint\n"
	printf "     + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::bigint AS %s \\gset\n" "$1"
	printf '\\timing on\n'
}

# Time the registered cases (see the top of this file) and write
# results/NAME.raw.csv: case, runs, median_ms, min_ms, p90_ms (90th
# percentile: unlike the maximum, not one preempted run), cpu_ms (mean
# CPU time of the backend per run: unlike the wall-clock times, it does not
# grow when other processes compete for the CPUs).
# $2 (optional): SQL run untimed at the start of the session (SET ...).
bench_run() {
	local name=$1 pre=${2:-} n=${#BENCH_LABELS[@]} i j r warm slowest rounds tick
	local -a k warm_t
	local order times out
	order=$(mktemp)
	times=$(mktemp)
	out=$(mktemp)
	tick=$(getconf CLK_TCK)
	# warm-up: every case once; sizes k and the number of rounds
	warm=$({
		printf '%s\n\\o /dev/null\n\\timing on\n' "$pre"
		for ((i = 0; i < n; i++)); do printf '%s;\n' "${BENCH_SQLS[i]}"; done
	} | bench_timed_session)
	mapfile -t warm_t <<<"$warm"
	slowest=$(printf '%s\n' "${warm_t[@]}" | sort -g | tail -n 1)
	for ((i = 0; i < n; i++)); do
		k[i]=$(awk -v s="$slowest" -v t="${warm_t[i]}" -v hi="$BENCH_MAX_PER_ROUND" \
			'BEGIN { x = int(s / (t > 0.001 ? t : 0.001) + 0.5); if (x < 1) x = 1; if (x > hi) x = hi; print x }')
	done
	rounds=$(printf '%s\n' "${warm_t[@]}" | awk -v ks="${k[*]}" -v sec="$BENCH_SECONDS" \
		-v lo="$BENCH_MIN_ROUNDS" -v hi="$BENCH_MAX_ROUNDS" \
		'BEGIN { split(ks, k, " ") } { t += $1 * k[NR] }
		 END { r = int(sec * 1000 / (t > 0.001 ? t : 0.001)); if (r < lo) r = lo; if (r > hi) r = hi; print r }')
	bench_log "   $rounds rounds; runs per round: ${k[*]}"
	# the timed session: one more warm-up of each case (dropped), then rounds
	: >"$order"
	{
		printf '%s\n\\o /dev/null\n\\timing on\n' "$pre"
		for ((i = 0; i < n; i++)); do
			printf '%s;\n' "${BENCH_SQLS[i]}"
			echo -1 >>"$order"
		done
		for ((r = 0; r < rounds; r++)); do
			for ((i = 0; i < n; i++)); do
				bench_cpu_probe c0
				for ((j = 0; j < k[i]; j++)); do
					printf '%s;\n' "${BENCH_SQLS[i]}"
					echo "$i" >>"$order"
				done
				bench_cpu_probe c1
				printf '\\echo CPU %s :c0 :c1\n' "$i"
			done
		done
	} | bench_timed_session >"$out"
	grep -v '^CPU ' "$out" >"$times" || true
	if [ "$(wc -l <"$order")" != "$(wc -l <"$times")" ]; then
		bench_log "   error: expected $(wc -l <"$order") timings, got $(wc -l <"$times")"
		rm -f "$order" "$times" "$out"
		return 1
	fi
	printf 'case,runs,median_ms,min_ms,p90_ms,cpu_ms\n' >"$BENCH_RESULTS/$name.raw.csv"
	for ((i = 0; i < n; i++)); do
		local ts med runs cpu
		ts=$(paste "$order" "$times" | awk -v i="$i" '$1 == i { print $2 }' | sort -g)
		med=$(printf '%s\n' "$ts" | bench_median)
		runs=$(printf '%s\n' "$ts" | wc -l)
		cpu=$(awk -v i="$i" -v runs="$runs" -v tick="$tick" \
			'$1 == "CPU" && $2 == i { t += $4 - $3 } END { printf "%.3f", t * 1000 / tick / runs }' "$out")
		printf '"%s",%s,%s,%s,%s,%s\n' "${BENCH_LABELS[i]}" "$runs" "$med" \
			"$(printf '%s\n' "$ts" | head -n 1)" \
			"$(printf '%s\n' "$ts" | awk '{ v[NR] = $1 } END { i = int(0.9 * NR + 0.999); if (i < 1) i = 1; print v[i] }')" "$cpu" \
			>>"$BENCH_RESULTS/$name.raw.csv"
		bench_log "   ${BENCH_LABELS[i]}: median $med ms, CPU $cpu ms"
	done
	rm -f "$order" "$times" "$out"
}

# CPU time per run of a case already timed (ms), from results/NAME.raw.csv.
bench_case_cpu() {
	local name=$1 label=$2 f=$BENCH_RESULTS/$1.raw.csv
	[ -f "$f" ] || f=$BENCH_RESULTS/$name.csv
	awk -F, -v l="\"$label\"" '$1 == l { print $6 }' "$f"
}

# Median of a case already timed (from results/NAME.raw.csv or NAME.csv).
bench_case_median() {
	local name=$1 label=$2 f=$BENCH_RESULTS/$1.raw.csv
	[ -f "$f" ] || f=$BENCH_RESULTS/$name.csv
	awk -F, -v l="\"$label\"" '$1 == l { print $3 }' "$f"
}

# Finish a benchmark: write results/NAME.csv with a ratio column against the
# reference case (median / reference median), print it as a markdown table
# (also saved as results/NAME.md) and draw results/NAME.png.  $3 is the unit
# of the times (default ms), as in the raw CSV's header (median_<unit>).
bench_report() {
	local name=$1 ref=$2 unit=${3:-ms} refmed
	refmed=$(bench_case_median "$name" "$ref")
	awk -F, -v r="$refmed" 'NR == 1 { print $0 ",ratio_to_REF"; next }
		{ printf "%s,%.2f\n", $0, $3 / r }' \
		"$BENCH_RESULTS/$name.raw.csv" | sed "1s/REF/$(printf '%s' "$ref" | tr -c 'A-Za-z0-9_\n' '_')/" \
		>"$BENCH_RESULTS/$name.csv"
	rm -f "$BENCH_RESULTS/$name.raw.csv"
	bench_markdown "$BENCH_RESULTS/$name.csv" "$ref" "$unit" | tee "$BENCH_RESULTS/$name.md"
	bench_chart "$BENCH_RESULTS/$name.csv" "$BENCH_RESULTS/$name.png" "$(cat "$BENCH_RESULTS/$name.title")" "$ref"
	rm -f "$BENCH_RESULTS/$name.title"
}

# Print a benchmark CSV (as bench_report writes it) as a markdown table.
bench_markdown() {
	local csv=$1 ref=$2 unit=${3:-ms}
	# columns: case, runs, median, min, p90, [cpu_<unit>,] ratio (always last)
	awk -F, -v u="$unit" -v ref="$ref" '
		NR == 1 { cpu = ($6 ~ /^cpu_/);
			printf "| case | runs | median %s | min %s | p90 %s |%s ratio to %s |\n", u, u, u,
				cpu ? ($6 == "cpu_ms" ? " CPU ms per run |" : " CPU " substr($6, 5) " |") : "", ref;
			printf "|---|---:|---:|---:|---:|%s---:|\n", cpu ? "---:|" : ""; next }
		{ label = $1; gsub(/"/, "", label);
			printf "| %s | %s | %s | %s | %s |%s %s |\n", label, $2, $3, $4, $5,
				cpu ? " " $6 " |" : "", $NF }' "$csv"
}

# Draw a horizontal bar chart of the medians: csv, png, title, reference case.
bench_chart() {
	local csv=$1 png=$2 title=$3 ref=${4:-}
	if ! "$BENCH_PYTHON" -c 'import matplotlib' 2>/dev/null; then
		bench_log "   (no matplotlib: $png not drawn)"
		return 0
	fi
	"$BENCH_PYTHON" "$BENCH_DIR/chart.py" "$csv" "$png" "$title" "$ref"
}

# Rescale results/NAME.raw.csv (from bench_run, in ms per query) to
# microseconds per row of a query over $2 rows: median_us, min_us, p90_us,
# cpu_µs/row.  Call between bench_run and bench_report NAME REF "µs/row".
bench_per_row() {
	local name=$1 rows=$2 f=$BENCH_RESULTS/$1.raw.csv
	awk -F, -v OFS=, -v n="$rows" '
		NR == 1 { print "case,runs,median_us,min_us,p90_us,cpu_µs/row"; next }
		{ for (i = 3; i <= 6; i++) $i = sprintf("%.3f", $i * 1000 / n); print }' "$f" >"$f.tmp"
	mv "$f.tmp" "$f"
}

# Print a PASS/MISS line for a target: description, measured, op, limit.
# Example: bench_target "pgml vs SQL function" "$ratio" ">=" 40
bench_target() {
	local what=$1 value=$2 op=$3 limit=$4 ok
	ok=$(awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN {
		if (op == ">=") print (v >= l) ? "PASS" : "MISS"; else print (v <= l) ? "PASS" : "MISS" }')
	printf -- '- %s: %s (target %s %s): **%s**\n' "$what" "$value" "$op" "$limit" "$ok"
}

# value1 / value2 with two decimals.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'
}
