#!/usr/bin/python3
"""Oracle for the k-means++ tie case of test/t/052_cluster_parity.pl.

The training rows are the 1-feature points -1, 0, 1, four of each.  When
k-means++ (k = 2, two candidates per step) has put its first center on a 0
and draws a -1 and a 1 as the candidates for the second, both have the same
potential exactly (four points at squared distance 1 either way):
scikit-learn keeps the first drawn (numpy's argmin), and the two choices end
in different clusterings ({-1} {0, 1} against {-1, 0} {1}).

Finds the first random_state in 0..999 where that tie happens at the first
of KMeans(n_clusters=2, n_init=1)'s draws, replaying scikit-learn 1.2's
_kmeans_plusplus draw for draw (numpy's legacy RandomState), and prints JSON:
{"seed": s, "labels": [label of -1, of 0, of 1] as KMeans fits and predicts,
"other_labels": the same had the tie gone to the second candidate,
"sklearn_version": ...}.  Output goes to stdout; nothing else is read.
"""
import json

import numpy as np
import sklearn
from sklearn.cluster import KMeans

ROWS = np.array([[-1.0]] * 4 + [[0.0]] * 4 + [[1.0]] * 4)
POINTS = np.array([[-1.0], [0.0], [1.0]])


def first_step_tie(seed):
    """The two candidates' X values if the first ++ step ties, else None."""
    rng = np.random.RandomState(seed)
    x = ROWS - ROWS.mean(axis=0)          # KMeans centers the data first
    n = x.shape[0]
    trials = 2 + int(np.log(2))
    first = rng.randint(n)
    closest = ((x - x[first]) ** 2).sum(axis=1)
    pot = closest.sum()
    draws = rng.uniform(size=trials) * pot
    cand = np.searchsorted(np.cumsum(closest), draws)
    cand = np.minimum(cand, n - 1)
    pots = [np.minimum(closest, ((x - x[c]) ** 2).sum(axis=1)).sum() for c in cand]
    if pots[0] == pots[1] and x[cand[0], 0] != x[cand[1], 0]:
        return x[first], x[cand[0]], x[cand[1]]
    return None


def main():
    for seed in range(1000):
        tie = first_step_tie(seed)
        if tie is None:
            continue
        km = KMeans(n_clusters=2, n_init=1, random_state=seed).fit(ROWS)
        mean = ROWS.mean(axis=0)
        other = KMeans(n_clusters=2, n_init=1,
                       init=np.array([tie[0] + mean, tie[2] + mean])).fit(ROWS)
        print(json.dumps({
            "seed": seed,
            "labels": [int(v) for v in km.predict(POINTS)],
            "other_labels": [int(v) for v in other.predict(POINTS)],
            "sklearn_version": sklearn.__version__,
        }))
        return
    raise SystemExit("no random_state in 0..999 ties at the first k-means++ step")


if __name__ == "__main__":
    main()
