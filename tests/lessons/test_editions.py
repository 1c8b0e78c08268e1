"""release/ and notebooks/ are up to date with source/ (the single source of truth)."""
import json

import nbformat
import pytest

from tools.editions import NOTEBOOKS, RELEASE, lessons, reading_edition, source_path

from helpers import outputs_of

LESSONS = lessons()


def _normal(path):
    return json.loads(json.dumps(nbformat.read(path, as_version=4), sort_keys=True))


@pytest.mark.parametrize("lesson", LESSONS)
def test_release_is_what_nbgrader_generates_from_source(course, lesson):
    committed = RELEASE / lesson / f"{lesson}.ipynb"
    assert committed.exists(), "run `make release`"
    assert _normal(committed) == _normal(course / "release" / lesson / f"{lesson}.ipynb"), \
        f"release/{lesson} is out of date with source/: run `make release`"


@pytest.mark.parametrize("lesson", LESSONS)
def test_reading_edition_is_source_with_solutions_and_outputs(lesson):
    path = NOTEBOOKS / f"{lesson}.ipynb"
    assert path.exists(), "run `make notebooks`"
    stored = nbformat.read(path, as_version=4)
    expected = reading_edition(nbformat.read(source_path(lesson), as_version=4))
    assert [(c.cell_type, c.source) for c in stored.cells] == [(c.cell_type, c.source) for c in expected.cells], \
        f"notebooks/{lesson}.ipynb is out of date with source/: run `make notebooks`"
    text = "\n".join(c.source for c in stored.cells)
    assert "HIDDEN TESTS" not in text and "grade(" not in text and "### BEGIN SOLUTION" not in text
    assert "raise NotImplementedError()" not in text
    code = [c for c in stored.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "not executed: run `make notebooks`"
    assert not outputs_of(stored, "error")


@pytest.mark.parametrize("tool", ["tools.build_release", "tools.build_notebooks"])
def test_an_edition_tool_names_the_lessons_when_given_a_wrong_one(tool, capsys):
    """`python -m tools.build_notebooks 7_batchnorm` (a typo) used to crash deep inside nbformat."""
    module = __import__(tool, fromlist=["main"])
    with pytest.raises(SystemExit) as stop:
        module.main(["7_batchnorm"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "no such lesson: 7_batchnorm" in err and "07_batchnorm" in err
    with pytest.raises(SystemExit) as stop:
        module.main(["--help"])
    assert stop.value.code == 0 and "usage:" in capsys.readouterr().out
