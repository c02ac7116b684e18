#!/usr/bin/python3
"""Tree family parity oracle: scikit-learn's trees on exactly pgml's rows.

Usage: /usr/bin/python3 test/oracle/tree_parity.py DIR

Run by test/t/054_tree_parity.pl.  DIR holds:
  manifest.json   {"test_size": 0.25,
                   "datasets": {DATASET: {"source": load_*() name or null,
                                          "task": "regression"|"classification"}},
                   "models": [NAME, ...]}
  DATASET.data.tsv  every row of the table in scan order (COPY text format):
                  features (float8[] of the stored float4 values), label or
                  target (float8)
  NAME.json       {"dataset": DATASET, "algorithm": pgml's name,
                   "hyperparams": the object given to pgml.train,
                   "metrics": pgml.models.metrics}
  NAME.pred.tsv   for every row of DATASET in the same order: pgml.predict()
                  (float8 of the served float4), pgml.predict_proba() (float8[],
                  \\N for regression)
  NAME.artifact   the model's pgml.models.artifact, in hex

For each model this script
  - splits as pgml.train(test_sampling => 'last') does (parity.py's rule:
    the last round(n * test_size) rows are the test set);
  - fits scikit-learn's twin of the algorithm (ESTIMATORS) with the same
    hyperparameters, on the training rows (float64 of the same float4
    values; class indexes as labels), and computes its test metrics with
    parity.py's definitions (those of src/train/metrics.c);
  - recomputes the metrics from pgml's own served predictions of the test
    rows ("pgml_recomputed");
  - compares pgml's test predictions with scikit-learn's row by row
    ("same_predictions": labels, probabilities, values);
  - compares the stored "feature_importances" with scikit-learn's
    feature_importances_ (bagging has none in scikit-learn: the reference is
    the forests' definition, the mean over the base trees of their
    normalised importances mapped back through estimators_features_, then
    normalised);
  - for gradient_boosting_trees classifiers, also fits "sklearn_libm":
    the same estimator with the exp and log of the C library (CPython's
    math module calls them, as pgml's trainer does) in place of NumPy's in
    the log-loss gradient and initial prediction, everything else
    scikit-learn's own (NumPy's pairwise sums included).  NumPy dispatches
    exp and log to its own SIMD code on some CPUs (AVX512F), which differs
    from the C library's in the last bit of about a quarter of the values;
    such a difference changes which way a tie between equal splits goes
    (a node whose residuals are all equal splits or not on rounding
    noise), so on those machines scikit-learn's own trees depend on the
    CPU.  The TAP test compares pgml with this twin when scikit-learn
    itself differs from it ("libm_twin_vs_sklearn");
  - evaluates the artifact's trees itself (evaluate_artifact: float32
    comparisons, float32 sums in tree order, the output transform with
    glibc's expf as tree_eval.c) and counts the rows whose served
    prediction or probabilities differ from that, bit for bit.
It prints one JSON document on stdout; the TAP test applies the tolerances.
"""
import os

# One OpenMP thread for scikit-learn (HistGradientBoosting*): its root sums
# are then sequential, as pgml's, and a fit does not crawl when another
# process holds a CPU (an OpenMP barrier per node waits for a thread that
# is not scheduled: 60 s instead of 2 s measured).  Set before NumPy and
# scikit-learn load their thread pools.
os.environ["OMP_NUM_THREADS"] = "1"

import ctypes  # noqa: E402
import ctypes.util  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parity  # noqa: E402  (msgpack reader, metric definitions, dataset rows)
import sklearn  # noqa: E402
from sklearn import ensemble, tree  # noqa: E402
from sklearn.ensemble import _gb_losses  # noqa: E402

# pgml's algorithm name => (regressor, classifier) of scikit-learn
ESTIMATORS = {
    "decision_tree": (tree.DecisionTreeRegressor, tree.DecisionTreeClassifier),
    "random_forest": (ensemble.RandomForestRegressor, ensemble.RandomForestClassifier),
    "extra_trees": (ensemble.ExtraTreesRegressor, ensemble.ExtraTreesClassifier),
    "bagging": (ensemble.BaggingRegressor, ensemble.BaggingClassifier),
    "gradient_boosting_trees": (ensemble.GradientBoostingRegressor,
                                ensemble.GradientBoostingClassifier),
    # AdaBoost.R2, and AdaBoost-SAMME (pgml's default; scikit-learn 1.2's
    # is SAMME.R, so the classification configurations name it)
    "ada_boost": (ensemble.AdaBoostRegressor, ensemble.AdaBoostClassifier),
    "hist_gradient_boosting": (ensemble.HistGradientBoostingRegressor,
                               ensemble.HistGradientBoostingClassifier),
}

F32 = np.float32

# glibc's expf, which tree_eval.c calls (numpy's float32 exp is its own
# vectorised code and need not round the same way)
_libm = ctypes.CDLL(ctypes.util.find_library("m"))
_libm.expf.restype = ctypes.c_float
_libm.expf.argtypes = [ctypes.c_float]


def expf(a):
    """glibc expf of every element of a float32 array."""
    flat = np.asarray(a, dtype=F32).ravel()
    out = np.fromiter((_libm.expf(float(v)) for v in flat), dtype=F32, count=flat.size)
    return out.reshape(np.shape(a))


_LIBM_EXP = np.frompyfunc(math.exp, 1, 1)
_LIBM_LOG = np.frompyfunc(math.log, 1, 1)


def libm_exp(a):
    """The C library's exp of every element (float64)."""
    return _LIBM_EXP(np.asarray(a, dtype=np.float64)).astype(np.float64)


def libm_log(a):
    """The C library's log of every element (float64)."""
    return _LIBM_LOG(np.asarray(a, dtype=np.float64)).astype(np.float64)


class LibmMultinomialDeviance(_gb_losses.MultinomialDeviance):
    """scikit-learn 1.2's multinomial deviance with the C library's exp and
    log: the gradient y_k - exp(raw_k - logsumexp(raw)), logsumexp as
    scipy's (row maximum, exps, NumPy's sum along the row, log, plus the
    maximum), and the initial log of the clipped class priors."""

    _cache = None

    def _logsumexp(self, raw):
        key = raw.tobytes()             # the K calls of a stage share one
        if self._cache is None or self._cache[0] != key:
            a_max = np.amax(raw, axis=1, keepdims=True)
            s = np.sum(libm_exp(raw - a_max), axis=1)
            self._cache = (key, libm_log(s) + a_max[:, 0])
        return self._cache[1]

    def negative_gradient(self, y, raw_predictions, k=0, **kwargs):
        return y - np.nan_to_num(
            libm_exp(raw_predictions[:, k] - self._logsumexp(raw_predictions)))

    def get_init_raw_predictions(self, X, estimator):
        eps = np.finfo(np.float32).eps
        return libm_log(np.clip(estimator.predict_proba(X), eps, 1 - eps))


class LibmBinomialDeviance(_gb_losses.BinomialDeviance):
    """scikit-learn 1.2's binomial deviance with the C library's log in the
    initial log odds (its gradient's expit is scipy's, on the C library's
    exp already)."""

    def get_init_raw_predictions(self, X, estimator):
        eps = np.finfo(np.float32).eps
        p = np.clip(estimator.predict_proba(X)[:, 1], eps, 1 - eps)
        return libm_log(p / (1 - p)).reshape(-1, 1)


def fit_libm_twin(est_cls, hp, X, y):
    """est_cls(**hp) fitted with the Libm*Deviance losses."""
    saved = (_gb_losses.MultinomialDeviance, _gb_losses.BinomialDeviance)
    _gb_losses.MultinomialDeviance = LibmMultinomialDeviance
    _gb_losses.BinomialDeviance = LibmBinomialDeviance
    try:
        return est_cls(**hp).fit(X, y)
    finally:
        _gb_losses.MultinomialDeviance, _gb_losses.BinomialDeviance = saved


def read_data(path):
    """DATASET.data.tsv: X (float64 of float4), y."""
    xs, ys = [], []
    with open(path) as f:
        for line in f:
            x, y = line.rstrip("\n").split("\t")
            xs.append(parity.parse_array(x))
            ys.append(float(y))
    return np.vstack(xs), np.array(ys)


def read_predictions(path):
    """NAME.pred.tsv: served predictions, served probabilities (or None)."""
    preds, probas = [], []
    with open(path) as f:
        for line in f:
            pred, proba = line.rstrip("\n").split("\t")
            preds.append(float(pred))
            probas.append(None if proba == "\\N" else parity.parse_array(proba))
    has_proba = probas and probas[0] is not None
    return np.array(preds), (np.vstack(probas) if has_proba else None)


def test_rows(n, test_size):
    """Number of test rows: PostgresML's rounding, as parity.py."""
    if test_size > 1:
        return int(test_size)
    return math.floor(float(F32(n) * F32(test_size)) + 0.5)


def array_of(art, key, dtype, default=None):
    """A fixed-width little-endian array of the artifact (docs/artifact.md)."""
    if key not in art or art[key] is None:
        return default
    return np.frombuffer(art[key], dtype)


def tree_margins(art, X32):
    """Margins of a tree artifact: per output group, base_margin plus the
    leaf values of its trees, added in float32 in tree order."""
    offset = array_of(art, "tree_offset", "<i4")
    # output "median": every tree is its own margin
    n_outputs = len(offset) - 1 if art["output"] == "median" else int(art["n_outputs"])
    group = array_of(art, "tree_group", "<i4")
    feat = array_of(art, "split_index", "<i4")
    cond = array_of(art, "split_cond", "<f4")
    left = array_of(art, "left_child", "<i4")
    right = array_of(art, "right_child", "<i4")
    dleft = array_of(art, "default_left", "u1", np.zeros(len(cond), "u1"))
    n = X32.shape[0]
    rows = np.arange(n)
    margin = np.full((n, n_outputs), F32(art.get("base_margin", 0.0)), dtype=F32)
    for t in range(len(offset) - 1):
        lo = int(offset[t])
        node = np.zeros(n, dtype=np.int64)
        while True:
            inner = left[lo + node] != -1
            if not inner.any():
                break
            r = rows[inner]
            g = lo + node[inner]
            v = X32[r, feat[g]]
            go_left = np.where(np.isnan(v), dleft[g] == 1, v < cond[g])
            node[inner] = np.where(go_left, left[g], right[g])
        leaf = cond[lo + node]
        # output "median": every tree is its own margin
        k = t if art["output"] == "median" else int(group[t])
        margin[:, k] = margin[:, k] + leaf          # float32 + float32
    return margin


def evaluate_artifact(art, X):
    """pgml.predict and pgml.predict_proba of every row of X, computed from
    the artifact alone: (predictions float64, probabilities float32 or None,
    margins float32)."""
    nf = int(art["n_features"])
    X32 = X[:, :nf].astype(F32)
    if "center" in art:
        # pgml_preprocess_value: impute, then (x - center) / scale in double
        impute = array_of(art, "impute", "u1")
        value = array_of(art, "impute_value", "<f8")
        center = array_of(art, "center", "<f8")
        scale = array_of(art, "scale", "<f8")
        Xd = X32.astype(np.float64)
        nan = np.isnan(Xd) & (impute == 1)
        Xd = np.where(nan, value, Xd)
        X32 = ((Xd - center) / scale).astype(F32)
    m = tree_margins(art, X32)
    out = m.copy()
    transform = art["output"]
    if transform == "sigmoid":
        # XGBoost's: 1 / (expf(min(-m, 88.7)) + 1 + 1e-16), in float
        e = np.minimum(-out, F32(88.7))
        out = F32(1.0) / ((expf(e) + F32(1.0)) + F32(1e-16))
    elif transform == "softmax":
        # XGBoost's: float exps, double sum in class order, float divide
        wmax = out.max(axis=1, keepdims=True)
        out = expf(out - wmax)
        wsum = np.zeros(out.shape[0])
        for i in range(out.shape[1]):
            wsum += out[:, i].astype(np.float64)
        out = out / wsum.astype(F32)[:, None]
    elif transform == "exp":
        out = expf(out)
    elif transform == "median":
        # AdaBoost.R2: the first tree value, in ascending order, whose
        # cumulated weight (double) reaches half the total
        # per target, over the trees of that target (tree_group)
        weight = array_of(art, "tree_weight", "<f8")
        group = array_of(art, "tree_group", "<i4")
        rows = np.arange(out.shape[0])
        cols = []
        for k in range(int(art["n_outputs"])):
            v = out[:, group == k]
            order = np.argsort(v, axis=1, kind="stable")
            cdf = np.cumsum(weight[group == k][order], axis=1)
            first = np.argmax(cdf >= 0.5 * cdf[:, -1:], axis=1)
            cols.append(v[rows, order[rows, first]])
        out = np.stack(cols, axis=1)
    elif transform not in ("identity", "proba"):
        raise ValueError(f"unknown output transform {transform!r}")
    out = out.astype(F32)
    if art["task"] != "classification":
        return out[:, 0].astype(np.float64), None, m
    classes = array_of(art, "classes", "<f8")
    if out.shape[1] == 1:
        # one margin: the probability of classes[1]; [1 - p, p] in float
        p = out[:, 0]
        proba = np.stack([F32(1.0) - p, p], axis=1).astype(F32)
        k = (p > F32(0.5)).astype(int)
    else:
        proba = out
        k = np.argmax(out, axis=1)                  # the first largest
    return classes[k], proba, m


def same_bits(a, b):
    """Element-wise equality of float arrays (NaN equal to NaN)."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def bagging_importances(model, n_features):
    """Forests' definition for a bagging ensemble of trees: each tree's
    normalised importances on its own features, mapped back, averaged,
    normalised."""
    rows = []
    for est, feats in zip(model.estimators_, model.estimators_features_):
        full = np.zeros(n_features)
        np.add.at(full, feats, est.feature_importances_)
        rows.append(full)
    mean = np.mean(rows, axis=0, dtype=np.float64)
    s = mean.sum()
    return mean / s if s > 0 else mean


def hist_gain_importances(model, n_features):
    """pgml's importances of hist_gradient_boosting (scikit-learn has none):
    each feature's share of the summed gain of every split of every tree."""
    imp = np.zeros(n_features)
    for stage in model._predictors:
        for pred in stage:
            for nd in pred.nodes:
                if not nd["is_leaf"]:
                    imp[nd["feature_idx"]] += nd["gain"]
    s = imp.sum()
    return imp / s if s > 0 else imp


def run_model(directory, name, data, test_size):
    with open(f"{directory}/{name}.json") as f:
        meta = json.load(f)
    ds = meta["dataset"]
    X, y, task = data[ds]["X"], data[ds]["y"], data[ds]["task"]
    pg_pred, pg_proba = read_predictions(f"{directory}/{name}.pred.tsv")
    n = len(y)
    assert len(pg_pred) == n, f"{name}: {len(pg_pred)} predictions for {n} rows"
    n_test = test_rows(n, test_size)
    n_train = n - n_test
    tr, te = slice(0, n_train), slice(n_train, n)
    hp = meta["hyperparams"]
    reg_cls, clf_cls = ESTIMATORS[meta["algorithm"]]
    est_cls = reg_cls if task == "regression" else clf_cls
    model = est_cls(**hp)
    res = {"dataset": ds, "task": task, "algorithm": meta["algorithm"],
           "hyperparams": hp, "n_test": n_test,
           "estimator": f"{est_cls.__name__}(" + ", ".join(
               f"{k}={v!r}" for k, v in hp.items()) + ")",
           "pgml": meta["metrics"]}

    same = {}
    if task == "regression":
        model.fit(X[tr], y[tr])
        sk_pred = model.predict(X)
        res["sklearn"] = parity.regression_metrics(y[te], sk_pred[te])
        res["pgml_recomputed"] = parity.regression_metrics(y[te], pg_pred[te])
        d = np.abs(pg_pred[te] - sk_pred[te])
        # identical: every served float4 is scikit-learn's value rounded to float4
        same["rows_differing"] = int(np.sum(pg_pred[te] != sk_pred[te].astype(F32)))
        same["max_abs_diff"] = float(d.max())
        same["max_rel_diff"] = float((d / np.maximum(np.abs(sk_pred[te]), 1e-300)).max())
    else:
        classes = np.unique(y)          # pgml's class indexes: sorted labels
        k = len(classes)
        yi = np.searchsorted(classes, y)
        pg_i = np.searchsorted(classes, pg_pred)
        model.fit(X[tr], yi[tr])
        assert list(model.classes_) == list(range(k)), "a class is missing from the training rows"
        sk_proba = model.predict_proba(X)
        sk_i = np.argmax(sk_proba, axis=1)
        res["n_classes"] = k
        res["sklearn"] = parity.classification_metrics(yi[te], sk_i[te], sk_proba[te], k)
        res["pgml_recomputed"] = parity.classification_metrics(
            yi[te], pg_i[te], pg_proba[te], k)
        # identical: every served label is scikit-learn's
        same["rows_differing"] = int(np.sum(pg_i[te] != sk_i[te]))
        same["proba_max_abs_diff"] = float(np.abs(pg_proba[te] - sk_proba[te]).max())
        if meta["algorithm"] == "gradient_boosting_trees":
            twin = fit_libm_twin(est_cls, hp, X[tr], yi[tr])
            tw_proba = twin.predict_proba(X)
            tw_i = np.argmax(tw_proba, axis=1)
            res["sklearn_libm"] = {
                "metrics": parity.classification_metrics(yi[te], tw_i[te], tw_proba[te], k),
                "feature_importances": np.asarray(twin.feature_importances_).tolist(),
                "same_predictions": {
                    "rows_differing": int(np.sum(pg_i[te] != tw_i[te])),
                    "proba_max_abs_diff": float(np.abs(pg_proba[te] - tw_proba[te]).max())}}
            res["libm_twin_vs_sklearn"] = {
                "rows_differing": int(np.sum(tw_i[te] != sk_i[te])),
                "proba_max_abs_diff": float(np.abs(tw_proba[te] - sk_proba[te]).max())}
    same["identical_labels" if task == "classification" else "identical_float4"] = (
        same["rows_differing"] == 0)
    res["same_predictions"] = same

    nf = X.shape[1]
    if meta["algorithm"] == "bagging":
        sk_imp = bagging_importances(model, nf)
    elif meta["algorithm"] == "hist_gradient_boosting":
        sk_imp = hist_gain_importances(model, nf)
    else:
        sk_imp = np.asarray(model.feature_importances_, dtype=np.float64)
    res["sklearn_feature_importances"] = sk_imp.tolist()
    pg_imp = meta["metrics"].get("feature_importances")
    if isinstance(pg_imp, list) and len(pg_imp) == nf and all(
            isinstance(v, (int, float)) for v in pg_imp):
        pg_imp = np.array(pg_imp, dtype=np.float64)
        res["feature_importances"] = {
            "length_ok": True,
            "sum": float(pg_imp.sum()),
            "min": float(pg_imp.min()),
            "max_abs_diff": float(np.abs(pg_imp - sk_imp).max())}
        if "sklearn_libm" in res:
            tw = res["sklearn_libm"]
            tw["feature_importances_max_abs_diff"] = float(
                np.abs(pg_imp - np.array(tw["feature_importances"])).max())
    else:
        res["feature_importances"] = {
            "length_ok": False,
            "got": repr(pg_imp)[:200]}

    # the served predictions against the artifact's trees, evaluated here
    try:
        with open(f"{directory}/{name}.artifact") as f:
            art = parity.unpack_msgpack(bytes.fromhex(f.read().strip()))
        ev_pred, ev_proba, _ = evaluate_artifact(art, X)
        bad_pred = ~same_bits(pg_pred, ev_pred)
        ev = {"algorithm": art.get("algorithm"), "output": art.get("output"),
              "n_trees": len(array_of(art, "tree_offset", "<i4")) - 1,
              "n_nodes": int(art.get("n_nodes", -1)),
              "rows": n,
              "pred_mismatches": int(bad_pred.sum())}
        bad_rows = bad_pred.copy()
        if ev_proba is not None:
            if pg_proba is None or pg_proba.shape != ev_proba.shape:
                ev["proba_shape_mismatch"] = [
                    None if pg_proba is None else list(pg_proba.shape), list(ev_proba.shape)]
                bad_rows[:] = True
            else:
                bad_proba = ~same_bits(pg_proba, ev_proba.astype(np.float64)).all(axis=1)
                ev["proba_mismatches"] = int(bad_proba.sum())
                bad_rows |= bad_proba
        if bad_rows.any():
            r = int(np.argmax(bad_rows))
            ev["first_mismatch"] = {
                "row": r,
                "served": [float(pg_pred[r]),
                           None if pg_proba is None else pg_proba[r].tolist()],
                "artifact": [float(ev_pred[r]),
                             None if ev_proba is None else ev_proba[r].astype(float).tolist()]}
        res["artifact_eval"] = ev
    except Exception as e:          # reported, and failed by the TAP test
        res["artifact_eval"] = {"error": f"{type(e).__name__}: {e}"}
    return res


def main():
    directory = sys.argv[1]
    warnings.simplefilter("ignore")
    with open(f"{directory}/manifest.json") as f:
        manifest = json.load(f)
    test_size = manifest["test_size"]
    data, datasets_out = {}, {}
    for ds, info in manifest["datasets"].items():
        X, y = read_data(f"{directory}/{ds}.data.tsv")
        data[ds] = {"X": X, "y": y, "task": info["task"]}
        n_test = test_rows(len(y), test_size)
        datasets_out[ds] = {
            "n_rows": len(y), "n_features": X.shape[1],
            "n_train": len(y) - n_test, "n_test": n_test,
            "order_matches_sklearn": (parity.same_rows(info["source"], X, y)
                                      if info["source"] else None)}
    out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
           "datasets": datasets_out,
           "models": {name: run_model(directory, name, data, test_size)
                      for name in manifest["models"]}}
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
