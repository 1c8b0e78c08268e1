"""Build the reading-edition site from notebooks/ (make book): build/book/html/index.html.

The executed notebooks of notebooks/ (the reading edition, see build_notebooks.py) are rendered with
their stored outputs by Sphinx + MyST-NB in the Sphinx Book Theme (book/conf.py): lessons in course
order, LaTeX math rendered by a MathJax served from the site itself, every figure, and each worked
solution in a collapsible block ("Show the worked solution"). Nothing is executed.

    python -m tools.build_book [--out DIR]      # default build/book; open DIR/html/index.html
"""
from __future__ import annotations

import argparse
import copy
import json
import pathlib
import shutil
import subprocess
import sys
import time

import nbformat

from tools.editions import NOTEBOOKS, ROOT, lessons, nbgrader_meta, reading_edition, source_path

BOOK = ROOT / "book"
DEFAULT_OUT = ROOT / "build" / "book"
SOLUTION_PROMPT = "Show the worked solution"
SOLUTION_TAG = "worked-solution"


def lesson_title(nb) -> str:
    """The first level-1 heading of a notebook."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def solution_sources(lesson: str) -> set[str]:
    """The code of the lesson's solution cells as the reading edition shows it."""
    src = nbformat.read(source_path(lesson), as_version=4)
    flagged = copy.deepcopy(src)
    for cell in flagged.cells:
        if nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
            cell.metadata["_solution"] = True
    return {c.source for c in reading_edition(flagged).cells if c.metadata.get("_solution")}


def tag_solutions(nb, solutions: set[str]) -> int:
    """Collapse the input of every worked-solution cell; returns how many were tagged."""
    n = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source in solutions:
            tags = cell.metadata.setdefault("tags", [])
            for tag in ("hide-input", SOLUTION_TAG):
                if tag not in tags:
                    tags.append(tag)
            cell.metadata.setdefault("mystnb", {})["code_prompt_show"] = SOLUTION_PROMPT
            cell.metadata["mystnb"]["code_prompt_hide"] = "Hide the worked solution"
            n += 1
    return n


def index_page(entries: list[tuple[str, str]]) -> str:
    rows = "\n".join(f"| {i + 1:02d} | [{title}]({name}.ipynb) |" for i, (name, title) in enumerate(entries))
    toc = "\n".join(name for name, _ in entries)
    return f"""# Optimization in Neural Networks

How neural networks are trained, from the gradient itself to Adam, backpropagation, BatchNorm and
transfer learning. This is the **reading edition**: every lesson with its worked solutions, executed,
every figure in place. Each worked solution is folded: try the exercise in your head (or in
JupyterLab, `make lab`) before you open it. The interactive explorers show a static view here; run
the student notebooks in JupyterLab to use the sliders.

| # | lesson |
|---|---|
{rows}

```{{toctree}}
:maxdepth: 1
:caption: Lessons
:hidden:

{toc}
```
"""


def stage(src_dir: pathlib.Path) -> list[tuple[str, str]]:
    """Write the Sphinx source tree: conf.py, its _static folder (the site's style sheet), index.md and
    the tagged notebooks in lesson order."""
    if src_dir.exists():
        shutil.rmtree(src_dir)
    src_dir.mkdir(parents=True)
    shutil.copy(BOOK / "conf.py", src_dir / "conf.py")
    shutil.copytree(BOOK / "_static", src_dir / "_static")
    entries = []
    for lesson in lessons():
        path = NOTEBOOKS / f"{lesson}.ipynb"
        if not path.exists():
            print(f"warning: {path.relative_to(ROOT)} is missing (make notebooks); lesson left out", file=sys.stderr)
            continue
        nb = nbformat.read(path, as_version=4)
        tag_solutions(nb, solution_sources(lesson))
        nbformat.write(nb, str(src_dir / f"{lesson}.ipynb"))
        entries.append((lesson, lesson_title(nb)))
    (src_dir / "index.md").write_text(index_page(entries))
    (src_dir / "lessons.json").write_text(json.dumps(entries, indent=1))
    return entries


def build(out: pathlib.Path = DEFAULT_OUT, quiet: bool = True) -> pathlib.Path:
    """Build the site into ``out/html``; returns the path of its index.html."""
    out = pathlib.Path(out)
    src_dir, html = out / "src", out / "html"
    stage(src_dir)
    if html.exists():
        shutil.rmtree(html)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-w", str(out / "warnings.txt"),
           str(src_dir), str(html), "-d", str(out / "doctrees")]
    if quiet:
        cmd.insert(3, "-q")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"sphinx-build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return html / "index.html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    start = time.perf_counter()
    index = build(args.out)
    warnings = (args.out / "warnings.txt").read_text().strip()
    if warnings:
        print(warnings, file=sys.stderr)
    print(f"reading-edition site built in {time.perf_counter() - start:.1f} s: open {index}")


if __name__ == "__main__":
    main()
