"""Serial vs parallel autograding throughput on a generated class.

    python -m bench.autograde_parallel [--students 40] [--workers 2] [--lesson 01_gradients] [--sandbox required]

Builds a throw-away course with ``--students`` submissions of a lesson (:func:`testkit.students.make_class`:
full solutions, planted known mistakes and blank notebooks), then grades it twice from the same start:
serially with nbgrader's own ``nbgrader autograde`` (one process, one student after another), and
with ``make grade``'s client (:func:`coursegrader.grading.cluster.client.autograde_lesson`) on an
embedded Dask LocalCluster of ``--workers`` processes (worker start-up included, feedback pages not
generated, as ``nbgrader autograde`` does not make them).
Prints both throughputs, the speedup, the mean time per submission, and checks that both
gradebooks hold the same scores.
Writes the figures as JSON to ``bench-results/autograde_parallel.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coursegrader.coursedir import gradebook, run_nbgrader, tool_env  # noqa: E402 - after the path set-up above
from coursegrader.grading.cluster.client import autograde_lesson  # noqa: E402
from testkit.students import make_class  # noqa: E402


def all_scores(course: pathlib.Path, lesson: str) -> dict:
    with gradebook(course) as gb:
        return {(s.student_id, g.name): g.score for s in gb.assignment_submissions(lesson)
                for nb in s.notebooks for g in nb.grades}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.autograde_parallel", description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lesson", default="01_gradients")
    parser.add_argument("--sandbox", choices=["required", "off"], default="required")
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "autograde_parallel.json"))
    args = parser.parse_args(argv)
    os.environ["PATH"] = tool_env()["PATH"]

    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        base = pathlib.Path(tmp) / "base"
        print(f"building a class of {args.students} submissions of {args.lesson} ...", flush=True)
        make_class(base, args.lesson, args.students)
        serial, parallel = pathlib.Path(tmp) / "serial", pathlib.Path(tmp) / "parallel"
        shutil.copytree(base, serial)
        shutil.copytree(base, parallel)

        print("serial: nbgrader autograde (one process) ...", flush=True)
        start = time.perf_counter()
        run_nbgrader(serial, "autograde", args.lesson, f"--SafeExecute.sandbox={args.sandbox}", log_level="ERROR",
                     quiet=True)
        t_serial = time.perf_counter() - start
        load_serial = os.getloadavg()[0]

        print(f"parallel: make grade's client, {args.workers} workers ...", flush=True)
        start = time.perf_counter()
        outcomes = autograde_lesson(parallel, args.lesson, workers=args.workers, sandbox=args.sandbox,
                                    feedback=False, progress=True)
        t_parallel = time.perf_counter() - start
        load_parallel = os.getloadavg()[0]

        same = all_scores(serial, args.lesson) == all_scores(parallel, args.lesson)
        failed = sum(not o.ok for o in outcomes)
        per_sub = sorted(o.seconds for o in outcomes)

    n = args.students
    result = {
        "lesson": args.lesson, "students": n, "workers": args.workers, "cores": os.cpu_count(),
        "sandbox": args.sandbox if args.sandbox == "off" else "bwrap",
        "serial_seconds": round(t_serial, 1), "parallel_seconds": round(t_parallel, 1),
        "serial_per_minute": round(60 * n / t_serial, 1), "parallel_per_minute": round(60 * n / t_parallel, 1),
        "speedup": round(t_serial / t_parallel, 2),
        "serial_seconds_per_submission": round(t_serial / n, 2),
        "worker_seconds_per_submission_median": round(per_sub[len(per_sub) // 2], 2) if per_sub else None,
        "scores_identical": same, "failed": failed,
        # other jobs on the machine compete for the cores: the 1-minute load average after each phase
        "load_average_after_serial": round(load_serial, 2), "load_average_after_parallel": round(load_parallel, 2),
    }
    print(f"\n{n} submissions of {args.lesson}, {os.cpu_count()} cores, sandbox: {result['sandbox']}")
    print(f"  serial   nbgrader autograde : {t_serial:7.1f} s  {result['serial_per_minute']:6.1f} submissions/min  "
          f"({result['serial_seconds_per_submission']:.2f} s each)")
    print(f"  parallel make grade x{args.workers}      : {t_parallel:7.1f} s  "
          f"{result['parallel_per_minute']:6.1f} submissions/min  "
          f"(median {result['worker_seconds_per_submission_median']} s per submission in a worker)")
    print(f"  speedup {result['speedup']}x; scores identical: {same}; failed: {failed}")
    print(f"  machine load average after each phase: {result['load_average_after_serial']} / "
          f"{result['load_average_after_parallel']} (with other jobs running, fewer cores are left to grade)")
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  written to {out}")
    return 0 if same and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
