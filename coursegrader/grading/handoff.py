"""What the grading kernel is handed to grade one grade cell: the hidden cases' inputs and how to call
the graded function, never an answer (issue 29).

The kernel runs student code, and within one process nothing hides an object from it
(``gc.get_objects()`` finds every function), so the kernel must not hold the course's reference
implementations or catalogued mistakes at all. Here, in the grader's own process, each registry
key's :func:`kernel_task` (the student-visible :class:`~coursekit.check.task.Task` with the exercise's
own way of calling the function) and hidden cases are pickled (:func:`inputs`); the kernel unpickles
them with the student package alone (:mod:`coursekit.check.hidden`), runs the student's function and
publishes what it returned. Expected values, mistakes, scores and the report are computed back
here (:class:`~coursegrader.grading.autograde.VerifyGrades`).

Objects of the instructor package that a case or a task carries (a test function defined beside the
hidden cases, the runner of a backward pass) are pickled by value, so the kernel needs no module of
``coursegrader``; :func:`instructor_code` lists the code they carry, for the tests that check that no
exercise is handed its own reference or a catalogued mistake.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import pickle
import re
import types
from collections.abc import Iterable, Iterator

import cloudpickle

from coursekit.check.task import Task

from .exercise import Exercise
from .registry import get_exercise

PACKAGE = __name__.split(".", 1)[0]  # "coursegrader"


def _instructors(obj) -> bool:
    return str(getattr(obj, "__module__", "") or "").split(".", 1)[0] == PACKAGE


def kernel_task(ex: Exercise) -> Task:
    """The exercise as the kernel runs it: the student-visible fields, the exercise's own ``run``;
    ``forbidden`` keeps what the kernel can reach (the course's references are not there to call)."""
    fields = {f.name: getattr(ex, f.name) for f in dataclasses.fields(Task)}
    fields["forbidden"] = [f for f in ex.forbidden if not _instructors(f)]
    return Task(**fields)


def reference_name(ex: Exercise) -> str:
    """``module.qualname`` of the exercise's reference: in the kernel, the stand-in function of that
    name (:func:`~coursegrader.grading.autograde.sandbox.reference_stubs`) counts as delegating."""
    return f"{ex.reference.__module__}.{ex.reference.__qualname__}"


@contextlib.contextmanager
def by_value() -> Iterator[None]:
    """While the block runs, cloudpickle pickles the instructor package's objects by value."""
    import importlib

    package = importlib.import_module(PACKAGE)
    cloudpickle.register_pickle_by_value(package)
    try:
        yield
    finally:
        cloudpickle.unregister_pickle_by_value(package)


_cache: dict[str, bytes] = {}  # registry key -> its pickled (task, hidden cases): the same for every student


def inputs_of(key: str) -> bytes:
    """One registry key's ``(kernel task, hidden cases, reference_name(ex))``, pickled (made once per
    process)."""
    if key not in _cache:
        ex = get_exercise(key)
        with by_value():
            _cache[key] = cloudpickle.dumps((kernel_task(ex), list(ex.hidden()), reference_name(ex)),
                                            protocol=pickle.HIGHEST_PROTOCOL)
    return _cache[key]


_kits: dict[tuple[str, str], bytes] = {}  # (function, lesson) -> its pickled kit


def callee_kit(name: str, lesson: str) -> bytes:
    """What the kernel needs to judge a caller of lesson ``lesson`` with the course's ``name`` when the
    student's ``name`` fails its own hidden cases (:mod:`coursekit.check.cascade`): the course's
    function and, for each registry key grading it, the kernel task, the hidden cases and their
    answers; pickled (made once per process). Handed in only for functions already graded
    (:func:`callees_to_hand_in`)."""
    if (name, lesson) not in _kits:
        from .kernel.cascade import RegistryCourse

        course = RegistryCourse(lesson)
        hidden = {}
        for key in course.keys_of(name):
            ex, cases, expected = course.hidden(key)
            hidden[key] = (kernel_task(ex), cases, expected)
        with by_value():
            _kits[(name, lesson)] = cloudpickle.dumps((course.function(name), hidden), protocol=pickle.HIGHEST_PROTOCOL)
    return _kits[(name, lesson)]


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def callees_to_hand_in(keys: Iterable[str], sources_before: Iterable[str], graded_before: Iterable[str]) -> list[str]:
    """The graded functions whose kits a grade cell grading ``keys`` is handed: functions of its lesson
    or an earlier one that the notebook's code before the cell names (``sources_before``), that this
    cell does not grade, and whose every registry key was graded already: by a grade cell before it
    (``graded_before``, registry keys) or in an earlier lesson. A function graded later, or by this
    cell, is never handed in (its answers would earn points)."""
    from coursekit.check.callees import function_name
    from coursekit.check.tasks import all_tasks

    keys = [k for k in keys]
    lessons = [get_exercise(k).lesson for k in keys if _exists(k)]
    if not lessons:
        return []
    lesson = max(lessons)
    own = {function_name(k) for k in keys}
    done = set(graded_before)
    named = set()
    for source in sources_before:
        named |= set(_WORD.findall(source))
    by_function: dict[str, list] = {}
    for task in all_tasks():
        if task.lesson <= lesson:
            by_function.setdefault(function_name(task.name), []).append(task)
    return sorted(name for name, tasks in by_function.items()
                  if name in named and name not in own
                  and all(t.lesson < lesson or t.name in done for t in tasks))


def _exists(key: str) -> bool:
    try:
        get_exercise(key)
    except KeyError:
        return False
    return True


def inputs(keys: Iterable[str], callees: Iterable[str] = ()) -> bytes:
    """What the kernel is handed for a grade cell grading ``keys``: ``{"inputs": {key: pickled (task,
    cases)}, "callees": {function: pickled kit}}``, pickled. A key that is not an exercise is left out
    (the kernel then reports it cannot grade it, and so does the grader); ``callees``: from
    :func:`callees_to_hand_in`."""
    keys = [k for k in keys if _exists(k)]
    found = {key: inputs_of(key) for key in keys}
    lesson = max((get_exercise(k).lesson for k in keys), default=None)
    kits = {name: callee_kit(name, lesson) for name in callees} if lesson else {}
    return pickle.dumps({"inputs": found, "callees": kits}, protocol=pickle.HIGHEST_PROTOCOL)


def instructor_code(data: bytes) -> set[str]:
    """The qualified names (``module.qualname``) of the instructor package's functions and classes that
    pickled ``data`` carries (pickled by value), found without calling any of them."""
    found: set[str] = set()

    class Reader(pickle.Unpickler):
        def find_class(self, module, name):
            if module.split(".", 1)[0] == PACKAGE:
                raise pickle.UnpicklingError(f"{module}.{name} is pickled by reference: the kernel cannot import it")
            return super().find_class(module, name)

    loaded = Reader(io.BytesIO(data)).load()
    seen: set[int] = set()
    todo = [loaded]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None))):
            continue
        seen.add(id(obj))
        if isinstance(obj, types.FunctionType):
            if _instructors(obj):  # the rest is importable in the kernel: not followed
                found.add(f"{obj.__module__}.{obj.__qualname__}")
                todo += [obj.__defaults__ or (), obj.__kwdefaults__ or {},
                         [c.cell_contents for c in obj.__closure__ or () if _filled(c)],
                         [obj.__globals__.get(n) for n in obj.__code__.co_names]]
        elif isinstance(obj, functools.partial):
            todo += [obj.func, obj.args, obj.keywords]
        elif isinstance(obj, dict):
            todo += list(obj.keys()) + list(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            todo += list(obj)
        elif isinstance(obj, type):
            if _instructors(obj):
                found.add(f"{obj.__module__}.{obj.__qualname__}")
                todo += list(vars(obj).values())
        elif isinstance(obj, (staticmethod, classmethod, property)):
            todo += [getattr(obj, a, None) for a in ("__func__", "fget", "fset")]
        elif hasattr(obj, "__dict__") and not isinstance(obj, types.ModuleType):
            todo += [type(obj), vars(obj)]
    return found


def _filled(cell) -> bool:
    try:
        return cell.cell_contents is not cell  # always True: reading it is the test
    except ValueError:  # an empty cell
        return False
