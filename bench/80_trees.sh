#!/usr/bin/env bash
# Benchmark: the tree family trained by pgml_worker (decision_tree,
# random_forest, extra_trees, bagging, gradient_boosting_trees,
# hist_gradient_boosting, ada_boost) against scikit-learn 1.2.1 (Debian's
# /usr/bin/python3), whose hyperparameter names and defaults it follows.
# Each algorithm runs for the tasks pgml.algorithms() lists for it
# (ada_boost regression is AdaBoost.R2, AdaBoostRegressor, since b43a6c6;
# an older build, which lists classification only, runs classification
# only).  One run, side by side:
#   data        200,000 rows x 20 real (float4) features, generated in SQL
#               from a fixed seed (setseed; 18 uniform, one with 8 values,
#               one a sum of three uniforms), a real regression target and
#               a 0/1 label, both functions of the features plus noise.
#               The first 180,000 rows (in id order) are trained on, the
#               last 20,000 held out: pgml.train(..., test_size => 20000,
#               test_sampling => 'last') on tables written in id order, and
#               the same rows for scikit-learn (read with COPY, untimed).
#   fit         each algorithm x task once, pgml then scikit-learn:
#               pgml.train in one session with pgml_worker.nthread = 2
#               (BENCH_TREES_NTHREAD): its fit (pgml.models.timings ->
#               'fit': the trainer's clock around the fit function, what
#               scikit-learn's fit measures), its train phase (-> 'train':
#               trainer start, hand-off, fit, model transfer),
#               the wall time of the statement and the CPU time of the
#               backend and its (reaped) trainer; scikit-learn's
#               estimator.fit with n_jobs = the same number where the
#               estimator has n_jobs (DecisionTree* and GradientBoosting*
#               have none: one thread), wall and CPU time of the process
#               and its joblib workers, at the niceness of pgml's trainer
#               (pgml_worker.trainer_nice).  HistGradientBoosting* has no
#               n_jobs: its OpenMP threads are limited to the same number
#               (threadpoolctl; with the defaults, 2 on 2 CPUs, that is
#               OpenMP's own default).  Hyperparameters: the defaults
#               on both sides, except n_estimators 10 for random_forest and
#               extra_trees (default 100; bagging's default is 10) and 20
#               for gradient_boosting_trees (default 100), to keep the run
#               near 15 minutes on 2 CPUs (BENCH_TREES_N_ESTIMATORS,
#               BENCH_TREES_GBT_N_ESTIMATORS), early_stopping false for
#               hist_gradient_boosting and algorithm SAMME for ada_boost
#               classification (ada_boost regression: the defaults, 50
#               depth-3 trees, loss linear); the same JSON goes to
#               pgml.train and to the scikit-learn estimator.
#   predict     over the 20,000 held-out rows (real[] features):
#                 SELECT sum(pgml.predict('project', f)) FROM bench_trees_test
#               against PL/Python calling the fitted scikit-learn
#               estimator's predict once per row (bench/trees/plpython.sql),
#               timed together with lib.sh's bench_run (interleaved rounds),
#               and against scikit-learn's whole-matrix predict of the same
#               rows timed in Python, with n_jobs 1 (the SQL query runs on
#               one core) and n_jobs 2 (for HistGradientBoosting*, which
#               has no n_jobs: 1 and 2 OpenMP threads).  Microseconds per
#               row.
#               The PL/Python baseline predicts with one OpenMP thread
#               (BENCH_TREES_PLPYTHON_OMP_THREADS, default 1; empty: leave
#               OpenMP at its default, every CPU): one row is one core's
#               work, as for pgml.predict and as n_jobs 1 gives the other
#               estimators.  Only HistGradientBoosting*'s predict uses
#               OpenMP, and it starts a parallel region for every call:
#               in a backend, 2 threads made a one-row predict 16 times
#               slower (8.2 ms against 0.52 ms, 2026-12-03; a slower
#               baseline would flatter pgml).  The setting
#               reaches the PL/Python function through PGOPTIONS
#               (bench_trees.omp_threads).
#               BENCH_TREES_PLPYTHON_ROWS (default: all held-out rows)
#               runs the PL/Python cases over the first that many held-out
#               rows only (table bench_trees_test_py, in id order) and
#               divides by that number: a PL/Python predict costs 0.5 to
#               1.3 ms a row for hist_gradient_boosting and ada_boost
#               (10 to 25 s for 20,000 rows, run at least five times per
#               model; 5,000 rows took the predict phase of those four
#               models to about two minutes, bench/results/
#               trees_predict_hgb_ada.md),
#               and its per-row cost does not depend on which rows of the
#               same distribution it predicts.  pgml.predict is then timed
#               over those rows too ("pgml.predict on the PL/Python rows":
#               the ratio over the very same rows, in trees.md's notes);
#               the table's figures and ratios keep pgml over all rows.
# Targets, per algorithm and task: fit, pgml fit / scikit-learn fit
# <= 1; PL/Python per row / pgml.predict >= 50; scikit-learn whole matrix
# (n_jobs 1) / pgml.predict per row > 1.
# Writes results/trees.csv (one row per algorithm and task), trees.md (what
# it prints), trees_predict.csv (every timed predict case), trees.png (fit
# times) and trees_predict.png.
#
# BENCH_COMMIT names the commit the installed extension was built from, for
# trees.md (default: this repository's HEAD when the script starts; with
# BENCH_SKIP_BUILD=1 the installed build may come from elsewhere).
# BENCH_TREES_ALGORITHMS lists the algorithms (default the seven above); an
# entry pgml_name=sklearn_name compares another pgml algorithm with the
# scikit-learn estimator of a tree-family name (a test of this script with
# xgboost=gradient_boosting_trees, say, before the tree family exists).
set -euo pipefail
: "${BENCH_MAX_PER_ROUND:=10}"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROWS=${BENCH_TREES_ROWS:-200000}
NTEST=${BENCH_TREES_TEST_ROWS:-20000}
NTRAIN=$((ROWS - NTEST))
NTHREAD=${BENCH_TREES_NTHREAD:-2}
ENSEMBLE_TREES=${BENCH_TREES_N_ESTIMATORS:-10}
GBT_TREES=${BENCH_TREES_GBT_N_ESTIMATORS:-20}
ALGORITHMS=${BENCH_TREES_ALGORITHMS:-decision_tree random_forest extra_trees bagging gradient_boosting_trees hist_gradient_boosting ada_boost}
PYROWS=${BENCH_TREES_PLPYTHON_ROWS:-$NTEST}
OMP_PER_ROW=${BENCH_TREES_PLPYTHON_OMP_THREADS-1}
SIDE=$BENCH_DIR/trees/sklearn_side.py
commit=${BENCH_COMMIT:-$(git -C "$BENCH_DIR/.." rev-parse --short HEAD 2>/dev/null || echo none)}

if ! "$BENCH_PYTHON" -c 'import sklearn' 2>/dev/null; then
	bench_log "   $BENCH_PYTHON has no scikit-learn (apt-get install python3-sklearn)"
	exit 1
fi
sk_version=$("$BENCH_PYTHON" -c 'import sklearn; print(sklearn.__version__)')
if ! [ "$PYROWS" -ge 1 ] 2>/dev/null || [ "$PYROWS" -gt "$NTEST" ]; then
	bench_log "   BENCH_TREES_PLPYTHON_ROWS must be between 1 and $NTEST (got $PYROWS)"
	exit 1
fi
if [ -n "$OMP_PER_ROW" ]; then
	if ! [ "$OMP_PER_ROW" -ge 1 ] 2>/dev/null; then
		bench_log "   BENCH_TREES_PLPYTHON_OMP_THREADS must be a positive integer or empty (got $OMP_PER_ROW)"
		exit 1
	fi
	# read by bench_sk_predict (bench/trees/plpython.sql) in every session
	export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c bench_trees.omp_threads=$OMP_PER_ROW"
fi

# The same JSON for pgml.train and the scikit-learn estimator.
# $1 the algorithm (scikit-learn side's name), $2 the task.
hyperparams_of() {
	case $1 in
	decision_tree) echo '{}' ;;
	gradient_boosting_trees) printf '{"n_estimators": %d}\n' "$GBT_TREES" ;;
	# the same number of iterations on both sides (early stopping draws
	# its validation rows differently for classification)
	hist_gradient_boosting) echo '{"early_stopping": false}' ;;
	# scikit-learn 1.2's default is SAMME.R, pgml's SAMME; AdaBoost.R2
	# (regression) has no algorithm: the defaults on both sides
	ada_boost) if [ "$2" = regression ]; then echo '{}'; else echo '{"algorithm": "SAMME"}'; fi ;;
	*) printf '{"n_estimators": %d}\n' "$ENSEMBLE_TREES" ;;
	esac
}

for spec in $ALGORITHMS; do
	if [ "$(bench_sql -c "SELECT count(*) FROM pgml.algorithms() WHERE name = '${spec%%=*}'")" != 1 ]; then
		bench_log "   pgml.algorithms() has no ${spec%%=*}: is the tree family built and installed?"
		exit 1
	fi
done

work=$(mktemp -d /tmp/bench_trees.XXXXXX)
chmod 755 "$work"	# the pickled estimators are read by the server (user postgres)
trap 'rm -rf "$work"' EXIT

# --- data ----------------------------------------------------------------
uniform() { for i in "$@"; do printf 'random()::real AS x%d, ' "$i"; done; }
cols=$(for i in $(seq 1 20); do printf 'x%d, ' "$i"; done)
cols=${cols%, }
t0=$(date +%s.%N)
bench_sql -v rows="$ROWS" -v ntrain="$NTRAIN" <<SQL >/dev/null
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_trees_all, bench_trees_reg, bench_trees_cls, bench_trees_test, bench_trees_test_py;
SELECT setseed(0.8080);
CREATE TABLE bench_trees_all AS
    SELECT id, $cols,
           (2 * x1 + x2 * x3 + sin(6 * x4) + (x5 > 0.5)::int * x6 - x7 * x7 + 0.5 * x8
            + x9 * x10 - 0.3 * x11 + 0.1 * x12 + 0.5 * (x13 > 1.5)::int
            + 0.1 * random())::real AS y,
           (x1 + x2 * x3 + sin(6 * x4) - x7 + 0.05 * x12 + 0.5 * (random() - 0.5) > 0.43)::int AS label
      FROM (SELECT g AS id, $(uniform $(seq 1 11))
                   floor(8 * random())::real AS x12,
                   (random() + random() + random())::real AS x13,
                   $(uniform $(seq 14 19)) random()::real AS x20
              FROM generate_series(1, :rows) g) s;
CREATE TABLE bench_trees_reg AS SELECT $cols, y FROM bench_trees_all ORDER BY id;
CREATE TABLE bench_trees_cls AS SELECT $cols, label FROM bench_trees_all ORDER BY id;
CREATE TABLE bench_trees_test AS
    SELECT id, ARRAY[$cols]::real[] AS f, y, label FROM bench_trees_all WHERE id > :ntrain ORDER BY id;
VACUUM ANALYZE bench_trees_all, bench_trees_reg, bench_trees_cls, bench_trees_test;
SQL
# the PL/Python cases' rows when BENCH_TREES_PLPYTHON_ROWS is below NTEST
pytable=bench_trees_test
if [ "$PYROWS" -lt "$NTEST" ]; then
	pytable=bench_trees_test_py
	bench_sql -v ntrain="$NTRAIN" -v pyrows="$PYROWS" <<'SQL' >/dev/null
CREATE TABLE bench_trees_test_py AS
    SELECT * FROM bench_trees_test WHERE id <= :ntrain + :pyrows ORDER BY id;
VACUUM ANALYZE bench_trees_test_py;
SQL
fi
gen_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
psql -X -q -v ON_ERROR_STOP=1 -c "COPY (SELECT $cols, y, label FROM bench_trees_all ORDER BY id) TO STDOUT (FORMAT csv)" \
	>"$work/rows.csv"
data=$("$BENCH_PYTHON" "$SIDE" prep "$work/rows.csv" "$NTRAIN" "$work/data.npz")
rm -f "$work/rows.csv"
bench_log "   generated $ROWS rows in $gen_s s; $data"

trainer_nice=$(bench_sql -c 'SHOW pgml_worker.trainer_nice')
bench_sql -c "SELECT count(*) FROM (SELECT pgml.drop_project(name) FROM pgml.projects
               WHERE name LIKE 'bench\_trees\_%') s" >/dev/null

# --- fit: pgml then scikit-learn, per algorithm and task ------------------
# One pgml.train in its own session: prints "WALL|ms", "CPU|ticks" (the
# backend and its reaped trainer: /proc/self/stat utime+stime+cutime+cstime)
# and "MODEL|id|timings|artifact bytes|image bytes|metrics".
pgml_fit() {
	bench_sql -v project="$1" -v task="$2" -v rel="$3" -v ycol="$4" -v algo="$5" -v hp="$6" \
		-v ntest="$NTEST" -v nthread="$NTHREAD" <<'SQL' | sed -e 's/^Time: \([0-9.]*\) ms.*/WALL|\1/'
SET client_min_messages = warning;
SET pgml_worker.nthread = :nthread;
SELECT (SELECT sum(split_part(s, ' ', n)::bigint) FROM unnest(ARRAY[14, 15, 16, 17]) n) AS c0
  FROM pg_read_file('/proc/self/stat') s \gset
\timing on
SELECT count(*) FROM pgml.train(:'project', :'task', :'rel', :'ycol', :'algo', :'hp'::jsonb,
                                test_size => :ntest, test_sampling => 'last') \g /dev/null
\timing off
SELECT (SELECT sum(split_part(s, ' ', n)::bigint) FROM unnest(ARRAY[14, 15, 16, 17]) n) AS c1
  FROM pg_read_file('/proc/self/stat') s \gset
SELECT 'CPU', :c1 - :c0;
SELECT 'MODEL', m.id, m.timings, octet_length(m.artifact),
       (SELECT bytes FROM pgml.stat_models s WHERE s.model_id = m.id LIMIT 1), m.metrics
  FROM pgml.models m JOIN pgml.projects p ON p.id = m.project_id
 WHERE p.name = :'project' ORDER BY m.id DESC LIMIT 1;
SQL
}

models=()
: >"$work/fits.jsonl"
for spec in $ALGORITHMS; do
	algo=${spec%%=*}
	skalgo=${spec#*=}
	for task in regression classification; do
		# the tasks this build's pgml.algorithms() lists for the algorithm
		# (ada_boost classified only before b43a6c6)
		if [ "$(bench_sql -c "SELECT '$task' = ANY (tasks) FROM pgml.algorithms() WHERE name = '$algo'")" != t ]; then
			bench_log "   $algo $task: not in pgml.algorithms(), skipped"
			continue
		fi
		hp=$(hyperparams_of "$skalgo" "$task")
		project=bench_trees_${algo}_$task
		pkl=$work/$algo.$task.pkl
		if [ "$task" = regression ]; then rel=bench_trees_reg ycol=y; else rel=bench_trees_cls ycol=label; fi
		out=$(pgml_fit "$project" "$task" "$rel" "$ycol" "$algo" "$hp")
		printf '%s\n' "$out" >"$work/pgml.out"
		sk=$(nice -n "$trainer_nice" "$BENCH_PYTHON" "$SIDE" fit "$work/data.npz" "$skalgo" "$task" "$hp" "$NTHREAD" "$pkl")
		"$BENCH_PYTHON" - "$algo" "$skalgo" "$task" "$hp" "$project" "$pkl" "$work/pgml.out" "$sk" \
			"$(getconf CLK_TCK)" >>"$work/fits.jsonl" <<'PY'
import json, sys
algo, skalgo, task, hp, project, pkl, pgml_out, sk, tick = sys.argv[1:]
p = {}
for line in open(pgml_out).read().splitlines():
    f = line.split("|")
    if f[0] == "WALL":
        p["wall_s"] = float(f[1]) / 1000
    elif f[0] == "CPU":
        p["cpu_s"] = int(f[1]) / int(tick)
    elif f[0] == "MODEL":
        p["model_id"] = int(f[1])
        p["timings"] = json.loads(f[2]) if f[2] else {}
        p["artifact_bytes"] = int(f[3])
        p["image_bytes"] = int(f[4]) if f[4] else None
        p["metrics"] = json.loads(f[5])
print(json.dumps({"algorithm": algo, "sklearn_algorithm": skalgo, "task": task,
                  "hyperparams": json.loads(hp), "project": project, "pickle": pkl,
                  "pgml": p, "sklearn": json.loads(sk)}))
PY
		models+=("$algo|$task|$project|$pkl")
		bench_log "   $(tail -n 1 "$work/fits.jsonl" | "$BENCH_PYTHON" -c '
import json, sys
r = json.loads(sys.stdin.read()); p, s = r["pgml"], r["sklearn"]
print("%s %s: pgml fit %.2f s (train phase %.2f s, wall %.2f s, CPU %.2f s), scikit-learn fit %.2f s (CPU %.2f s)"
      % (r["algorithm"], r["task"], p["timings"].get("fit", float("nan")),
         p["timings"].get("train", float("nan")), p["wall_s"], p["cpu_s"],
         s["fit_s"], s["fit_cpu_s"]))')"
	done
done

# --- checks (untimed): the held-out rows, the PL/Python baseline ---------
bench_sql -f "$BENCH_DIR/trees/plpython.sql" >/dev/null
: >"$work/checks.txt"
for m in "${models[@]}"; do
	IFS='|' read -r algo task project pkl <<<"$m"
	# pgml's held-out metric recomputed over bench_trees_test: equal when
	# pgml held out exactly these rows (r2; accuracy); and the PL/Python
	# baseline's first 500 predictions, to compare with scikit-learn's.
	if [ "$task" = regression ]; then
		q="SELECT 1 - sum((y - p) ^ 2) / sum((y - a) ^ 2) FROM (SELECT y::float8 y, pgml.predict('$project', f)::float8 p,
		          avg(y::float8) OVER () a FROM bench_trees_test) s"
	else
		q="SELECT avg((pgml.predict('$project', f)::int = label)::int::float8) FROM bench_trees_test"
	fi
	held=$(bench_sql -c "$q")
	py500=$(bench_sql -c "SELECT sum(bench_sk_predict('$pkl', f)::float8) FROM bench_trees_test WHERE id <= $NTRAIN + 500")
	printf '%s|%s|%s|%s\n' "$algo" "$task" "$held" "$py500" >>"$work/checks.txt"
done

# --- predict: one timed session, interleaved ------------------------------
bench_begin trees_predict "tree family: predict $NTEST held-out rows; µs per row"
for m in "${models[@]}"; do
	IFS='|' read -r algo task project pkl <<<"$m"
	bench_add "pgml.predict: $algo $task" "SELECT sum(pgml.predict('$project', f)) FROM bench_trees_test"
	bench_add "PL/Python per row: $algo $task" "SELECT sum(bench_sk_predict('$pkl', f)) FROM $pytable"
	if [ "$pytable" != bench_trees_test ]; then
		bench_add "pgml.predict on the PL/Python rows: $algo $task" \
			"SELECT sum(pgml.predict('$project', f)) FROM $pytable"
	fi
done
bench_add "floor: the scan without predicting" "SELECT sum(array_length(f, 1)) FROM bench_trees_test"
bench_run trees_predict
if [ "$pytable" != bench_trees_test ]; then
	# the cases over bench_trees_test_py, scaled to NTEST rows (ms per query)
	# so that bench_per_row gives microseconds per row of its PYROWS rows
	awk -F, -v OFS=, -v n="$NTEST" -v m="$PYROWS" '
		NR > 1 && ($1 ~ /^"PL\/Python per row: / || $1 ~ /^"pgml.predict on the PL\/Python rows: /) {
			for (i = 3; i <= 6; i++) $i = sprintf("%.6f", $i * n / m) }
		{ print }' "$BENCH_RESULTS/trees_predict.raw.csv" >"$BENCH_RESULTS/trees_predict.raw.csv.tmp"
	mv "$BENCH_RESULTS/trees_predict.raw.csv.tmp" "$BENCH_RESULTS/trees_predict.raw.csv"
fi
bench_per_row trees_predict "$NTEST"
rm -f "$BENCH_RESULTS/trees_predict.title"

# --- report ----------------------------------------------------------------
"$BENCH_PYTHON" "$BENCH_DIR/trees/report.py" "$work/fits.jsonl" "$BENCH_RESULTS/trees_predict.raw.csv" \
	"$work/checks.txt" "$BENCH_RESULTS" "$work" <<META
{"rows": $ROWS, "train": $NTRAIN, "test": $NTEST, "nthread": $NTHREAD, "trainer_nice": $trainer_nice,
 "plpython_rows": $PYROWS, "plpython_omp_threads": "$OMP_PER_ROW",
 "sklearn": "$sk_version", "generate_s": $gen_s, "data": $data,
 "max_per_round": $BENCH_MAX_PER_ROUND, "load": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "date": "$(date -u '+%Y-%m-%d %H:%M UTC')", "commit": "$commit",
 "server": "$(bench_sql -c 'SHOW server_version')", "extension": "$(bench_sql -c "SELECT extversion FROM pg_extension WHERE extname = 'pgml_worker'")",
 "cpus": $(nproc)}
META
rm -f "$BENCH_RESULTS/trees_predict.raw.csv"
bench_chart "$work/fit_chart.csv" "$BENCH_RESULTS/trees.png" \
	"tree family: fit on $NTRAIN rows x 20, $NTHREAD threads where both sides have them; seconds" \
	"scikit-learn, the same algorithm and task"
bench_chart "$BENCH_RESULTS/trees_predict.csv" "$BENCH_RESULTS/trees_predict.png" \
	"tree family: predict $NTEST held-out rows; µs per row" \
	"pgml.predict, the same model"
cat "$BENCH_RESULTS/trees.md"
if [ "$pytable" != bench_trees_test ]; then
	bench_sql -c "DROP TABLE $pytable" >/dev/null
fi
bench_sql -c 'DROP TABLE bench_trees_all, bench_trees_reg, bench_trees_cls, bench_trees_test' >/dev/null
