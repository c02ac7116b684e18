#!/usr/bin/env bash
# Compare src/trainer/cluster.c (k-means), src/trainer/decompose.c (PCA) and
# src/train/cluster_metrics.c (silhouette) with scikit-learn 1.2 inside a real
# backend.  Builds test/unit/cluster_harness.c, creates its wrapper functions
# in a scratch schema of a running cluster, loads the iris, wine and digits
# datasets there if missing, and runs test/unit/cluster_parity.py, which exits
# non-zero when a check fails.
# Usage: test/unit/cluster_check.sh PORT [DBNAME]
#   (a cluster from test/devcluster.sh PORT with CREATE EXTENSION pgml_worker
#   done; the schema cluster_harness is dropped at the end)
set -euo pipefail
cd "$(dirname "$0")/../.."
port=${1:?usage: cluster_check.sh PORT [DBNAME]}
db=${2:-pgml}
work=$(mktemp -d)
chmod 755 "$work"
psql=("$("${PG_CONFIG:-pg_config}" --bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "${PGHOST:-/tmp}" -p "$port" -U "${PGUSER:-postgres}" "$db")
cleanup() {
	"${psql[@]}" -c 'drop schema if exists cluster_harness cascade' >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

gcc -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Werror -O2 -fPIC -shared \
	-I include -I "$("${PG_CONFIG:-pg_config}" --includedir-server)" \
	test/unit/cluster_harness.c -o "$work/cluster_harness.so" \
	-lopenblas -llapacke -lm

"${psql[@]}" <<SQL
set client_min_messages = warning;
drop schema if exists cluster_harness cascade;
create schema cluster_harness;
create function cluster_harness.kmeans(float8[], int, jsonb, int8 default 0, int default 1)
	returns text language c as '$work/cluster_harness.so', 'cluster_harness_kmeans';
create function cluster_harness.pca(float8[], int, jsonb, int default 1)
	returns text language c as '$work/cluster_harness.so', 'cluster_harness_pca';
create function cluster_harness.metrics(float8[], int, float8[], int, float8)
	returns text language c as '$work/cluster_harness.so', 'cluster_harness_metrics';
select pgml.load_dataset(d) from unnest(array['iris', 'wine', 'digits']) d
 where to_regclass('pgml.' || d) is null;
SQL

PSQL="${psql[0]}" /usr/bin/python3 test/unit/cluster_parity.py "$port" "$db"
