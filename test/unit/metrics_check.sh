#!/usr/bin/env bash
# Compare src/train/metrics.c with scikit-learn's metrics on random data.
# Builds test/unit/metrics_test.c against the server headers (palloc and
# StringInfo from the frontend libpgcommon), generates cases with
# /usr/bin/python3 (numpy, sklearn), and checks every metric to 1e-12
# (relative to max(1, |expected|)).  A NaN from sklearn, or a ValueError
# where sklearn refuses (roc_auc with a class absent), must be null here.
# Probability metrics: roc_auc_score, log_loss, confusion_matrix of the
# argmax, on float32 probabilities with ties, exact 0/1 and near-0 values.
# Usage: test/unit/metrics_check.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=${1:-20261121}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gcc -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -O2 \
	-I include -I "$("${PG_CONFIG:-pg_config}" --includedir-server)" \
	test/unit/metrics_test.c src/train/metrics.c -o "$work/metrics_test" \
	-L "$("${PG_CONFIG:-pg_config}" --pkglibdir)" -lpgcommon -lpgport -lm

/usr/bin/python3 - "$work" "$seed" <<'PY'
import json, math, subprocess, sys, warnings
import numpy as np
from sklearn import metrics as M

warnings.simplefilter("ignore")
work, seed = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(seed)
cases = []

# Regression: sizes from 1 up, large offsets, integers, constant targets.
for n in [1, 2, 3, 5, 10, 100, 1000, 10000]:
    for _ in range(5):
        yt = rng.normal(size=n) * rng.choice([1e-3, 1, 1e3])
        yp = yt + rng.normal(size=n) * rng.choice([0, 1e-6, 0.1, 10])
        cases.append(("R", yt, yp, 0))
    off = 1e8
    yt = off + rng.normal(size=n)
    cases.append(("R", yt, yt + rng.normal(size=n), 0))
    yt = rng.integers(0, 5, size=n).astype(float)
    cases.append(("R", yt, rng.integers(0, 5, size=n).astype(float), 0))
    for v in [0.5, 0.1]:
        c = np.full(n, v)
        cases.append(("R", c, c.copy(), 0))                # perfect, constant
        cases.append(("R", c, c + rng.normal(size=n), 0))  # imperfect, constant

# Classification: binary and multiclass, skewed predictions (classes never
# predicted), classes absent from both sides, one class, perfect, constant.
for n in [1, 2, 3, 10, 57, 500, 5000]:
    for k in [1, 2, 3, 4, 10, 26]:
        yt = rng.integers(0, k, size=n)
        yp = np.where(rng.random(n) < 0.6, yt, rng.integers(0, k, size=n))
        cases.append(("C", yt, yp, k))
        yp2 = np.minimum(yp, max(0, k // 2 - 1))            # upper classes never predicted
        cases.append(("C", yt, yp2, k))
        yt3 = rng.integers(0, max(1, k // 2), size=n)       # classes present in neither
        cases.append(("C", yt3, np.minimum(yp, max(0, k // 2 - 1)), k + 3))
        cases.append(("C", yt, yt.copy(), k))               # perfect
        cases.append(("C", yt, np.zeros(n, dtype=int), k))  # constant prediction

# Probabilities (float32, as the model gives them): smooth Dirichlet rows,
# coarse multinomial frequencies (many ties, exact 0 and 1), near-certain
# rows (clipping by eps matters), a class absent from y_true, one class, a
# NaN.  Labels are drawn from the row itself most of the time.
def draw_labels(P, n, k):
    cum = np.cumsum(P.astype(np.float64), axis=1)
    drawn = np.minimum((rng.random((n, 1)) > cum).sum(axis=1), k - 1)
    return np.where(rng.random(n) < 0.8, drawn, rng.integers(0, k, size=n))

for n in [1, 2, 3, 10, 57, 500, 5000]:
    for k in [1, 2, 3, 4, 10]:
        P = rng.dirichlet(np.full(k, rng.choice([0.3, 1, 5])), size=n).astype(np.float32)
        cases.append(("P", draw_labels(P, n, k), P, k))
        m = int(rng.choice([1, 3, 10]))
        Q = (rng.multinomial(m, np.full(k, 1.0 / k), size=n) / m).astype(np.float32)
        cases.append(("P", draw_labels(Q, n, k), Q, k))
        hot = np.eye(k)[rng.integers(0, k, size=n)]
        S = np.abs(hot - rng.choice([0, 1e-12, 1e-9, 1e-6, 1e-3], size=(n, 1)) * rng.random((n, k)))
        S = (S / S.sum(axis=1, keepdims=True)).astype(np.float32)
        cases.append(("P", draw_labels(S, n, k), S, k))
        if k >= 2:
            cases.append(("P", np.minimum(draw_labels(P, n, k), k - 2), P, k))  # class k-1 absent
    P = rng.dirichlet(np.ones(3), size=n).astype(np.float32)
    P[n // 2, 1] = np.nan
    cases.append(("P", rng.integers(0, 3, size=n), P, 3))

with open(f"{work}/in.txt", "w") as f:
    for kind, yt, yp, k in cases:
        f.write(f"{kind} {len(yt)}" + (f" {k}" if kind != "R" else "") + "\n")
        if kind == "P":
            for a, row in zip(yt, yp):
                f.write(f"{float(a)!r} " + " ".join(repr(float(v)) for v in row) + "\n")
            continue
        for a, b in zip(yt, yp):
            f.write(f"{float(a)!r} {float(b)!r}\n")

out = subprocess.run([f"{work}/metrics_test"], stdin=open(f"{work}/in.txt"),
                     capture_output=True, text=True, check=True).stdout.splitlines()
assert len(out) == len(cases), (len(out), len(cases))

def r2_expected(yt, yp):
    # sklearn computes the variance of a constant y_true from a rounded mean
    # (np.full(n, 0.1) has a mean != 0.1), gets a tiny non-zero denominator
    # and returns about -1e33 where its own rule says 0.0.  metrics.c tests
    # constancy exactly: check the documented rule there.
    if len(yt) >= 2 and np.all(yt == yt[0]):
        return 1.0 if np.array_equal(yt, yp) else 0.0
    return M.r2_score(yt, yp)

# log_loss with eps="auto" takes the eps of the probabilities' dtype,
# float32 here, and would then compute in float32 (1e-7 off).  metrics.c
# does the same in double: compare with sklearn given the same float32
# values widened to float64 and that eps; and, loosely, with sklearn's own
# float32 run.
EPS32 = float(np.finfo(np.float32).eps)
loose_fails = []

def sklearn_or_nan(f):
    try:
        return f()
    except ValueError:          # sklearn refuses: undefined, null here
        return math.nan

def proba_expected(yt, P, k):
    P64 = P.astype(np.float64)
    labels = list(range(k))
    if k == 2:
        auc = sklearn_or_nan(lambda: M.roc_auc_score(yt, P64[:, 1]))
    elif k > 2:
        auc = sklearn_or_nan(lambda: M.roc_auc_score(yt, P64, multi_class="ovr", labels=labels))
    else:
        auc = math.nan
    loss = math.nan
    if k >= 2 and len(yt) > 0:
        loss = sklearn_or_nan(lambda: M.log_loss(yt, P64, eps=EPS32, labels=labels))
        loss32 = sklearn_or_nan(lambda: float(M.log_loss(yt, P, labels=labels)))
        if not math.isnan(loss) and abs(loss32 - loss) > 1e-5 * max(1.0, loss):
            loose_fails.append((len(yt), k, loss, loss32))
    pred = np.argmax(P, axis=1) if len(yt) else np.zeros(0, dtype=int)
    cm = M.confusion_matrix(yt, pred, labels=labels).tolist()
    return {"roc_auc": auc, "log_loss": loss, "confusion_matrix": cm}

def expected(kind, yt, yp, k=0):
    if kind == "R":
        return {"r2": r2_expected(yt, yp),
                "mean_absolute_error": M.mean_absolute_error(yt, yp),
                "mean_squared_error": M.mean_squared_error(yt, yp)}
    if kind == "P":
        return proba_expected(yt, yp, k)
    return {"accuracy": M.accuracy_score(yt, yp),
            "f1": M.f1_score(yt, yp, average="macro", zero_division=0),
            "precision": M.precision_score(yt, yp, average="macro", zero_division=0),
            "recall": M.recall_score(yt, yp, average="macro", zero_division=0),
            "mcc": M.matthews_corrcoef(yt, yp)}

fails, checked, worst = 0, 0, {"R": 0.0, "C": 0.0, "P": 0.0}
defined = {}
for (kind, yt, yp, k), line in zip(cases, out):
    got = json.loads(line)
    exp = expected(kind, yt, yp, k)
    if list(got) != list(exp):
        print("KEYS", list(got), list(exp)); fails += 1; continue
    for key, e in exp.items():
        g = got[key]
        checked += 1
        if key == "confusion_matrix":
            ok = g == e
        elif math.isnan(e):
            ok = g is None
        else:
            err = abs(g - e) / max(1.0, abs(e)) if g is not None else math.inf
            worst[kind] = max(worst[kind], err)
            defined[key] = defined.get(key, 0) + 1
            ok = err <= 1e-12
        if not ok:
            fails += 1
            print(f"FAIL {kind} n={len(yt)} k={k} {key}: got {g!r} expected {e!r}")

for n, k, loss, loss32 in loose_fails:
    fails += 1
    print(f"FAIL log_loss n={n} k={k}: sklearn float64 {loss!r} vs float32 {loss32!r}")
print(f"{len(cases)} cases, {checked} values checked, {fails} failures; "
      f"max relative difference: regression {worst['R']:.3g}, classification {worst['C']:.3g}, "
      f"probabilities {worst['P']:.3g} ({defined.get('roc_auc', 0)} roc_auc and "
      f"{defined.get('log_loss', 0)} log_loss values defined, the rest null on both sides)")
sys.exit(1 if fails else 0)
PY

# An out-of-range class index is an error, not a silent miscount.
msg=$(printf "C 1 2\n0 2\n" | "$work/metrics_test" || true)
if [[ $msg == "ERROR: class index 2 is out of range"* ]]; then
	echo "out-of-range class index: error as expected"
else
	echo "FAIL: out-of-range class index gave: $msg"
	exit 1
fi
