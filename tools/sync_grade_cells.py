"""Grade cells generated from the registry: points live only in the exercise definitions.

    python -m tools.sync_grade_cells [--check] [LESSON ...]

Every grade cell of a source notebook names the registry entries it grades
(``grade("<key>", <function>)``, see :mod:`coursegrader.grading.protocol`). This rewrites each grade
cell's source and its nbgrader metadata (``points``, the sum of its entries' points) from the
registry (keeping the wording of its first comment line, with its "(N points)" set), and the
"Exercise N (k points)" of the exercise's statement (the markdown between the previous grade cell
and this one, which states exactly one exercise), and nothing else in the notebook: the rest of the
lesson's narrative, solutions and checks are left as they are. A notebook is written only when one
of its grade cells changed, so running it again changes nothing. ``--check`` writes nothing and
exits 1 if any grade cell differs (what the test
``tests/coursegrader/test_grade_cells.py`` asserts without executing any notebook).
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass

import nbformat

from coursegrader.grading import get_exercise
from coursegrader.grading.protocol import (
    grade_calls,
    grade_cell_comment,
    grade_cell_metadata,
    grade_cell_source,
    is_grade_cell,
    nbgrader_meta,
    split_cell_id,
)
from tools.editions import lessons, source_path


@dataclass
class GradeCell:
    """One grade cell as the registry says it must be."""

    grade_id: str
    graded: dict[str, str]  # registry key -> the function it grades
    points: float
    source: str
    metadata: dict


def _number(points: float) -> int | float:
    """2.0 -> 2 (the notebooks' JSON keeps whole points as integers)."""
    return int(points) if float(points).is_integer() else points


def expected(cell) -> GradeCell:
    """What a grade cell must hold, from the registry entries it grades."""
    grade_id = nbgrader_meta(cell)["grade_id"]
    calls = grade_calls(cell.source)
    if not calls or any(fn is None for _, fn in calls):
        raise ValueError(f"{grade_id}: a grade cell must call grade(\"<exercise>\", <function>)")
    graded = dict(calls)
    points = _number(sum(get_exercise(key).points for key in graded))
    exercise = split_cell_id(grade_id)
    if exercise is None or exercise[1] != "grade":
        raise ValueError(f"{grade_id}: a grade cell's id must end in _grade")
    source = grade_cell_source(graded, points, comment=grade_cell_comment(cell.source))
    return GradeCell(grade_id, graded, points, source,
                     grade_cell_metadata(exercise[0], points))


def grade_cells(nb) -> dict[str, GradeCell]:
    """{grade cell id: what it must hold} of a notebook, in order."""
    return {c.grade_id: c for c in (expected(cell) for cell in nb.cells if is_grade_cell(cell))}


_STATED = re.compile(r"(Exercise \d+[a-z]? \()(\d+(?:\.\d+)?)( points?\))")


def _statements(nb):
    """(grade cell, the markdown cell that states its exercise's points, or None) in order."""
    statement = None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and _STATED.search(cell.source):
            statement = cell
        elif is_grade_cell(cell):
            yield cell, statement
            statement = None


def _stated(source: str, points) -> str:
    """``source`` with its "Exercise N (k points)" saying ``points``."""
    word = "point" if float(points) == 1 else "points"
    return _STATED.sub(lambda m: f"{m[1]}{points} {word})", source, count=1)


def differences(nb) -> list[str]:
    """What differs between a notebook's grade cells (and their exercises' statements) and the
    registry (empty: in sync)."""
    found = []
    for cell, statement in _statements(nb):
        want = expected(cell)
        if statement is not None and _stated(statement.source, want.points) != statement.source:
            found.append(f"{want.grade_id}: its exercise's statement says "
                         f"{_STATED.search(statement.source)[2]} points, the registry {want.points}")
        meta = nbgrader_meta(cell)
        if cell.source != want.source:
            found.append(f"{want.grade_id}: source differs")
        for key, value in want.metadata.items():
            if meta.get(key) != value:
                found.append(f"{want.grade_id}: metadata {key} is {meta.get(key)!r}, the registry says {value!r}")
    return found


def sync(nb) -> list[str]:
    """Rewrite a notebook's grade cells (source, nbgrader metadata) and their exercises' stated points
    from the registry; returns the ids of the grade cells changed."""
    changed = []
    for cell, statement in _statements(nb):
        want = expected(cell)
        meta = cell.metadata["nbgrader"]
        stated = None if statement is None else _stated(statement.source, want.points)
        if cell.source != want.source or any(meta.get(k) != v for k, v in want.metadata.items()) or \
                (stated is not None and stated != statement.source):
            cell.source = want.source
            meta.update(want.metadata)
            if stated is not None:
                statement.source = stated
            changed.append(want.grade_id)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sync_grade_cells", description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lessons to sync (default: all)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a grade cell differs")
    args = parser.parse_args(argv)
    status = 0
    for lesson in args.lessons or lessons():
        path = source_path(lesson)
        nb = nbformat.read(path, as_version=4)
        if args.check:
            found = differences(nb)
            for line in found:
                print(f"{lesson}: {line}")
            status |= bool(found)
            continue
        changed = sync(nb)
        if changed:
            nbformat.write(nb, str(path))
            print(f"{path.relative_to(path.parents[2])}: rewrote {', '.join(changed)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
