"""Mutation testing of pgml_worker: run by test/mutation.sh (`make mutation`).

    test/mutation.sh [ID ...]        as root, like test/run.sh

For each mutant of test/mutants.txt (or only the ids given): apply its
one-line change, rebuild with -Werror and install, run the tests the line
names, restore the file.  A mutant is

  killed      when a test fails (or times out),
  survived    when every named test passes: a test is missing or too weak,
  stillborn   when it does not compile (not counted),
  invalid     when its original text is not found exactly once (fix the line).

The score is killed / (killed + survived).  The tree is restored and the
unmutated library reinstalled at the end, also after an interruption.  The
report goes to stdout and to mutation_report.txt.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 900


def parse():
    mutants = []
    with open(os.path.join(TOP, "test", "mutants.txt")) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            fields = line.split(" | ")
            if len(fields) != 5:
                sys.exit("test/mutants.txt:%d: need 5 fields separated by ' | '" % n)
            unesc = [x.strip().replace("\\t", "\t").replace("\\|", "|") for x in fields]
            mid, path, orig, repl, tests = unesc
            # leading tabs are part of the text: keep them after strip()
            orig = fields[2].strip(" ").replace("\\t", "\t").replace("\\|", "|")
            repl = fields[3].strip(" ").replace("\\t", "\t").replace("\\|", "|")
            mutants.append({"id": mid, "file": path, "orig": orig, "repl": repl,
                            "tests": [t.strip() for t in tests.split(",") if t.strip()]})
    return mutants


def sh(cmd, cwd, as_user=None, timeout=None):
    if as_user:
        cmd = ["runuser", "-u", as_user, "--", "env", "-C", cwd] + cmd
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        return r.returncode, r.stdout
    except subprocess.TimeoutExpired as e:
        return "timeout", (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")


def build():
    rc, out = sh(["make", "-s", "PGML_WERROR=1"], TOP)
    if rc != 0:
        return False, out
    rc, out = sh(["make", "-s", "install"], TOP)
    return rc == 0, out


def run_tests(work, tests, runner):
    regress = [t[8:] for t in tests if t.startswith("regress:")]
    iso = [t[4:] for t in tests if t.startswith("iso:")]
    tap = ["test/t/%s.pl" % t[4:] for t in tests if t.startswith("tap:")]
    runs = []
    if regress:
        runs.append(["REGRESS=" + " ".join(regress), "ISOLATION=", "TAP_TESTS="])
    if iso:
        runs.append(["REGRESS=", "ISOLATION=" + " ".join(iso), "TAP_TESTS="])
    if tap:
        runs.append(["REGRESS=", "ISOLATION=", "PROVE_TESTS=" + " ".join(tap)])
    for extra in runs:
        rc, out = sh(["make", "-s", "installcheck", "PGML_WERROR=1"] + extra, work,
                     as_user=runner, timeout=TIMEOUT)
        if rc != 0:
            return ("timeout" if rc == "timeout" else "failed"), out
    return "passed", ""


def check():
    """--check (test/run.sh, CI): every mutant still applies, each original
    text found exactly once in its file; no build, no test.  A mutant whose
    code moved or changed stops testing anything without this."""
    bad = []
    mutants = parse()
    for m in mutants:
        path = os.path.join(TOP, m["file"])
        n = open(path).read().count(m["orig"]) if os.path.exists(path) else -1
        if n != 1:
            bad.append("%s: %s: original text %s" % (
                m["id"], m["file"], "file missing" if n < 0 else "found %d times" % n))
    for b in bad:
        print("test/mutants.txt: " + b)
    print("mutants: %d, applicable: %d" % (len(mutants), len(mutants) - len(bad)))
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    only = set(sys.argv[1:])
    # a mutant that stops a job or a wait from finishing fails the TAP test
    # at its poll timeout: a shorter one than the default 180 s
    os.environ.setdefault("PG_TEST_TIMEOUT_DEFAULT", "60")
    mutants = [m for m in parse() if not only or m["id"] in only]
    runner = "postgres" if os.geteuid() == 0 else None
    work = tempfile.mkdtemp(prefix="pgml_mutation.")
    shutil.copytree(TOP, work, dirs_exist_ok=True, symlinks=True)
    if runner:
        subprocess.run(["chown", "-R", runner, work], check=True)
    results = []
    started = time.time()
    try:
        for m in mutants:
            src = os.path.join(TOP, m["file"])
            with open(src) as f:
                original = f.read()
            count = original.count(m["orig"])
            if count != 1:
                results.append((m, "invalid", "original text found %d times" % count))
                print("%-26s invalid (found %d times)" % (m["id"], count), flush=True)
                continue
            mutated = original.replace(m["orig"], m["repl"], 1)
            copy = os.path.join(work, m["file"])
            try:
                for p in (src, copy):
                    with open(p, "w") as f:
                        f.write(mutated)
                ok, out = build()
                if not ok:
                    status, why = "stillborn", out.strip().splitlines()[-1:] or [""]
                    why = why[0]
                else:
                    outcome, out = run_tests(work, m["tests"], runner)
                    status = {"passed": "survived", "failed": "killed", "timeout": "killed"}[outcome]
                    why = outcome if outcome != "passed" else ""
            finally:
                for p in (src, copy):
                    with open(p, "w") as f:
                        f.write(original)
                # keep the copy's timestamps from triggering a rebuild there
                shutil.copystat(src, copy)
            results.append((m, status, why))
            print("%-26s %-9s %s" % (m["id"], status, ", ".join(m["tests"])), flush=True)
    finally:
        ok, out = build()
        if not ok:
            print("warning: rebuilding the unmutated tree failed:\n" + out)
        shutil.rmtree(work, ignore_errors=True)

    killed = sum(1 for _, s, _ in results if s == "killed")
    survived = [m["id"] for m, s, _ in results if s == "survived"]
    still = sum(1 for _, s, _ in results if s == "stillborn")
    invalid = sum(1 for _, s, _ in results if s == "invalid")
    modules = sorted({m["file"] for m, _, _ in results})
    lines = ["mutants: %d (%d modules); killed %d, survived %d, stillborn %d, invalid %d"
             % (len(results), len(modules), killed, len(survived), still, invalid),
             "mutation score: %.1f%% (killed / (killed + survived))"
             % (100.0 * killed / max(killed + len(survived), 1)),
             "survivors: " + (", ".join(survived) if survived else "none"),
             "time: %.0f s" % (time.time() - started)]
    report = "\n".join("%-26s %-9s %-40s %s" % (m["id"], s, m["file"], why) for m, s, why in results)
    text = report + "\n\n" + "\n".join(lines) + "\n"
    print("\n".join(lines))
    with open(os.path.join(TOP, "mutation_report.txt"), "w") as f:
        f.write(text)
    sys.exit(0)


if __name__ == "__main__":
    main()
