"""Regenerate release/ from source/ with nbgrader's own generate_assignment."""
from __future__ import annotations

import subprocess
import sys
import tempfile

from tools.editions import ROOT, lessons


def generate(course_root, lesson: str) -> None:
    """Run ``nbgrader generate_assignment`` for one lesson in ``course_root``."""
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lesson, "--force",
                    "--log-level=WARN"], cwd=course_root, check=True)


def main(selected: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # generate_assignment writes a gradebook; keep the repo's (if any) untouched
        db = f"sqlite:///{tmp}/gradebook.db"
        for lesson in selected or lessons():
            subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lesson, "--force",
                            "--log-level=WARN", f"--CourseDirectory.db_url={db}"], cwd=ROOT, check=True)
            print(f"release/{lesson}/{lesson}.ipynb")


if __name__ == "__main__":
    main(sys.argv[1:])
