#!/usr/bin/env python3
"""Which errmsg() sites of src/ do the tests reach?

    scripts/errmsg_coverage.py [--check] [--list] RUN_DIR [RUN_DIR ...]

RUN_DIR: a tree in which the suites ran (test/run.sh runs them in a copy
and calls this with it).  The messages the tests produced are read from:

  - the server logs of every test cluster (pg_regress, isolation, TAP):
    test/results_dir/log, test/isolation_output/log, tmp_check/log/*.log;
  - what clients saw: test/results_dir/results, test/isolation_output/results
    and tmp_check/log/regress_log_* (notices are not in server logs).

For sites of src/trainer/ and src/algorithms/ (the trainer process, whose
errors the parent may relay as the DETAIL of its own), DETAIL lines count as
well.

Every errmsg/errmsg_internal/errmsg_plural call in src/*.c, src/train/*.c,
src/trainer/*.c, src/hp/*.c and src/algorithms/*.c is a site; its format string becomes a pattern (%s: any
text, %d/%g/...: a number) that must match a whole message line "ERROR:
...", "NOTICE: ...", etc.  A site is reached when some line matches (an
errmsg_plural site: either its singular or its plural form).

test/errmsg_unreached.txt lists the sites no test reaches, each with the
reason ("file | message format | reason").  The report gives the counts;
with --check the exit status is 1 when a site is neither reached nor
listed, or when a listed site is in fact reached (the list must stay true).
--list prints every site with its status.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CALL = re.compile(r"\berrmsg(?:_internal|_plural)?\s*\(")
SPEC = re.compile(r"%[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t|L)?([diouxXeEfgGcspm%])")
# a number; "N" is how test outputs write a model id that varies between runs
NUMBER = r"(?:[-+]?(?:\d[\d.]*(?:e[-+]?\d+)?|inf|nan|Infinity|NaN)|0x[0-9a-f]+|N)"
LINE = re.compile(r"(?:ERROR|WARNING|NOTICE|INFO|LOG|FATAL|PANIC|DEBUG\d?):\s+(?:[0-9A-Z]{5}:\s+)?(.*)$")
# the parent relays some errors of the trainer process (src/trainer/) as
# the DETAIL of its own ("the trainer process ran out of memory"): for
# those sites, DETAIL lines count too
DETAIL = re.compile(r"DETAIL:\s+(.*)$")


def c_string_literals(text, i, end=None):
    """Adjacent C string literals starting at text[i] (after spaces); returns
    the concatenated value, or None if the argument is not a literal (with
    end, a list: *end[0] = the index after the last literal)."""
    out = []
    n = len(text)
    while True:
        while i < n and text[i] in " \t\n":
            i += 1
        if i < n and text[i] == '"':
            j = i + 1
            buf = []
            while text[j] != '"':
                if text[j] == "\\":
                    esc = text[j + 1]
                    buf.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(esc, esc))
                    j += 2
                else:
                    buf.append(text[j])
                    j += 1
            out.append("".join(buf))
            i = j + 1
        else:
            break
    if end is not None:
        end[0] = i
    return "".join(out) if out else None


def sites():
    found = []
    for d in ("src", "src/train", "src/trainer", "src/hp", "src/algorithms"):
        for fn in sorted(os.listdir(os.path.join(TOP, d))):
            if not fn.endswith(".c"):
                continue
            path = os.path.join(d, fn)
            with open(os.path.join(TOP, path)) as f:
                text = f.read()
            for m in CALL.finditer(text):
                end = [0]
                fmt = c_string_literals(text, m.end(), end)
                line = text.count("\n", 0, m.start()) + 1
                if fmt is None:
                    continue        # errmsg(variable): not checkable
                forms = [fmt]
                if "_plural" in m.group(0):
                    # errmsg_plural(singular, plural, n, ...): either form
                    rest = end[0]
                    while rest < len(text) and text[rest] in " \t\n,":
                        rest += 1
                    plural = c_string_literals(text, rest)
                    if plural is not None:
                        forms.append(plural)
                found.append((path, line, fmt, forms))
    return found


def pattern(fmt):
    parts = []
    pos = 0
    for m in SPEC.finditer(fmt):
        parts.append(re.escape(fmt[pos:m.start()]))
        conv = m.group(1)
        if conv == "%":
            parts.append("%")
        elif conv in "sm":          # %m: strerror(errno)
            parts.append(".*")
        elif conv == "c":
            parts.append(".")
        elif conv == "p":
            parts.append("0x[0-9a-f]+")
        else:
            parts.append(NUMBER)
        pos = m.end()
    parts.append(re.escape(fmt[pos:]))
    return re.compile("^" + "".join(parts) + "$", re.S)


def messages(run_dirs):
    """(message lines, DETAIL lines) of the run directories."""
    lines = set()
    details = set()
    for top in run_dirs:
        paths = []
        for sub in ("test/results_dir/log", "test/isolation_output/log", "tmp_check/log",
                    "test/results_dir/results", "test/isolation_output/results"):
            d = os.path.join(top, sub)
            if os.path.isdir(d):
                paths += [os.path.join(d, f) for f in os.listdir(d)]
        for p in paths:
            if not os.path.isfile(p):
                continue
            cells = p.endswith(".out")
            with open(p, errors="replace") as f:
                for raw in f:
                    m = LINE.search(raw.rstrip("\n"))
                    d = DETAIL.search(raw.rstrip("\n"))
                    if m:
                        lines.add(m.group(1))
                    elif d:
                        details.add(d.group(1))
                    elif cells:
                        # a message a test selected (a job's error column,
                        # a caught error): each cell of a result row
                        for cell in raw.rstrip("\n").split("|"):
                            if cell.strip():
                                lines.add(cell.strip())
    return lines, details


def unreached_list():
    listed = {}
    path = os.path.join(TOP, "test", "errmsg_unreached.txt")
    if os.path.exists(path):
        with open(path) as f:
            for raw in f:
                if not raw.strip() or raw.startswith("#"):
                    continue
                fields = [x.strip() for x in raw.rstrip("\n").split(" | ")]
                if len(fields) != 3 or not fields[2]:
                    sys.exit("test/errmsg_unreached.txt: need 'file | message format | reason': " + raw)
                listed[(fields[0], fields[1])] = fields[2]
    return listed


def main():
    args = sys.argv[1:]
    check = "--check" in args
    show = "--list" in args
    run_dirs = [a for a in args if not a.startswith("--")]
    if not run_dirs:
        sys.exit(__doc__)
    seen, details = messages(run_dirs)
    listed = unreached_list()
    all_sites = sites()
    reached = unexplained = explained = 0
    wrongly_listed = []
    used = set()
    rows = []
    for path, line, fmt, forms in all_sites:
        pats = [pattern(f) for f in forms]
        hit = any(pat.match(s) for pat in pats for s in seen) or \
            (path.startswith(("src/trainer/", "src/algorithms/")) and
             any(pat.match(s) for pat in pats for s in details))
        key = (path, fmt)
        if hit:
            reached += 1
            status = "reached"
            if key in listed:
                wrongly_listed.append(key)
        elif key in listed:
            explained += 1
            status = "listed: " + listed[key]
        else:
            unexplained += 1
            status = "NOT REACHED"
        used.add(key)
        rows.append((path, line, fmt, status))
    stale = [k for k in listed if k not in used]
    total = len(all_sites)
    if show:
        for path, line, fmt, status in rows:
            print("%s:%d: %s -- %s" % (path, line, fmt, status))
    else:
        for path, line, fmt, status in rows:
            if status == "NOT REACHED":
                print("not reached, not listed: %s:%d: %s" % (path, line, fmt))
    for k in wrongly_listed:
        print("listed as unreached but reached: %s | %s" % k)
    for k in stale:
        print("listed but no such site: %s | %s" % k)
    print("errmsg sites: %d; reached by a test: %d (%.1f%%); listed with a reason: %d; "
          "neither: %d" % (total, reached, 100.0 * reached / max(total, 1), explained, unexplained))
    if check and (unexplained or wrongly_listed or stale):
        sys.exit(1)


if __name__ == "__main__":
    main()
