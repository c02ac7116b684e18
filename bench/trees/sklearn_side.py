"""The scikit-learn side of bench/80_trees.sh (Debian's /usr/bin/python3, scikit-learn 1.2.1).

Usage:
  sklearn_side.py prep CSV NTRAIN OUT.npz
      CSV: x1..x20, y, label of every row in id order (COPY ... (FORMAT csv)).
      Writes the first NTRAIN rows as the training set and the rest as the
      test set, features as float32 (the text of a PostgreSQL real is its
      shortest exact form, so these are the very values pgml reads).
  sklearn_side.py fit DATA.npz ALGORITHM TASK HYPERPARAMS_JSON NJOBS MODEL.pkl
      Fits the scikit-learn estimator of ALGORITHM (pgml's name) for TASK
      (regression or classification) on the training rows with the
      hyperparameters given (the same JSON pgml.train gets) and n_jobs NJOBS
      where the estimator has n_jobs (HistGradientBoosting*, which has none,
      runs NJOBS OpenMP threads instead); times the fit (wall and CPU seconds
      of this process and its worker processes); times the whole-matrix
      predict of the test rows with n_jobs (OpenMP threads) 1 and NJOBS;
      scores the test rows as pgml
      does (r2; f1 macro); pickles the fitted estimator, n_jobs set to 1, to
      MODEL.pkl for the PL/Python per-row baseline; prints one JSON object.
"""
import json
import os
import pickle
import statistics
import sys
import time

import numpy as np

CLK_TCK = os.sysconf("SC_CLK_TCK")


def estimator_class(algorithm, task):
    from sklearn import ensemble, tree

    classes = {
        "decision_tree": (tree.DecisionTreeRegressor, tree.DecisionTreeClassifier),
        "random_forest": (ensemble.RandomForestRegressor, ensemble.RandomForestClassifier),
        "extra_trees": (ensemble.ExtraTreesRegressor, ensemble.ExtraTreesClassifier),
        "bagging": (ensemble.BaggingRegressor, ensemble.BaggingClassifier),
        "gradient_boosting_trees": (ensemble.GradientBoostingRegressor,
                                    ensemble.GradientBoostingClassifier),
        "hist_gradient_boosting": (ensemble.HistGradientBoostingRegressor,
                                   ensemble.HistGradientBoostingClassifier),
        "ada_boost": (ensemble.AdaBoostRegressor, ensemble.AdaBoostClassifier),
    }
    if algorithm not in classes:
        sys.exit("no scikit-learn estimator for algorithm %r" % algorithm)
    return classes[algorithm][0 if task == "regression" else 1]


def cpu_seconds():
    """CPU seconds (user + system) of this process and of its descendants now
    alive (joblib's loky workers, which BaggingClassifier/Regressor use for
    n_jobs > 1), from /proc in clock ticks."""
    total = 0
    stack = [os.getpid()]
    seen = set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            for tid in os.listdir("/proc/%d/task" % pid):
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / CLK_TCK


def prep(csv_path, ntrain, out):
    m = np.loadtxt(csv_path, delimiter=",", dtype=np.float64)
    # the shortest text of a float4, read as a double, rounds to that float4
    x = m[:, :20].astype(np.float32)
    y = m[:, 20].astype(np.float32).astype(np.float64)  # y is a real column too
    label = m[:, 21].astype(np.int64)
    np.savez(out, x_train=x[:ntrain], y_train=y[:ntrain], label_train=label[:ntrain],
             x_test=x[ntrain:], y_test=y[ntrain:], label_test=label[ntrain:])
    print(json.dumps({"rows": int(m.shape[0]), "train": int(ntrain),
                      "test": int(m.shape[0] - ntrain),
                      "label_share": float(label.mean())}))


def uses_openmp(est):
    """HistGradientBoosting* fit and predict in OpenMP threads (as many as
    CPUs by default) and have no n_jobs; the rest of the family's estimators
    do not use OpenMP."""
    return type(est).__name__.startswith("HistGradientBoosting")


def omp_threads(est, n):
    """A context that runs est with n OpenMP threads if it uses OpenMP."""
    if uses_openmp(est):
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=n, user_api="openmp")
    import contextlib
    return contextlib.nullcontext()


def time_predict(est, x, n_jobs):
    """Whole-matrix predict of x: a warm-up call, then timed calls until at
    least 1 s and 5 calls (at most 50); wall seconds of each call, and the
    mean CPU seconds per call.  None if the estimator has no n_jobs, uses no
    OpenMP, and n_jobs > 1 (the same as n_jobs 1)."""
    if "n_jobs" in est.get_params():
        est.set_params(n_jobs=n_jobs)
    elif n_jobs != 1 and not uses_openmp(est):
        return None, None, None
    with omp_threads(est, n_jobs):
        return _time_predict(est, x)


def _time_predict(est, x):
    pred = est.predict(x)
    times = []
    c0 = cpu_seconds()
    start = time.perf_counter()
    while len(times) < 50 and (len(times) < 5 or time.perf_counter() - start < 1.0):
        t0 = time.perf_counter()
        est.predict(x)
        times.append(time.perf_counter() - t0)
    cpu = (cpu_seconds() - c0) / len(times)
    return times, cpu, pred


def summary(times, cpu, rows):
    """median, min, p90 (as bench/lib.sh), CPU: microseconds per row."""
    v = sorted(times)
    p90 = v[max(0, min(len(v) - 1, int(0.9 * len(v) + 0.999) - 1))]
    us = 1e6 / rows
    return {"runs": len(v), "median_us": statistics.median(v) * us, "min_us": v[0] * us,
            "p90_us": p90 * us, "cpu_us": cpu * us}


def fit(data, algorithm, task, hyperparams, n_jobs, model_path):
    import joblib
    import sklearn
    from sklearn.metrics import f1_score, r2_score

    d = np.load(data)
    x, xt = d["x_train"], d["x_test"]
    y, yt = (d["y_train"], d["y_test"]) if task == "regression" else (d["label_train"], d["label_test"])
    cls = estimator_class(algorithm, task)
    params = dict(hyperparams)
    has_jobs = "n_jobs" in cls().get_params()
    if has_jobs:
        params["n_jobs"] = n_jobs
        if n_jobs > 1:
            # Start joblib's worker processes (BaggingClassifier/Regressor
            # fit in loky processes) before the clock: the fit is timed, not
            # the start of a pool.
            joblib.Parallel(n_jobs=n_jobs)(joblib.delayed(abs)(-i) for i in range(2 * n_jobs))
    est = cls(**params)
    with omp_threads(est, n_jobs):
        c0 = cpu_seconds()
        t0 = time.perf_counter()
        est.fit(x, y)
        fit_s = time.perf_counter() - t0
        fit_cpu = cpu_seconds() - c0

    t1, c1, pred = time_predict(est, xt, 1)
    tn, cn, _ = time_predict(est, xt, n_jobs) if n_jobs != 1 else (None, None, None)
    if task == "regression":
        metric, score = "r2", r2_score(yt, pred)
    else:
        metric, score = "f1", f1_score(yt, pred, average="macro", zero_division=0)
    nodes = 0
    if hasattr(est, "_predictors"):
        # HistGradientBoosting*: predictor trees, not DecisionTree objects
        n_trees = sum(len(stage) for stage in est._predictors)
        nodes = sum(len(p.nodes) for stage in est._predictors for p in stage)
    else:
        trees = [est] if hasattr(est, "tree_") else list(np.ravel(est.estimators_))
        n_trees = len(trees)
        for t in trees:
            nodes += t.tree_.node_count
    if has_jobs:
        est.set_params(n_jobs=1)
    with open(model_path, "wb") as f:
        pickle.dump(est, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.chmod(model_path, 0o644)
    out = {
        "algorithm": algorithm, "task": task, "estimator": cls.__name__,
        "sklearn": sklearn.__version__, "n_jobs": n_jobs if has_jobs else None,
        "omp_threads": n_jobs if uses_openmp(est) else None,
        "fit_s": fit_s, "fit_cpu_s": fit_cpu,
        "whole_1": summary(t1, c1, xt.shape[0]),
        "whole_n": summary(tn, cn, xt.shape[0]) if tn else None,
        "metric": metric, "score": float(score), "trees": n_trees, "nodes": int(nodes),
        "pickle_bytes": os.path.getsize(model_path),
        # the first 500 predictions, for the check of the PL/Python baseline
        "sum500": float(np.sum(pred[:500].astype(np.float64))),
        "params": {k: (v if isinstance(v, (int, float, str, bool, type(None))) else repr(v))
                   for k, v in est.get_params().items()},
    }
    print(json.dumps(out))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "prep" and len(sys.argv) == 5:
        prep(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "fit" and len(sys.argv) == 8:
        fit(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]), int(sys.argv[6]),
            sys.argv[7])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
