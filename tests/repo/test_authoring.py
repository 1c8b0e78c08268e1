"""Adding a graded function touches exactly the files docs/AUTHORING.md names: a reference, the task
in the lesson's tasks module, an exercise module, the notebook's cells, then one command
(`python -m tools.generate` and `tools.sync_grade_cells`) writes the rest (stored keys, the contract's
and README's tables, the grade cell). Done here in a copy of the repository with a throwaway
exercise, `triple(x) = 3 x`, added to lesson 01."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

LESSON = "01_gradients"
PARTS = ["coursekit", "coursegrader", "tools", "source", "docs", "README.md", "nbgrader_config.py", "pyproject.toml"]


def _run(copy, *args):
    env = {**os.environ, "PYTHONPATH": str(copy)}
    out = subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out.stdout


def _git(copy, *args):
    return subprocess.run(["git", *args], cwd=copy, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("authoring") / "course"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
    for part in PARTS:
        src = ROOT / part
        (shutil.copytree(src, root / part, ignore=ignore) if src.is_dir() else shutil.copy(src, root / part))
    _git(root, "init", "-q")
    _git(root, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    _git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "before")
    return root


def _add_throwaway_exercise(copy):
    (copy / "coursegrader" / "reference" / "triple.py").write_text(textwrap.dedent('''\
        """A throwaway exercise (tests/repo/test_authoring.py)."""
        import numpy as np


        def triple(x):
            return 3.0 * np.asarray(x, dtype=np.float64)
    '''))
    tasks = copy / "coursekit" / "check" / "tasks" / "l01_gradients.py"
    tasks.write_text(tasks.read_text() + textwrap.dedent('''

        TRIPLE = Task(name="triple", lesson=LESSON, parameters=("x",),
                      visible=lambda: [Case("x=(1, 2)", (np.array([1.0, 2.0]),))])
        TASKS = [*TASKS, TRIPLE]
    '''))
    (copy / "coursegrader" / "exercises" / "l01_gradients" / "triple.py").write_text(textwrap.dedent('''\
        """triple: hidden cases and catalogued mistakes."""
        import numpy as np

        from coursegrader.grading import Case, Exercise, Mistake
        from coursegrader.reference.triple import triple
        from coursekit.check.tasks.l01_gradients import TRIPLE


        def doubles(x):
            return 2.0 * np.asarray(x, dtype=np.float64)


        EXERCISE = Exercise.of(TRIPLE, reference=triple, points=2,
                               hidden=lambda: [Case("x=(-1, 0, 5)", (np.array([-1.0, 0.0, 5.0]),)),
                                               Case("x=0.5", (np.array([0.5]),)),
                                               Case("x of shape (2, 2)", (np.ones((2, 2)),))],
                               mistakes=[Mistake("doubles", "multiplies by 2, not 3", doubles)])
    '''))
    _run(copy, "-c", textwrap.dedent(f'''\
        import nbformat
        from tools.nbcells import exercise
        path = "source/{LESSON}/{LESSON}.ipynb"
        nb = nbformat.read(path, as_version=4)
        solution = "def triple(x):\\n    ### BEGIN SOLUTION\\n    return 3.0 * x\\n    ### END SOLUTION\\n"
        nb.cells[-1:-1] = exercise("triple", "Write `triple(x)`: three times `x`.", solution)
        nbformat.write(nb, path)
    '''))


def test_adding_an_exercise_touches_only_the_files_the_guide_names(copy):
    _add_throwaway_exercise(copy)
    _run(copy, "-m", "tools.generate")
    _run(copy, "-m", "tools.sync_grade_cells", LESSON)
    changed = sorted(line[3:] for line in _git(copy, "status", "--porcelain", "--untracked-files=all").splitlines())
    assert changed == ["README.md", "coursegrader/exercises/l01_gradients/triple.py",
                       "coursegrader/reference/triple.py", "coursekit/check/expected/01_gradients.json",
                       "coursekit/check/tasks/l01_gradients.py", "docs/CONTRACT.md",
                       f"source/{LESSON}/{LESSON}.ipynb"]
    assert _run(copy, "-m", "tools.generate", "--check") == ""
    assert "| 01_gradients | triple | triple | 2 | yes |" in (copy / "docs" / "CONTRACT.md").read_text()
    assert "`torch_grad`, `triple` |" in (copy / "README.md").read_text()
    # the grader grades it, and the student's check names the catalogued mistake from the stored key
    probe = textwrap.dedent('''\
        import numpy as np
        from coursegrader.grading import evaluate, get_exercise
        from coursekit.check import check
        print(get_exercise("triple").points, evaluate("triple", lambda x: 3.0 * x).score,
              evaluate("triple", lambda x: 2.0 * x).likely_mistake)
        check("triple", lambda x: 3 * np.asarray(x))
        try:
            check("triple", lambda x: 2 * np.asarray(x))
        except AssertionError as e:
            print("likely mistake: multiplies by 2, not 3" in str(e))
    ''')
    lines = _run(copy, "-c", probe).splitlines()
    assert lines[0] == "2 2.0 doubles" and lines[1].startswith("✓ triple") and lines[2] == "True", lines
