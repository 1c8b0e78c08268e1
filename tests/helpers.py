"""Shared test utilities (``clone`` lives in testkit.students, shared with the benchmark)."""
from __future__ import annotations

import nbformat

from coursegrader.grading.protocol import is_grade_cell, nbgrader_meta
from testkit.students import clone
from tools.editions import source_path
from tools.sync_grade_cells import grade_cells

__all__ = ["clone", "execute", "execute_many", "graded_cells", "lesson_points", "outputs_of"]


def graded_cells(nb) -> dict[str, float]:
    """``{grade_id: points}`` of a notebook's autograded test cells, from their nbgrader metadata."""
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"]) for c in nb.cells if is_grade_cell(c)}


def lesson_points(lesson: str) -> dict[str, float]:
    """``{grade_id: points}`` of a lesson's grade cells, from the registry (what sync_grade_cells writes)."""
    nb = nbformat.read(source_path(lesson), as_version=4)
    return {grade_id: float(c.points) for grade_id, c in grade_cells(nb).items()}


def execute(nb, cwd, env_extra=None, timeout=300):
    """Execute a notebook in a fresh kernel (nbclient), returning it with outputs."""
    return execute_many([(nb, cwd)], env_extra, timeout, parallel=1)[0]


def execute_many(jobs, env_extra=None, timeout=300, parallel=2, return_exceptions=False):
    """Execute notebooks, each in its own fresh kernel, ``parallel`` at a time; ``jobs``: a list of
    (notebook, working folder). Returns the notebooks with their outputs, in the order of ``jobs``
    (``return_exceptions``: a job whose execution raised, e.g. a dead kernel or a cell timeout, gives
    its exception in its place instead of stopping the others).

    A kernel runs a lesson on about one core, and the client mostly waits on it: two at once keep
    both cores of a 2-core machine busy. Each notebook still gets a kernel of its own, started with
    the same environment (``env_extra`` is set around the whole batch: a kernel inherits the
    environment of the moment it starts)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from nbclient import NotebookClient

    def run(job):
        nb, cwd = job
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(cwd)}}).execute()
        except Exception as exc:
            if not return_exceptions:
                raise
            return exc
        return nb

    saved = dict(os.environ)
    os.environ.update(env_extra or {})
    try:
        with ThreadPoolExecutor(max(1, parallel)) as pool:
            return list(pool.map(run, jobs))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def outputs_of(nb, kind):
    """(cell index, output) pairs of the given output_type ('error', 'stream', ...)."""
    return [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.get("outputs", []) if o.output_type == kind]
