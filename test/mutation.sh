#!/usr/bin/env bash
# Mutation testing (`make mutation`, not part of CI): every one-line mutant
# of test/mutants.txt, or only the ids given, against the tests its line
# names.  As root, like test/run.sh (it installs each mutant); needs the
# same PG_CONFIG.  Takes about a minute per mutant.  See test/mutation.py.
set -euo pipefail
cd "$(dirname "$0")/.."
# start from an uninstrumented build (make coverage leaves instrumented objects)
make -s clean >/dev/null
exec /usr/bin/python3 test/mutation.py "$@"
