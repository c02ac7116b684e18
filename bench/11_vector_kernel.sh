#!/usr/bin/env bash
# Benchmark: the dot-product kernel of src/vector.c alone, against OpenBLAS
# cblas_sdot/cblas_ddot and a naive C loop, on 128-dimensional vectors (and
# 1536, a common embedding size, for reference).  No database involved:
# bench/vector/dot_bench.c includes src/vector.c's kernels and is compiled
# with the flags PGXS uses for the extension (-O2 -fwrapv, no -march).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
gcc -std=gnu11 -O2 -fwrapv -fno-strict-aliasing -Wall -Wextra -Wno-unused-function \
	-o "$bin" "$BENCH_DIR/vector/dot_bench.c" -lopenblas -lm

for dims in 128 1536; do
	name=vector_kernel_$dims
	bench_begin "$name" "one dot product of $dims dims, ns (1 MB of rows against one query vector)"
	"$bin" "$dims" 301 >"$BENCH_RESULTS/$name.raw.csv"
	sdot=$(bench_case_median "$name" "OpenBLAS cblas_sdot")
	pgml=$(bench_case_median "$name" "pgml dot_f4 (real[])")
	bench_report "$name" "pgml dot_f4 (real[])" ns
	printf '\n'
	if awk -v a="$pgml" -v b="$sdot" 'BEGIN { exit !(a <= b) }'; then
		printf -- '- %s dims: pgml dot_f4 wins, cblas_sdot takes %sx its time\n\n' "$dims" "$(bench_ratio "$sdot" "$pgml")"
	else
		printf -- '- %s dims: cblas_sdot wins, pgml dot_f4 takes %sx its time\n\n' "$dims" "$(bench_ratio "$pgml" "$sdot")"
	fi
done
