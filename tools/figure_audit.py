"""Audit every figure of some lessons: ``python -m tools.figure_audit [LESSON...]`` (all by default).

Each lesson's reading edition is executed in memory as ``make notebooks`` does (static widgets,
``COURSEKIT_STATIC=1``; nothing under notebooks/ is written). Every figure the notebook displays
is checked by ``coursekit.plotting.figure_problems`` as it is printed, and saved as a PNG (as the
reader sees it) under ``build/figures/<lesson>/cell<NN>_<k>.png`` -- NN is the cell's index in the
*source* notebook, k counts the figures of that cell -- so a person can look at them. The list of
figures and their problems is printed and written to ``build/figures/<lesson>/audit.json``.

Exit status 1 when some figure has a problem.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time

import nbformat
from nbclient import NotebookClient

from tools.editions import ROOT, lessons, reading_edition, source_path

OUT = ROOT / "build" / "figures"

# Injected before the first cell: every figure printed for display (the inline backend prints to a
# buffer, never to a path) is audited and saved to a file first. Names are prefixed to keep the
# lesson's namespace clean.
HOOK = """\
import json as _fa_json, os as _fa_os
import matplotlib.backend_bases as _fa_bases
from coursekit.plotting import figure_problems as _fa_problems
_fa_print, _fa_seen, _fa_cell = _fa_bases.FigureCanvasBase.print_figure, {{}}, [None]
def _fa_pre_run_cell(info):
    _fa_cell[0] = get_ipython().execution_count
get_ipython().events.register("pre_run_cell", _fa_pre_run_cell)
print(get_ipython().execution_count)  # the client learns how this count relates to the cells' prompts
def _fa_record(self, filename, *args, **kwargs):
    if isinstance(filename, (str, _fa_os.PathLike)):
        return _fa_print(self, filename, *args, **kwargs)  # a savefig to a file: not a displayed figure
    count = _fa_cell[0]
    _fa_seen[count] = k = _fa_seen.get(count, 0) + 1
    fig = self.figure
    problems = _fa_problems(fig)
    suptitle = fig.get_suptitle()
    titles = [suptitle] if suptitle else [ax.get_title() for ax in fig.get_axes() if ax.get_title()]
    png = _fa_os.path.join({out!r}, f"x{{count}}_{{k}}.png")
    _fa_print(self, png, *args, **{{**kwargs, "format": "png"}})
    with open(_fa_os.path.join({out!r}, "figures.jsonl"), "a") as log:
        log.write(_fa_json.dumps({{"count": count, "k": k, "png": png, "title": titles[0] if titles else "",
                                  "problems": problems}}) + "\\n")
    return _fa_print(self, filename, *args, **kwargs)
_fa_bases.FigureCanvasBase.print_figure = _fa_record
"""


def audit(lesson: str, out_root=OUT, timeout: int = 600) -> list[dict]:
    """Execute ``lesson``'s reading edition with the audit hook; returns one record per displayed
    figure: {"cell": source cell index, "k", "title", "problems", "png": path}."""
    out = out_root / lesson
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    source = nbformat.read(source_path(lesson), as_version=4)
    for index, cell in enumerate(source.cells):
        cell.metadata["figure_audit_source_cell"] = index
    nb = reading_edition(source)
    nb.cells.insert(0, nbformat.v4.new_code_cell(HOOK.format(out=str(out))))
    saved = dict(os.environ)
    os.environ["COURSEKIT_STATIC"] = "1"  # as the reading edition is built
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(source_path(lesson).parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    # IPython's execution_count inside a cell may run ahead of the prompt number nbclient records
    # (IPython 9: by one): the hook cell printed its own
    offset = int(nb.cells[0].outputs[0].text) - nb.cells[0].execution_count
    by_count = {c.execution_count + offset: c.metadata["figure_audit_source_cell"] for c in nb.cells[1:]
                if c.cell_type == "code" and c.execution_count is not None}
    records = []
    log = out / "figures.jsonl"
    for line in (log.read_text().splitlines() if log.exists() else []):
        record = json.loads(line)
        cell = by_count.get(record["count"])
        if cell is None:
            raise RuntimeError(f"{lesson}: a figure printed outside any lesson cell: {record}")
        png = out / f"cell{cell:02d}_{record['k']}.png"
        os.replace(record["png"], png)
        records.append({"cell": cell, "k": record["k"], "title": record["title"], "problems": record["problems"],
                        "png": str(png.relative_to(ROOT))})
    log.unlink(missing_ok=True)
    (out / "audit.json").write_text(json.dumps(records, indent=1))
    return records


def report(lesson: str, records: list[dict]) -> str:
    bad = [r for r in records if r["problems"]]
    lines = [f"{lesson}: {len(records)} figures, {len(bad)} with problems"]
    for r in bad:
        lines.append(f"  cell {r['cell']} ({r['title'] or 'untitled'!r}, {r['png']}):")
        lines += [f"    - {p}" for p in r["problems"]]
    return "\n".join(lines)


def main(selected: list[str]) -> int:
    unknown = sorted(set(selected) - set(lessons()))
    if unknown:
        print(f"unknown lessons: {unknown}; choose from {lessons()}", file=sys.stderr)
        return 2
    failed = False
    for lesson in selected or lessons():
        start = time.perf_counter()
        records = audit(lesson)
        print(report(lesson, records) + f"  ({time.perf_counter() - start:.0f} s)", flush=True)
        failed |= any(r["problems"] for r in records)
    print(f"PNGs under {OUT.relative_to(ROOT)}/<lesson>/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
