"""The import rules that keep the trust line and the rooms of the house where the layout says.

- The student package (``coursekit``) never imports the instructor package (``coursegrader``): what
  a student installs can run without it (tests/coursekit/test_student_package.py installs it alone).
- Grading never imports an exercise module by name: exercises are found through the registry.
- The references import nothing of grading or of the exercises (an answer does not know how it is graded).
- The pure verdict (``coursekit.check.verdict``) runs no code: it imports neither isolation nor tasks' runners.
- No module imports another module's private name (``from x import _y``).
- ``tools`` modules import no ``tools`` module that imports them back.
- The arrows run one way, down: the two packages (``coursekit``, ``coursegrader``: what is installed)
  import none of the repository's scripts (``tools``, ``testkit``, ``bench``, the tests); the
  instructor's commands (``tools``) import neither the made-up students of ``testkit`` nor the
  benchmarks; ``testkit`` (below both of its users) imports neither the tests nor ``bench``, and the
  tests do not import ``bench``.
Read from the source files (nothing is imported).
"""
from __future__ import annotations

import ast
import pathlib

from conftest import ROOT


def _imports(path: pathlib.Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every import in a file, relative imports resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0]
        package = package + ".__init__"
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[:-node.level]
                module = ".".join(base + ([module] if module else []))
            found.append((module, [a.name for a in node.names]))
    return found


def _files(*folders):
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def _violations(files, forbidden):
    return [f"{p.relative_to(ROOT)} imports {m}" for p in files for m, _ in _imports(p)
            if any(m == f or m.startswith(f + ".") for f in forbidden)]


def test_the_student_package_never_imports_the_instructor_package():
    assert _violations(_files("coursekit"), ["coursegrader"]) == []


def test_grading_never_imports_an_exercise_module_by_name():
    assert _violations(_files("coursegrader/grading"), ["coursegrader.exercises"]) == []


def test_references_import_nothing_of_grading_or_exercises():
    assert _violations(_files("coursegrader/reference"), ["coursegrader.grading", "coursegrader.exercises",
                                                          "coursekit.check"]) == []


def test_the_verdict_runs_no_code():
    assert _violations(_files("coursekit/check/verdict"), ["coursekit.check.isolate", "coursekit.check.runners",
                                                           "coursekit.check.collect.collect"]) == []


def _is_module(dotted: str) -> bool:
    """A module of the repository (a private helper module of a package may be imported)."""
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_no_module_imports_a_private_name_of_another():
    files = _files("coursekit", "coursegrader", "tools", "bench")
    bad = [f"{p.relative_to(ROOT)}: from {m} import {n}" for p in files for m, names in _imports(p)
           for n in names if n.startswith("_") and not n.startswith("__") and m.split(".")[0] in
           ("coursekit", "coursegrader", "tools", "bench") and not _is_module(f"{m}.{n}")]
    assert bad == []


def test_tools_import_no_circle():
    graph = {}
    for p in _files("tools"):
        name = ".".join(p.relative_to(ROOT).with_suffix("").parts)
        graph[name] = {m for m, _ in _imports(p) if m.startswith("tools.")}
    circles = [f"{a} <-> {b}" for a, deps in graph.items() for b in deps if a in graph.get(b, ()) and a < b]
    assert circles == []


def _test_modules() -> list[str]:
    """The tests' own modules (tests/*.py, imported by their bare names: conftest, gradingkit...)."""
    return sorted(p.stem for p in (ROOT / "tests").glob("*.py"))


def test_the_installed_packages_import_no_script_of_the_repository():
    assert _violations(_files("coursekit", "coursegrader"), ["tools", "testkit", "bench", *_test_modules()]) == []


def test_tools_import_neither_made_up_students_nor_benchmarks():
    assert _violations(_files("tools"), ["testkit", "bench", *_test_modules()]) == []


def test_testkit_sits_below_the_tests_and_the_benchmarks():
    assert _violations(_files("testkit"), ["bench", *_test_modules()]) == []
    assert _violations(_files("tests"), ["bench"]) == []
