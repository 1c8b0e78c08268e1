"""Benchmarks of the course against the budgets of the spec (section 5): `make bench`.

Measures, on this machine, one thing at a time (nothing runs in parallel):

- the floor: a bare kernel start, and a kernel start with the course's imports (numpy, matplotlib,
  torch, coursekit), each the median of a few runs;
- every lesson's source notebook executed top to bottom (kernel start included, widgets static),
  its ratio to the floor, its slowest cell, and an audit: cells over 2 s without a progress bar,
  stderr output (warnings), figures without a title or axis labels;
- autograding: `nbgrader autograde` of a submission (the release notebook with the solutions
  filled in) against executing the same submission plainly, and the overhead in percent;
- every exercise's visible and hidden tests on the reference (a clone of it, so it is graded like
  a student's function).

Prints a table and writes bench-results/<time>.json and bench-results/latest.json; a previous
latest.json is shown alongside ("prev") so runs can be compared. Exits 1 when a budget is missed.

    python -m bench.run [LESSON ...] [--no-autograde] [--runs N] [--repeat N] [--out DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types

import nbformat
from nbclient import NotebookClient

from coursegrader.coursedir import run_nbgrader, tool_env
from testkit.students import clone, filled_release, write_submission
from tools.editions import ROOT, lessons, source_path

BUDGET = {"lesson_s": 20.0, "course_s": 150.0, "hidden_s": 2.0, "visible_s": 0.5, "autograde_overhead": 0.30}
SLOW_CELL_S = 2.0
IMPORTS = """%matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
import torch
from coursekit.check import check
from coursekit.plotting import use_style
from coursekit.widgets import explore
use_style()"""
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]  # no "running over TCP" notice on the terminal

# injected before the first cell: record every figure rendered and what keeps it from the course's look
AUDIT_START = """import matplotlib.backend_bases as _cb, coursekit.plotting as _cp
_bench_figures = []
_bench_print = _cb.FigureCanvasBase.print_figure
def _bench_record(self, *a, **k):
    titles = [ax.get_title() for ax in self.figure.get_axes() if ax.get_title()]
    _bench_figures.append([get_ipython().execution_count, _cp.figure_problems(self.figure), titles[:1]])
    return _bench_print(self, *a, **k)
_cb.FigureCanvasBase.print_figure = _bench_record"""
AUDIT_END = "import json as _json; print('BENCH-AUDIT ' + _json.dumps(_bench_figures))"


def _env(**extra):
    env = tool_env()
    for name in ("COURSEKIT_STATIC", "NBGRADER_EXECUTION"):
        env.pop(name, None)
    env.update(extra)
    return env


class Timer:
    """Wall time and CPU time (this process and its finished children: kernels, nbgrader) of a block.
    CPU time says how much work was done whatever else the machine runs; wall time is the budget."""

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), self._cpu_now()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self._wall, self._cpu_now() - self._cpu

    @staticmethod
    def _cpu_now():
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def execute(nb, cwd, env_extra=None, timeout=180):
    """Execute a notebook in a fresh kernel; returns (Timer of the whole run, notebook). The timer's
    ``ran`` is kernel start + every cell (what "executes top to bottom" means), ``wall`` adds the
    kernel's shutdown."""
    env = _env(**(env_extra or {}))  # built from this process's environment, before it is cleared
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True, record_timing=True,
                                extra_arguments=KERNEL_ARGS, resources={"metadata": {"path": str(cwd)}})
        client.reset_execution_trackers()
        with Timer() as t:
            with client.setup_kernel():
                info = client.wait_for_reply(client.kc.kernel_info())
                nb.metadata["language_info"] = info["content"]["language_info"]
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index)
                t.ran = time.perf_counter() - t._wall
        return t, nb
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _cell_seconds(cell) -> float:
    t = cell.get("metadata", {}).get("execution", {})
    a, b = t.get("iopub.execute_input"), t.get("shell.execute_reply")
    if not (a and b):
        return 0.0
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(b) - parse(a)).total_seconds()


def _needs_no_bar(source: str) -> bool:
    """Cells a progress bar is not for: setup cells (mostly imports: slow to run, no loop) and
    visible checks (timed per exercise below)."""
    lines = [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    setup = sum(line.startswith(("import ", "from ", "%")) or line.endswith("use_style()") for line in lines)
    return setup * 2 >= len(lines) or all(line.startswith("check(") for line in lines)


def _has_bar(source: str) -> bool:
    """progress()/tqdm in the cell, or a course helper given a bar's ``desc=``."""
    return any(key in source for key in ("progress(", "tqdm", "desc="))


def floor(repeat: int) -> dict:
    def run(code):
        return execute(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), ROOT)[0].ran
    run("pass")  # warm the file cache: the first start reads every module from disk
    bare = [run("pass") for _ in range(repeat)]
    imports = [run(IMPORTS) for _ in range(repeat)]
    return {"kernel_s": statistics.median(bare), "kernel_imports_s": statistics.median(imports)}


def lesson_run(lesson: str) -> dict:
    nb = nbformat.read(source_path(lesson), as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(AUDIT_START))
    nb.cells.append(nbformat.v4.new_code_cell(AUDIT_END))
    timer, nb = execute(nb, source_path(lesson).parent, {"COURSEKIT_STATIC": "1"})
    audit_cell, cells = nb.cells[-1], nb.cells[1:-1]
    figures = []  # [execution count, problems, first title]
    for o in audit_cell.get("outputs", []):
        if o.output_type == "stream" and o.text.startswith("BENCH-AUDIT "):
            figures = json.loads(o.text.split(" ", 1)[1])
    code = [(i, c) for i, c in enumerate(cells) if c.cell_type == "code"]
    by_count = {c.get("execution_count"): i for i, c in code}
    times = [(i, _cell_seconds(c)) for i, c in code]
    slow = [(i, t) for i, t in times if t > SLOW_CELL_S]
    no_bar = [[i, round(t, 1)] for i, t in slow if not _has_bar(cells[i].source) and not _needs_no_bar(cells[i].source)]
    stderr = [i for i, c in code for o in c.get("outputs", [])
              if o.output_type == "stream" and o.name == "stderr"]
    errors = [f"cell {i}: {o.ename}" for i, c in code for o in c.get("outputs", []) if o.output_type == "error"]
    slowest = max(times, key=lambda t: t[1]) if times else (None, 0.0)
    return {
        "execute_s": timer.ran,
        "shutdown_s": timer.wall - timer.ran,
        "execute_cpu_s": timer.cpu,
        "cells_s": sum(t for _, t in times),
        "slowest_cell": {"index": slowest[0], "seconds": slowest[1]},
        "slow_cells_without_progress_bar": no_bar,
        "cells_with_stderr": sorted(set(stderr)),
        "errors": errors,
        "figures": len(figures),
        "figure_problems": [{"cell": by_count.get(n), "problems": p, "title": (t or [""])[0]}
                            for n, p, t in figures if p],
    }




def _timed_autograde(course, lesson, options=()) -> tuple[float, list[float]]:
    """Run `nbgrader autograde` (with more ``options``) on every submission; returns (command seconds,
    seconds per submission), each submission timed from nbgrader's log line that starts it to the next."""
    proc = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", lesson, "--force", "--log-level=INFO",
                             *options],
                            cwd=course, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start, marks, lines = time.perf_counter(), [], []
    for line in proc.stdout:
        lines.append(line)
        if "Creating/updating student with ID" in line:
            marks.append(time.perf_counter())
    proc.wait()
    end = time.perf_counter()
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader autograde {lesson} failed:\n{''.join(lines[-40:])}")
    marks.append(end)
    return end - start, [b - a for a, b in zip(marks, marks[1:])]


def autograde_run(lesson: str, course: pathlib.Path, submissions: int, options=()) -> dict:
    """`nbgrader autograde` of ``submissions`` solved submissions in one command (the way a class is
    graded): the median time per submission from nbgrader's own log, and nbgrader's fixed start-up,
    against executing the same solved submission plainly (kernel start to shutdown)."""
    if not (course / "source").exists():
        shutil.copytree(ROOT / "source", course / "source")
        shutil.copy(ROOT / "nbgrader_config.py", course)
    run_nbgrader(course, "generate_assignment", lesson, "--force", log_level="ERROR", quiet=True)
    nb = filled_release(lesson, nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4))
    for k in range(submissions):
        path = write_submission(course, f"bench{k}", lesson, nb)
    plain, _ = execute(nbformat.read(path, as_version=4), path.parent)
    command, each = _timed_autograde(course, lesson, options)
    per = statistics.median(each)
    return {"plain_s": plain.wall, "autograde_command_s": command, "per_submission_s": each,
            "autograde_s": per, "nbgrader_fixed_s": command - sum(each), "overhead": per / plain.wall - 1}


def exercise_runs(selected: list[str], runs: int = 2) -> list[dict]:
    from coursegrader.grading import all_exercises, evaluate

    rows = []
    for ex in all_exercises():
        if ex.lesson not in selected:
            continue
        fn = ex.reference
        if isinstance(fn, types.FunctionType):  # graded as a student's function, not "the reference"
            fn = clone(fn)
        row = {"lesson": ex.lesson, "exercise": ex.name, "points": ex.points}
        for kind, hidden in (("visible", False), ("hidden", True)):
            times = []
            for _ in range(runs):  # the fastest of a few runs: the test's cost, not the machine's hiccups
                start = time.perf_counter()
                ev = evaluate(ex.name, fn, hidden=hidden)
                times.append(time.perf_counter() - start)
            row[f"{kind}_s"] = min(times)
            row[f"{kind}_cases"] = len(ev.results)
        row["hidden_score"] = ev.score
        rows.append(row)
    return rows


def _fmt(x, unit="s"):
    return "-" if x is None else (f"{x:.2f} {unit}" if unit == "s" else f"{x:+.0%}")


def _table(headers, rows) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def report(results: dict, previous: dict | None) -> tuple[str, list[str]]:
    b, fl = results["budgets"], results["floor"]
    prev = (previous or {}).get("lessons", {})
    missed, out = [], []
    out.append(f"machine: {results['machine']['cpus']} CPUs, {results['machine']['platform']}, "
               f"python {results['machine']['python']}, torch {results['machine']['torch']}, "
               f"load {results['machine']['load_before']}")
    out.append(f"floor: bare kernel start {fl['kernel_s']:.2f} s, "
               f"kernel + course imports {fl['kernel_imports_s']:.2f} s")
    out.append("")
    rows = []
    for lesson, r in results["lessons"].items():
        ag = r.get("autograde") or {}
        ok = r["execute_s"] <= b["lesson_s"] and (not ag or ag["overhead"] <= b["autograde_overhead"])
        p = prev.get(lesson, {}).get("execute_s")
        rows.append([lesson, _fmt(r["execute_s"]), _fmt(r.get("execute_cpu_s")), _fmt(p),
                     f"{r['execute_s'] / fl['kernel_imports_s']:.1f}x",
                     f"{r['slowest_cell']['seconds']:.2f} s @{r['slowest_cell']['index']}",
                     _fmt(ag.get("plain_s")), _fmt(ag.get("autograde_s")), _fmt(ag.get("overhead"), "%"),
                     _fmt(ag.get("nbgrader_fixed_s")),
                     f"{r['figures']}/{len(r['figure_problems'])}", len(r["cells_with_stderr"]),
                     len(r["slow_cells_without_progress_bar"]), "ok" if ok and not r["errors"] else "OVER"])
        if r["execute_s"] > b["lesson_s"]:
            missed.append(f"{lesson}: executes in {r['execute_s']:.1f} s > {b['lesson_s']:.0f} s")
        if ag and ag["overhead"] > b["autograde_overhead"]:
            missed.append(f"{lesson}: autograding adds {ag['overhead']:.0%} > {b['autograde_overhead']:.0%}")
        if r["errors"]:
            missed.append(f"{lesson}: errors while executing: {r['errors'][:3]}")
    total = results["course_s"]
    rows.append(["whole course", _fmt(total), "", _fmt((previous or {}).get("course_s")),
                 f"{total / fl['kernel_imports_s']:.1f}x", "", "", "", "", "", "", "", "",
                 "ok" if total <= b["course_s"] else "OVER"])
    if total > b["course_s"]:
        missed.append(f"whole course: {total:.1f} s > {b['course_s']:.0f} s")
    out.append("execute: source notebook top to bottom, kernel start included (cpu: CPU seconds of the whole run);\n"
               "plain: a solved submission executed, start to shutdown; autograde/sub: nbgrader autograde, "
               "median per submission of a batch; fixed: nbgrader's start-up per command")
    out.append(f"Lessons (budget {b['lesson_s']:.0f} s each, {b['course_s']:.0f} s in all; autograding adds at most "
               f"{b['autograde_overhead']:.0%})")
    out.append(_table(["lesson", "execute", "cpu", "prev", "/floor", "slowest cell", "plain", "autograde/sub",
                       "overhead", "fixed",
                       "figs/bad", "stderr", "slow w/o bar", ""], rows))
    out.append("")
    erows = []
    for e in results["exercises"]:
        ok = e["hidden_s"] <= b["hidden_s"] and e["visible_s"] <= b["visible_s"] and e["hidden_score"] == e["points"]
        erows.append([e["lesson"][:2] + " " + e["exercise"], f"{e['visible_s']:.3f} s", e["visible_cases"],
                      f"{e['hidden_s']:.3f} s", e["hidden_cases"], f"{e['hidden_score']:g}/{e['points']:g}",
                      "ok" if ok else "OVER"])
        if e["hidden_s"] > b["hidden_s"]:
            missed.append(f"{e['exercise']}: hidden tests take {e['hidden_s']:.2f} s > {b['hidden_s']:.0f} s")
        if e["visible_s"] > b["visible_s"]:
            missed.append(f"{e['exercise']}: visible test takes {e['visible_s']:.2f} s > {b['visible_s']} s")
        if e["hidden_score"] != e["points"]:
            missed.append(f"{e['exercise']}: the reference earns {e['hidden_score']:g} of {e['points']:g}")
    if erows:
        out.append(f"Tests per exercise, on the reference "
                   f"(budget: visible {b['visible_s']} s, hidden {b['hidden_s']:.0f} s)")
        out.append(_table(["exercise", "visible", "cases", "hidden", "cases", "score", ""], erows))
        out.append("")
    audit = []
    for lesson, r in results["lessons"].items():
        if r["slow_cells_without_progress_bar"]:
            cells = ", ".join(f"cell {i} ({t:.1f} s)" for i, t in r["slow_cells_without_progress_bar"])
            audit.append(f"{lesson}: over {SLOW_CELL_S:.0f} s without a progress bar: {cells}")
        if r["cells_with_stderr"]:
            audit.append(f"{lesson}: cells writing to stderr (warnings?): {r['cells_with_stderr']}")
        for fig in r["figure_problems"]:
            audit.append(f"{lesson}: figure of cell {fig['cell']} ({fig['title'] or 'untitled'}): "
                         f"{'; '.join(fig['problems'])}")
    if audit:
        out.append("Polish audit (cell numbers count from 0 in the source notebook)")
        out.extend("  " + a for a in audit)
        out.append("")
    out.append("budgets: " + ("all met" if not missed else "MISSED\n  " + "\n  ".join(missed)))
    return "\n".join(out), missed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*", help="lessons to measure (default: all)")
    parser.add_argument("--no-autograde", action="store_true", help="skip nbgrader autograde timings")
    parser.add_argument("--submissions", type=int, default=3,
                        help="submissions autograded in one nbgrader command (median time per submission)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each floor measurement (median)")
    parser.add_argument("--runs", type=int, default=1,
                        help="executions of each lesson; the fastest counts (use 2-3 on a busy machine)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "bench-results")
    parser.add_argument("--nbgrader-option", action="append", default=[], dest="options",
                        help="an option for nbgrader autograde (repeat for several), e.g. "
                             "--nbgrader-option=--SafeExecute.answers_outside=True")
    args = parser.parse_args(argv)
    selected = args.lessons or lessons()
    unknown = set(selected) - set(lessons())
    if unknown:
        parser.error(f"unknown lessons: {sorted(unknown)}")

    import torch

    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "machine": {"cpus": len(os.sched_getaffinity(0)), "platform": platform.platform(terse=True),
                    "python": platform.python_version(), "torch": torch.__version__,
                    "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg())},
        "budgets": BUDGET,
        "nbgrader_options": args.options,
    }
    print("floor: kernel starts ...", flush=True)
    results["floor"] = floor(args.repeat)
    results["lessons"] = {}
    with tempfile.TemporaryDirectory(prefix="bench-course-") as course:
        for lesson in selected:
            print(f"{lesson}: executing ...", flush=True)
            r = min((lesson_run(lesson) for _ in range(args.runs)), key=lambda x: x["execute_s"])
            if not args.no_autograde:
                print(f"{lesson}: autograding ...", flush=True)
                r["autograde"] = autograde_run(lesson, pathlib.Path(course), args.submissions, args.options)
            results["lessons"][lesson] = r
    results["course_s"] = sum(r["execute_s"] for r in results["lessons"].values())
    print("exercises: visible and hidden tests ...", flush=True)
    results["exercises"] = exercise_runs(selected, max(2, args.runs))

    args.out.mkdir(parents=True, exist_ok=True)
    latest = args.out / "latest.json"
    previous = json.loads(latest.read_text()) if latest.exists() else None
    text, missed = report(results, previous)
    results["missed"] = missed
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for path in (args.out / f"{stamp}.json", latest):
        path.write_text(json.dumps(results, indent=1))
    (args.out / "latest.txt").write_text(text + "\n")
    print()
    print(text)
    print(f"\nwritten: {args.out / f'{stamp}.json'} (and latest.json, latest.txt)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
