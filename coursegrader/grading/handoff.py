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
    _by_value[0] += 1  # re-entrant: the outermost block registers and unregisters
    if _by_value[0] == 1:
        cloudpickle.register_pickle_by_value(package)
    try:
        yield
    finally:
        _by_value[0] -= 1
        if _by_value[0] == 0:
            cloudpickle.unregister_pickle_by_value(package)


_by_value = [0]


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


# -- the callee service's hand-in (SafeExecute.callee_service): values, never the course's code --------
def graded_references() -> dict[int | str, str]:
    """``id(reference)`` and ``module.qualname`` -> graded function name, for every exercise (a hidden
    case or a runner that carries one of these gets a proxy to the service instead:
    :class:`ServedPickler`). By name too: cloudpickle, unpickling in this process a class it pickled
    by value, sets copies of its methods on the live class (a test that reads a pickle does), whose
    globals then hold copies of the references."""
    from coursekit.check.callees import function_name

    from .registry import all_exercises

    found: dict[int | str, str] = {}
    for ex in all_exercises():
        if isinstance(ex.reference, types.FunctionType):
            found[id(ex.reference)] = found[_dotted(ex.reference)] = function_name(ex.name)
    return found


def _dotted(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


class ServedPickler(cloudpickle.Pickler):
    """cloudpickle, with every graded function's reference replaced by a proxy of the same name to
    the callee service (:class:`coursekit.check.service.CalleeProxy`), and every test function of the
    instructor package a hidden case passes (which may call a catalogued mistake: gradient_check's
    ``rosenbrock_grad_no_chain``) by a proxy named ``module:qualname``; ``served`` lists them."""

    def __init__(self, file, references: dict[int, str]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.references = references
        self.served: set[str] = set()

    def reducer_override(self, obj):
        function = isinstance(obj, types.FunctionType)
        name = self.references.get(id(obj)) or self.references.get(_dotted(obj)) if function else None
        if name is None and function and _instructors(obj):
            from .autograde.callee_service import case_functions

            qualified = f"{obj.__module__}:{obj.__qualname__}"  # a test function of the instructor package
            name = qualified if qualified in case_functions() and carries_graded(qualified) else None
        if name is not None:
            from coursekit.check.service import CalleeProxy

            self.served.add(name)
            return CalleeProxy, (name,)
        return super().reducer_override(obj)


def graded_code() -> set[str]:
    """``module.qualname`` of every reference and catalogued mistake of the course."""
    from .registry import all_exercises

    found = set()
    for ex in all_exercises():
        found |= {_dotted(getattr(f, "func", f)) for f in [ex.reference, *(m.fn for m in ex.mistakes)]}
    return found


@functools.cache
def carries_graded(qualified: str) -> bool:
    """Whether the test function ``module:qualname`` a hidden case passes carries, pickled by value,
    a reference or a catalogued mistake (gradient_check's ``rosenbrock_grad_no_chain`` calls one):
    then it is served, not handed in. The others stay in the kernel: they hold no answer, and some
    must run there (``torch_grad``'s test functions are differentiated by autograd)."""
    from .autograde.callee_service import case_functions

    with by_value():
        data = cloudpickle.dumps(case_functions()[qualified], protocol=pickle.HIGHEST_PROTOCOL)
    return not instructor_code(data).isdisjoint(graded_code())


def _served_dumps(obj) -> tuple[bytes, frozenset[str]]:
    buffer = io.BytesIO()
    with by_value():
        pickler = ServedPickler(buffer, graded_references())
        pickler.dump(obj)
    return buffer.getvalue(), frozenset(pickler.served)


_served_cache: dict[str, tuple[bytes, frozenset[str]]] = {}


def served_inputs_of(key: str) -> tuple[bytes, frozenset[str]]:
    """:func:`inputs_of` with proxies in place of other graded functions' references, and their names."""
    if key not in _served_cache:
        ex = get_exercise(key)
        _served_cache[key] = _served_dumps((kernel_task(ex), list(ex.hidden()), reference_name(ex)))
    return _served_cache[key]


_served_kits: dict[str, tuple[bytes, frozenset[str]]] = {}


def served_kit(name: str, lesson: str) -> tuple[bytes, frozenset[str]]:
    """A callee's kit without its code or answers: ``(SERVED, {key: (kernel task, hidden cases)})``
    (the kernel binds a proxy, and asks the service whether the student's function is wrong), and
    the graded functions its cases carry (served too)."""
    from coursekit.check.hidden import SERVED

    from .kernel.cascade import RegistryCourse

    if (name, lesson) not in _served_kits:
        course = RegistryCourse(lesson)
        hidden = {key: (kernel_task(get_exercise(key)), list(get_exercise(key).hidden()))
                  for key in course.keys_of(name)}
        _served_kits[(name, lesson)] = _served_dumps((SERVED, hidden))
    return _served_kits[(name, lesson)]


@dataclasses.dataclass
class Served:
    """What a grade cell is handed with the callee service: ``data`` (as :func:`inputs`), and what
    the service answers for: ``functions`` (name -> the course's function, run outside the kernel)
    and ``judged`` (the callees whose wrongness it judges)."""

    data: bytes
    functions: dict
    judged: list[str]
    lesson: str | None


def served_inputs(keys: Iterable[str], callees: Iterable[str] = ()) -> Served:
    """:func:`inputs` for the callee service: no reference and no answer in ``data``. Never serves a
    function the cell grades (its own answers): a case that needs one gets a refusal."""
    from coursekit.check.callees import function_name

    from .kernel.cascade import reference_of

    keys = [k for k in keys if _exists(k)]
    lesson = max((get_exercise(k).lesson for k in keys), default=None)
    own = {function_name(k) for k in keys}
    names: set[str] = set()
    found = {}
    for key in keys:
        found[key], carried = served_inputs_of(key)
        names |= carried
    kits = {}
    for name in callees if lesson else ():
        kits[name], carried = served_kit(name, lesson)
        names |= carried | {name}
    names -= own
    from .autograde.callee_service import case_functions

    functions = {name: case_functions()[name] if ":" in name else reference_of(name, lesson)  # same or an
                 for name in names}                                                        # earlier lesson: tested
    data = pickle.dumps({"inputs": found, "callees": kits}, protocol=pickle.HIGHEST_PROTOCOL)
    return Served(data, functions, sorted(set(kits) - own), lesson)


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
