"""Regenerate release/ from source/ with nbgrader's own generate_assignment."""
from __future__ import annotations

import pathlib
import subprocess
import sys
import tempfile

from tools.editions import ROOT, lessons, tool_env


def generate(course_root: pathlib.Path, lesson: str, db_url: str | None = None) -> None:
    """Run ``nbgrader generate_assignment`` for one lesson of the course in ``course_root``."""
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", lesson, "--force", "--log-level=WARN"]
    if db_url:
        cmd.append(f"--CourseDirectory.db_url={db_url}")
    subprocess.run(cmd, cwd=course_root, env=tool_env(), check=True)


def main(selected: list[str]) -> None:
    # generate_assignment records lessons in a gradebook; use a throw-away one, not the instructor's
    with tempfile.TemporaryDirectory() as tmp:
        for lesson in selected or lessons():
            generate(ROOT, lesson, f"sqlite:///{tmp}/gradebook.db")
            print(f"release/{lesson}/{lesson}.ipynb")


if __name__ == "__main__":
    main(sys.argv[1:])
