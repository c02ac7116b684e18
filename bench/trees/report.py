"""The report of bench/80_trees.sh: trees.csv, trees.md, trees_predict.csv, the charts' CSV.

Usage: report.py FITS.jsonl PREDICT.raw.csv CHECKS.txt RESULTS_DIR WORK_DIR < META.json

FITS.jsonl     one object per algorithm and task: pgml's side (wall, CPU,
               pgml.models timings, metrics, sizes) and scikit-learn's (the
               output of sklearn_side.py fit)
PREDICT.raw.csv bench_run's timings of the SQL predict cases, per row
               (bench_per_row): case, runs, median_us, min_us, p90_us, cpu;
               with BENCH_TREES_PLPYTHON_ROWS below the held-out rows, the
               PL/Python cases and "pgml.predict on the PL/Python rows: ..."
               per row of that subset
CHECKS.txt     algorithm|task|held-out metric recomputed in SQL|sum of the
               PL/Python baseline's first 500 predictions
"""
import csv
import json
import math
import sys

PHASES = ["read", "convert", "handoff", "train", "fit", "evaluate", "store", "publish"]


def fmt(x, digits=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return "%.*f" % (digits, x)


def verdict(value, op, limit):
    if value is None or math.isnan(value):
        return "n/a"
    ok = {"<=": value <= limit, ">=": value >= limit, ">": value > limit}[op]
    return "PASS" if ok else "MISS"


def main():
    fits_path, raw_path, checks_path, results, work = sys.argv[1:6]
    meta = json.load(sys.stdin)
    fits = [json.loads(line) for line in open(fits_path) if line.strip()]
    with open(raw_path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    cases = {r[0]: {"runs": int(r[1]), "median": float(r[2]), "min": float(r[3]),
                    "p90": float(r[4]), "cpu": float(r[5])} for r in rows}
    checks = {}
    for line in open(checks_path):
        a, t, held, py500 = line.rstrip("\n").split("|")
        checks[(a, t)] = (float(held) if held else float("nan"), float(py500) if py500 else float("nan"))
    floor = cases.get("floor: the scan without predicting")
    nthread = meta["nthread"]

    out = []
    for r in fits:
        a, t, p, s = r["algorithm"], r["task"], r["pgml"], r["sklearn"]
        tm = p.get("timings") or {}
        train = tm.get("train", float("nan"))
        fit = tm.get("fit", float("nan"))
        pg = cases["pgml.predict: %s %s" % (a, t)]
        py = cases["PL/Python per row: %s %s" % (a, t)]
        pgsub = cases.get("pgml.predict on the PL/Python rows: %s %s" % (a, t))
        w1 = s["whole_1"]
        wn = s.get("whole_n")
        key = "r2" if t == "regression" else "f1"
        held, py500 = checks.get((a, t), (float("nan"), float("nan")))
        held_key = "r2" if t == "regression" else "accuracy"
        out.append({
            "algorithm": a, "task": t, "sklearn_algorithm": r["sklearn_algorithm"],
            "estimator": s["estimator"], "hyperparams": r["hyperparams"],
            "pgml_train_s": train, "pgml_fit_s": fit, "pgml_wall_s": p["wall_s"], "pgml_cpu_s": p["cpu_s"],
            "timings": tm,
            "sklearn_fit_s": s["fit_s"], "sklearn_cpu_s": s["fit_cpu_s"], "sklearn_n_jobs": s["n_jobs"],
            "sklearn_omp": s.get("omp_threads"),
            "fit_ratio": fit / s["fit_s"], "train_ratio": train / s["fit_s"],
            "wall_ratio": p["wall_s"] / s["fit_s"],
            "cpu_ratio": p["cpu_s"] / s["fit_cpu_s"] if s["fit_cpu_s"] > 0 else float("nan"),
            "pgml_us": pg["median"], "pgml_cpu_us": pg["cpu"], "pgml_runs": pg["runs"],
            "py_us": py["median"], "py_cpu_us": py["cpu"], "py_runs": py["runs"],
            "py_ratio": py["median"] / pg["median"],
            "pgsub_us": pgsub["median"] if pgsub else None,
            "pgsub_cpu_us": pgsub["cpu"] if pgsub else None,
            "py_ratio_same_rows": py["median"] / pgsub["median"] if pgsub else None,
            "whole1_us": w1["median_us"], "whole_ratio": w1["median_us"] / pg["median"],
            "wholen_us": wn["median_us"] if wn else None,
            "wholen_ratio": wn["median_us"] / pg["median"] if wn else None,
            "metric": key, "pgml_score": p["metrics"].get(key), "sklearn_score": s["score"],
            "held_key": held_key, "held_stored": p["metrics"].get(held_key), "held_sql": held,
            "sum500_sklearn": s["sum500"], "sum500_plpython": py500,
            "artifact_bytes": p["artifact_bytes"], "image_bytes": p["image_bytes"],
            "nodes": s["nodes"], "trees": s["trees"], "pickle_bytes": s["pickle_bytes"],
            "whole_1": w1, "whole_n": wn,
        })

    # --- trees.csv: one row per algorithm and task ---------------------------
    with open("%s/trees.csv" % results, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["algorithm", "task", "hyperparams", "pgml_fit_s", "pgml_train_s", "pgml_wall_s",
                    "pgml_cpu_s", "sklearn_fit_s", "sklearn_cpu_s", "sklearn_n_jobs",
                    "fit_ratio_pgml_fit_to_sklearn", "ratio_pgml_train_phase_to_sklearn",
                    "fit_target_le_1", "wall_ratio_pgml_to_sklearn",
                    "pgml_predict_us_per_row", "pgml_predict_cpu_us_per_row",
                    "plpython_predict_us_per_row", "plpython_predict_cpu_us_per_row",
                    "ratio_plpython_to_pgml", "plpython_target_ge_50",
                    "sklearn_whole_matrix_us_per_row_n_jobs_1", "ratio_whole_to_pgml",
                    "whole_target_gt_1", "sklearn_whole_matrix_us_per_row_n_jobs_%d" % nthread,
                    "metric", "pgml_score", "sklearn_score", "pgml_artifact_bytes", "pgml_image_bytes",
                    "sklearn_nodes", "sklearn_pickle_bytes", "cpu_ratio_pgml_statement_to_sklearn_fit"])
        for o in out:
            w.writerow([o["algorithm"], o["task"], json.dumps(o["hyperparams"]),
                        fmt(o["pgml_fit_s"], 3), fmt(o["pgml_train_s"], 3), fmt(o["pgml_wall_s"], 3),
                        fmt(o["pgml_cpu_s"], 2), fmt(o["sklearn_fit_s"], 3), fmt(o["sklearn_cpu_s"], 2),
                        o["sklearn_n_jobs"] or o["sklearn_omp"] or 1,
                        fmt(o["fit_ratio"]), fmt(o["train_ratio"]), verdict(o["fit_ratio"], "<=", 1), fmt(o["wall_ratio"]),
                        fmt(o["pgml_us"], 3), fmt(o["pgml_cpu_us"], 3),
                        fmt(o["py_us"], 3), fmt(o["py_cpu_us"], 3),
                        fmt(o["py_ratio"]), verdict(o["py_ratio"], ">=", 50),
                        fmt(o["whole1_us"], 3), fmt(o["whole_ratio"]), verdict(o["whole_ratio"], ">", 1),
                        fmt(o["wholen_us"], 3), o["metric"], fmt(o["pgml_score"], 4),
                        fmt(o["sklearn_score"], 4), o["artifact_bytes"],
                        o["image_bytes"] if o["image_bytes"] is not None else "",
                        o["nodes"], o["pickle_bytes"], fmt(o["cpu_ratio"])])

    # --- trees_predict.csv and the charts' CSV (chart.py's format) ------------
    with open("%s/trees_predict.csv" % results, "w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["case", "runs", "median_us", "min_us", "p90_us", "cpu_µs/row",
                    "ratio_to_pgml_predict_of_the_same_model"])
        for o in out:
            name = "%s %s" % (o["algorithm"], o["task"])
            pg = o["pgml_us"]
            for label in ("pgml.predict: " + name, "PL/Python per row: " + name,
                          "pgml.predict on the PL/Python rows: " + name):
                if label not in cases:
                    continue
                c = cases[label]
                w.writerow([label, c["runs"], c["median"], c["min"], c["p90"], c["cpu"],
                            float(fmt(c["median"] / pg))])
            for jobs, wh in ((1, o["whole_1"]), (nthread, o["whole_n"])):
                if wh:
                    w.writerow(["sklearn whole matrix, n_jobs %d: %s" % (jobs, name), wh["runs"],
                                round(wh["median_us"], 3), round(wh["min_us"], 3),
                                round(wh["p90_us"], 3), round(wh["cpu_us"], 3),
                                float(fmt(wh["median_us"] / pg))])
        if floor:
            w.writerow(["floor: the scan without predicting", floor["runs"], floor["median"],
                        floor["min"], floor["p90"], floor["cpu"], ""])
    with open("%s/fit_chart.csv" % work, "w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["case", "runs", "median_s", "min_s", "p90_s", "cpu_s", "ratio_to_scikit_learn"])
        for o in out:
            name = "%s %s" % (o["algorithm"], o["task"])
            w.writerow(["pgml fit: " + name, 1, o["pgml_fit_s"], o["pgml_fit_s"],
                        o["pgml_fit_s"], round(o["pgml_cpu_s"], 3), float(fmt(o["fit_ratio"]))])
            w.writerow(["sklearn fit: " + name, 1, o["sklearn_fit_s"], o["sklearn_fit_s"],
                        o["sklearn_fit_s"], round(o["sklearn_cpu_s"], 3), 1.0])

    # --- trees.md ---------------------------------------------------------------
    md = []
    add = md.append
    hp = {}
    per_algo = {}
    for o in out:
        per_algo.setdefault(o["algorithm"], set()).add(json.dumps(o["hyperparams"]))
    for o in out:
        # "ada_boost regression" where an algorithm's tasks have different JSON
        name = o["algorithm"] if len(per_algo[o["algorithm"]]) == 1 else "%s %s" % (o["algorithm"], o["task"])
        hp.setdefault(json.dumps(o["hyperparams"]), []).append(name)
    add("Tree family against scikit-learn %s: %s rows x 20 real features (generated in SQL, "
        "fixed seed), trained on the first %s, the last %s held out and predicted; "
        "pgml_worker.nthread = n_jobs = %d where scikit-learn has n_jobs."
        % (meta["sklearn"], "{:,}".format(meta["rows"]), "{:,}".format(meta["train"]),
           "{:,}".format(meta["test"]), nthread))
    add("")
    add("Hyperparameters, the same JSON to `pgml.train` and to the scikit-learn estimator "
        "(everything else at its default): " +
        "; ".join("%s `%s`" % (", ".join(sorted(set(v), key=v.index)), k) for k, v in hp.items()) + ".")
    add("")
    add("### Fit")
    add("")
    add("| algorithm | task | pgml fit s | pgml train phase s | pgml wall s | pgml CPU s "
        "| scikit-learn fit s | scikit-learn CPU s | n_jobs | fit / scikit-learn "
        "| train phase / scikit-learn | wall / scikit-learn | CPU / scikit-learn | target <= 1 |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for o in out:
        add("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            o["algorithm"], o["task"], fmt(o["pgml_fit_s"], 3), fmt(o["pgml_train_s"], 3),
            fmt(o["pgml_wall_s"], 3),
            fmt(o["pgml_cpu_s"]), fmt(o["sklearn_fit_s"], 3), fmt(o["sklearn_cpu_s"]),
            o["sklearn_n_jobs"] or ("%d (OpenMP threads)" % o["sklearn_omp"] if o["sklearn_omp"] else "1 (none)"),
            fmt(o["fit_ratio"]), fmt(o["train_ratio"]), fmt(o["wall_ratio"]),
            fmt(o["cpu_ratio"]),
            "**%s**" % verdict(o["fit_ratio"], "<=", 1)))
    add("")
    add("pgml fit: `pgml.models.timings -> 'fit'`, the trainer's clock around the fit function "
        "(from the mapped rows to the fitted model, threads included), what scikit-learn's `fit` "
        "measures on its side: the target's ratio. "
        "pgml train phase: `pgml.models.timings -> 'train'` (trainer start, hand-off of the rows, "
        "fit, model transfer); wall: the `pgml.train` statement (read, split, train, evaluate the "
        "%s held-out rows, store, deploy, commit and publish); CPU: the backend and its trainer "
        "over the whole statement (so CPU / scikit-learn counts more than the fit on pgml's side). "
        "scikit-learn: `fit` alone, data already a float32 NumPy matrix, CPU of the process and "
        "its joblib workers (started before the clock), run at pgml's trainer niceness (%d)."
        % ("{:,}".format(meta["test"]), meta["trainer_nice"]))
    add("")
    add("### Predict, µs per row (%s held-out rows)" % "{:,}".format(meta["test"]))
    add("")
    add("| algorithm | task | pgml.predict (SQL) | CPU | PL/Python scikit-learn per row | CPU "
        "| PL/Python / pgml | target >= 50 | scikit-learn whole matrix, n_jobs 1 "
        "| whole / pgml | target > 1 | whole matrix, n_jobs %d |" % nthread)
    add("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|")
    for o in out:
        add("| %s | %s | %s | %s | %s | %s | %s | **%s** | %s | %s | **%s** | %s |" % (
            o["algorithm"], o["task"], fmt(o["pgml_us"], 3), fmt(o["pgml_cpu_us"], 3),
            fmt(o["py_us"], 1), fmt(o["py_cpu_us"], 1), fmt(o["py_ratio"], 1),
            verdict(o["py_ratio"], ">=", 50), fmt(o["whole1_us"], 3), fmt(o["whole_ratio"]),
            verdict(o["whole_ratio"], ">", 1),
            fmt(o["wholen_us"], 3) if o["wholen_us"] is not None else "(no n_jobs)"))
    add("")
    pyrows = meta.get("plpython_rows", meta["test"])
    omp = meta.get("plpython_omp_threads", "")
    add("SQL cases: `SELECT sum(pgml.predict('project', f)) FROM bench_trees_test` and the same "
        "with the PL/Python function (an estimator per connection, n_jobs 1, `predict` of one "
        "row%s)%s, median of %s and %s runs (interleaved rounds, bench/lib.sh), CPU of the backend; "
        "the floor, the scan without predicting: %s µs/row. Whole matrix: `estimator.predict` of "
        "the %s x 20 float32 matrix in Python, median of at least 5 calls, per row%s."
        % ("; OpenMP limited to %s thread%s" % (omp, "" if omp == "1" else "s") if omp
           else "; OpenMP at its default",
           (" over the first %s held-out rows only (bench_trees_test_py), per row of those"
            % "{:,}".format(pyrows)) if pyrows < meta["test"] else "",
           min(o["pgml_runs"] for o in out), min(o["py_runs"] for o in out),
           fmt(floor["median"], 3) if floor else "n/a", "{:,}".format(meta["test"]),
           "; hist_gradient_boosting has no n_jobs: its columns n_jobs 1 and %d are 1 and %d "
           "OpenMP threads" % (nthread, nthread) if any(o["sklearn_omp"] for o in out) else ""))
    same = [o for o in out if o["pgsub_us"] is not None]
    if same:
        add("")
        add("pgml.predict over the PL/Python cases' %s rows, µs per row (the same rows as "
            "PL/Python): %s." % ("{:,}".format(pyrows), "; ".join(
                "%s %s %s (CPU %s), PL/Python / pgml on those rows %s" % (
                    o["algorithm"], o["task"], fmt(o["pgsub_us"], 3), fmt(o["pgsub_cpu_us"], 3),
                    fmt(o["py_ratio_same_rows"], 1)) for o in same)))
    add("")
    add("### pgml phases (`pgml.models.timings`, s) and model sizes")
    add("")
    extra = sorted({k for o in out for k in o["timings"] if k not in PHASES and k != "trainer_peak_rss_kb"})
    add("| algorithm | task | " + " | ".join(PHASES + extra) +
        " | trainer peak RSS kB | artifact bytes | image bytes | scikit-learn trees, nodes | pickle bytes |")
    add("|---|---|" + "---:|" * (len(PHASES) + len(extra) + 5))
    for o in out:
        tm = o["timings"]
        add("| %s | %s | %s | %s | %s | %s | %s, %s | %s |" % (
            o["algorithm"], o["task"],
            " | ".join(fmt(tm.get(k), 3) if isinstance(tm.get(k), (int, float)) else str(tm.get(k, ""))
                       for k in PHASES + extra),
            tm.get("trainer_peak_rss_kb", ""), o["artifact_bytes"],
            o["image_bytes"] if o["image_bytes"] is not None else "", o["trees"], o["nodes"],
            o["pickle_bytes"]))
    add("")
    add("### Held-out quality and checks")
    add("")
    add("| algorithm | task | metric | pgml | scikit-learn | pgml's stored %s = recomputed over "
        "bench_trees_test | PL/Python = scikit-learn (first 500 rows) |"
        % "r2 / accuracy")
    add("|---|---|---|---:|---:|---|---|")
    bad = []
    for o in out:
        same_split = (o["held_stored"] is not None and not math.isnan(o["held_sql"])
                      and abs(o["held_stored"] - o["held_sql"]) <= 1e-6)
        same_py = (not math.isnan(o["sum500_plpython"]) and
                   abs(o["sum500_plpython"] - o["sum500_sklearn"]) <= 1e-4 * max(1.0, abs(o["sum500_sklearn"])))
        if not same_split or not same_py:
            bad.append("%s %s" % (o["algorithm"], o["task"]))
        add("| %s | %s | %s | %s | %s | %s (%s vs %s) | %s |" % (
            o["algorithm"], o["task"], o["metric"], fmt(o["pgml_score"], 4), fmt(o["sklearn_score"], 4),
            "yes" if same_split else "**NO**", fmt(o["held_stored"], 6), fmt(o["held_sql"], 6),
            "yes" if same_py else "**NO** (%s vs %s)" % (fmt(o["sum500_plpython"], 4),
                                                         fmt(o["sum500_sklearn"], 4))))
    add("")

    def tally(key, op, limit, what):
        v = [(o, verdict(o[key], op, limit)) for o in out]
        passed = [o for o, x in v if x == "PASS"]
        worst = max(out, key=lambda o: o[key]) if op == "<=" else min(out, key=lambda o: o[key])
        missed = ["%s %s (%s)" % (o["algorithm"], o["task"], fmt(o[key])) for o, x in v if x != "PASS"]
        add("- %s: %d of %d PASS (target %s %s); worst %s %s %s%s" % (
            what, len(passed), len(out), op, limit, worst["algorithm"], worst["task"], fmt(worst[key]),
            "; MISS: " + ", ".join(missed) if missed else ""))

    tally("fit_ratio", "<=", 1, "fit, pgml fit / scikit-learn fit")
    tally("train_ratio", "<=", 1, "(for reference) pgml train phase / scikit-learn fit")
    tally("py_ratio", ">=", 50, "predict, PL/Python scikit-learn per row / pgml.predict")
    tally("whole_ratio", ">", 1, "predict, scikit-learn whole matrix (n_jobs 1) / pgml.predict per row")
    if floor:
        fl = floor["median"]
        net = [o for o in out if o["pgml_us"] > fl]
        if net:
            ratios = [(o, o["whole1_us"] / (o["pgml_us"] - fl)) for o in net]
            worst = min(ratios, key=lambda x: x[1])
            add("- (for reference) scikit-learn whole matrix (n_jobs 1) / what pgml.predict adds "
                "to the floor (pgml.predict per row minus the SQL scan of the same rows without "
                "predicting, %s µs/row): %d of %d > 1; worst %s %s %s"
                % (fmt(fl, 3), sum(1 for _, r in ratios if r > 1), len(ratios),
                   worst[0]["algorithm"], worst[0]["task"], fmt(worst[1])))
        for o in out:
            if verdict(o["whole_ratio"], ">", 1) == "PASS" or o["whole1_us"] <= 0:
                continue
            add("- %s %s, whole-matrix MISS: the floor alone is %d%% of scikit-learn's whole-matrix "
                "time per row (%s of %s µs); pgml.predict adds %s µs/row to it"
                % (o["algorithm"], o["task"], round(100 * fl / o["whole1_us"]), fmt(fl, 3),
                   fmt(o["whole1_us"], 3), fmt(o["pgml_us"] - fl, 3)))
        below = ["%s %s (%s µs/row)" % (o["algorithm"], o["task"], fmt(o["whole1_us"], 3))
                 for o in out if o["whole1_us"] <= floor["median"]]
        if below:
            add("- scikit-learn's whole-matrix predict takes less per row than the floor, the SQL "
                "scan of the same rows without predicting (%s µs/row), for: %s: no function called "
                "once per row from SQL can meet the whole-matrix target there"
                % (fmt(floor["median"], 3), ", ".join(below)))
    if bad:
        add("- checks failed for: %s" % ", ".join(bad))
    add("- data: %s; table generated in %s s; label 1 in %.1f%% of the rows"
        % ("{:,} rows".format(meta["rows"]), meta["generate_s"], 100 * meta["data"]["label_share"]))
    add("- run: %s, %d CPUs, PostgreSQL %s, pgml_worker %s at commit %s; load average at the end: %s"
        % (meta["date"], meta["cpus"], meta["server"], meta["extension"], meta["commit"], meta["load"]))
    with open("%s/trees.md" % results, "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
