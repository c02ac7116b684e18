#!/usr/bin/python3
"""Oracle for test/t/052_cluster_parity.pl: fit scikit-learn's KMeans and
PCA on exactly the rows pgml trained on and compare with what pgml serves.

Input (argv[1]): a directory with, per case, NAME.tsv (one row per line, in
table order: "{features}\\tpgml_output", the output being pgml.predict's
cluster index for k-means, pgml.decompose's "{z1,...}" for PCA) and
NAME.json {"kind": "kmeans" | "pca", "params": {...}, "train_rows": n}.
The first train_rows rows are the training rows (test_sampling => 'last').

Output (stdout): JSON {"sklearn_version", "cases": {NAME: {...}}} with, for
k-means: the inertia of pgml's and scikit-learn's partitions of the training
rows (the sum of squared distances to each cluster's mean: at convergence
that is what each model's inertia is), scikit-learn's own inertia_, the
share of training rows on which the two partitions agree (best matching of
cluster ids), and silhouette_score of the test rows under pgml's labels;
for PCA: the largest absolute difference between pgml's projections and
scikit-learn's transform() over all rows, and the largest |projection|.
"""
import json
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import msgpack_min  # noqa: E402
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score


def read(path):
    xs, outs = [], []
    with open(path) as f:
        for line in f:
            feats, out = line.rstrip("\n").split("\t")
            xs.append([float(v) for v in feats.replace("{", "").replace("}", "").split(",")])
            outs.append([float(v) for v in out.strip("{}").split(",")])
    # pgml trains on float32 features: give scikit-learn the same values
    return np.asarray(xs, dtype=np.float32).astype(np.float64), np.array(outs)


def partition_inertia(X, labels):
    total = 0.0
    for c in np.unique(labels):
        rows = X[labels == c]
        total += float(((rows - rows.mean(axis=0)) ** 2).sum())
    return total


def agreement(a, b):
    """Share of rows on which two labelings agree under the best 1:1 matching
    of their ids (greedy on the contingency table, exact for near-equal
    partitions)."""
    ids_a, ids_b = np.unique(a), np.unique(b)
    table = np.array([[np.sum((a == i) & (b == j)) for j in ids_b] for i in ids_a])
    hits = 0
    while table.size and table.max() > 0:
        i, j = np.unravel_index(table.argmax(), table.shape)
        hits += table[i, j]
        table[i, :] = -1
        table[:, j] = -1
    return float(hits) / len(a)


def main():
    d = sys.argv[1]
    warnings.simplefilter("ignore")
    out = {"sklearn_version": sklearn.__version__, "cases": {}}
    for name in sorted(n[:-5] for n in os.listdir(d) if n.endswith(".json")):
        with open(f"{d}/{name}.json") as f:
            meta = json.load(f)
        X, pg = read(f"{d}/{name}.tsv")
        n_train = meta["train_rows"]
        tr, te = slice(0, n_train), slice(n_train, len(X))
        case = {"kind": meta["kind"], "params": meta["params"]}
        if meta["kind"] == "kmeans":
            labels = pg[:, 0].astype(int)
            sk = KMeans(**meta["params"]).fit(X[tr])
            case["pgml_inertia"] = partition_inertia(X[tr], labels[tr])
            case["sklearn_inertia"] = partition_inertia(X[tr], sk.labels_)
            case["sklearn_inertia_"] = float(sk.inertia_)
            case["label_agreement"] = agreement(labels[tr], sk.labels_)
            # the model's centroids, from its artifact: the inertia of the
            # test rows (what pgml stores as metrics.inertia) with the
            # served clusters, and whether each served cluster is nearest
            with open(f"{d}/{name}.artifact") as f:
                art = msgpack_min.unpack(bytes.fromhex(f.read().strip()))
            C = np.array(msgpack_min.f64s(art.get("centroids"))).reshape(art.get("n_clusters"), -1)
            dist = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
            case["test_inertia"] = float(dist[np.arange(len(X)), labels][te].sum())
            case["nearest_mismatches"] = int((dist.argmin(axis=1) != labels).sum())
            test_labels = labels[te]
            n_lab = len(np.unique(test_labels))
            case["test_silhouette"] = (float(silhouette_score(X[te], test_labels))
                                       if 2 <= n_lab <= len(test_labels) - 1 else None)
        else:
            sk = PCA(svd_solver="full", **meta["params"]).fit(X[tr])
            Z = sk.transform(X)
            case["n_components"] = int(sk.n_components_)
            case["pgml_n_components"] = int(pg.shape[1])
            if pg.shape == Z.shape:
                case["max_abs_diff"] = float(np.max(np.abs(pg - Z)))
            case["max_abs_projection"] = float(np.max(np.abs(Z)))
            case["explained_variance_ratio"] = [float(v) for v in sk.explained_variance_ratio_]
            case["explained_variance"] = [float(v) for v in sk.explained_variance_]
        out["cases"][name] = case
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
