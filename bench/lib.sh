# bench/lib.sh: helpers shared by the benchmark scripts (sourced, not run).
#
# bench/run.sh starts the cluster and exports PGHOST, PGPORT, PGUSER,
# PGDATABASE, BENCH_DIR (this directory) and BENCH_RESULTS (where results
# go).  A benchmark script sources this file and then, typically:
#
#   bench_sql -f setup.sql                          # set up, fail on error
#   bench_begin vector "10,000 x 128-dim rows, ORDER BY dot product LIMIT 1"
#   bench_case vector "pgml.dot_product" "SELECT ..."   # median of N runs
#   bench_case vector "floor" "SELECT ..."
#   bench_report vector "floor"     # ratios against a case: table, CSV, PNG
#
# Every case runs its query in one psql session (no connection time), once
# to warm up, then N times; N is chosen so a case takes about
# BENCH_CASE_SECONDS (default 8) but at least 3 and at most 31 runs.
# Times are psql's \timing: the client-observed latency of one query.

: "${BENCH_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
: "${BENCH_RESULTS:=$BENCH_DIR/results}"
: "${BENCH_CASE_SECONDS:=8}"
: "${BENCH_MIN_RUNS:=3}"
: "${BENCH_MAX_RUNS:=31}"
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

# Run "$2" (SQL) $1 times in one session; print each time in ms, one a line.
# $3 (optional) is SQL run first in the same session, untimed (SET ...).
bench_time_runs() {
	local runs=$1 sql=$2 pre=${3:-} i
	{
		printf '%s\n' "$pre"
		printf '\\o /dev/null\n\\timing on\n'
		for ((i = 0; i < runs; i++)); do
			printf '%s;\n' "${sql%;}"
		done
	} | psql -X -q -v ON_ERROR_STOP=1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

# Median of numbers on stdin.
bench_median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1;
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Start a benchmark: name (file names in results/) and a one-line title.
bench_begin() {
	local name=$1 title=$2
	printf 'case,runs,median_ms,min_ms,max_ms\n' >"$BENCH_RESULTS/$name.raw.csv"
	printf '%s\n' "$title" >"$BENCH_RESULTS/$name.title"
	bench_log "== $name: $title"
}

# Time one case of a benchmark: name, case label, SQL, optional setup SQL.
# Appends a row to results/NAME.raw.csv and prints the median in ms.
bench_case() {
	local name=$1 label=$2 sql=$3 pre=${4:-} first runs times median min max
	# warm-up run, which also sizes the number of timed runs
	first=$(bench_time_runs 1 "$sql" "$pre" | tail -n 1)
	runs=$(awk -v t="$first" -v s="$BENCH_CASE_SECONDS" -v lo="$BENCH_MIN_RUNS" -v hi="$BENCH_MAX_RUNS" \
		'BEGIN { n = int(s * 1000 / (t > 0.001 ? t : 0.001)); if (n < lo) n = lo; if (n > hi) n = hi; print n }')
	times=$(bench_time_runs "$runs" "$sql" "$pre")
	median=$(printf '%s\n' "$times" | bench_median)
	min=$(printf '%s\n' "$times" | sort -g | head -n 1)
	max=$(printf '%s\n' "$times" | sort -g | tail -n 1)
	printf '"%s",%s,%s,%s,%s\n' "$label" "$runs" "$median" "$min" "$max" >>"$BENCH_RESULTS/$name.raw.csv"
	bench_log "   $label: median $median ms over $runs runs (min $min, max $max)"
	printf '%s\n' "$median"
}

# Median of a case already timed (from results/NAME.raw.csv).
bench_case_median() {
	local name=$1 label=$2
	awk -F, -v l="\"$label\"" '$1 == l { print $3 }' "$BENCH_RESULTS/$name.raw.csv"
}

# Finish a benchmark: write results/NAME.csv with a ratio column against the
# reference case (median / reference median), print it as a markdown table
# (also saved as results/NAME.md) and draw results/NAME.png.
bench_report() {
	local name=$1 ref=$2 refmed
	refmed=$(bench_case_median "$name" "$ref")
	awk -F, -v r="$refmed" -v OFS=, 'NR == 1 { print $0, "ratio_to_" "REF"; next }
		{ printf "%s,%s,%s,%s,%s,%.2f\n", $1, $2, $3, $4, $5, $3 / r }' \
		"$BENCH_RESULTS/$name.raw.csv" | sed "1s/REF/$(printf '%s' "$ref" | tr -c 'A-Za-z0-9_\n' '_')/" \
		>"$BENCH_RESULTS/$name.csv"
	rm -f "$BENCH_RESULTS/$name.raw.csv"
	bench_markdown "$BENCH_RESULTS/$name.csv" "$ref" | tee "$BENCH_RESULTS/$name.md"
	bench_chart "$BENCH_RESULTS/$name.csv" "$BENCH_RESULTS/$name.png" "$(cat "$BENCH_RESULTS/$name.title")"
}

# Print a benchmark CSV (as bench_report writes it) as a markdown table.
bench_markdown() {
	local csv=$1 ref=$2
	printf '| case | runs | median ms | min ms | max ms | × %s |\n' "$ref"
	printf '|---|---:|---:|---:|---:|---:|\n'
	tail -n +2 "$csv" | sed 's/^"\([^"]*\)",/\1\t/' | tr ',' '\t' |
		awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }'
}

# Draw a horizontal bar chart of median_ms per case: csv, png, title.
bench_chart() {
	local csv=$1 png=$2 title=$3
	if ! "$BENCH_PYTHON" -c 'import matplotlib' 2>/dev/null; then
		bench_log "   (no matplotlib: $png not drawn)"
		return 0
	fi
	"$BENCH_PYTHON" "$BENCH_DIR/chart.py" "$csv" "$png" "$title"
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
