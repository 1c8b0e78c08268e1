"""The student package alone: installed into a fresh environment, it runs every release notebook's
visible checks (the solutions filled in: every check passes; left blank: every check fails with the
usual message), and nothing it installs holds an answer (no reference body of a graded function, no
catalogued mistake, no hidden case, no grader).

The fresh environment is a new virtualenv in which `pip install --no-deps ./coursekit` builds and
installs the student package from this repository. Its third-party dependencies (torch, numpy, ...)
are borrowed from the test's own environment through a path file, so the test does not download
and unpack torch again; the borrowed folder's own path files are not processed there, so the
instructor package (an editable install of this environment) is not importable, which the test
checks first, and every dependency coursekit/pyproject.toml declares is checked importable at its pin.
"""
from __future__ import annotations

import ast
import json
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib

import nbformat
import pytest

from coursegrader.grading import all_exercises
from coursegrader.grading.cellflow import needed_cells
from coursegrader.grading.protocol import is_grade_cell, nbgrader_meta, split_cell_id
from testkit.students import filled_release
from tools.editions import lessons

from conftest import ROOT


@pytest.fixture(scope="module")
def student_env(tmp_path_factory):
    """``(python, site_packages)`` of a fresh virtualenv holding the student package alone."""
    root = tmp_path_factory.mktemp("student-env")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = pathlib.Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                       capture_output=True, text=True, check=True).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # built from a copy: a build in place would leave build/ and *.egg-info in the repository's coursekit/
    shutil.copytree(ROOT / "coursekit", root / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    build = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(root / "src")],
                           capture_output=True, text=True, cwd=root)
    assert build.returncode == 0, build.stderr[-3000:]
    return python, site


def _run(python, code, cwd):
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_the_student_package_installs_alone_with_its_pins(student_env, tmp_path):
    python, site = student_env
    pins = tomllib.loads((ROOT / "coursekit" / "pyproject.toml").read_text())["project"]["dependencies"]
    probe = textwrap.dedent(f"""
        import importlib.util, json
        from importlib import metadata
        import coursekit
        print(json.dumps({{
            "coursekit": coursekit.__file__,
            "grader": importlib.util.find_spec("coursegrader") is not None,
            "pins": {{p.split("==")[0]: metadata.version(p.split("==")[0]).split("+")[0] for p in {pins!r}}},
        }}))
    """)
    out = _run(python, probe, tmp_path)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert pathlib.Path(found["coursekit"]).is_relative_to(site), found["coursekit"]
    assert found["grader"] is False, "the instructor package is importable in the student's environment"
    assert found["pins"] == dict(p.split("==") for p in pins)


# -- running a release notebook's visible checks -----------------------------------------------------

RUNNER = textwrap.dedent('''
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    results = []
    for kind, source in json.load(open(sys.argv[1])):
        outcome = shell.run_cell(source, silent=True)
        error = outcome.error_in_exec or outcome.error_before_exec
        results.append([kind, None if error is None else f"{type(error).__name__}: {error}"])
    print(json.dumps(results))
''')


def _cells(lesson, filled):
    """The cells a student runs to use the checks, in order: the setup cell, each exercise's solution
    cell (the source's solution when ``filled``, else the release's stub) and its check cell, and the
    cells those read names from (the grader's name analysis picks them, as it does while grading)."""
    release = nbformat.read(ROOT / "release" / lesson / f"{lesson}.ipynb", as_version=4)
    nb = filled_release(lesson, release, blank=not filled)
    nb.cells = [c for c in nb.cells if not is_grade_cell(c)]
    needed = needed_cells(nb.cells, nb.cells)  # the lesson analysed as itself: its unchanged cells
    cells = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or i not in needed:
            continue
        ids = split_cell_id(nbgrader_meta(cell).get("grade_id", ""))
        # a plain IPython shell has no inline backend (MPLBACKEND=Agg draws off screen instead)
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%matplotlib"))
        cells.append(("setup" if not cells else ids[1] if ids else "other", source))
    return cells


def _run_checks(python, lesson, filled, tmp_path):
    spec = tmp_path / f"{lesson}-{filled}.json"
    spec.write_text(json.dumps(_cells(lesson, filled)))
    (tmp_path / "runner.py").write_text(RUNNER)
    out = subprocess.run([str(python), str(tmp_path / "runner.py"), str(spec)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=600, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg",
                                                         "OMP_NUM_THREADS": "1", "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("lesson", lessons())
def test_release_checks_pass_with_the_solutions_and_fail_blank(student_env, lesson, tmp_path):
    python, _ = student_env
    filled = _run_checks(python, lesson, True, tmp_path)
    assert filled[0] == ["setup", None], filled[0]
    failures = [r for r in filled if r[1] is not None]
    assert not failures, failures
    blank = _run_checks(python, lesson, False, tmp_path)
    checks = [error for kind, error in blank if kind == "check"]
    assert checks and all(e is not None and "visible check failed" in e and "not done yet" in e for e in checks), checks


# -- no answer in what was installed -------------------------------------------------------------------

def _body(fn_node: ast.FunctionDef) -> str:
    """A function's body without its docstring, names kept: the same code is the same answer."""
    body = fn_node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]), annotate_fields=False)


def _installed_functions(site):
    found = {}
    for path in (site / "coursekit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                found.setdefault(_body(node), []).append(f"{path.relative_to(site)}:{node.name}")
    return found


def _source_body(fn):
    import inspect
    node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
    return _body(node) if isinstance(node, ast.FunctionDef) else None


def test_nothing_installed_holds_an_answer(student_env):
    _, site = student_env
    installed = _installed_functions(site)
    assert not (site / "coursegrader").exists()
    leaks = []
    for ex in all_exercises():
        for what, fn in [("reference", ex.reference), *((f"mistake {m.name}", m.fn) for m in ex.mistakes)]:
            body = _source_body(fn)
            if body is not None and body in installed:
                leaks.append(f"{ex.name} {what} is installed at {installed[body]}")
    texts = "\n".join(p.read_text(errors="replace") for p in (site / "coursekit").rglob("*") if p.is_file())
    for ex in all_exercises():
        visible = {c.label for c in ex.visible()}
        leaks += [f"{ex.name}: hidden case {c.label!r} is in the student package" for c in ex.hidden()
                  if len(c.label) > 12 and c.label in texts and not any(c.label in v for v in visible)]
    assert not leaks, "\n".join(leaks)
