"""pgml.hyperparameters() against Debian's scikit-learn (test/t/056).

Reads on stdin the rows of pgml.hyperparameters() as a JSON array (objects
with algorithm, tasks, name, alias, type, default_value) and writes a JSON
array of checks, one per row of an algorithm that mirrors a scikit-learn
estimator: whether scikit-learn's estimator for that task has the key (or
its alias), and whether the default written as JSON equals the estimator's
get_params() default.  Defaults in words ("the job's seed") are not
compared.  The differences pgml documents (docs/algorithms.md) are listed in
DEVIATIONS with their reason and reported as such, not as failures.
"""
import json
import math
import sys

from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import (AdaBoostClassifier, AdaBoostRegressor, BaggingClassifier,
                              BaggingRegressor, ExtraTreesClassifier, ExtraTreesRegressor,
                              GradientBoostingClassifier, GradientBoostingRegressor,
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import (ARDRegression, BayesianRidge, ElasticNet, HuberRegressor, Lars,
                                  Lasso, LassoLars, LinearRegression, LogisticRegression,
                                  OrthogonalMatchingPursuit, PassiveAggressiveClassifier,
                                  PassiveAggressiveRegressor, Perceptron, RANSACRegressor, Ridge,
                                  RidgeClassifier, TheilSenRegressor,
                                  SGDClassifier, SGDRegressor)
from sklearn.svm import LinearSVC, LinearSVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ESTIMATORS = {
    ("decision_tree", "regression"): DecisionTreeRegressor,
    ("decision_tree", "classification"): DecisionTreeClassifier,
    ("random_forest", "regression"): RandomForestRegressor,
    ("random_forest", "classification"): RandomForestClassifier,
    ("extra_trees", "regression"): ExtraTreesRegressor,
    ("extra_trees", "classification"): ExtraTreesClassifier,
    ("bagging", "regression"): BaggingRegressor,
    ("bagging", "classification"): BaggingClassifier,
    ("gradient_boosting_trees", "regression"): GradientBoostingRegressor,
    ("gradient_boosting_trees", "classification"): GradientBoostingClassifier,
    ("hist_gradient_boosting", "regression"): HistGradientBoostingRegressor,
    ("hist_gradient_boosting", "classification"): HistGradientBoostingClassifier,
    ("ada_boost", "regression"): AdaBoostRegressor,
    ("ada_boost", "classification"): AdaBoostClassifier,
    ("linear", "regression"): LinearRegression,
    ("linear", "classification"): LogisticRegression,
    ("logistic_regression", "classification"): LogisticRegression,
    ("ridge", "regression"): Ridge,
    ("ridge", "classification"): RidgeClassifier,
    ("lasso", "regression"): Lasso,
    ("elastic_net", "regression"): ElasticNet,
    ("orthogonal_matching_pursuit", "regression"): OrthogonalMatchingPursuit,
    ("bayesian_ridge", "regression"): BayesianRidge,
    ("automatic_relevance_determination", "regression"): ARDRegression,
    ("least_angle", "regression"): Lars,
    ("lasso_least_angle", "regression"): LassoLars,
    ("huber", "regression"): HuberRegressor,
    ("stochastic_gradient_descent", "regression"): SGDRegressor,
    ("stochastic_gradient_descent", "classification"): SGDClassifier,
    ("perceptron", "classification"): Perceptron,
    ("passive_aggressive", "regression"): PassiveAggressiveRegressor,
    ("passive_aggressive", "classification"): PassiveAggressiveClassifier,
    ("ransac", "regression"): RANSACRegressor,
    ("theil_sen", "regression"): TheilSenRegressor,
    ("linear_svm", "regression"): LinearSVR,
    ("linear_svm", "classification"): LinearSVC,
    ("kmeans", "clustering"): KMeans,
    ("pca", "decomposition"): PCA,
}

# keys pgml adds that scikit-learn does not have
PGML_OWN = {("kmeans", "refine"): "pgml's Lloyd refinement of the best run (docs/algorithms.md)"}

# (algorithm, task or None, key) -> (pgml's default, scikit-learn's, why)
DEVIATIONS = {
    ("ada_boost", "classification", "algorithm"):
        ("SAMME", "SAMME.R", "SAMME.R is refused: deprecated in scikit-learn 1.4, removed in 1.6"),
    ("linear", "classification", "max_iter"):
        (1000, 100, "pgml's own solver; its iterations are not lbfgs's (docs/algorithms.md)"),
    ("logistic_regression", "classification", "max_iter"):
        (1000, 100, "pgml's own solver; its iterations are not lbfgs's (docs/algorithms.md)"),
    ("kmeans", "clustering", "n_init"):
        (10, "warn", "'warn' is scikit-learn 1.2's 10 with a FutureWarning"),
    ("bagging", None, "max_samples"):
        (None, 1.0, "null is every row, as 1.0"),
}


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    return a == b


def main():
    rows = json.load(sys.stdin)
    out = []
    for r in rows:
        for task in r["tasks"]:
            est = ESTIMATORS.get((r["algorithm"], task))
            if est is None:
                continue
            params = est().get_params()
            key = r["name"]
            check = {"algorithm": r["algorithm"], "task": task, "name": key, "type": r["type"]}
            if (r["algorithm"], key) in PGML_OWN:
                check.update(known=True, why=PGML_OWN[(r["algorithm"], key)], default="pgml's own")
                out.append(check)
                continue
            known = key in params or (r["alias"] is not None and r["alias"] in params)
            check["known"] = known
            sk_key = key if key in params else r["alias"]
            if not known or r["type"] == "compatible" or r["default_value"] is None:
                check["default"] = "not compared"
                out.append(check)
                continue
            try:
                ours = json.loads(r["default_value"])
            except ValueError:
                check["default"] = "in words"
                out.append(check)
                continue
            theirs = params[sk_key]
            dev = DEVIATIONS.get((r["algorithm"], task, key)) or DEVIATIONS.get((r["algorithm"], None, key))
            if same(ours, theirs):
                check["default"] = "equal"
            elif dev is not None and same(dev[0], ours) and same(dev[1], theirs):
                check["default"] = "documented deviation"
                check["why"] = dev[2]
            else:
                check["default"] = "differs"
                check["ours"] = ours
                check["theirs"] = theirs if isinstance(theirs, (int, float, str, bool, type(None))) else repr(theirs)
            out.append(check)
    json.dump(out, sys.stdout)


main()
