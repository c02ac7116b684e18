#!/usr/bin/python3
"""Multi-output ("joint") regression oracle: scikit-learn and XGBoost fitted
on a 2-D target, as PostgresML's pgml.train_joint does.

Usage: /usr/bin/python3 test/oracle/joint_parity.py INPUT.json
       (INPUT.json "-" reads the document from stdin)

INPUT.json:
  {"x_train": [[f, ...], ...],   feature rows: float32 values (the stored
                                 float4 features, as float8 or decimal text
                                 that rounds to them)
   "y_train": [[t1, t2, t3], ...],  targets, one row per training row
   "x_test":  [[f, ...], ...],
   "y_test":  [[t1, t2, t3], ...]}  optional: when given, metrics are printed

Every target row has the same number of targets (three for linnerud: weight,
waist, pulse); any number from 1 up works.

Fits (hyperparameters as written, the rest scikit-learn 1.2's / XGBoost
1.7's defaults):
  linear                    LinearRegression()
  ridge                     Ridge()
  lasso                     Lasso()
  elastic_net               ElasticNet()
      the four natively multi-output, on float64 copies of the float32
      features; Lasso and ElasticNet solve each target separately (their
      convergence warnings are silenced, as in the other oracles);
  gradient_boosting_trees   MultiOutputRegressor(GradientBoostingRegressor(
                                n_estimators=5, random_state=0))
  hist_gradient_boosting    MultiOutputRegressor(HistGradientBoostingRegressor(
                                max_iter=10, random_state=0))
  ada_boost                 MultiOutputRegressor(AdaBoostRegressor(
                                n_estimators=5, random_state=0))
      one independent model per target, as PostgresML wraps the
      single-output estimators; every target's clone gets the same
      random_state (MultiOutputRegressor clones the estimator unchanged);
  decision_tree             DecisionTreeRegressor(random_state=0)
  random_forest             RandomForestRegressor(n_estimators=5, random_state=0)
  extra_trees               ExtraTreesRegressor(n_estimators=5, random_state=0)
  bagging                   BaggingRegressor(n_estimators=5, random_state=0)
      fitted on the 2-D target directly: scikit-learn's multi-output trees,
      one tree splitting on all targets at once (impurity averaged over
      them), a leaf holding the mean of each;
  xgboost                   xgboost.XGBRegressor(n_estimators=10,
                                tree_method="hist")
      on the float32 features and the 2-D target: XGBoost 1.7 grows one tree
      per target per boosting round (30 trees here), each target with its own
      gradient.  The effective parameters read back from the booster
      (base_score, eta, max_depth, lambda, ...) are printed under
      "xgboost_config": in 1.7 base_score is the fixed 0.5 for every target
      (no estimation from the data, which came with 2.0).

Output (stdout): one JSON object,
  {NAME: [[p1, p2, p3], ...],           the x_test predictions, row order
   NAME + "_metrics": {"r2": ..., "mean_squared_error": ...,
                       "mean_absolute_error": ...},   only if y_test given
   NAME + "_importances": [...],        feature_importances_, for the
                                        scikit-learn trees that have them
   ...,
   "xgboost_config": {...},
   "versions": {"sklearn": ..., "xgboost": ..., "numpy": ...}}
for NAME in the fits above.  The metrics are scikit-learn's with their
defaults for a 2-D target: r2_score, mean_squared_error and
mean_absolute_error with multioutput="uniform_average" (the plain mean over
the targets of each target's score).  Predictions are float64 (XGBoost's are
float32 values, printed exactly).  The caller applies the tolerances.
"""
import os

# One OpenMP thread (XGBoost, NumPy's BLAS), as tree_parity.py: the sums
# are then sequential and a fit does not stall behind a busy CPU.  Set
# before NumPy, scikit-learn and XGBoost load their thread pools.
os.environ["OMP_NUM_THREADS"] = "1"

import json  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import xgboost  # noqa: E402
from sklearn import ensemble, linear_model, metrics, tree  # noqa: E402
from sklearn.multioutput import MultiOutputRegressor  # noqa: E402

# name => (estimator factory, feature dtype it is fitted on)
MODELS = {
    "linear": (lambda: linear_model.LinearRegression(), np.float64),
    "ridge": (lambda: linear_model.Ridge(), np.float64),
    "lasso": (lambda: linear_model.Lasso(), np.float64),
    "elastic_net": (lambda: linear_model.ElasticNet(), np.float64),
    "gradient_boosting_trees": (
        lambda: MultiOutputRegressor(
            ensemble.GradientBoostingRegressor(n_estimators=5, random_state=0)),
        np.float64),
    "ada_boost": (
        lambda: MultiOutputRegressor(
            ensemble.AdaBoostRegressor(n_estimators=5, random_state=0)),
        np.float64),
    "hist_gradient_boosting": (
        lambda: MultiOutputRegressor(
            ensemble.HistGradientBoostingRegressor(max_iter=10, random_state=0)),
        np.float64),
    # scikit-learn's own multi-output trees: one tree splits on all targets
    "decision_tree": (lambda: tree.DecisionTreeRegressor(random_state=0), np.float64),
    "random_forest": (
        lambda: ensemble.RandomForestRegressor(n_estimators=5, random_state=0), np.float64),
    "extra_trees": (
        lambda: ensemble.ExtraTreesRegressor(n_estimators=5, random_state=0), np.float64),
    "bagging": (
        lambda: ensemble.BaggingRegressor(n_estimators=5, random_state=0), np.float64),
    "xgboost": (
        lambda: xgboost.XGBRegressor(n_estimators=10, tree_method="hist"),
        np.float32),
}

# learner parameters worth knowing when matching XGBoost's trees
XGB_TRAIN_PARAMS = ("eta", "max_depth", "lambda", "alpha", "gamma",
                    "min_child_weight", "max_bin", "subsample",
                    "colsample_bytree", "max_delta_step", "grow_policy",
                    "max_leaves")


def matrix(doc, key, dtype, width=None):
    """doc[key] as a 2-D array of dtype; exits with a message if malformed."""
    if key not in doc:
        sys.exit(f"joint_parity.py: input has no \"{key}\"")
    try:
        a = np.array(doc[key], dtype=dtype)
    except (TypeError, ValueError) as e:
        sys.exit(f"joint_parity.py: \"{key}\" is not a matrix of numbers: {e}")
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        sys.exit(f"joint_parity.py: \"{key}\" must be a non-empty list of "
                 f"equally long non-empty rows (shape {a.shape})")
    if width is not None and a.shape[1] != width:
        sys.exit(f"joint_parity.py: \"{key}\" rows have {a.shape[1]} values, "
                 f"expected {width}")
    return a


def xgboost_config(model):
    """The booster's effective parameters, from its saved configuration."""
    config = json.loads(model.get_booster().save_config())
    learner = config["learner"]
    lmp = learner["learner_model_param"]
    updater = learner["gradient_booster"]["updater"]
    train = {}
    for section in updater.values() if isinstance(updater, dict) else updater:
        train.update(section.get("train_param", {}))
        train.update(section.get("hist_train_param", {}))
    booster = model.get_booster()
    return {
        "objective": learner["objective"]["name"],
        "base_score": float(lmp["base_score"]),
        "num_target": int(lmp.get("num_target", 1)),
        "num_feature": int(lmp["num_feature"]),
        "trees": len(booster.get_dump()),
        "n_estimators": model.n_estimators,
        "tree_method": learner["gradient_booster"]["gbtree_train_param"]["tree_method"],
        "train_param": {k: train[k] for k in XGB_TRAIN_PARAMS if k in train},
    }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 test/oracle/joint_parity.py INPUT.json")
    if sys.argv[1] == "-":
        doc = json.load(sys.stdin)
    else:
        with open(sys.argv[1]) as f:
            doc = json.load(f)

    # the features are float32 values: round once to float32, then widen
    x_train = matrix(doc, "x_train", np.float64).astype(np.float32)
    x_test = matrix(doc, "x_test", np.float64, x_train.shape[1]).astype(np.float32)
    y_train = matrix(doc, "y_train", np.float64)
    if y_train.shape[0] != x_train.shape[0]:
        sys.exit(f"joint_parity.py: {x_train.shape[0]} x_train rows but "
                 f"{y_train.shape[0]} y_train rows")
    y_test = None
    if doc.get("y_test") is not None:
        y_test = matrix(doc, "y_test", np.float64, y_train.shape[1])
        if y_test.shape[0] != x_test.shape[0]:
            sys.exit(f"joint_parity.py: {x_test.shape[0]} x_test rows but "
                     f"{y_test.shape[0]} y_test rows")

    warnings.simplefilter("ignore")
    out = {}
    for name, (make, dtype) in MODELS.items():
        model = make()
        model.fit(x_train.astype(dtype), y_train)
        pred = np.asarray(model.predict(x_test.astype(dtype)), dtype=np.float64)
        pred = pred.reshape(x_test.shape[0], y_train.shape[1])
        out[name] = pred.tolist()
        if y_test is not None:
            out[name + "_metrics"] = {
                "r2": float(metrics.r2_score(y_test, pred)),
                "mean_squared_error": float(metrics.mean_squared_error(y_test, pred)),
                "mean_absolute_error": float(metrics.mean_absolute_error(y_test, pred)),
            }
        if name == "xgboost":
            out["xgboost_config"] = xgboost_config(model)
        elif hasattr(model, "feature_importances_"):
            out[name + "_importances"] = [float(v) for v in model.feature_importances_]
    out["versions"] = {"sklearn": sklearn.__version__,
                       "xgboost": xgboost.__version__,
                       "numpy": np.__version__}
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
