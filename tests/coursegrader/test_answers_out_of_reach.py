"""Issue 29: no answer within reach of student code at grading time.

Lesson 01, autograded by nbgrader's own autograde in the sandboxed kernel (make grade's client). Each
student hands in the full solutions except one exercise, whose function tries to take the course's
answer from the grading kernel and falls back on a wrong answer of its own when it finds none:

- ``inspect_exec``: walks the installed course packages, takes the reference's source with
  ``inspect.getsource`` and ``exec``s it into the notebook (a fresh function: no delegation is seen);
- ``gc_objects``: finds the reference function among ``gc.get_objects()`` while it is graded and
  calls a copy of it (a new code object: no delegation is seen);
- ``read_files``: reads the installed instructor package's files and ``exec``s the reference's source.

Each must earn exactly what its own fallback earns (computed with the harness itself). The class is
graded as make grade grades it (``SafeExecute.answers_outside``: the kernel sees no file of the
instructor package and is handed each grade cell's hidden cases: coursegrader.grading.handoff); an
honest student beside them gets the scores and the reports recorded for the honest student of the
hostile suite.
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest
from test_hostile import WRONG, earns, full

from coursegrader.grading.autograde import sandbox
from coursegrader.grading.cluster.client import autograde_lesson

from gradingkit import LESSON, Submission, make_course, scores
from reference import matches, snapshot

pytestmark = pytest.mark.skipif(not sandbox.available(), reason=f"no sandbox: {sandbox.unavailable_reason()}")

INSPECT_EXEC = '''
import importlib, inspect, pkgutil, textwrap

def _steal(name):
    """The source of a function called ``name`` defined in an installed course package, or None."""
    for top in pkgutil.iter_modules():
        if not top.name.startswith("course"):
            continue
        try:
            modules = [importlib.import_module(top.name)]
        except Exception:
            continue
        for info in pkgutil.walk_packages(getattr(modules[0], "__path__", []), prefix=top.name + ".",
                                          onerror=lambda _: None):
            try:
                modules.append(importlib.import_module(info.name))
            except Exception:
                pass
        for module in modules:
            fn = getattr(module, name, None)
            if callable(fn) and getattr(fn, "__module__", None) == module.__name__:
                try:
                    source = textwrap.dedent(inspect.getsource(fn))
                except (OSError, TypeError):
                    continue
                if "not available while grading" not in source:   # a stand-in that only raises is no answer
                    return source
    return None

_source = _steal("rosenbrock_grad")
if _source is not None:
    exec(_source)   # into the notebook: a fresh function that never calls into the course's packages
else:
'''

GC_OBJECTS = '''
import gc, types

def gradient_check(f, grad_f, x, eps=1e-5):
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and obj.__name__ == "gradient_check" \\
                and obj.__code__ is not gradient_check.__code__ and "course" in (obj.__module__ or ""):
            copy = types.FunctionType(obj.__code__.replace(), obj.__globals__, "stolen", obj.__defaults__,
                                      obj.__closure__)   # a new code object: not the reference's
            try:
                return copy(f, grad_f, x, eps)
            except Exception:   # a stand-in that only raises is no answer
                continue
    return 0.0   # nothing found: the student's own (wrong) answer
'''

READ_FILES = '''
import importlib.util, os, re

def _read(name):
    """The source of ``def name(...)`` read from the files of the installed course packages."""
    found = []
    for top in ("coursegrader", "coursekit"):
        spec = importlib.util.find_spec(top)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for root, dirs, files in os.walk(folder):
                for file in files:
                    if not file.endswith(".py"):
                        continue
                    try:
                        text = open(os.path.join(root, file), encoding="utf-8").read()
                    except OSError:
                        continue
                    match = re.search(rf"^def {name}\\(.*?(?=^\\S)", text + "\\n#", re.S | re.M)
                    if match and "not available while grading" not in match.group(0):   # a stand-in is no answer
                        found.append(("reference" not in root, match.group(0)))
    return sorted(found)[0][1] if found else None

_source = _read("torch_grad")
if _source is not None:
    exec(_source)
else:
'''


def plan() -> dict[str, tuple[str, str]]:
    """{student: (exercise, solution cell)}"""
    return {"inspect_exec": ("rosenbrock_grad", INSPECT_EXEC + textwrap.indent(WRONG["rosenbrock_grad"], "    ")),
            "gc_objects": ("gradient_check", GC_OBJECTS),
            "read_files": ("torch_grad", READ_FILES + textwrap.indent(WRONG["torch_grad"], "    "))}


def graded_course(tmp_path_factory, students: dict[str, tuple[str, str]], options=()) -> pathlib.Path:
    """Lesson 01 with ``students`` ({student: (exercise, solution cell)}) and an honest student,
    autograded through ``make grade``'s path (Dask workers, sandboxed kernels) with nbgrader ``options``."""
    course = make_course(tmp_path_factory.mktemp("answers") / "course")
    for student, (exercise, code) in students.items():
        Submission(course).solve(exercise, code).write(course, student)
    Submission(course).write(course, "honest")
    outcomes = autograde_lesson(course, LESSON, workers=2, timeout=20, progress=False, feedback=False,
                                csv_path=tmp_path_factory.mktemp("summary") / "grades.csv", options=options)
    assert [o for o in outcomes if not o.ok] == []
    return course


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_course(tmp_path_factory, plan())


@pytest.mark.parametrize("student", sorted(plan()))
def test_an_answer_taken_at_grading_time_earns_nothing_more(graded, student):
    exercise, _ = plan()[student]
    assert scores(graded, student) == pytest.approx(full(**{exercise: earns(exercise)}), abs=1e-9)


def test_honest_work_gets_the_recorded_scores_and_feedback(graded):
    matches("hostile", snapshot(graded, LESSON, students=["honest"]), students=["honest"])


def test_the_kernel_sees_no_file_of_the_instructor_package(tmp_path):
    """In the sandbox with ``answers_outside``: ``coursegrader`` is the stand-in (its ``grade`` is the
    student package's; its ``reference`` modules hold only functions that raise), no other file of
    the instructor package nor, when it is installed from a project folder (the course's repository),
    that folder's lessons can be read; the student package can be imported."""
    package, project = sandbox.instructor_package(), sandbox.instructor_project()
    code = textwrap.dedent(f"""
        import json, os, pathlib
        import coursekit.check.hidden
        import coursegrader.grading
        print(coursegrader.grading.grade is coursekit.check.hidden.grade)
        print(json.dumps({{str(p.relative_to({str(package)!r})): p.read_text()
                          for p in pathlib.Path({str(package)!r}).rglob("*") if p.is_file()}}))
        print(os.path.exists({str(project / "source") if project else "/nonexistent"!r}))
    """)
    work, private = tmp_path / "work", tmp_path / "private"
    work.mkdir()
    private.mkdir()
    cmd = sandbox.command([sys.executable, "-c", code], workdir=work, private=private, answers_outside=True)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout.split("\n")
    assert out[0] == "True" and out[2] == "False", out
    seen = json.loads(out[1])
    assert seen == {**sandbox.reference_stubs(), **sandbox.STAND_IN}
    stubs = {k: v for k, v in seen.items() if k.startswith("reference/")}
    assert "reference/rosenbrock.py" in stubs and "def rosenbrock_grad(" in stubs["reference/rosenbrock.py"]
    assert all("return" not in text for text in stubs.values())
    assert (package / "reference").is_dir() and (project is None or (project / "source").is_dir())  # outside: there


# -- the callee service (SafeExecute.callee_service): asking it for the function's own answers ------
ASK_SERVICE = '''
import os

def _ask(name, *args):
    """The course's ``name`` on ``args`` from the callee service: through the student package's proxy,
    then straight on the socket; None when refused."""
    try:
        from coursekit.check.service import CalleeProxy
        return CalleeProxy(name)(*args)
    except Exception:
        pass
    try:
        from coursekit.check import wire
        from coursekit.check.service import ask
        answer = ask(os.environ["COURSEKIT_CALLEE_SERVICE"],
                     {"op": "call", "name": name, "args": [wire.encode(a) for a in args]})
        return wire.decode(answer["value"])
    except Exception:
        return None

'''


def served_plan() -> dict[str, tuple[str, str]]:
    """{student: (exercise, solution cell)}: each function asks the service for its own value."""
    return {
        "asks_rosenbrock_grad": ("rosenbrock_grad", ASK_SERVICE + textwrap.dedent('''
            def rosenbrock_grad(x, a=1.0, b=1.0):
                got = _ask("rosenbrock_grad", x, a, b)
                return got if got is not None else np.zeros(2)
            ''')),
        "asks_gradient_check": ("gradient_check", ASK_SERVICE + textwrap.dedent('''
            def gradient_check(f, grad_f, x, eps=1e-5):
                got = _ask("gradient_check", x, eps)   # f and grad_f are no values: sent without them
                return got if got is not None else 0.0
            ''')),
    }


@pytest.fixture(scope="module")
def graded_served(tmp_path_factory):
    return graded_course(tmp_path_factory, served_plan(), options=("--SafeExecute.callee_service=True",))


@pytest.mark.parametrize("student", sorted(served_plan()))
def test_asking_the_callee_service_for_its_own_answers_earns_nothing_more(graded_served, student):
    exercise, _ = served_plan()[student]
    assert scores(graded_served, student) == pytest.approx(full(**{exercise: earns(exercise)}), abs=1e-9)


def test_honest_work_gets_the_recorded_scores_and_feedback_with_the_service(graded_served):
    """forward_difference, central_difference and gradient_check's hidden cases take the course's
    rosenbrock as their input: served (a proxy in the kernel), the recorded results are unchanged."""
    matches("hostile", snapshot(graded_served, LESSON, students=["honest"]), students=["honest"])
