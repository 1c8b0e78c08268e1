"""docs/CONTRACT.md, the course's contract inside the repository, agrees with the exercise registry:
the same exercises, functions and points per lesson, and the signatures of coursekit's references.
The README and docs link nothing outside the repository (a fresh clone has nothing beside it)."""
from __future__ import annotations

import ast
import inspect
import re
from collections import Counter

import pytest

from conftest import ROOT
from coursekit.grading import all_exercises

CONTRACT = (ROOT / "docs" / "CONTRACT.md").read_text()

# Functions of the contract that no lesson grades yet: the table says "planned" for them. When a lesson
# starts grading one (it appears in the registry), test_planned_functions_are_not_graded_yet fails:
# write its registry name(s) and points into docs/CONTRACT.md's table and remove it from this list.
PLANNED = {
    "warmup_cosine": "02_gradient_descent",
    "classify_critical_point": "02_gradient_descent",
    "gradient_noise": "03_sgd",
    "loss_along_line": "06_backprop",
    "layernorm_forward": "07_batchnorm",
    "layernorm_backward": "07_batchnorm",
    "xavier_normal": "08_relu",
}


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
    rows = _table("| lesson | exercise | function | points |")
    assert all(len(row) == 4 for row in rows)
    return rows


def _graded():
    return {(e.lesson, e.name, e.reference.__name__, e.points) for e in all_exercises()}


def test_table_lists_every_graded_exercise_with_its_points():
    documented = {(lesson, name, fn, int(points)) for lesson, name, fn, points in _exercise_rows()
                  if points != "planned"}
    graded = _graded()
    assert not graded - documented, f"graded but not in docs/CONTRACT.md (or other points): {graded - documented}"
    assert not documented - graded, f"in docs/CONTRACT.md but not graded so (or other points): {documented - graded}"


def test_table_has_no_duplicates():
    names = Counter(row[1] for row in _exercise_rows())
    assert [n for n, k in names.items() if k > 1] == []


def test_planned_rows_are_exactly_the_planned_functions():
    planned = {name: lesson for lesson, name, fn, points in _exercise_rows() if points == "planned"}
    assert planned == PLANNED
    for lesson, name, fn, points in _exercise_rows():
        if points == "planned":
            assert fn == name, "a planned row names its function"


def test_planned_functions_are_not_graded_yet():
    graded = {e.reference.__name__ for e in all_exercises()} | {e.name for e in all_exercises()}
    now_graded = sorted(set(PLANNED) & graded)
    assert now_graded == [], (f"{now_graded} are graded now: put their registry names and points in "
                              "docs/CONTRACT.md's table and remove them from PLANNED in this test")


def test_points_per_lesson():
    stated = {lesson: int(points) for lesson, points in _table("| lesson | points |")}
    totals = Counter()
    for e in all_exercises():
        totals[e.lesson] += e.points
    assert stated == dict(totals)


def test_every_lesson_is_in_the_contract():
    lessons = sorted({e.lesson for e in all_exercises()} | set(PLANNED.values()))
    assert len(lessons) == 10
    headings = re.findall(r"^### (\d\d_\w+): ", CONTRACT, re.M)
    assert headings == lessons


SPAN = re.compile(r"`([^`]+)`")
# what may separate the signatures at the head of a bullet: "`a(x)`, `b(x)` and their derivatives `c(x)`"
BETWEEN = re.compile(r"(?:\s*\(planned\))?(?:,\s*|\s+and\s+(?:their\s+derivatives\s+)?)")
NO_DEFAULT = object()


def _documented_signatures(name):
    """Every `name(...)` written as a signature: the code spans that open a bullet of the contract
    (later spans are prose, such as calls), parsed as the parameters of a Python `def`."""
    found = []
    for item in re.findall(r"^- (.*(?:\n  .*)*)", CONTRACT, re.M):
        text, pos = " ".join(item.split()), 0
        while (span := SPAN.match(text, pos)):
            signature = span.group(1)
            if signature.startswith(name + "("):
                depth = 0
                for end, char in enumerate(signature):
                    depth += {"(": 1, ")": -1}.get(char, 0)
                    if char == ")" and depth == 0:
                        break
                found.append(ast.parse(f"def {signature[:end + 1]}: pass").body[0].args)
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


@pytest.mark.parametrize("page", ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))])
def test_docs_link_nothing_outside_the_repository(page):
    text = (ROOT / page).read_text()
    assert "../shared" not in text and "COURSE_SPEC" not in text
    for target in _markdown_links(text):
        if re.match(r"[a-z]+://", target) or target.startswith("#"):
            continue
        path = ((ROOT / page).parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page} links {target}, outside the repository"
        assert path.exists(), f"{page} links {target}, which does not exist"
