"""Regenerate the executed reading edition notebooks/ from source/."""
from __future__ import annotations

import os
import sys
import time

import nbformat
from nbclient import NotebookClient

from tools.editions import NOTEBOOKS, reading_edition, selected_lessons, source_path


def build(lesson: str, out_dir=NOTEBOOKS, timeout: int = 600):
    nb = reading_edition(nbformat.read(source_path(lesson), as_version=4))
    os.environ["COURSEKIT_STATIC"] = "1"  # widgets draw a static figure: a reader has no kernel
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(source_path(lesson).parent)}})
    client.execute()
    out_dir.mkdir(exist_ok=True)
    nbformat.write(nb, str(out_dir / f"{lesson}.ipynb"))
    return nb


def main(selected: list[str]) -> None:
    for lesson in selected_lessons(selected, "tools.build_notebooks"):
        start = time.perf_counter()
        build(lesson)
        print(f"notebooks/{lesson}.ipynb  ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
