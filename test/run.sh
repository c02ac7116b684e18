#!/usr/bin/env bash
# Run every test of pgml_worker: build with -Werror, install, then as an
# unprivileged user run pg_regress (expected outputs), the isolation tests
# and the TAP tests (worker, crash, restart, permissions, connections,
# oracle comparisons with Debian's scikit-learn and xgboost, and the unit
# harnesses of test/unit through test/t/070_unit_harnesses.pl).  This is
# the CI command; docs/testing.md describes every suite.
#
# Usage (as root on a fresh Debian 12 machine, or as a user with sudo):
#   bash test/run.sh
# Installs what is missing, so it can run on a fresh machine.
#
# Oracles (Python with scikit-learn, numpy, scipy, xgboost): a missing oracle
# fails its test.  Locally, PGML_SKIP_ORACLES=1 skips the oracle tests on
# purpose; the run then ends "passed, oracles SKIPPED".  With CI=true no test
# may be skipped: PGML_SKIP_ORACLES is ignored and any skipped TAP file is a
# failure.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bash "$top/test/install-deps.sh"

echo "== build (-Wall -Wextra -Werror) and install"
make -s clean >/dev/null 2>&1 || true
# PGML_COVERAGE=1 (test/coverage.sh): instrumented build; the servers
# write their .gcda files under $work/gcov, copied back next to the objects
make -s PGML_WERROR=1 ${PGML_COVERAGE:+PGML_COVERAGE=1}
as_root make -s install ${PGML_COVERAGE:+PGML_COVERAGE=1}

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

ci=false
case "${CI:-}" in 1|true|TRUE|True|yes) ci=true ;; esac
if [ "$ci" = true ] && [ -n "${PGML_SKIP_ORACLES:-}" ]; then
    echo "== CI=true: PGML_SKIP_ORACLES=${PGML_SKIP_ORACLES} is ignored, every oracle test runs"
    unset PGML_SKIP_ORACLES
fi

if [ -n "${PGML_COVERAGE:-}" ]; then
    export GCOV_PREFIX="$work/gcov" GCOV_PREFIX_STRIP=0
    run mkdir -p "$GCOV_PREFIX"
fi

status=0
failed=()
out=$(mktemp /tmp/pgml_suite.XXXXXX)
trap 'rm -f "$out"' EXIT
chmod 644 "$out"
suite() {
    local name=$1; shift
    echo "== $name"
    if ! run make -s installcheck PGML_WERROR=1 "$@" 2>&1 | tee "$out"; then
        status=1
        failed+=("$name")
    fi
}
suite "pg_regress (test/sql, test/expected)" ISOLATION= TAP_TESTS=
suite "isolation (test/isolation)" REGRESS= TAP_TESTS=
suite "TAP (test/t)" REGRESS= ISOLATION= PROVE_FLAGS="--timer"
# prove reports a skipped file as "file.pl .. skipped: why"
skipped=$(grep -E '\.pl \.+ skipped' "$out" || true)

if [ -n "${PGML_COVERAGE:-}" ] && [ -d "$work/gcov$top" ]; then
    (cd "$work/gcov$top" && find . -name '*.gcda' -exec cp --parents {} "$top/" \;)
fi

# every errmsg site of src/ reached by a test or listed with a reason in
# test/errmsg_unreached.txt (a full run only: skipped tests reach less)
echo "== errmsg coverage (scripts/errmsg_coverage.py)"
py=/usr/bin/python3; [ -x "$py" ] || py=python3
if [ -z "$skipped" ] && [ "$status" = 0 ]; then
    if ! "$py" "$top/scripts/errmsg_coverage.py" --check "$work"; then
        status=1
        failed+=("errmsg coverage")
    fi
else
    "$py" "$top/scripts/errmsg_coverage.py" "$work" | tail -n 1 || true
fi

# every mutant of test/mutants.txt still applies to today's code (make
# mutation runs them; this only checks that each would mutate something)
echo "== mutants apply (test/mutation.py --check)"
if ! "$py" "$top/test/mutation.py" --check; then
    status=1
    failed+=("mutants apply")
fi

if [ "$status" != 0 ]; then
    for f in "$work"/test/results_dir/regression.diffs "$work"/test/isolation_output/regression.diffs; do
        [ -f "$f" ] && { echo "---- $f"; cat "$f"; }
    done
    for f in "$work"/tmp_check/log/regress_log_*; do
        [ -f "$f" ] && grep -q "not ok" "$f" && { echo "---- tail of $f"; tail -n 80 "$f"; }
    done
    echo "failed suites: ${failed[*]}"
fi
if [ -n "$skipped" ]; then
    echo "skipped TAP files:"
    echo "$skipped"
    if [ "$ci" = true ]; then
        echo "CI=true: a skipped test is a failure"
        status=1
    fi
fi
if [ "$status" = 0 ] && [ -n "$skipped" ]; then
    echo "passed, oracles SKIPPED: this is not a full test run"
elif [ "$status" = 0 ]; then
    echo "all test suites passed"
else
    echo "some tests failed"
fi
exit $status
