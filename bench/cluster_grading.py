"""Dask grading throughput: per core against serial ``nbgrader autograde``, 1 -> 2 workers, where
a submission's time goes, and whether throughput stays flat as the gradebook grows.

    python -m bench.cluster_grading [--students 40] [--lesson 01_gradients] [--skip-serial] [--no-spare]
    python -m bench.cluster_grading --large 400        # one long run, throughput over time
    python -m bench.cluster_grading --large 400 --workdir DIR   # keep the class in DIR; if the run is
    python -m bench.cluster_grading --analyse DIR               # stopped, the results so far, from DIR

Builds a class (testkit.students.make_class: full solutions, planted mistakes, blanks),
then grades copies of it from the same start: serially with nbgrader's own ``nbgrader autograde``
(one process), and with ``make grade``'s client on an embedded LocalCluster of 1 and of 2 workers
(feedback pages off, as ``nbgrader autograde`` makes none). Reports submissions per hour per
core, the speedups, the median seconds of each phase on the worker, the steady throughput (the
first result, i.e. cluster start-up, left out), the machine's load average during each phase,
and whether all gradebooks hold the same scores. Not run in CI. Writes
``bench-results/cluster_grading.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.autograde_parallel import all_scores  # noqa: E402 - after the path set-up above
from coursegrader.coursedir import run_nbgrader, tool_env  # noqa: E402
from coursegrader.grading.cluster.client import KEYS, autograde_lesson  # noqa: E402
from testkit.students import make_class  # noqa: E402


def _all_cpu() -> float:
    """CPU seconds the whole machine has been busy (``/proc/stat``): the client, the scheduler, the
    workers and every sandboxed kernel, which process accounting loses (a kernel killed at once is
    never waited for by its bubblewrap parent). Meaningful on an otherwise quiet machine."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def serial(course: pathlib.Path, lesson: str) -> dict:
    load = os.getloadavg()[0]
    cpu, start = _all_cpu(), time.perf_counter()
    run_nbgrader(course, "autograde", lesson, "--SafeExecute.sandbox=required", log_level="ERROR", quiet=True)
    return {"seconds": time.perf_counter() - start, "cpu_seconds": _all_cpu() - cpu,
            "load_before": load, "load_after": os.getloadavg()[0]}


def on_dask(course: pathlib.Path, lesson: str, workers: int) -> dict:
    load = os.getloadavg()[0]
    done: list[float] = []
    cpu, start = _all_cpu(), time.perf_counter()
    results = autograde_lesson(course, lesson, workers=workers, feedback=False, progress=True)
    total = time.perf_counter() - start
    cpu = _all_cpu() - cpu
    finished = sorted(r.seconds for r in results)  # per-submission worker seconds
    phases: dict[str, list[float]] = {}
    for r in results:
        for name, seconds in (r.timings or {}).items():
            phases.setdefault(name, []).append(seconds)
    done = _completion_times(course, lesson)
    steady = (len(done) - 1) / (done[-1] - done[0]) * 3600 if len(done) > 2 and done[-1] > done[0] else None
    return {"workers": workers, "seconds": total, "cpu_seconds": cpu, "failed": sum(not r.ok for r in results),
            "worker_seconds_median": statistics.median(finished) if finished else None,
            "phases_median": {k: round(statistics.median(v), 3) for k, v in phases.items()},
            "phases_max": {k: round(max(v), 3) for k, v in phases.items()},
            "steady_per_hour": steady, "completions": done,
            "load_before": load, "load_after": os.getloadavg()[0]}


def _completion_times(course: pathlib.Path, lesson: str) -> list[float]:
    """When each result was recorded (the key files' modification times), in order."""
    keys = course / KEYS / lesson
    return sorted(p.stat().st_mtime for p in keys.iterdir()) if keys.is_dir() else []


def per_decile(times: list[float]) -> list[float]:
    """Submissions per hour in each tenth of the run (flat = no slowdown as the gradebook grows)."""
    if len(times) < 20:
        return []
    step = len(times) // 10
    return [round(step / (times[i + step] - times[i]) * 3600, 1) for i in range(0, step * 9 + 1, step)
            if i + step < len(times) and times[i + step] > times[i]]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_grading", description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--lesson", default="01_gradients")
    parser.add_argument("--skip-serial", action="store_true")
    parser.add_argument("--no-spare", action="store_true",
                        help="workers without their warm spare kernel (COURSEKIT_KERNEL_POOL=0)")
    parser.add_argument("--large", type=int, default=0, help="only grade a class this large on all cores")
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "cluster_grading.json"))
    parser.add_argument("--workdir", default=None, help="build the class here and keep it (default: a temporary "
                                                        "folder, removed at the end)")
    parser.add_argument("--analyse", default=None, metavar="DIR",
                        help="only report a --large run kept in DIR (complete or stopped): completions over time")
    args = parser.parse_args(argv)
    if args.analyse:
        return analyse(pathlib.Path(args.analyse), args.lesson, pathlib.Path(args.out))
    os.environ["PATH"] = tool_env()["PATH"]
    if args.no_spare:
        os.environ["COURSEKIT_KERNEL_POOL"] = "0"  # read by each worker process as it starts
    cores = os.cpu_count() or 1
    result: dict = {"lesson": args.lesson, "cores": cores, "spare_kernels": not args.no_spare}
    with (_kept(args.workdir) if args.workdir else tempfile.TemporaryDirectory(prefix="bench-cluster-")) as tmp:
        base = pathlib.Path(tmp) / "base"
        n = args.large or args.students
        print(f"building a class of {n} submissions of {args.lesson} ...", flush=True)
        make_class(base, args.lesson, n)
        result["students"] = n
        if args.large:
            run = on_dask(_copy(base, tmp, "large"), args.lesson, cores)
            run["per_decile_per_hour"] = per_decile(run.pop("completions"))
            result["large"] = run
            print(json.dumps(run, indent=1))
        else:
            if not args.skip_serial:
                print("serial nbgrader autograde ...", flush=True)
                s_course = _copy(base, tmp, "serial")
                result["serial"] = serial(s_course, args.lesson)
                result["serial"]["per_hour_per_core"] = n / result["serial"]["seconds"] * 3600
                result["serial"]["cpu_per_submission"] = result["serial"]["cpu_seconds"] / n
            for workers in (1, 2):
                print(f"make grade's client, LocalCluster of {workers} ...", flush=True)
                course = _copy(base, tmp, f"dask{workers}")
                run = on_dask(course, args.lesson, workers)
                run.pop("completions")
                run["per_hour_per_core"] = n / run["seconds"] * 3600 / workers
                run["cpu_per_submission"] = run["cpu_seconds"] / n
                run["steady_per_hour_per_core"] = run["steady_per_hour"] / workers if run["steady_per_hour"] else None
                run["scores"] = all_scores(course, args.lesson)
                result[f"dask{workers}"] = run
                print(json.dumps({k: v for k, v in run.items() if k != "scores"}, indent=1), flush=True)
            scores = [result[f"dask{w}"].pop("scores") for w in (1, 2)]
            if "serial" in result:
                scores.append(all_scores(_copy(base, tmp, "serial", reuse=True), args.lesson))
            result["scores_identical"] = all(s == scores[0] for s in scores)
            if "serial" in result:
                result["ratio_per_core_1_worker"] = result["dask1"]["per_hour_per_core"] / result["serial"][
                    "per_hour_per_core"]
                for w in (1, 2):  # submissions per CPU-second (what "per core" means on a saturated machine)
                    result[f"ratio_per_cpu_second_{w}_workers"] = (result["serial"]["cpu_per_submission"]
                                                                   / result[f"dask{w}"]["cpu_per_submission"])
            result["speedup_1_to_2"] = result["dask1"]["seconds"] / result["dask2"]["seconds"]
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps({k: v for k, v in result.items() if not isinstance(v, dict)}, indent=1))
    print(f"written to {out}")
    return 0


class _kept:
    """A folder that stays after the run (``--workdir``)."""

    def __init__(self, folder: str):
        self.folder = folder

    def __enter__(self) -> str:
        pathlib.Path(self.folder).mkdir(parents=True, exist_ok=False)
        return self.folder

    def __exit__(self, *exc):
        return False


def analyse(folder: pathlib.Path, lesson: str, out: pathlib.Path) -> int:
    """Completions over time of a ``--large`` run kept in ``folder`` (stopped or not): how many
    were recorded, the steady rate, the rate in each tenth of what was recorded."""
    done = _completion_times(folder / "large", lesson)
    submitted = len(list((folder / "large" / "submitted").glob(f"*/{lesson}")))
    result = {"lesson": lesson, "submitted": submitted, "recorded": len(done),
              "span_s": round(done[-1] - done[0], 1) if len(done) > 1 else None,
              "steady_per_hour": round((len(done) - 1) / (done[-1] - done[0]) * 3600, 1)
              if len(done) > 2 and done[-1] > done[0] else None,
              "per_decile_per_hour": per_decile(done), "load_now": os.getloadavg()}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=1))
    return 0


def _copy(base: pathlib.Path, tmp: str, name: str, reuse: bool = False) -> pathlib.Path:
    target = pathlib.Path(tmp) / name
    if not (reuse and target.exists()):
        shutil.copytree(base, target)
    return target


if __name__ == "__main__":
    sys.exit(main())
