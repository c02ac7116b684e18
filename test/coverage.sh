#!/usr/bin/env bash
# Line and branch coverage of src/ by every test suite: an instrumented
# build (gcc --coverage -O0), the whole of test/run.sh, then Debian's lcov.
#
#   bash test/coverage.sh          (as root, like test/run.sh; `make coverage`)
#
# Writes coverage/lcov.info, coverage/summary.txt (per file: lines, functions
# and branches hit) and coverage/html/index.html.  The instrumented library
# stays installed: the next test/run.sh rebuilds without instrumentation.
# A failing suite still gives a report (of what ran); the exit status says
# whether the suites passed.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
if ! command -v lcov >/dev/null; then
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends lcov >/dev/null
fi
find src -name '*.gcda' -delete
PGML_COVERAGE=1 bash test/run.sh
rc=$?
rm -rf coverage
mkdir -p coverage
rcopt=(--rc lcov_branch_coverage=1)
lcov -q "${rcopt[@]}" --capture --directory src --base-directory "$top" \
    --output-file coverage/all.info
# the project's sources only (not PostgreSQL's or msgpack's headers)
lcov -q "${rcopt[@]}" --extract coverage/all.info "$top/src/*" "$top/include/*" \
    --output-file coverage/lcov.info
rm -f coverage/all.info
lcov "${rcopt[@]}" --list coverage/lcov.info | sed "s|$top/||" | tee coverage/summary.txt
lcov "${rcopt[@]}" --summary coverage/lcov.info 2>&1 | tee -a coverage/summary.txt
genhtml -q "${rcopt[@]}" --output-directory coverage/html coverage/lcov.info || true
echo "coverage: coverage/summary.txt, coverage/html/index.html"
exit $rc
