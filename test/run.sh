#!/usr/bin/env bash
# Run every test of pgml_worker: build with -Werror, install, then as an
# unprivileged user run pg_regress (expected outputs), the isolation tests
# and the TAP tests (worker, crash, restart, permissions, connections,
# oracle comparisons with Debian's scikit-learn and xgboost).
#
# Usage (as root on a fresh Debian 12 machine, or as a user with sudo):
#   bash test/run.sh
# Installs what is missing, so it can run on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bash "$top/test/install-deps.sh"

echo "== build (-Wall -Wextra -Werror) and install"
make -s clean >/dev/null 2>&1 || true
make -s PGML_WERROR=1
as_root make -s install

# initdb refuses root: run the suites as the postgres user, in a copy of the
# tree that user owns.
if [ "$(id -u)" = 0 ]; then
    runner=postgres
    work=$(mktemp -d /tmp/pgml_test.XXXXXX)
    cp -a "$top/." "$work/"
    chown -R "$runner" "$work"
    run() { runuser -u "$runner" -- env -C "$work" "$@"; }
else
    work=$top
    run() { env -C "$work" "$@"; }
fi

status=0
failed=()
suite() {
    local name=$1; shift
    echo "== $name"
    if ! run make -s installcheck PGML_WERROR=1 "$@"; then
        status=1
        failed+=("$name")
    fi
}
suite "pg_regress (test/sql, test/expected)" ISOLATION= TAP_TESTS=
suite "isolation (test/isolation)" REGRESS= TAP_TESTS=
suite "TAP (test/t)" REGRESS= ISOLATION= PROVE_FLAGS="--timer"

if [ "$status" != 0 ]; then
    for f in "$work"/test/results_dir/regression.diffs "$work"/test/isolation_output/regression.diffs; do
        [ -f "$f" ] && { echo "---- $f"; cat "$f"; }
    done
    for f in "$work"/tmp_check/log/regress_log_*; do
        [ -f "$f" ] && grep -q "not ok" "$f" && { echo "---- tail of $f"; tail -n 80 "$f"; }
    done
    echo "failed suites: ${failed[*]}"
fi
if [ "$status" = 0 ]; then
    echo "all test suites passed"
else
    echo "some tests failed"
fi
exit $status
