"""Where a submission's time goes on a grading worker: every phase timed, and a cProfile.

    python -m bench.profile_autograde [--lesson 01_gradients] [--students 6] [--no-feedback]

Builds a class (:func:`testkit.students.make_class`), then grades it in this process
exactly as a Dask worker does (the worker plugin's ``preload``, then
:func:`coursegrader.grading.cluster.worker.autograde_submission` per submission, sandbox required), with
timing probes wrapped around nbgrader's, nbclient's and the course's methods *in this process
only* (the grading code is not changed by them). Prints, per phase, the median wall seconds per
submission (the first submission, which sets the lesson up, left out), the worker's and the
kernels' CPU seconds, what the sandboxed kernel imports before the first cell and what the
lesson's import cell costs; writes ``bench-results/profile_autograde.json`` and the cProfile
stats (``profile_autograde.prof``, top functions in ``profile_autograde.txt``). Not run in CI.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import inspect
import io
import json
import os
import pathlib
import pstats
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coursegrader.coursedir import tool_env  # noqa: E402 - after the path set-up above
from testkit.students import make_class  # noqa: E402

_SPENT: dict[str, float] = defaultdict(float)  # phase -> wall seconds, for the submission being graded
_CPU: dict[str, float] = defaultdict(float)  # phase -> this process's CPU seconds
_COUNT: dict[str, int] = defaultdict(int)
_CELLS: list[list] = []  # [cell index, grade id, the kernel's CPU seconds in it, first line]
_KERNEL: dict[str, float] = {}  # the kernel's own CPU seconds (its process tree) when ready, after cell 1, at the end


def _tree_cpu(client) -> float | None:
    """CPU seconds of the kernel's process tree (bwrap and what runs in it), ``None`` if gone."""
    import psutil

    try:
        root = psutil.Process(client.km.provisioner.process.pid)
        total = 0.0
        for proc in (root, *root.children(recursive=True)):
            times = proc.cpu_times()
            total += times.user + times.system
        return total
    except (AttributeError, psutil.Error) as exc:
        print(f"(kernel CPU not read: {type(exc).__name__}: {exc})", flush=True)
        return None


def _mark(client, label: str) -> None:
    cpu = _tree_cpu(client)
    if cpu is not None:
        _KERNEL[label] = cpu


def _probe(owner, name: str, phase: str | None = None) -> None:
    """Accumulate the wall time of ``owner.name`` (sync or async) under ``phase``."""
    original = inspect.getattr_static(owner, name)
    if isinstance(original, (staticmethod, classmethod)):
        raise TypeError(f"cannot probe {owner.__name__}.{name}")
    label = phase or f"{owner.__name__}.{name}"

    if inspect.iscoroutinefunction(original):
        @functools.wraps(original)
        async def timed(*args, **kwargs):
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return await original(*args, **kwargs)
            finally:
                _SPENT[label] += time.perf_counter() - start
                _CPU[label] += time.process_time() - cpu
                _COUNT[label] += 1
    else:
        @functools.wraps(original)
        def timed(*args, **kwargs):
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                _SPENT[label] += time.perf_counter() - start
                _CPU[label] += time.process_time() - cpu
                _COUNT[label] += 1
    setattr(owner, name, timed)


def _cell_probe() -> None:
    """Time every executed cell (the first code cell, the lesson's imports, on its own) and read
    the kernel's CPU when it is ready, after the first cell and before it is shut down. nbclient's
    synchronous methods (what nbconvert calls) are wrapped: they hold the asynchronous originals."""
    from nbclient import NotebookClient

    original = NotebookClient.execute_cell

    @functools.wraps(original)
    def timed(self, cell, cell_index, *args, **kwargs):
        start, cpu, before = time.perf_counter(), time.process_time(), _tree_cpu(self)
        try:
            return original(self, cell, cell_index, *args, **kwargs)
        finally:
            first = next(i for i, c in enumerate(self.nb.cells) if c.cell_type == "code" and c.source.strip())
            label = "kernel: cell 1 (the lesson's imports)" if cell_index == first else "kernel: other cells"
            _SPENT[label] += time.perf_counter() - start
            _CPU[label] += time.process_time() - cpu
            _COUNT[label] += 1
            after = _tree_cpu(self)
            if before is not None and after is not None:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                _CELLS.append([cell_index, meta.get("grade_id", ""), round(after - before, 3),
                               (cell.source.strip().splitlines() or [""])[0][:60]])
            if cell_index == first:
                _mark(self, "after cell 1")
    NotebookClient.execute_cell = timed

    ready = NotebookClient.start_new_kernel_client

    @functools.wraps(ready)
    def marked(self, *args, **kwargs):
        kc = ready(self, *args, **kwargs)
        _mark(self, "ready")
        return kc
    NotebookClient.start_new_kernel_client = marked

    cleanup = NotebookClient._cleanup_kernel

    @functools.wraps(cleanup)
    def last(self, *args, **kwargs):
        _mark(self, "end")
        return cleanup(self, *args, **kwargs)
    NotebookClient._cleanup_kernel = last


def install_probes() -> None:
    from nbclient import NotebookClient
    from nbconvert.exporters import Exporter
    from nbconvert.writers import FilesWriter
    from nbgrader import preprocessors as pp
    from nbgrader.api import Gradebook
    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp
    from nbgrader.converters.autograde import Autograde
    from nbgrader.converters.base import BaseConverter

    from coursegrader.grading import autograde as ck

    _probe(AutogradeApp, "initialize", "nbgrader: app initialize (config file, course dir)")
    _probe(GenerateFeedbackApp, "initialize", "feedback: app initialize")
    _probe(BaseConverter, "init_notebooks", "nbgrader: find notebooks")
    _probe(BaseConverter, "init_destination", "nbgrader: init destination")
    _probe(Autograde, "init_assignment", "nbgrader: init_assignment (student, submission rows, copies)")
    _probe(Autograde, "_init_preprocessors", "nbgrader: build preprocessors (x2)")
    _probe(Exporter, "from_filename", "nbconvert: read + all preprocessors (x2)")
    _probe(FilesWriter, "write", "nbconvert: write notebook")
    _probe(BaseConverter, "set_permissions", "nbgrader: set permissions")
    _probe(Gradebook, "__init__", "gradebook: open (Gradebook.__init__)")
    _probe(Gradebook, "close", "gradebook: close")
    for cls in (pp.ClearOutput, ck.SafeDeduplicateIds, pp.OverwriteKernelspec, ck.SafeOverwriteCells,
                pp.CheckCellMetadata, ck.VerifyGrades, ck.CapOutputs, pp.IgnorePattern, pp.LimitOutput,
                pp.SaveAutoGrades, pp.AssignLatePenalties, pp.GetGrades, pp.ClearHiddenTests,
                ck.SelfContainedFeedback):
        _probe(cls, "preprocess", f"preprocessor {cls.__name__}")
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor

    _probe(ClearMetadataPreprocessor, "preprocess", "preprocessor ClearMetadataPreprocessor")
    _probe(CSSHTMLHeaderPreprocessor, "preprocess", "preprocessor CSSHTMLHeaderPreprocessor")
    _probe(ck.SafeExecute, "preprocess", "preprocessor SafeExecute (all of the kernel's life)")
    _probe(NotebookClient, "start_new_kernel", "kernel: launch (bwrap + python process)")
    _cell_probe()
    _probe(NotebookClient, "start_new_kernel_client", "kernel: until ready (ipykernel start-up)")
    _probe(NotebookClient, "_cleanup_kernel", "kernel: shutdown + clean-up")


def _cpu(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def kernel_imports(lesson: str) -> dict:
    """What the sandboxed kernel's start imports (``import ipykernel.kernelapp``) and what the
    lesson's own imports cost on top, from ``python -X importtime`` run inside the sandbox."""
    import nbformat

    from coursegrader.grading.autograde import sandbox

    nb = nbformat.read(ROOT / "source" / lesson / f"{lesson}.ipynb", as_version=4)
    lines = [line for c in nb.cells if c.cell_type == "code" for line in c.source.splitlines()
             if re.match(r"^(import|from)\s+\S+", line.strip()) and line == line.lstrip()]
    lesson_imports = list(dict.fromkeys(lines))
    out = {}
    with tempfile.TemporaryDirectory(prefix="profile-kernel-") as work:
        lesson_code = "import ipykernel.kernelapp\n" + "\n".join(lesson_imports)
        for label, code, boxed in (("ipykernel start-up imports", "import ipykernel.kernelapp", True),
                                   ("lesson imports after ipykernel", lesson_code, True),
                                   ("the same, outside the sandbox", lesson_code, False)):
            cmd = [sys.executable, "-X", "importtime", "-c", code]
            if boxed:
                cmd = sandbox.command(cmd, workdir=work, private=work)
            cpu = _cpu(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True,
                                  env={**os.environ, "NBGRADER_EXECUTION": "1"})
            wall = time.perf_counter() - start
            top = {}
            for row in proc.stderr.splitlines():
                m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", row)
                if m and len(m.group(3)) == 1:  # top-level imports only
                    top[m.group(4)] = int(m.group(2)) / 1e6
            out[label] = {"wall_s": round(wall, 3), "cpu_s": round(_cpu(resource.RUSAGE_CHILDREN) - cpu, 3),
                          "top": {k: round(v, 3) for k, v in sorted(top.items(), key=lambda kv: -kv[1])[:12]},
                          "torch_imported": "torch" in top}
    out["lesson import lines"] = lesson_imports
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_autograde", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lesson", default="01_gradients")
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--no-feedback", action="store_true")
    parser.add_argument("--cprofile", action="store_true", help="also run cProfile (CPU clock; it slows the "
                                                                  "worker's Python by about 2x)")
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "profile_autograde"))
    args = parser.parse_args(argv)
    os.environ["PATH"] = tool_env()["PATH"]
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # as the worker plugin does
        os.environ[var] = "1"

    from coursegrader.grading.cluster import LessonBundle, SubmissionFiles, autograde_submission
    from coursegrader.grading.cluster.worker import preload

    load = os.getloadavg()
    rows, profile = [], cProfile.Profile(time.process_time)  # this process's CPU, not its waiting
    with tempfile.TemporaryDirectory(prefix="profile-autograde-") as tmp:
        course = pathlib.Path(tmp) / "course"
        print(f"building a class of {args.students} submissions of {args.lesson} ...", flush=True)
        make_class(course, args.lesson, args.students)
        began = time.perf_counter()
        preload()
        preload_s = time.perf_counter() - began
        install_probes()
        bundle = LessonBundle.from_course(course, args.lesson)
        students = sorted(p.parent.name for p in (course / "submitted").glob(f"*/{args.lesson}"))
        for i, student in enumerate(students):
            files = SubmissionFiles.from_course(course, args.lesson, student)
            _SPENT.clear()
            _CPU.clear()
            _COUNT.clear()
            _KERNEL.clear()
            _CELLS.clear()
            me, kids, start = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
            if i and args.cprofile:
                profile.enable()
            out = autograde_submission(bundle, files, sandbox="required", feedback=not args.no_feedback)
            profile.disable()
            row = {"student": student, "status": out.status, "wall_s": time.perf_counter() - start,
                   "worker_cpu_s": _cpu(resource.RUSAGE_SELF) - me,
                   "children_cpu_s": _cpu(resource.RUSAGE_CHILDREN) - kids,
                   "kernel_cpu_s": _KERNEL.get("end", 0.0), "kernel_cpu_marks": dict(_KERNEL),
                   "worker_phases": dict(out.timings), "probes": dict(_SPENT), "probes_cpu": dict(_CPU),
                   "calls": dict(_COUNT), "cells": list(_CELLS)}
            rows.append(row)
            print(f"{student}: {out.status} {row['wall_s']:.2f} s wall, worker CPU {row['worker_cpu_s']:.2f} s, "
                  f"kernel CPU {row['kernel_cpu_s']:.2f} s", flush=True)
        imports = kernel_imports(args.lesson)
    steady = rows[1:] or rows

    def med(values):
        return round(statistics.median(values), 3) if values else 0.0

    phases = sorted({k for r in steady for k in r["probes"]})
    table = {k: {"median_s": med([r["probes"].get(k, 0.0) for r in steady]),
                 "cpu_median_s": med([r["probes_cpu"].get(k, 0.0) for r in steady]),
                 "calls": med([r["calls"].get(k, 0) for r in steady])} for k in phases}
    marks = {k: med([r["kernel_cpu_marks"].get(k, 0.0) for r in steady]) for k in ("ready", "after cell 1", "end")}
    worker = {k: med([r["worker_phases"].get(k, 0.0) for r in steady]) for k in steady[0]["worker_phases"]}
    summary = {"lesson": args.lesson, "students": args.students, "feedback": not args.no_feedback,
               "load_before": load, "load_after": os.getloadavg(), "preload_s": round(preload_s, 2),
               "first_submission_s": round(rows[0]["wall_s"], 3),
               "wall_s_median": med([r["wall_s"] for r in steady]),
               "worker_cpu_s_median": med([r["worker_cpu_s"] for r in steady]),
               "kernel_cpu_s_median": med([r["kernel_cpu_s"] for r in steady]),
               "kernel_cpu_marks_median": marks,
               "worker_phases_median": worker, "probes_median": table, "kernel_imports": imports, "rows": rows}
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    if args.cprofile:
        profile.dump_stats(str(out.with_suffix(".prof")))
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text).strip_dirs()
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
        out.with_suffix(".txt").write_text(text.getvalue())

    print(f"\n{args.lesson}: {len(steady)} submissions after the first; load {load[0]:.1f} -> "
          f"{os.getloadavg()[0]:.1f}")
    print(f"per submission (median): wall {summary['wall_s_median']:.2f} s, worker CPU "
          f"{summary['worker_cpu_s_median']:.2f} s, kernel CPU {summary['kernel_cpu_s_median']:.2f} s")
    print("kernel CPU (its process tree, cumulative) when ready / after cell 1 / at the end:",
          json.dumps(marks))
    print("worker phases (median wall s):", json.dumps(worker))
    cells = {}
    for r in steady:
        for index, grade_id, cpu, line in r["cells"]:
            cells.setdefault((index, grade_id, line), []).append(cpu)
    print("kernel CPU per cell (median s, the costliest 12):")
    for (index, grade_id, line), cpus in sorted(cells.items(), key=lambda kv: -statistics.median(kv[1]))[:12]:
        print(f"  cell {index:3d} {grade_id or '-':<28} {statistics.median(cpus):6.3f} s  {line}")
    summary["kernel_cpu_per_cell"] = [[i, g, med(c), line] for (i, g, line), c in cells.items()]
    out.with_suffix(".json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    width = max(len(k) for k in table)
    print(f"  {'phase':<{width}}  {'wall':>9}  {'worker CPU':>10}")
    for k, v in sorted(table.items(), key=lambda kv: -kv[1]["cpu_median_s"]):
        print(f"  {k:<{width}}  {v['median_s']:7.3f} s  {v['cpu_median_s']:8.3f} s  x{v['calls']:g}")
    for label in ("ipykernel start-up imports", "lesson imports after ipykernel", "the same, outside the sandbox"):
        r = imports[label]
        print(f"{label}: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU, torch imported: {r['torch_imported']}; "
              f"top: {r['top']}")
    print(f"written: {out.with_suffix('.json')}, .prof, .txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
