"""docs/CONTRACT.md, the course's contract inside the repository, agrees with the exercise registry (the
same exercises, functions and points per lesson), with the grade cells of the lessons' notebooks
(which exercises students meet today) and with the signatures of coursekit's references.
The README and docs link nothing outside the repository (a fresh clone has nothing beside it)."""
from __future__ import annotations

import ast
import inspect
import re
from collections import Counter

import nbformat
import pytest

from coursegrader.grading import all_exercises

from conftest import ROOT

CONTRACT = (ROOT / "docs" / "CONTRACT.md").read_text()



def _notebook_grade_cells():
    """{lesson: registry names graded by the grade cells of source/<lesson>/<lesson>.ipynb}."""
    graded = {}
    for path in sorted((ROOT / "source").glob("*/*.ipynb")):
        names = set()
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                names |= set(re.findall(r'grade\(\s*"([^"]+)"', cell.source))
        graded[path.parent.name] = names
    return graded


def _table(header):
    """The rows (lists of cells) of the markdown table whose header row is `header`."""
    lines = CONTRACT.splitlines()
    start = lines.index(header)
    assert set(lines[start + 1].replace("|", "").split()) == {"---"}, "a header separator follows"
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip().strip("|").split("|")])
    return rows


def _exercise_rows():
    rows = _table("| lesson | exercise | function | points | in the notebook |")
    assert all(len(row) == 5 for row in rows)
    return rows


def test_table_lists_every_registered_exercise_with_its_points():
    documented = {(lesson, name, fn, int(points)) for lesson, name, fn, points, _ in _exercise_rows()}
    registered = {(e.lesson, e.name, e.reference.__name__, e.points) for e in all_exercises()}
    assert not registered - documented, f"registered but not in docs/CONTRACT.md so: {registered - documented}"
    assert not documented - registered, f"in docs/CONTRACT.md but not registered so: {documented - registered}"


def test_table_has_no_duplicates():
    names = Counter(row[1] for row in _exercise_rows())
    assert [n for n, k in names.items() if k > 1] == []


def test_table_says_which_exercises_the_notebooks_grade():
    """"yes" exactly for the exercises a grade cell of the lesson's source notebook grades: when a
    lesson gets the cells of an exercise marked "not yet", this fails until the contract says so."""
    in_notebooks = _notebook_grade_cells()
    for lesson, name, _, _, graded in _exercise_rows():
        assert graded in {"yes", "not yet"}
        assert (graded == "yes") == (name in in_notebooks[lesson]), (lesson, name, graded)


def test_planned_marks_in_the_text_match_the_table():
    not_yet = {fn for _, _, fn, _, graded in _exercise_rows() if graded == "not yet"}
    planned = set(re.findall(r"^- `(\w+)\([^`]*`[^\n]*? \(planned\)", CONTRACT, re.M))
    assert planned == not_yet


def test_points_per_lesson():
    stated = {lesson: int(points) for lesson, points in _table("| lesson | points |")}
    totals = Counter()
    for e in all_exercises():
        totals[e.lesson] += e.points
    assert stated == dict(totals)


def test_every_lesson_is_in_the_contract():
    lessons = sorted({e.lesson for e in all_exercises()})
    assert lessons == sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir())  # every lesson of source/
    headings = re.findall(r"^### (\d\d_\w+): ", CONTRACT, re.M)
    assert headings == lessons


SPAN = re.compile(r"`([^`]+)`")
# what may separate the signatures at the head of a bullet: "`a(x)`, `b(x)` and their derivatives `c(x)`"
BETWEEN = re.compile(r"(?:\s*\(planned\))?(?:,\s*|\s+and\s+(?:their\s+derivatives\s+)?)")
NO_DEFAULT = object()


def _head(signature):
    """`f(a, b=(1, 2)) -> (x, y)` without what follows its parameter list: `f(a, b=(1, 2))`."""
    depth = 0
    for end, char in enumerate(signature):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ")" and depth == 0:
            return signature[:end + 1]
    raise ValueError(f"unbalanced parentheses in {signature!r}")


def _documented_signatures(name):
    """Every `name(...)` written as a signature: the code spans that open a bullet of the contract
    (later spans are prose, such as calls), parsed as the parameters of a Python `def`."""
    found = []
    for item in re.findall(r"^- (.*(?:\n  .*)*)", CONTRACT, re.M):
        text, pos = " ".join(item.split()), 0
        while (span := SPAN.match(text, pos)):
            signature = span.group(1)
            if signature.startswith(name + "("):
                found.append(ast.parse(f"def {_head(signature)}: pass").body[0].args)
            between = BETWEEN.match(text, span.end())
            if not between:
                break
            pos = between.end()
    return found


def _as_written(args):
    """(name, kind, default) of each parameter of a parsed `def`."""
    positional = [a.arg for a in args.args]
    defaults = [NO_DEFAULT] * (len(positional) - len(args.defaults)) + [ast.literal_eval(d) for d in args.defaults]
    params = [(n, "positional", d) for n, d in zip(positional, defaults)]
    params += [(a.arg, "keyword", NO_DEFAULT if d is None else ast.literal_eval(d))
               for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    return params


def _as_implemented(fn):
    kinds = {inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional", inspect.Parameter.KEYWORD_ONLY: "keyword"}
    return [(p.name, kinds[p.kind], NO_DEFAULT if p.default is inspect.Parameter.empty else p.default)
            for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("function", sorted({e.reference.__name__ for e in all_exercises()}))
def test_signatures_are_those_of_the_references(function):
    reference = next(e.reference for e in all_exercises() if e.reference.__name__ == function)
    written = _documented_signatures(function)
    assert written, f"docs/CONTRACT.md gives no signature for {function}"
    for args in written:
        assert _as_written(args) == _as_implemented(reference)


def _markdown_links(text):
    return re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"<((?:\.\./|/)[^>\s]*)>", text)


PAGES = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES)
def test_docs_link_nothing_outside_the_repository(page):
    text = (ROOT / page).read_text()
    assert "../shared" not in text and "COURSE_SPEC" not in text
    for target in _markdown_links(text):
        if re.match(r"[a-z]+://", target) or target.startswith("#"):
            continue
        path = ((ROOT / page).parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page} links {target}, outside the repository"
        assert path.exists(), f"{page} links {target}, which does not exist"
