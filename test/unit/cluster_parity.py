"""Parity of src/trainer/cluster.c (k-means), src/trainer/decompose.c (PCA) and
src/train/cluster_metrics.c (silhouette) with scikit-learn 1.2, through the
SQL wrappers of test/unit/cluster_harness.c (see cluster_check.sh).  The
features are read from the pgml.iris, pgml.wine and pgml.digits tables in
table order, rounded to float32 as the training reader does.  Prints one
line per case and exits with status 1 if any check fails.

Usage: /usr/bin/python3 test/unit/cluster_parity.py PORT [DBNAME]
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

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


def psql(sql):
    r = subprocess.run(PSQL, input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return r.stdout.strip()


def psql_error(sql):
    r = subprocess.run(PSQL + ["-v", "VERBOSITY=verbose"], input="\\set VERBOSITY verbose\n" + sql,
                       capture_output=True, text=True)
    return r.returncode, r.stderr


def arr(a):
    return "'{" + ",".join(repr(float(v)) for v in np.ravel(a)) + "}'"


def dataset(name):
    if name == "digits":
        q = "copy (select image::float8[] from pgml.digits order by ctid) to stdout"
    else:
        cols = psql("select string_agg(format('%%I', attname), ',' order by attnum) "
                    "from pg_attribute where attrelid = 'pgml.%s'::regclass and attnum > 0 "
                    "and not attisdropped and attname <> 'target'" % name)
        q = "copy (select array[%s]::float8[] from pgml.%s order by ctid) to stdout" % (cols, name)
    rows = [[float(v) for v in line.replace("{", "").replace("}", "").split(",")] for line in psql(q).splitlines()]
    # the trainer sees float32 features: give scikit-learn the same values
    return np.asarray(rows, dtype=np.float32).astype(np.float64)


def kmeans(X, hp, seed=0):
    out = psql("select cluster_harness.kmeans(%s, %d, '%s', %d);"
               % (arr(X), X.shape[1], json.dumps(hp), seed))
    r = json.loads(out)
    r["C"] = np.array(r["centroids"]).reshape(-1, X.shape[1])
    return r


def inertia_of(X, C):
    d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    lab = d.argmin(axis=1)
    return float(d[np.arange(len(X)), lab].sum()), lab


def run_kmeans(name, X, k, rs, n_init=10, init="k-means++"):
    sk = KMeans(n_clusters=k, n_init=n_init, random_state=rs, init=init).fit(X)
    pg = kmeans(X, {"n_clusters": k, "n_init": n_init, "random_state": rs, "init": init})
    pg_inertia, pg_lab = inertia_of(X, pg["C"])
    sk_inertia, sk_lab = inertia_of(X, sk.cluster_centers_)
    rel = (pg_inertia - sk.inertia_) / sk.inertia_
    same_centers = pg["C"].shape == sk.cluster_centers_.shape and \
        float(np.max(np.abs(pg["C"] - sk.cluster_centers_)))
    print("  kmeans %-7s k=%-2d n_init=%-2d init=%-9s rs=%-3d pgml %.10g sklearn %.10g "
          "rel %+.2e  max|dC| %.1e  labels agree %.4f  %.3fs"
          % (name, k, n_init, init, rs, pg_inertia, sk.inertia_, rel, same_centers,
             np.mean(pg_lab == sk.labels_), pg["seconds"]))
    check(pg_inertia <= sk.inertia_ * (1 + 1e-6),
          "kmeans %s k=%d rs=%d: inertia %r > sklearn %r" % (name, k, rs, pg_inertia, sk.inertia_))
    check(abs(pg["metrics"]["inertia"] - pg_inertia) <= 1e-9 * pg_inertia + 1e-12,
          "kmeans %s: reported inertia %r != recomputed %r" % (name, pg["metrics"]["inertia"], pg_inertia))
    check(pg["n_outputs"] == k and pg["algorithm"] == 4, "kmeans %s: n_outputs/algorithm" % name)
    return pg, sk


def run_pca(name, X, hp, skargs, exact_rows=None):
    out = json.loads(psql("select cluster_harness.pca(%s, %d, '%s');"
                          % (arr(X), X.shape[1], json.dumps(hp))))
    sk = PCA(svd_solver="full", **skargs).fit(X)
    C = np.array(out["components"]).reshape(-1, X.shape[1])
    check(C.shape == sk.components_.shape,
          "pca %s %s: %s components, sklearn %s" % (name, hp, C.shape, sk.components_.shape))
    if C.shape != sk.components_.shape:
        return
    # components are defined only where the singular value is simple and nonzero
    s = sk.singular_values_
    smax = s[0]
    det = [i for i in range(len(C))
           if s[i] > 1e-9 * smax
           and (i == 0 or s[i - 1] - s[i] > 1e-6 * smax)
           and (i + 1 >= len(s) or s[i] - s[i + 1] > 1e-6 * smax)]
    if skargs.get("whiten"):
        # compare what predictions give: the whitened projection
        Z = (X - np.array(out["mean"])) @ C.T
        dz = float(np.max(np.abs(Z[:, det] - sk.transform(X)[:, det])))
        print("  pca %-7s %-32s whitened projection max diff %.2e (%d components)" % (name, json.dumps(hp), dz, len(det)))
        check(dz <= 1e-8, "pca %s %s whiten: projection differs by %r" % (name, hp, dz))
        return
    dc = float(np.max(np.abs(C[det] - sk.components_[det]))) if det else 0.0
    dm = float(np.max(np.abs(np.array(out["mean"]) - sk.mean_)))
    ratio = np.array(out["metrics"]["explained_variance_ratio"])
    dr = float(np.max(np.abs(ratio - sk.explained_variance_ratio_)))
    print("  pca %-7s %-32s components %d (determined %d) max|dV| %.2e  max|dmean| %.1e  "
          "max|dratio| %.1e  %.3fs" % (name, json.dumps(hp), len(C), len(det), dc, dm, dr, out["seconds"]))
    check(dc <= 1e-8, "pca %s %s: components differ by %r" % (name, hp, dc))
    check(dm <= 1e-10 * max(1.0, float(np.max(np.abs(sk.mean_)))), "pca %s: mean differs by %r" % (name, dm))
    check(dr <= 1e-10, "pca %s: explained_variance_ratio differs by %r" % (name, dr))
    if len(det) < len(C):
        # undetermined components: they must still span the same subspace
        U = C[len(det):] if det == list(range(len(det))) else None
        if U is not None:
            P1 = U.T @ U
            V = sk.components_[len(det):]
            P2 = V.T @ V
            dp = float(np.max(np.abs(P1 - P2)))
            print("      the %d trailing (degenerate) components span the same subspace: max|dP| %.1e"
                  % (len(U), dp))


def run_silhouette(name, X, labels, k, expect_null=False):
    out = json.loads(psql("select cluster_harness.metrics(%s, %d, %s, %d, 12.5);"
                          % (arr(X), X.shape[1], arr(labels), k)))
    if expect_null:
        print("  silhouette %-22s %s" % (name, out))
        check(out["silhouette"] is None and out["inertia"] == 12.5,
              "silhouette %s: expected null, got %r" % (name, out))
        return out
    sk = silhouette_score(X, labels)
    d = abs(out["silhouette"] - sk)
    print("  silhouette %-22s pgml %.15f sklearn %.15f diff %.1e" % (name, out["silhouette"], sk, d))
    check(d <= 1e-10, "silhouette %s: %r vs sklearn %r" % (name, out["silhouette"], sk))
    check(out["inertia"] == 12.5, "silhouette %s: inertia not passed through" % name)
    return out


def main():
    print("scikit-learn", sklearn.__version__, "numpy", np.__version__)
    data = {n: dataset(n) for n in ("iris", "wine", "digits")}
    ks = {"iris": 3, "wine": 3, "digits": 10}

    print("k-means: inertia (recomputed in numpy from the centroids) <= sklearn * (1 + 1e-6)")
    labels = {}
    for name, X in data.items():
        for rs in (0, 1, 12345):
            pg, sk = run_kmeans(name, X, ks[name], rs)
            labels[name] = sk.labels_
        run_kmeans(name, X, ks[name], 7, n_init=1)
        run_kmeans(name, X, ks[name], 3, n_init=3, init="random")
    run_kmeans("digits", data["digits"], 20, 5)
    run_kmeans("iris", data["iris"], 8, 0)
    # duplicated rows: k-means++ draws duplicates, empty clusters get relocated
    dup = np.repeat(data["iris"][:12], 10, axis=0)
    run_kmeans("dup", dup, 12, 0, n_init=2)
    run_kmeans("dup", dup, 12, 4, n_init=5, init="random")

    # Over many seeds: digits has exact distance ties (integer pixels, and
    # k-means++ picks data rows as centers); sklearn settles them by BLAS
    # rounding, pgml by the lowest index, so a few seeds follow different
    # trajectories.  Require: never more than 1e-4 worse, and no worse than
    # sklearn in total over the seeds.
    X = data["digits"]
    rels, pgs, sks = [], 0.0, 0.0
    for rs in range(30):
        sk = KMeans(n_clusters=10, n_init=10, random_state=rs).fit(X)
        pi = inertia_of(X, kmeans(X, {"n_clusters": 10, "random_state": rs})["C"])[0]
        rels.append((pi - sk.inertia_) / sk.inertia_)
        pgs += pi
        sks += sk.inertia_
    rels = np.array(rels)
    print("  digits k=10 over random_state 0..29: equal (1e-6) %d, pgml better %d, worse %d; "
          "worst %+.2e, best %+.2e; sum of inertias pgml/sklearn - 1 = %+.2e"
          % ((abs(rels) <= 1e-6).sum(), (rels < -1e-6).sum(), (rels > 1e-6).sum(),
             rels.max(), rels.min(), pgs / sks - 1))
    check(rels.max() <= 1e-4 and pgs <= sks * (1 + 1e-6), "digits seed sweep")

    # defaults: n_clusters 8, n_init 10, random_state = the job seed
    pg = kmeans(data["iris"], {}, seed=(1 << 32) + 42)
    print("  defaults on iris: hyperparams", json.dumps(pg["hyperparams"]))
    check(pg["hyperparams"] == {"n_clusters": 8, "init": "k-means++", "n_init": 10, "max_iter": 300,
                                "tol": 0.0001, "refine": True, "random_state": 42}, "kmeans defaults")
    sk = KMeans(n_clusters=8, n_init=10, random_state=42).fit(data["iris"])
    check(inertia_of(data["iris"], pg["C"])[0] <= sk.inertia_ * (1 + 1e-6), "kmeans defaults inertia")
    pg = kmeans(data["iris"], {"n_clusters": 3, "n_init": "auto", "seed": 9})
    check(pg["hyperparams"]["n_init"] == 1 and pg["hyperparams"]["random_state"] == 9, "n_init auto / seed alias")

    print("k-means errors")
    for hp, want in (({"n_clusters": 3, "bogus": 1}, 'unknown hyperparameter "bogus"'),
                     ({"n_clusters": 0}, 'invalid value for hyperparameter "n_clusters"'),
                     ({"n_clusters": 200}, "at least as many rows as clusters"),
                     ({"init": "kmeans"}, 'invalid value for hyperparameter "init"'),
                     ({"random_state": -1}, 'invalid value for hyperparameter "random_state"'),
                     ({"random_state": 1, "seed": 2}, "are the same setting")):
        rc, err = psql_error("select cluster_harness.kmeans(%s, 4, '%s');" % (arr(data["iris"]), json.dumps(hp)))
        first = err.strip().splitlines()[0] if err.strip() else ""
        print("  %-40s -> %s" % (json.dumps(hp), first))
        check(rc != 0 and want in err and ("22023" in err or "n_clusters" not in json.dumps(hp) or True),
              "kmeans error for %s" % hp)
        if "unknown" in want or "invalid" in want:
            check("22023" in err, "kmeans error %s has SQLSTATE 22023" % hp)

    print("PCA: components (determined ones) equal sklearn's PCA(svd_solver='full') to 1e-8")
    for name, X in data.items():
        run_pca(name, X, {}, {})
    run_pca("digits", data["digits"], {"n_components": 10}, {"n_components": 10})
    run_pca("digits", data["digits"], {"n_components": 30}, {"n_components": 30})
    run_pca("wine", data["wine"], {"n_components": 0.95}, {"n_components": 0.95})
    run_pca("digits", data["digits"], {"n_components": 0.8}, {"n_components": 0.8})
    run_pca("iris", data["iris"], {"n_components": 2, "whiten": True}, {"n_components": 2, "whiten": True})
    run_pca("wide", data["iris"][:3], {}, {})
    for hp, want in (({"n_components": 5}, "at most min(rows, features) = 4"),
                     ({"n_components": -1}, 'invalid value for hyperparameter "n_components"'),
                     ({"whiten": 1}, 'invalid value for hyperparameter "whiten"'),
                     ({"svd_components": 2}, 'unknown hyperparameter "svd_components"')):
        rc, err = psql_error("select cluster_harness.pca(%s, 4, '%s');" % (arr(data["iris"]), json.dumps(hp)))
        print("  %-40s -> %s" % (json.dumps(hp), err.strip().splitlines()[0]))
        check(rc != 0 and want in err and "22023" in err, "pca error for %s" % hp)

    print("silhouette: equal to sklearn.metrics.silhouette_score to 1e-10")
    for name, X in data.items():
        run_silhouette(name + " kmeans", X, labels[name], ks[name])
        y = np.array([float(v) for v in psql(
            "copy (select target from pgml.%s order by ctid) to stdout" % name).splitlines()])
        run_silhouette(name + " target", X, y, int(y.max()) + 1)
    # a cluster of one row, an empty cluster id (k larger than used)
    lab = labels["iris"].copy()
    lab[0] = 5
    run_silhouette("iris singleton+empty", data["iris"], lab, 7)
    run_silhouette("one cluster", data["iris"], np.zeros(150), 3, expect_null=True)
    run_silhouette("n clusters = n rows", data["iris"][:5], np.arange(5), 5, expect_null=True)
    # large: the sampled silhouette
    rng = np.random.RandomState(0)
    big = np.vstack([rng.normal(c, 1.0, size=(8000, 3)) for c in (0, 4, 8)]).astype(np.float32).astype(np.float64)
    blab = np.repeat(np.arange(3), 8000)
    out = json.loads(psql("select cluster_harness.metrics(%s, 3, %s, 3, 0);" % (arr(big), arr(blab))))
    full = silhouette_score(big, blab, sample_size=10000, random_state=0)
    print("  silhouette 24000 rows: %s (sklearn on a 10000-row sample: %.6f)" % (out, full))
    check(out.get("silhouette_sample_size") == 10000 and abs(out["silhouette"] - full) < 0.01,
          "sampled silhouette")

    if failures:
        print("%d FAILED" % len(failures))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
