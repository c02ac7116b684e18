"""Oracle for test/t/053_encode_parity.pl: scikit-learn on one-hot encoded
text columns, fitted on the same training rows pgml used.

Usage: encode_parity.py DIR.  For each DIR/NAME.tsv (rows: color, city,
size, y, pgml's prediction; in relation order) and DIR/NAME.json
({"estimator": "LinearRegression" | "Ridge", "params": {...}, "test_rows": n}),
fits OneHotEncoder(handle_unknown="ignore") on color and city, passes size
through, fits the estimator on all but the last test_rows rows, and prints
one JSON object: per case, scikit-learn's r2 on the test rows, the largest
relative difference between its predictions and pgml's over all rows, and
r2 of pgml's predictions on the test rows computed here.
"""
import glob
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

ESTIMATORS = {"LinearRegression": LinearRegression, "Ridge": Ridge}


def main(d):
    out = {"sklearn_version": sklearn.__version__, "cases": {}}
    for path in sorted(glob.glob(os.path.join(d, "*.tsv"))):
        name = os.path.basename(path)[:-4]
        with open(os.path.join(d, name + ".json")) as f:
            spec = json.load(f)
        rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
        X = np.array([[r[0], r[1], np.float32(r[2])] for r in rows], dtype=object)
        y = np.array([float(r[3]) for r in rows])
        pg = np.array([float(r[4]) for r in rows])
        n_train = len(rows) - spec["test_rows"]
        model = make_pipeline(
            ColumnTransformer([("text", OneHotEncoder(handle_unknown="ignore"), [0, 1])],
                              remainder="passthrough"),
            ESTIMATORS[spec["estimator"]](**spec["params"]))
        model.fit(X[:n_train], y[:n_train])
        sk = model.predict(X)
        scale = np.maximum(np.abs(sk), 1.0)
        out["cases"][name] = {
            "sklearn_r2": r2_score(y[n_train:], sk[n_train:]),
            "pgml_r2_here": r2_score(y[n_train:], pg[n_train:]),
            "max_rel_diff": float(np.max(np.abs(pg - sk) / scale)),
            "unknown_rows": int(sum(1 for r in rows[n_train:] if r[0] not in {x[0] for x in rows[:n_train]})),
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
