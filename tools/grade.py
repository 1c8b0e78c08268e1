"""``make grade``: autograde every submission of a lesson on Dask workers, sandboxed, into the
course's gradebook (the command line over :mod:`coursegrader.grading.cluster.client`).

    python -m tools.grade 01_gradients [--scheduler tcp://host:8786] [--db postgresql+psycopg://...]
                          [--workers N] [--student ID ...] [--force] [--time-limit S] [--sandbox off]
    make grade LESSON=01_gradients [SCHEDULER=tcp://host:8786] [DB=postgresql+psycopg://...] [WORKERS=N]

Prints a table (student, score, status, reason) at the end; the client writes it as CSV too.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

from coursegrader.coursedir import CONFIG_FILE, settings, unknown_lesson
from coursegrader.grading.cluster.client import Outcome, autograde_lesson
from coursegrader.grading.cluster.record import GradebookUnreachable
from tools.editions import ROOT


def table(outcomes: list[Outcome]) -> str:
    """The summary as aligned text: student, score, status, reason (first line)."""
    rows = [("student", "score", "status", "reason")]
    for o in outcomes:
        score = "" if o.score is None else f"{o.score:g}/{o.max_score:g}"
        rows.append((o.student, score, o.status, (o.reason.splitlines() or [""])[0][:100]))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip() for a, b, c, d in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("lesson", help="the assignment, e.g. 01_gradients")
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler's address, e.g. tcp://host:8786 (default: "
                                                          "DASK_SCHEDULER_ADDRESS, else an embedded LocalCluster)")
    parser.add_argument("--db", default=None, help="the gradebook's address (default: db_url of nbgrader_config.py)")
    parser.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes (default: cores)")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable); regrades it")
    parser.add_argument("--force", action="store_true", help="regrade submissions already graded and unchanged")
    parser.add_argument("--sandbox", choices=["required", "off"], default="required",
                        help="'off' opts out of the bubblewrap sandbox explicitly (default: workers refuse without it)")
    parser.add_argument("--time-limit", type=float, default=600, help="wall-clock seconds per submission (default 600)")
    parser.add_argument("--timeout", type=int, default=None, help="per-cell limit, seconds (Execute.timeout)")
    parser.add_argument("--no-feedback", action="store_true", help="do not generate the feedback pages")
    parser.add_argument("--csv", default=None, help="where the summary CSV goes (default: <course>/grades-LESSON.csv)")
    parser.add_argument("--course", default=None, help="the course directory (default: the current one if it "
                                                      f"has {CONFIG_FILE}, else the repository)")
    args = parser.parse_args(argv)
    if not args.lesson:
        parser.error("which lesson? e.g. make grade LESSON=01_gradients")
    course = pathlib.Path(args.course) if args.course else (
        pathlib.Path.cwd() if (pathlib.Path.cwd() / CONFIG_FILE).exists() else ROOT)
    if unknown_lesson(course, args.lesson):
        parser.error(unknown_lesson(course, args.lesson))
    start = time.perf_counter()
    try:
        outcomes = autograde_lesson(course, args.lesson, args.student, scheduler=args.scheduler, db_url=args.db,
                                    workers=args.workers, force=args.force or bool(args.student), sandbox=args.sandbox,
                                    time_limit=args.time_limit, timeout=args.timeout, feedback=not args.no_feedback,
                                    csv_path=args.csv)
    except GradebookUnreachable as exc:
        print(f"STOPPED: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    recorded = [o for o in outcomes if o.ok]
    print(table(outcomes))
    where = args.db or settings(course.resolve()).db_url
    print(f"{len(recorded)} of {len(outcomes)} submissions of {args.lesson} autograded in {elapsed:.1f} s into {where}")
    for o in outcomes:
        if not o.ok:
            print(f"FAILED {o.student}: " + (o.reason or "unknown error").replace("\n", "\n    "))
    return 1 if len(recorded) < len(outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
