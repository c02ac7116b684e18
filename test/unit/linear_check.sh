#!/usr/bin/env bash
# Compare src/trainer/linear.c with scikit-learn 1.2 (LinearRegression,
# LogisticRegression) inside a real backend.  Builds test/unit/linear_harness.c
# twice (the default solver choice, and with Newton disabled so that every
# logistic problem goes through L-BFGS), creates the wrapper functions in a
# scratch schema of a running cluster, and runs test/unit/linear_parity.py,
# which exits non-zero when a check fails.
# Usage: test/unit/linear_check.sh PORT [DBNAME]
#   (a cluster from test/devcluster.sh PORT; the schema linear_harness is
#   dropped at the end)
set -euo pipefail
cd "$(dirname "$0")/../.."
port=${1:?usage: linear_check.sh PORT [DBNAME]}
db=${2:-pgml}
work=$(mktemp -d)
chmod 755 "$work"
psql=("$("${PG_CONFIG:-pg_config}" --bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "${PGHOST:-/tmp}" -p "$port" -U "${PGUSER:-postgres}" "$db")
cleanup() {
	"${psql[@]}" -c 'drop schema if exists linear_harness cascade' >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

for variant in newton lbfgs; do
	extra=()
	[ "$variant" = lbfgs ] && extra=(-DPGML_LINEAR_NEWTON_MAX_DIM=0)
	gcc -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
		-Wno-missing-field-initializers -Werror -O2 -fPIC -shared "${extra[@]}" \
		-I include -I "$("${PG_CONFIG:-pg_config}" --includedir-server)" \
		test/unit/linear_harness.c -o "$work/linear_harness_$variant.so" \
		-lopenblas -llapacke -lm
done

"${psql[@]}" <<SQL
set client_min_messages = warning;
drop schema if exists linear_harness cascade;
create schema linear_harness;
create function linear_harness.fit_newton(float8[], float8[], int, jsonb, int, text default null)
	returns float8[] language c as '$work/linear_harness_newton.so', 'linear_harness_fit';
create function linear_harness.fit_lbfgs(float8[], float8[], int, jsonb, int, text default null)
	returns float8[] language c as '$work/linear_harness_lbfgs.so', 'linear_harness_fit';
SQL

PSQL="${psql[0]}" /usr/bin/python3 test/unit/linear_parity.py "$port" "$db"
