"""Copied code is flagged, independently written correct code is not (coursegrader.reports.similarity and
tools.similarity)."""
import inspect
import textwrap

import nbformat
import pytest
import test_l03_sgd as l03
import test_l05_adaptive_optimizers as l05
import test_l06_backprop as l06

from coursegrader.grading import get_exercise
from coursegrader.reports.similarity import THRESHOLD, normalise, similarity
from tools import similarity as tool
from tools.editions import source_path

LESSON = "05_adaptive_optimizers"

# correct variants written independently of the reference (the lesson tests' "correct variants")
VARIANTS = [("adagrad_step", l05.adagrad_loops), ("rmsprop_step", l05.rmsprop_inplace),
            ("adadelta_step", l05.adadelta_loops), ("yogi_step", l05.yogi_where),
            ("linear_forward", l06.linear_forward_loops), ("two_layer_net", l06.two_layer_net_loops),
            ("softmax_cross_entropy", l06.softmax_ce_logaddexp), ("sgd_linear_regression", l03.slr_inplace),
            ("minibatches", l03.mb_while), ("minibatches", l03.mb_permuted_copies)]


def _src(fn):
    return textwrap.dedent(inspect.getsource(fn))


def disguise(code: str) -> str:
    """What a copier does: rename every variable, reformat, add comments and a docstring."""
    renames = {"params": "weights", "grad": "g_t", "state": "memory", "acc": "accumulator", "new": "updated",
               "sq": "squares", "g": "gg", "t": "count", "s": "st", "p": "w"}
    import re
    out = code
    for old, new in renames.items():
        out = re.sub(rf"\b{old}\b", new, out)
    lines = out.splitlines()
    body = next(i for i, line in enumerate(lines) if line.rstrip().endswith(":")) + 1
    lines.insert(body, '    """My own implementation (honest)."""')
    return "\n".join(line + ("  # step" if line.strip().startswith(("for", "return")) else "") for line in lines) + "\n"


def test_a_disguised_copy_is_near_identical_and_an_independent_variant_is_not():
    ref = normalise(_src(get_exercise("adagrad_step").reference))
    variant = normalise(_src(l05.adagrad_loops))
    copy = normalise(disguise(_src(l05.adagrad_loops)))
    assert similarity(variant, copy) == 1.0
    assert similarity(variant, ref) < THRESHOLD


@pytest.mark.parametrize("name, fn", VARIANTS)
def test_independent_correct_variants_are_not_flagged_against_the_reference(name, fn):
    ref = normalise(_src(get_exercise(name).reference))
    assert similarity(normalise(_src(fn)), ref) < THRESHOLD


def test_independent_correct_variants_are_not_flagged_against_each_other():
    codes = [normalise(_src(fn)) for _, fn in VARIANTS]
    worst = max(similarity(a, b) for i, a in enumerate(codes) for b in codes[i + 1:])
    assert worst < THRESHOLD


def _submission(solutions):
    """The lesson's source notebook with some solution cells replaced (by grade_id)."""
    nb = nbformat.read(source_path(LESSON), as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solutions:
            cell.source = solutions[gid]
    return nb


def test_the_report_flags_a_planted_copy_and_a_copy_of_the_worked_solution(tmp_path):
    worked = tool.solution_cells(nbformat.read(source_path(LESSON), as_version=4))
    assert "adagrad_step_solution" in worked
    own = _src(l05.adagrad_loops).replace("adagrad_loops", "adagrad_step")
    other_own = _src(l05.rmsprop_inplace).replace("rmsprop_inplace", "rmsprop_step")
    submissions = {
        "alice": _submission({"adagrad_step_solution": own, "rmsprop_step_solution": other_own}),
        "bob": _submission({"adagrad_step_solution": disguise(own)}),          # copied alice
        "carol": _submission({"adagrad_step_solution": disguise(worked["adagrad_step_solution"].replace(
            "### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))}),    # copied the worked solution
    }
    reports = {r.exercise: r for r in tool.analyse(LESSON, submissions, worked)}
    pairs = {(m.a, m.b) for m in reports["adagrad_step_solution"].matches}
    assert ("alice", "bob") in pairs
    assert ("carol", tool.WORKED) in pairs
    assert ("alice", tool.WORKED) not in pairs and ("alice", tool.REFERENCE) not in pairs
    # alice's own rmsprop is not flagged; dave and erin (the untouched worked solution) would be
    assert not any("alice" in (m.a, m.b) for m in reports["rmsprop_step_solution"].matches)
    html = tool.render(LESSON, list(reports.values()), len(submissions))
    assert "alice ~ bob" in html and "class=\"hit\"" in html


def test_one_line_answers_are_reported_too_short_not_flagged():
    lesson = "02_gradient_descent"
    worked = tool.solution_cells(nbformat.read(source_path(lesson), as_version=4))
    nb = nbformat.read(source_path(lesson), as_version=4)
    reports = {r.exercise: r for r in tool.analyse(lesson, {"a": nb, "b": nb}, worked)}
    short = [r for r in reports.values() if r.too_short]
    assert short and all(not r.matches for r in short)
    assert any(r.matches for r in reports.values() if not r.too_short), "identical long answers are flagged"


def test_command_writes_the_html_report(tmp_path, capsys):
    (tmp_path / "source" / LESSON).mkdir(parents=True)
    nb = nbformat.read(source_path(LESSON), as_version=4)
    nbformat.write(nb, tmp_path / "source" / LESSON / f"{LESSON}.ipynb")
    for student in ("s1", "s2"):
        (tmp_path / "submitted" / student / LESSON).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "submitted" / student / LESSON / f"{LESSON}.ipynb")
    (tmp_path / "submitted" / "broken" / LESSON).mkdir(parents=True)
    (tmp_path / "submitted" / "broken" / LESSON / f"{LESSON}.ipynb").write_text("not json")
    assert tool.main([LESSON, "--course", str(tmp_path)]) == 0
    page = (tmp_path / "reports" / LESSON / "similarity.html").read_text()
    assert "s1 ~ s2" in page and "2 submissions" in page
    assert "skipped" in capsys.readouterr().err
