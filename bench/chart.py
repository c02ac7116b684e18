"""Draw one benchmark's results as a horizontal bar chart (bench/lib.sh).

Usage: /usr/bin/python3 bench/chart.py RESULTS.csv OUT.png "title" ["reference case"]

The CSV is what bench_report writes: case, runs, median_<unit>, min_<unit>,
p90_<unit>, possibly cpu_<unit>, and ratio_to_<reference> last.  Bars are the
medians, whiskers the min..p90 range, each labelled with the median and the
ratio; a diamond marks the CPU time per run when the CSV has it (not for a
TPS chart, whose CPU column is in another unit).  The axis is
logarithmic when the cases differ by more than 50x.
"""
import csv
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def fmt(x):
    """A time with three significant digits, never in exponent notation."""
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def main(path, png, title, ref_label=""):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [r for r in reader if r]
    has_ratio = header[-1].startswith("ratio_to_")
    ref = header[-1][len("ratio_to_"):] if has_ratio else ""
    unit = header[2][len("median_"):] if header[2].startswith("median_") else "ms"
    labels = [r[0] for r in rows]
    median = [float(r[2]) for r in rows]
    low = [float(r[2]) - float(r[3]) for r in rows]
    high = [float(r[4]) - float(r[2]) for r in rows]
    ratio = [r[-1] if has_ratio else "" for r in rows]

    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.6))
    y = list(range(len(rows)))
    ax.barh(y, median, xerr=[low, high], color="#4c72b0", ecolor="#555555", capsize=3)
    # CPU time only when it is on the same axis as the bars (not beside a TPS)
    cpu_col = [i for i, h in enumerate(header) if h.startswith("cpu_")]
    if cpu_col and unit != "tps":
        cpu = [float(r[cpu_col[0]]) for r in rows]
        ax.plot(cpu, y, "D", color="black", markersize=5, label="CPU time of the backend, same unit")
        ax.legend(loc="best", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    if max(median) / max(min(median), 1e-9) > 50:
        ax.set_xscale("log")
    for i, (m, h, r) in enumerate(zip(median, high, ratio)):
        text = f"  {fmt(m)} {unit}" + (f"  ({r}x)" if r else "")
        ax.text(m + h, i, text, va="center", fontsize=8)
    what = "median" if unit in ("tps", "kB") else "median time,"
    ax.set_xlabel(f"{what} {unit} (whiskers: min..p90)")
    ref = ref_label or ref
    ax.set_title("\n".join(textwrap.wrap(title, 72)) +
                 (f"\n(ratio: median / median of {ref})" if ref else ""), fontsize=10)
    ax.set_xlim(right=ax.get_xlim()[1] * (6 if ax.get_xscale() == "log" else 1.4))
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "",
         sys.argv[4] if len(sys.argv) > 4 else "")
