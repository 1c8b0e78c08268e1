"""Regenerate release/ from source/ with nbgrader's own generate_assignment."""
from __future__ import annotations

import pathlib
import sys
import tempfile

from coursegrader.coursedir import run_nbgrader
from tools.editions import ROOT, selected_lessons


def generate(course_root: pathlib.Path, lesson: str, db_url: str | None = None) -> None:
    """Run ``nbgrader generate_assignment`` for one lesson of the course in ``course_root``."""
    extra = [f"--CourseDirectory.db_url={db_url}"] if db_url else []
    run_nbgrader(course_root, "generate_assignment", lesson, "--force", *extra)


def main(selected: list[str]) -> None:
    # generate_assignment records lessons in a gradebook; use a throw-away one, not the instructor's
    with tempfile.TemporaryDirectory() as tmp:
        for lesson in selected_lessons(selected, "tools.build_release"):
            generate(ROOT, lesson, f"sqlite:///{tmp}/gradebook.db")
            print(f"release/{lesson}/{lesson}.ipynb")


if __name__ == "__main__":
    main(sys.argv[1:])
