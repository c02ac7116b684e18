"""Parity of src/trainer/linear.c with scikit-learn 1.2, through the SQL wrapper
of test/unit/linear_harness.c (see linear_check.sh).  Prints one line per
case and exits with status 1 if any check fails.

Usage: /usr/bin/python3 test/unit/linear_parity.py PORT [DBNAME]
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
from sklearn import datasets
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split

warnings.simplefilter("ignore")
PORT = sys.argv[1] if len(sys.argv) > 1 else "55433"
DB = sys.argv[2] if len(sys.argv) > 2 else "pgml"
# psql, socket directory and user: from the environment when a test runs
# this (test/t/070_unit_harnesses.pl), else a test/devcluster.sh cluster.
PSQL = [os.environ.get("PSQL", "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1",
        "-h", os.environ.get("PGHOST", "/tmp"), "-p", PORT,
        "-U", os.environ.get("PGUSER", "postgres"), DB]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("    FAIL:", what)


def arr(a):
    return "'{" + ",".join(repr(float(v)) for v in np.ravel(a)) + "}'"


def call(fn, X, y, n_classes, hp=None, nthread=1, algorithm=None):
    """Run linear_harness.<fn>; returns (W, b, debug lines, [algorithm, output])."""
    sql = "set client_min_messages = debug1;\nselect linear_harness.%s(%s, %s, %d, %s, %d, %s);\n" % (
        fn, arr(X), arr(y), n_classes,
        "null" if hp is None else "'" + json.dumps(hp) + "'", nthread,
        "null" if algorithm is None else "'" + algorithm + "'")
    r = subprocess.run(PSQL, input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    vals = [float(v) for v in r.stdout.strip().splitlines()[-1].strip("{}").split(",")]
    k, p = int(vals[2]), int(vals[3])
    b = np.array(vals[4:4 + k])
    W = np.array(vals[4 + k:]).reshape(k, p)
    dbg = [l.replace("DEBUG:  ", "") for l in r.stderr.splitlines()
           if "regression:" in l or "lasso:" in l or "elastic_net:" in l or "harness" in l]
    return W, b, dbg, vals[:2]


def f32(X):
    # the trainer sees float32 features: give sklearn the same values
    return np.asarray(X, dtype=np.float32).astype(np.float64)


def objective(X, y, W, b, C, K):
    Z = X @ W.T + b
    if K == 2:
        z = Z[:, 0]
        loss = np.sum(np.logaddexp(0, z) - y * z)
    else:
        m = Z.max(axis=1, keepdims=True)
        lse = (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]
        loss = np.sum(lse - Z[np.arange(len(y)), y.astype(int)])
    return loss + 0.5 / C * np.sum(W * W)


def predict_cls(X, W, b, K):
    Z = X @ W.T + b
    return (Z[:, 0] > 0).astype(int) if K == 2 else Z.argmax(axis=1)


def run_ols(name, X, y, hp=None):
    X = f32(X)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    fi = (hp or {}).get("fit_intercept", True)
    sk = LinearRegression(fit_intercept=fi).fit(Xtr, ytr)
    W, b, dbg, head = call("fit_newton", Xtr, ytr, 0, hp)
    dcoef = np.max(np.abs(W[0] - sk.coef_))
    scale = max(1.0, np.max(np.abs(sk.coef_)))
    r2o, r2s = r2_score(yte, Xte @ W[0] + b[0]), r2_score(yte, sk.predict(Xte))
    print(f"OLS {name:18s} hp={hp} max|dcoef|={dcoef:.2e} (max|coef| {scale:.3g}) "
          f"|dint|={abs(b[0] - sk.intercept_):.2e} r2 test ours={r2o:.6f} sklearn={r2s:.6f}  {dbg[0]}")
    check(head == [2.0, 1.0], f"{name}: algorithm/output {head}")
    check(dcoef <= 1e-8 * scale, f"{name}: OLS coefficients differ by {dcoef}")
    check(abs(b[0] - sk.intercept_) <= 1e-8 * max(1.0, abs(sk.intercept_)), f"{name}: OLS intercept")
    check(abs(r2o - r2s) <= 1e-9, f"{name}: OLS r2 {r2o} vs {r2s}")


def run_regularized(name, X, y, algo, hp):
    X = f32(X)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
    kw = dict(hp)
    cls = {"ridge": Ridge, "lasso": Lasso, "elastic_net": ElasticNet}[algo]
    W, b, dbg, head = call("fit_newton", Xtr, ytr, 0, hp, algorithm=algo)
    check(head == [2.0, 1.0], f"{name}: algorithm/output {head}")
    r2o = r2_score(yte, Xte @ W[0] + b[0])
    print(f"{algo.upper()} {name} n={len(Xtr)} p={X.shape[1]} hp={hp}: r2 test ours={r2o:.6f}  {dbg[0]}")
    refs = [("default", {})]
    if algo != "ridge":
        refs.append(("tol=1e-12", dict(tol=1e-12, max_iter=1000000)))
    for label, extra in refs:
        sk = cls(**kw, **extra).fit(Xtr, ytr)
        r2s = r2_score(yte, sk.predict(Xte))
        dcoef = np.max(np.abs(W[0] - sk.coef_))
        scale = max(1.0, np.max(np.abs(sk.coef_)))
        nz = (np.sum(W[0] != 0), np.sum(sk.coef_ != 0))
        print(f"    sklearn {label:10s} r2={r2s:.6f} max|dcoef|={dcoef:.2e} (max|coef| {scale:.3g}) "
              f"|dint|={abs(b[0] - sk.intercept_):.2e} nonzero ours/sklearn={nz[0]}/{nz[1]}")
        check(abs(r2o - r2s) <= 0.01 * max(abs(r2s), 1e-3), f"{name}/{algo}/{label}: r2 {r2o} vs {r2s}")
        if algo == "ridge" or label != "default":
            check(dcoef <= 1e-6 * scale, f"{name}/{algo}/{label}: coefficients differ by {dcoef}")


def run_logit(fn, name, X, y, hp=None, scale=False, tight=True):
    X = f32(X)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    if scale:
        mu, sd = Xtr.mean(0), Xtr.std(0)
        sd[sd == 0] = 1
        Xtr, Xte = f32((Xtr - mu) / sd), f32((Xte - mu) / sd)
    K = len(np.unique(y))
    hp = hp or {}
    C, fi = hp.get("C", 1.0), hp.get("fit_intercept", True)
    W, b, dbg, head = call(fn, Xtr, ytr, K, hp or None)
    check(head == [3.0, 2.0 if K == 2 else 3.0], f"{name}: algorithm/output {head}")
    fo = objective(Xtr, ytr, W, b, C, K)
    pred = predict_cls(Xte, W, b, K)
    acc = accuracy_score(yte, pred)
    print(f"LOGIT[{fn[4:]}] {name}{' (standardized)' if scale else ''} n={len(Xtr)} p={X.shape[1]} K={K} hp={hp}")
    print(f"    ours: objective={fo:.10f} test accuracy={acc:.4f}  {dbg[0]}")
    refs = [("max_iter=100", dict(max_iter=100)), ("max_iter=10000", dict(max_iter=10000))]
    if tight:
        refs.append(("newton-cg tol=1e-12", dict(solver="newton-cg", tol=1e-12, max_iter=10000)))
    for label, kw in refs:
        sk = LogisticRegression(C=C, fit_intercept=fi, **kw).fit(Xtr, ytr)
        Ws = sk.coef_
        bs = sk.intercept_ if fi else np.zeros(Ws.shape[0])
        fs = objective(Xtr, ytr, Ws, bs, C, K)
        acc_s = accuracy_score(yte, sk.predict(Xte))
        agree = np.mean(pred == sk.predict(Xte))
        dcoef = np.max(np.abs(W - Ws))
        cscale = max(1.0, np.max(np.abs(Ws)))
        print(f"    sklearn {label:20s} n_iter={int(np.max(sk.n_iter_)):5d} objective={fs:.10f} "
              f"(ours-sklearn {fo - fs:+.2e}) accuracy={acc_s:.4f} max|dcoef|={dcoef:.2e} "
              f"max|dintercept|={np.max(np.abs(b - bs)):.2e} prediction agreement={agree:.4f}")
        if label != "max_iter=100":
            # never worse than sklearn's own (converged) solution
            check(fo <= fs + 1e-9 * abs(fs), f"{name}/{label}: objective {fo} > {fs}")
            check(abs(acc - acc_s) <= 0.01, f"{name}/{label}: accuracy {acc} vs {acc_s}")
        if label.startswith("newton-cg"):
            lim = 1e-6 if fn == "fit_newton" else 1e-3
            check(dcoef <= lim * cscale, f"{name}/{label}: coefficients differ by {dcoef}")


def run_errors():
    L, LR = "linear", "logistic_regression"
    cases = [
        ("'{1,2,3,4}', '{1,2}', 0, '{\"C\": 1}'", L, 'unknown hyperparameter "C" for algorithm "linear"'),
        ("'{1,2,3,4}', '{1,2}', 0, '{\"C\": null}'", L, 'unknown hyperparameter "C" for algorithm "linear"'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"alpha\": 1}'", LR, 'unknown hyperparameter "alpha" for algorithm "logistic_regression"'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"alpha\": 1}'", L, 'HINT:  Logistic regression (classification) accepts fit_intercept, C, max_iter, tol and random_state, and scikit-learn\'s penalty l2, solver, multi_class, dual false, class_weight null, intercept_scaling 1, warm_start false, n_jobs null and verbose.'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"C\": -1}'", LR, '"C" must be a positive number'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"C\": \"big\"}'", LR, '"C" must be a positive number'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"C\": [1]}'", LR, '"C" must be a positive number'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"max_iter\": 2.5}'", LR, '"max_iter" must be a positive integer'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"max_iter\": 0}'", LR, '"max_iter" must be a positive integer'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"tol\": 0}'", LR, '"tol" must be a positive number'),
        ("'{1,2,3,4}', '{0,1}', 2, '{\"fit_intercept\": 1}'", LR, '"fit_intercept" must be a boolean'),
        ("'{1,2,3,4}', '{0,1}', 2, '[1, 2]'", LR, 'must be a JSON object'),
        ("'{1,2,3,4}', '{1,2}', 0, '{\"tol\": 1e-3}'", "ridge", 'HINT:  Ridge regression accepts fit_intercept, alpha and random_state, and scikit-learn\'s solver, copy_X and positive false.'),
        ("'{1,2,3,4}', '{1,2}', 0, '{\"alpha\": -1}'", "ridge", '"alpha" must be a non-negative number'),
        ("'{1,2,3,4}', '{1,2}', 0, '{\"l1_ratio\": 0.5}'", "lasso", 'HINT:  Lasso accepts fit_intercept, alpha, max_iter, tol and random_state, and scikit-learn\'s selection cyclic, precompute, copy_X, positive false and warm_start false.'),
        ("'{1,2,3,4}', '{1,2}', 0, '{\"l1_ratio\": 1.5}'", "elastic_net", '"l1_ratio" must be a number from 0 to 1'),
        ("'{1,2,3,4}', '{1,2}', 0, '{\"C\": 1}'", "elastic_net", 'HINT:  Elastic net accepts fit_intercept, alpha, l1_ratio, max_iter, tol and random_state, and scikit-learn\'s selection cyclic, precompute, copy_X, positive false and warm_start false.'),
        ("'{1,2,3,4}', '{0,1}', 2, null", "lasso", 'algorithm "lasso" supports regression only'),
        ("'{1,2,3,4}', '{0,1}', 0, null", LR, 'algorithm "logistic_regression" needs a classification task'),
        ("'{1,NaN,3,4}', '{0,1}', 2, null", LR, 'Training row 1, feature 2, is NaN'),
        ("'{1,2,Infinity,4}', '{0,1}', 0, null", L, 'Training row 2, feature 1, is infinite'),
        ("'{1,2,3,4}', '{0,NaN}', 0, null", L, 'target contains a non-finite value'),
        ("'{1,2,3,4}', '{0,NaN}', 0, null", "lasso", 'target contains a non-finite value'),
        ("'{}', '{}', 0, null", L, 'cannot train a linear model on zero rows'),
        ("'{}', '{1,2}', 0, null", L, 'cannot train a linear model without features'),
        ("'{1,2,3,4}', '{0,0}', 1, null", LR, 'needs at least two classes'),
        ("'{1,2,3,4}', '{0,2}', 2, null", LR, 'class index 2 of training row 2 is out of range'),
        ("'{1,2,3,4}', '{0,0,1,1}', 2, '{\"max_iter\": 1}'", LR, 'WARNING:  logistic regression did not converge in 1 iteration'),
        ("'{1,2,2,3.9,3,6.1,4,8}', '{1,2,3,4.5}', 0, '{\"max_iter\": 1, \"alpha\": 0.001}'", "lasso", 'WARNING:  lasso did not converge in 1 iteration'),
        # effective hyperparameters, null meaning the default
        ("'{1,2,3,4}', '{0,1}', 2, '{\"C\": null, \"tol\": null}'", LR,
         'hyperparams {"fit_intercept": true, "C": 1, "max_iter": 1000, "tol": 1e-10}'),
        ("'{1,2,3,4}', '{0,1}', 0, null", L, 'hyperparams {"fit_intercept": true}'),
        ("'{1,2,3,4}', '{0,1}', 0, '{\"alpha\": 0.5}'", "ridge", 'hyperparams {"fit_intercept": true, "alpha": 0.5}'),
        ("'{1,2,3,4}', '{0,1}', 0, null", "elastic_net",
         'hyperparams {"fit_intercept": true, "alpha": 1, "l1_ratio": 0.5, "max_iter": 1000, "tol": 1e-08}'),
    ]
    for args, algo, expect in cases:
        r = subprocess.run(PSQL, input="set client_min_messages = debug1;\n"
                           f"select linear_harness.fit_newton({args}, 1, '{algo}');\n",
                           capture_output=True, text=True)
        ok = expect in r.stderr
        print(f"CASE {algo:20s} {args:60s} -> {'ok' if ok else 'FAIL: ' + r.stderr.strip()}")
        check(ok, f"case {algo} {args}: expected {expect!r}")


def run_small_exact():
    """Cases with answers known by hand."""
    # y = 1 + 2 x0 - 3 x1 exactly
    X = np.array([[0, 0], [1, 0], [0, 1], [2, 3], [5, -1]], dtype=float)
    y = 1 + 2 * X[:, 0] - 3 * X[:, 1]
    W, b, _, _ = call("fit_newton", X, y, 0)
    check(np.allclose(W[0], [2, -3], atol=1e-12) and abs(b[0] - 1) < 1e-12, f"exact OLS {W} {b}")
    # more features than rows: minimum-norm solution of the centered system
    X = np.array([[1, 2, 3], [4, 5, 6]], dtype=float)
    y = np.array([1.0, 2.0])
    W, b, _, _ = call("fit_newton", X, y, 0)
    check(np.allclose(W[0], [1 / 9] * 3, atol=1e-12) and abs(b[0] - 1 / 3) < 1e-12, f"min-norm OLS {W} {b}")
    # a class absent from the training rows: finite, very negative intercept
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    W, b, _, _ = call("fit_newton", X, np.array([0, 1, 1, 0]), 3)
    check(np.all(np.isfinite(b)) and b[2] < -10 and abs(np.sum(b)) < 1e-9, f"absent class {b}")
    # lasso on two features with correlation 0.999: coordinate descent alone
    # crawls; the exact finish must land on sklearn's tol=1e-14 answer
    X = np.array([[1, 2], [2, 3.9], [3, 6.1], [4, 8]])
    W, b, _, _ = call("fit_newton", X, np.array([1, 2, 3, 4.5]), 0, {"alpha": 0.001}, algorithm="lasso")
    ref = Lasso(alpha=0.001, tol=1e-14, max_iter=10**6).fit(f32(X), [1, 2, 3, 4.5])
    check(np.allclose(W[0], ref.coef_, atol=1e-7) and abs(b[0] - ref.intercept_) < 1e-7,
          f"correlated lasso {W} {b} vs {ref.coef_} {ref.intercept_}")
    print("SMALL EXACT CASES done")


if __name__ == "__main__":
    run_errors()
    run_small_exact()
    d = datasets.load_diabetes()
    run_ols("diabetes", d.data, d.target)
    run_ols("diabetes", d.data, d.target, {"fit_intercept": False})
    Xr = np.hstack([d.data, d.data[:, :2], np.zeros((len(d.data), 1))])
    run_ols("diabetes rank-def.", Xr, d.target)
    for hp in ({}, {"alpha": 0.01}, {"alpha": 10.0, "fit_intercept": False}):
        run_regularized("diabetes", d.data, d.target, "ridge", hp)
    for hp in ({}, {"alpha": 0.1}, {"alpha": 0.01, "fit_intercept": False}):
        run_regularized("diabetes", d.data, d.target, "lasso", hp)
    for hp in ({}, {"alpha": 0.01, "l1_ratio": 0.2}, {"alpha": 0.001, "l1_ratio": 0.9}):
        run_regularized("diabetes", d.data, d.target, "elastic_net", hp)
    Xw, yw = datasets.make_regression(n_samples=80, n_features=200, n_informative=10, noise=5.0, random_state=1)
    run_regularized("wide 80x200", Xw, yw, "ridge", {"alpha": 0.5})
    run_regularized("wide 80x200", Xw, yw, "lasso", {"alpha": 0.5})
    run_regularized("wide 80x200", Xw, yw, "elastic_net", {"alpha": 0.5, "l1_ratio": 0.7})
    bc = datasets.load_breast_cancer()
    iris, wine, digits = datasets.load_iris(), datasets.load_wine(), datasets.load_digits()
    for fn in ("fit_newton", "fit_lbfgs"):
        run_logit(fn, "breast_cancer", bc.data, bc.target)
        run_logit(fn, "breast_cancer", bc.data, bc.target, scale=True)
        run_logit(fn, "breast_cancer", bc.data, bc.target, {"C": 0.1, "fit_intercept": False})
        run_logit(fn, "iris", iris.data, iris.target)
        run_logit(fn, "iris", iris.data, iris.target, {"C": 10.0, "fit_intercept": False})
        run_logit(fn, "wine", wine.data, wine.target)
        run_logit(fn, "wine", wine.data, wine.target, scale=True)
        run_logit(fn, "digits", digits.data, digits.target, tight=False)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")
