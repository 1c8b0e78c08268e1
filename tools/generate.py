"""Write every file generated from the exercise registry and the lessons' notebooks:

    python -m tools.generate           # write them
    python -m tools.generate --check   # write nothing; exit 1 naming every file out of date

- the visible cases' stored answer keys of the student package (``coursekit/check/expected/``);
- docs/CONTRACT.md's tables of exercises and points;
- README.md's table of lessons.

Run it after changing an exercise (cases, mistakes, points) or a lesson's ``metadata.course.shows``;
``make test`` fails while a generated file is out of date (tests/repo/test_generated.py).
"""
from __future__ import annotations

import argparse
import pathlib
import sys

from coursegrader.authoring.keys import lesson_keys
from coursegrader.authoring.keys import lessons as keyed_lessons
from coursegrader.authoring.tables import (
    exercises_table,
    graded_in_notebook,
    lessons_table,
    points_table,
    replace_block,
)
from coursekit.check import store
from tools.editions import ROOT, lessons, source_path


def generated() -> dict[pathlib.Path, str]:
    """Every generated file's path and the text it must hold."""
    files = {}
    for lesson in keyed_lessons():
        files[store.path(lesson)] = store.dumps(lesson, lesson_keys(lesson))
    names = lessons()
    contract = ROOT / "docs" / "CONTRACT.md"
    text = contract.read_text(encoding="utf-8")
    text = replace_block(text, "exercises", exercises_table(graded_in_notebook(source_path, names)))
    files[contract] = replace_block(text, "points", points_table())
    readme = ROOT / "README.md"
    files[readme] = replace_block(readme.read_text(encoding="utf-8"), "lessons", lessons_table(source_path, names))
    return files


def stale(files: dict[pathlib.Path, str]) -> list[pathlib.Path]:
    """The generated files whose content differs from what the registry and notebooks say."""
    return [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    args = parser.parse_args(argv)
    files = generated()
    out_of_date = stale(files)
    if args.check:
        for p in out_of_date:
            print(f"out of date: {p.relative_to(ROOT)} (run python -m tools.generate)")
        return 1 if out_of_date else 0
    for p in out_of_date:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files[p], encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
