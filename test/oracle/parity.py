#!/usr/bin/python3
"""Quality parity oracle: scikit-learn on exactly pgml's training rows.

Usage: /usr/bin/python3 test/oracle/parity.py DIR

DIR holds, for each case NAME trained by test/t/050_sklearn_parity.pl:
  NAME.json  {"source": dataset, "task": "regression"|"classification",
              "test_size": 0.25, "metrics": pgml.models.metrics}
  NAME.tsv   every row of the table in scan order (COPY text format):
             features (float8[] of the stored float4 values), label or
             target, pgml.predict() (float8), pgml.predict_proba() (float8[],
             \\N for regression)
  NAME.artifact  the model's pgml.models.artifact, in hex

For each case this script
  - checks that the rows are scikit-learn's load_<source>() rows in the same
    order (for the tables loaded by pgml.load_dataset; a derived table such as
    a shuffled copy has "source": null and is not checked);
  - splits as pgml.train(test_sampling => 'last') does: the last
    round(n * test_size) rows (as PostgresML: computed in float32, halves
    away from zero) are the test set, the others the training set;
  - fits on the training rows (float64 of the same float4 values):
      regression      LinearRegression()
      classification  LogisticRegression(solver="newton-cg", tol=REF_TOL,
                      max_iter=MAX_ITER): scikit-learn's objective with its
                      defaults (C=1, L2, multinomial for more than two
                      classes), solved to convergence: "sklearn";
                      LogisticRegression(max_iter=MAX_ITER), the default
                      lbfgs, which stops when an iteration improves the
                      objective by less than 64 ulp (scipy's ftol), often
                      short of the optimum on unscaled features:
                      "sklearn_default";
  - evaluates the training objective (sum of squared residuals; or the sum
    of log losses + ||coef||^2 / 2) at pgml's coefficients, read from the
    artifact, and at each scikit-learn fit's;
  - computes on the test rows the metrics metrics.c computes, with the same
    definitions (see docs/quality.md), from each fit, and from pgml's own
    served predictions ("pgml_recomputed": the stored metrics must be
    those of the test rows);
  - compares predictions row by row on the test rows.
It prints one JSON document on stdout; the TAP test applies the tolerances.
"""
import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn import datasets
from sklearn import metrics as M
from sklearn.linear_model import LinearRegression, LogisticRegression

MAX_ITER = 100000
REF_TOL = 1e-6
EPS32 = float(np.finfo(np.float32).eps)


def unpack_msgpack(buf):
    """Decode the msgpack subset the artifact uses (docs/artifact.md)."""
    pos = 0

    def take(n):
        nonlocal pos
        pos += n
        return buf[pos - n:pos]

    def uint(n):
        return int.from_bytes(take(n), "big")

    def value():
        t = take(1)[0]
        if t <= 0x7f:
            return t
        if t >= 0xe0:
            return t - 0x100
        if 0x80 <= t <= 0x8f:
            return {value(): value() for _ in range(t & 0x0f)}
        if 0x90 <= t <= 0x9f:
            return [value() for _ in range(t & 0x0f)]
        if 0xa0 <= t <= 0xbf:
            return take(t & 0x1f).decode()
        simple = {0xc0: None, 0xc2: False, 0xc3: True}
        if t in simple:
            return simple[t]
        if t in (0xc4, 0xc5, 0xc6):
            return bytes(take(uint(1 << (t - 0xc4))))
        if t in (0xd9, 0xda, 0xdb):
            return take(uint(1 << (t - 0xd9))).decode()
        if t in (0xcc, 0xcd, 0xce, 0xcf):
            return uint(1 << (t - 0xcc))
        if t in (0xd0, 0xd1, 0xd2, 0xd3):
            return int.from_bytes(take(1 << (t - 0xd0)), "big", signed=True)
        if t == 0xca:
            return float(np.frombuffer(take(4), ">f4")[0])
        if t == 0xcb:
            return float(np.frombuffer(take(8), ">f8")[0])
        if t in (0xde, 0xdf):
            return {value(): value() for _ in range(uint(2 if t == 0xde else 4))}
        if t in (0xdc, 0xdd):
            return [value() for _ in range(uint(2 if t == 0xdc else 4))]
        raise ValueError(f"msgpack type 0x{t:02x} is not expected in an artifact")

    return value()


def pgml_coefficients(path, n_features):
    """coef (n_outputs x n_features) and intercept of a linear artifact."""
    with open(path) as f:
        art = unpack_msgpack(bytes.fromhex(f.read().strip()))
    coef = np.frombuffer(art["coef"], "<f8").reshape(-1, n_features)
    return coef, np.frombuffer(art["intercept"], "<f8"), art["algorithm"]


def logistic_objective(coef, intercept, X, y):
    """sum of log losses + ||coef||^2 / 2 (LogisticRegression, C=1)."""
    Z = X @ coef.T + intercept
    if Z.shape[1] == 1:                 # binary: one margin, of classes[1]
        Z = np.hstack([np.zeros_like(Z), Z])
    Zmax = Z.max(axis=1, keepdims=True)
    lse = Zmax[:, 0] + np.log(np.exp(Z - Zmax).sum(axis=1))
    return float(np.sum(lse - Z[np.arange(len(y)), y]) + 0.5 * np.sum(coef ** 2))


def parse_array(text):
    """A PostgreSQL float8[] literal (one dimension) as a numpy array."""
    return np.array([float(v) for v in text.strip("{}").split(",")])


def read_case(path):
    """Rows of NAME.tsv: X, y, pgml predictions, pgml probabilities."""
    xs, ys, preds, probas = [], [], [], []
    with open(path) as f:
        for line in f:
            x, y, pred, proba = line.rstrip("\n").split("\t")
            xs.append(parse_array(x))
            ys.append(float(y))
            preds.append(float(pred))
            probas.append(None if proba == "\\N" else parse_array(proba))
    has_proba = probas and probas[0] is not None
    return (np.vstack(xs), np.array(ys), np.array(preds),
            np.vstack(probas) if has_proba else None)


def sklearn_rows(source):
    """scikit-learn's rows as pgml.load_dataset stores them (X, y)."""
    if source == "diabetes":
        b = datasets.load_diabetes()
        return b.data, b.target
    if source == "breast_cancer":
        b = datasets.load_breast_cancer()
        return b.data, (b.target == 0).astype(float)    # malignant
    if source == "wine":
        b = datasets.load_wine()
        cols = list(range(13))
        cols[9], cols[10] = 10, 9                       # hue before color_intensity
        return b.data[:, cols], b.target.astype(float)
    b = getattr(datasets, "load_" + source)()
    return b.data, b.target.astype(float)


def same_rows(source, X, y):
    """True if X, y are sklearn's rows in sklearn's order (X as float4)."""
    Xs, ys = sklearn_rows(source)
    return (Xs.shape == X.shape
            and np.array_equal(Xs.astype(np.float32), X.astype(np.float32))
            and np.array_equal(ys.astype(np.float32), y.astype(np.float32)))


def undefined_as_none(f):
    """f(), or None where scikit-learn says the metric is undefined."""
    try:
        v = float(f())
    except ValueError:
        return None
    return None if math.isnan(v) else v


def regression_metrics(y, p):
    return {"r2": M.r2_score(y, p),
            "mean_absolute_error": M.mean_absolute_error(y, p),
            "mean_squared_error": M.mean_squared_error(y, p)}


def classification_metrics(y, p, proba, k):
    labels = list(range(k))
    out = {"accuracy": M.accuracy_score(y, p),
           "f1": M.f1_score(y, p, average="macro", zero_division=0),
           "precision": M.precision_score(y, p, average="macro", zero_division=0),
           "recall": M.recall_score(y, p, average="macro", zero_division=0),
           "mcc": M.matthews_corrcoef(y, p)}
    # Probabilities as pgml serves them: float32.  log_loss with the eps
    # that eps="auto" picks for float32, computed in float64.
    p32 = proba.astype(np.float32).astype(np.float64)
    if k == 2:
        out["roc_auc"] = undefined_as_none(lambda: M.roc_auc_score(y, p32[:, 1]))
    else:
        out["roc_auc"] = undefined_as_none(
            lambda: M.roc_auc_score(y, p32, multi_class="ovr", labels=labels))
    out["log_loss"] = undefined_as_none(
        lambda: M.log_loss(y, p32, eps=EPS32, labels=labels))
    out["confusion_matrix"] = M.confusion_matrix(
        y, np.argmax(p32, axis=1), labels=labels).tolist()
    return out


def run_case(directory, name):
    with open(f"{directory}/{name}.json") as f:
        meta = json.load(f)
    X, y, pg_pred, pg_proba = read_case(f"{directory}/{name}.tsv")
    n = len(y)
    # PostgresML's rounding: (n as f32 * test_size).round(), a count above 1
    ts = meta["test_size"]
    if ts > 1:
        n_test = int(ts)
    else:
        n_test = math.floor(float(np.float32(n) * np.float32(ts)) + 0.5)
    n_train = n - n_test
    tr, te = slice(0, n_train), slice(n_train, n)
    res = {"source": meta["source"], "task": meta["task"],
           "n_rows": n, "n_train": n_train, "n_test": n_test,
           "order_matches_sklearn": (same_rows(meta["source"], X, y)
                                     if meta["source"] else None)}

    coef, intercept, res["pgml_algorithm"] = pgml_coefficients(
        f"{directory}/{name}.artifact", X.shape[1])

    def rel(a, b):
        return np.abs(a - b) / np.maximum(np.abs(b), 1e-300)

    if meta["task"] == "regression":
        model = LinearRegression().fit(X[tr], y[tr])
        sk_pred = model.predict(X)
        res["estimator"] = "LinearRegression()"
        res["objective"] = {
            "pgml": float(np.sum((X[tr] @ coef[0] + intercept[0] - y[tr]) ** 2)),
            "sklearn": float(np.sum((sk_pred[tr] - y[tr]) ** 2))}
        res["coef_max_rel_diff"] = float(rel(coef[0], model.coef_).max())
        res["sklearn"] = regression_metrics(y[te], sk_pred[te])
        res["pgml_recomputed"] = regression_metrics(y[te], pg_pred[te])
        res["prediction_max_rel_diff"] = float(rel(pg_pred[te], sk_pred[te]).max())
        res["prediction_max_abs_diff"] = float(np.abs(pg_pred[te] - sk_pred[te]).max())
    else:
        classes = np.unique(y)          # pgml's class indexes: sorted labels
        k = len(classes)
        yi = np.searchsorted(classes, y)
        pg_i = np.searchsorted(classes, pg_pred)
        res["n_classes"] = k
        res["estimators"] = {
            "sklearn": f'LogisticRegression(solver="newton-cg", tol={REF_TOL}, max_iter={MAX_ITER})',
            "sklearn_default": f"LogisticRegression(max_iter={MAX_ITER})"}
        res["objective"] = {"pgml": logistic_objective(coef, intercept, X[tr], yi[tr])}
        res["pgml_recomputed"] = classification_metrics(yi[te], pg_i[te], pg_proba[te], k)
        fits = {"sklearn": LogisticRegression(solver="newton-cg", tol=REF_TOL,
                                              max_iter=MAX_ITER),
                "sklearn_default": LogisticRegression(max_iter=MAX_ITER)}
        for key, model in fits.items():
            model.fit(X[tr], yi[tr])
            assert list(model.classes_) == list(range(k)), "a class is missing from the training rows"
            sk_proba = model.predict_proba(X)
            sk_pred = np.argmax(sk_proba, axis=1)
            res["objective"][key] = logistic_objective(model.coef_, model.intercept_, X[tr], yi[tr])
            res[key] = classification_metrics(yi[te], sk_pred[te], sk_proba[te], k)
            res[key + "_fit"] = {
                "n_iter": int(np.max(model.n_iter_)),
                "converged": bool(np.max(model.n_iter_) < MAX_ITER),
                "prediction_agreement": float(np.mean(pg_i[te] == sk_pred[te])),
                "prediction_disagreements": int(np.sum(pg_i[te] != sk_pred[te])),
                "proba_max_abs_diff": float(np.abs(pg_proba[te] - sk_proba[te]).max()),
                "coef_max_abs_diff": float(np.abs(coef - model.coef_).max())}
    res["pgml"] = meta["metrics"]
    return res


def main():
    directory = sys.argv[1]
    names = sys.argv[2:]
    warnings.simplefilter("ignore")
    out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
           "max_iter": MAX_ITER, "reference_tol": REF_TOL,
           "cases": {name: run_case(directory, name) for name in names}}
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
