#!/usr/bin/env bash
# bench/run.sh: run the benchmarks (`make bench`).
#
#   bash bench/run.sh             every bench/NN_*.sh, in name order
#   bash bench/run.sh vector      only scripts whose name contains "vector"
#
# 1. installs what the benchmarks need if it is missing (apt-get, as root
#    only): PL/Python, NumPy, matplotlib, Debian's xgboost and scikit-learn
#    for the PL/Python baselines, OpenBLAS, XGBoost and libpq headers;
# 2. builds and installs the extension (BENCH_SKIP_BUILD=1 skips this);
#    PG_CONFIG (default pg_config on PATH) names the PostgreSQL installation
#    to build against and to run the cluster from;
# 3. starts a throwaway cluster as user postgres (initdb refuses root) on a
#    free port (from BENCH_PORT, default 55500) with pgml_worker preloaded,
#    and a database pgml_bench with the extension;
# 4. runs the scripts, each of which prints a markdown table and writes
#    bench/results/NAME.csv, NAME.md and NAME.png;
# 5. stops the cluster and deletes it, however the run ends.
#
# Adding a benchmark: write bench/NN_name.sh (see bench/lib.sh and
# bench/10_vector.sh); it runs with PGHOST/PGPORT/PGUSER/PGDATABASE set.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
export BENCH_DIR BENCH_RESULTS
mkdir -p "$BENCH_RESULTS"

log() { printf '%s\n' "$*" >&2; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# --- 1. dependencies -------------------------------------------------------
need=()
for pkg in postgresql-plpython3-15 python3-numpy python3-matplotlib python3-xgboost python3-sklearn \
	libopenblas-dev libxgboost-dev libpq-dev; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		log "installing: ${need[*]}"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
	else
		log "warning: missing ${need[*]} (run as root to install); some cases will be skipped"
	fi
fi

# --- 2. build and install --------------------------------------------------
pg_config=${PG_CONFIG:-pg_config}
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
	log "building and installing pgml_worker"
	make -s -C "$REPO" PG_CONFIG="$pg_config" >/dev/null
	make -s -C "$REPO" PG_CONFIG="$pg_config" install >/dev/null
fi

# --- 3. throwaway cluster --------------------------------------------------
bindir=$("$pg_config" --bindir)
port=${BENCH_PORT:-55500}
while [ -e "/tmp/.s.PGSQL.$port" ] || [ -e "/tmp/pgml_bench_$port" ]; do
	port=$((port + 1))
done
datadir=/tmp/pgml_bench_$port

cleanup() {
	if [ -f "$datadir/postmaster.pid" ]; then
		as_postgres "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null 2>&1 ||
			as_postgres "$bindir/pg_ctl" -D "$datadir" -m immediate stop >/dev/null 2>&1 || true
	fi
	rm -rf "$datadir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install -d -o postgres -g postgres "$datadir"
as_postgres "$bindir/initdb" -D "$datadir" -A trust -U postgres >/dev/null
cat >>"$datadir/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '/tmp'
shared_preload_libraries = 'pgml_worker'
shared_buffers = 256MB
jit = off
max_parallel_workers_per_gather = 0
lc_messages = 'C'
track_commit_timestamp = on
CONF
# libgomp (XGBoost's OpenMP) spins at every barrier by default: on a machine
# whose CPUs are busy with other work, that made 2-thread training 6-13 times
# slower and twice as variable (docs/benchmarks.md).  The server (so the
# worker and PL/Python) and the bare-XGBoost baseline get the same policy;
# BENCH_OMP_WAIT_POLICY= (empty) keeps libgomp's default.
omp_policy=${BENCH_OMP_WAIT_POLICY-PASSIVE}
if [ -n "$omp_policy" ]; then
	export OMP_WAIT_POLICY=$omp_policy
else
	unset OMP_WAIT_POLICY
fi
as_postgres env ${OMP_WAIT_POLICY:+OMP_WAIT_POLICY=$OMP_WAIT_POLICY} \
	"$bindir/pg_ctl" -D "$datadir" -l "$datadir/log" -w start >/dev/null
export PGHOST=/tmp PGPORT=$port PGUSER=postgres PGDATABASE=pgml_bench
"$bindir/createdb" pgml_bench
export PATH="$bindir:$PATH"	# psql, pgbench and pg_config of that installation
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgml_worker' >/dev/null
log "cluster on port $port ($datadir)"

# The machine the numbers come from.
{
	printf '# Environment of the last run\n\n'
	printf -- '- date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf -- '- CPU: %s, %s logical CPUs\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" "$(nproc)"
	printf -- '- PostgreSQL: %s\n' "$(psql -X -At -c 'SHOW server_version')"
	printf -- '- commit: %s\n' "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
	printf -- '- settings: shared_buffers 256MB, jit off, max_parallel_workers_per_gather 0 (unless a benchmark sets it), track_commit_timestamp on\n'
	printf -- '- OMP_WAIT_POLICY (server and bare-XGBoost baseline): %s\n' "${OMP_WAIT_POLICY:-unset (libgomp default)}"
	printf -- '- load average at the start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$BENCH_RESULTS/ENVIRONMENT.md"

# --- 4. the benchmarks -----------------------------------------------------
scripts=()
for s in "$BENCH_DIR"/[0-9][0-9]_*.sh; do
	[ -e "$s" ] || continue
	if [ $# -gt 0 ]; then
		match=0
		for want in "$@"; do
			case $(basename "$s") in *"$want"*) match=1 ;; esac
		done
		[ $match = 1 ] || continue
	fi
	scripts+=("$s")
done

failed=0
summary=$BENCH_RESULTS/SUMMARY.md
printf '# Benchmark results\n\n' >"$summary"
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	printf '\n## %s\n\n' "$name"
	start=$SECONDS
	if bash "$s" | tee "$BENCH_RESULTS/$name.out"; then
		log "$name: done in $((SECONDS - start)) s"
		{ printf '## %s\n\n' "$name"; cat "$BENCH_RESULTS/$name.out"; printf '\n'; } >>"$summary"
	else
		log "$name: FAILED"
		failed=1
	fi
	rm -f "$BENCH_RESULTS/$name.out"
done
log "results in $BENCH_RESULTS (SUMMARY.md, *.csv, *.png)"
exit $failed
