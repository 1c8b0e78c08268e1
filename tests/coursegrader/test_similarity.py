"""Copied code is flagged, independently written correct code is not (coursegrader.reports.code_similarity,
tools.similarity).

The committed corpus (tests/coursegrader/similarity_corpus, its README says how it is made) measures both sides:
every disguised copy (renamed, reordered, loop turned into a comprehension, all at once) against its
original, and every pair of independently written solutions; the figures are in docs/INSTRUCTORS.md."""
import inspect
import itertools
import pathlib
import re
import textwrap

import nbformat
import pytest
import test_l03_sgd as l03
import test_l05_adaptive_optimizers as l05
import test_l06_backprop as l06

from coursegrader.grading import get_exercise
from coursegrader.reports.code_similarity import THRESHOLD, normalise, similarity
from tools import similarity as tool
from tools.editions import ROOT, source_path

CORPUS = pathlib.Path(__file__).parent / "similarity_corpus"

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


def _corpus():
    """(copies, independent pairs): [(exercise, copy, score)], [(exercise, a, b, score)]."""
    copies, independent = [], []
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        codes = {f.stem: normalise(f.read_text()) for f in sorted(folder.glob("*.py"))}
        copies += [(folder.name, n, similarity(c, codes["original"])) for n, c in codes.items()
                   if n.startswith("copy-")]
        alone = [n for n in codes if not n.startswith("copy-")]
        independent += [(folder.name, a, b, similarity(codes[a], codes[b])) for a, b in itertools.combinations(alone, 2)
                        if {a, b} != {"course-reference", "course-worked"}]  # one pair by the same authors
    return copies, independent


def test_the_corpus_every_disguised_copy_is_flagged_and_no_independent_solution_is():
    copies, independent = _corpus()
    kinds = {n for _, n, _ in copies}
    assert {"copy-renamed", "copy-reordered", "copy-comprehension", "copy-all"} <= kinds and len(copies) >= 25
    assert len({e for e, *_ in copies}) >= 7 and len(independent) >= 70
    missed = [(e, n, round(s, 2)) for e, n, s in copies if s < THRESHOLD]
    false = [(e, a, b, round(s, 2)) for e, a, b, s in independent if s >= THRESHOLD]
    assert not missed, f"false negatives: {missed}"
    assert not false, f"false positives: {false}"
    # renaming (a reassigned argument included) and reordering independent lines change nothing at all
    assert all(s == 1.0 for _, n, s in copies if n in ("copy-renamed", "copy-reordered"))


def test_the_guide_states_the_corpus_figures():
    copies, independent = _corpus()
    guide = (ROOT / "docs" / "INSTRUCTORS.md").read_text()
    comp = [s for _, n, s in copies if n in ("copy-comprehension", "copy-all") and s < 1.0]
    guide = " ".join(guide.split())
    stated = re.search(r"(\d+) disguised copies of (\d+) solutions in (\d+) exercises and (\d+) pairs of "
                       r"independently written solutions", guide)
    assert stated, "docs/INSTRUCTORS.md gives the corpus figures"
    assert [int(x) for x in stated.groups()] == [len(copies), len({(e) for e, *_ in copies}),
                                                  len({e for e, *_ in copies}), len(independent)]
    assert f"{min(comp):.2f}" in guide and f"{max(s for *_, s in independent):.2f}" in guide
    assert f"threshold {THRESHOLD:g}" in guide


SWAPPED = ("def f(a, b):\n    x = a * 2\n    y = b + 1\n    z = x * y\n    return np.sqrt(z) + x - y\n",
           "def f(p, q):\n    t = q + 1\n    s = p * 2\n    u = s * t\n    return np.sqrt(u) + s - t\n")


def test_swapping_independent_lines_changes_nothing_and_dependent_order_is_kept():
    a, b = (normalise(s * 4) for s in SWAPPED)
    assert a.tokens == b.tokens
    dependent = normalise("def f(a):\n    x = a + 1\n    x = x * 2\n    return x\n")
    swapped = normalise("def f(a):\n    x = a * 2\n    x = x + 1\n    return x\n")
    assert dependent.tokens != swapped.tokens, "a statement never moves above one it reads from"


def test_a_comprehension_is_compared_as_the_loop_it_stands_for():
    loop = ("def f(xs, k):\n    out = []\n    for x in xs:\n        if x > k:\n            out.append(np.exp(x) * k)\n"
            "    return out\n")
    comp = "def f(values, c):\n    res = [np.exp(v) * c for v in values if v > c]\n    return res\n"
    assert normalise(loop).tokens == normalise(comp).tokens
    total = "def f(xs):\n    s = 0\n    for x in xs:\n        s += x * x\n    return s\n"
    assert normalise(total).tokens == normalise("def f(xs):\n    s = sum(x * x for x in xs)\n    return s\n").tokens


def test_one_placeholder_for_every_local_name():
    code = normalise("def f(a, b):\n    c = np.dot(a, b)\n    return c + len(a)\n")
    assert set(code.tokens) & {"a", "b", "c"} == set() and "V" in code.tokens
    assert {"np", "dot", "len"} <= set(code.tokens), "modules, attributes and builtins are kept"
