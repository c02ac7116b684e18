#!/usr/bin/python3
"""Oracle for test/t/051_regularized_parity.pl: fit scikit-learn's linear
models (Ridge, Lasso, Lars, LogisticRegression, RidgeClassifier ...) on exactly the rows pgml trained
on, and print their test metrics and predictions as JSON.

Input (argv[1]): a directory with NAME.tsv files: one row per line,
"{features}\\ty\\tpgml_prediction", in table order, and NAME.json
{"estimator": "...", "params": {...}, "test_rows": n}.
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn import linear_model, metrics, svm


def read(path):
    """Features, target, pgml's prediction and (classifiers) its probabilities."""
    xs, ys, ps, probas = [], [], [], []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            xs.append([float(v) for v in fields[0].strip("{}").split(",")])
            ys.append(float(fields[1]))
            ps.append(float(fields[2]))
            if len(fields) > 3:
                probas.append([float(v) for v in fields[3].strip("{}").split(",")])
    return np.array(xs), np.array(ys), np.array(ps), np.array(probas)


# classifiers whose model pgml reproduces exactly (src/algorithms/sgd.c; linear_svm.c at a tight tol): their
# probabilities are the sigmoid (softmax) of scikit-learn's decision_function
SAME_MARGINS = ("SGDClassifier", "Perceptron", "PassiveAggressiveClassifier", "LinearSVC")


def margin_proba(est, X):
    d = est.decision_function(X)
    if d.ndim == 1:
        p1 = 1.0 / (1.0 + np.exp(-d))
        return np.column_stack([1.0 - p1, p1])
    e = np.exp(d - d.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    d = sys.argv[1]
    warnings.simplefilter("ignore")
    out = {"sklearn_version": sklearn.__version__, "cases": {}}
    for name in sorted(n[:-5] for n in os.listdir(d) if n.endswith(".json")):
        with open(f"{d}/{name}.json") as f:
            meta = json.load(f)
        X, y, pg, pg_proba = read(f"{d}/{name}.tsv")
        n_test = meta["test_rows"]
        tr, te = slice(0, len(y) - n_test), slice(len(y) - n_test, len(y))
        module = linear_model if hasattr(linear_model, meta["estimator"]) else svm
        est = getattr(module, meta["estimator"])(**meta["params"])
        est.fit(X[tr], y[tr])
        sk = est.predict(X[te])
        case = {"estimator": f'{meta["estimator"]}({meta["params"]})'}
        if meta["estimator"] in ("LogisticRegression", "Perceptron", "LinearSVC") or "Classifier" in meta["estimator"]:
            case["sklearn"] = {
                "accuracy": metrics.accuracy_score(y[te], sk),
                "f1": metrics.f1_score(y[te], sk, average="macro")}
        else:
            case["sklearn"] = {
                "r2": metrics.r2_score(y[te], sk),
                "mean_absolute_error": metrics.mean_absolute_error(y[te], sk),
                "mean_squared_error": metrics.mean_squared_error(y[te], sk)}
        case["prediction_max_rel_diff"] = float(
            np.max(np.abs(pg[te] - sk) / np.maximum(np.abs(sk), 1e-12)))
        case["label_agreement"] = float(np.mean(pg[te] == sk))
        # the counts the fit reports, which pgml stores in its metrics
        if hasattr(est, "n_subpopulation_"):
            case["counts"] = {"n_iter": int(est.n_iter_), "n_subpopulation": int(est.n_subpopulation_)}
        elif hasattr(est, "n_trials_"):
            case["counts"] = {"n_trials": int(est.n_trials_), "n_inliers": int(est.inlier_mask_.sum())}
        elif meta["estimator"].startswith(("SGD", "Perceptron", "PassiveAggressive")):
            case["counts"] = {"n_iter": int(est.n_iter_)}
        if meta["estimator"] in SAME_MARGINS:
            case["margin_proba_max_abs_diff"] = float(
                np.max(np.abs(pg_proba[te] - margin_proba(est, X[te]))))
        out["cases"][name] = case
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
