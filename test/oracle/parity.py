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

For each case this script
  - checks that the rows are scikit-learn's load_<source>() rows in the same
    order (for the tables loaded by pgml.load_dataset; a derived table such as
    a shuffled copy has "source": null and is not checked);
  - splits as pgml.train(test_sampling => 'last') does: the last
    ceil(test_size * n) rows are the test set, the others the training set;
  - fits LinearRegression() or LogisticRegression(max_iter=MAX_ITER) (every
    other setting the default: lbfgs, C=1, L2, multinomial for more than two
    classes) on the training rows, as float64 of the same float4 values;
  - computes on the test rows the metrics metrics.c computes, with the same
    definitions (see docs/quality.md): "sklearn" from scikit-learn's model,
    "pgml_recomputed" from pgml's own predictions (to check the stored
    metrics are those of the test rows);
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
EPS32 = float(np.finfo(np.float32).eps)


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
    n_test = math.ceil(meta["test_size"] * n)
    n_train = n - n_test
    tr, te = slice(0, n_train), slice(n_train, n)
    res = {"source": meta["source"], "task": meta["task"],
           "n_rows": n, "n_train": n_train, "n_test": n_test,
           "order_matches_sklearn": (same_rows(meta["source"], X, y)
                                     if meta["source"] else None)}

    if meta["task"] == "regression":
        model = LinearRegression().fit(X[tr], y[tr])
        sk_pred = model.predict(X)
        res["estimator"] = "LinearRegression()"
        res["sklearn"] = regression_metrics(y[te], sk_pred[te])
        res["pgml_recomputed"] = regression_metrics(y[te], pg_pred[te])
        rel = np.abs(pg_pred[te] - sk_pred[te]) / np.maximum(np.abs(sk_pred[te]), 1e-300)
        res["prediction_max_rel_diff"] = float(rel.max())
        res["prediction_max_abs_diff"] = float(np.abs(pg_pred[te] - sk_pred[te]).max())
    else:
        classes = np.unique(y)          # pgml's class indexes: sorted labels
        k = len(classes)
        yi = np.searchsorted(classes, y)
        pg_i = np.searchsorted(classes, pg_pred)
        model = LogisticRegression(max_iter=MAX_ITER).fit(X[tr], yi[tr])
        sk_proba = np.zeros((n, k))
        sk_proba[:, model.classes_] = model.predict_proba(X)
        sk_pred = model.classes_[np.argmax(model.predict_proba(X), axis=1)]
        res["estimator"] = f"LogisticRegression(max_iter={MAX_ITER})"
        res["n_iter"] = int(np.max(model.n_iter_))
        res["converged"] = bool(np.max(model.n_iter_) < MAX_ITER)
        res["sklearn"] = classification_metrics(yi[te], sk_pred[te], sk_proba[te], k)
        res["pgml_recomputed"] = classification_metrics(yi[te], pg_i[te], pg_proba[te], k)
        res["prediction_agreement"] = float(np.mean(pg_i[te] == sk_pred[te]))
        res["prediction_disagreements"] = int(np.sum(pg_i[te] != sk_pred[te]))
        res["proba_max_abs_diff"] = float(np.abs(pg_proba[te] - sk_proba[te]).max())
        res["train_agreement"] = float(np.mean(pg_i[tr] == sk_pred[tr]))
    res["pgml"] = meta["metrics"]
    return res


def main():
    directory = sys.argv[1]
    names = sys.argv[2:]
    warnings.simplefilter("ignore")
    out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
           "max_iter": MAX_ITER,
           "cases": {name: run_case(directory, name) for name in names}}
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
