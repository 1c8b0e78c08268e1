"""The exercises of the course: what grading knows about one graded function (its reference, its
cases, its mistakes, its points) and the registry that finds them by name."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ATOL = 1e-10
DEFAULT_RTOL = 1e-8


@dataclass
class Case:
    """One input to a graded function.

    ``label`` is what a student reads in the report ("x=(2, 2), b=100"); ``args``/``kwargs``
    are passed to the function (copies: the harness never hands the same object twice).
    ``atol``/``rtol`` override the exercise's tolerance for this case only.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    weight: float = 1.0
    atol: float | None = None
    rtol: float | None = None


@dataclass
class Mistake:
    """A plausible wrong implementation and the feedback to give when a student's output matches it.

    ``fn`` has the graded function's signature; ``message`` names the mistake in the words a
    student understands ("divides by eps instead of 2*eps").
    """

    name: str
    message: str
    fn: Callable


@dataclass
class Exercise:
    """A graded function.

    - ``visible`` / ``hidden``: functions returning the list of cases (built on demand, seeded).
    - ``run(fn, case)``: how to call the function and what to compare (default ``fn(*args, **kwargs)``);
      optimizers use it to run several steps, torch exercises to turn a model into numbers.
    - ``forbidden``: other callables (e.g. ``torch.optim.Adam.step``) whose use inside the student's
      function counts as delegating the exercise; the reference itself is always forbidden.
    - ``frozen_inputs``: whether arguments must come back unchanged (the course convention).
    - ``torch_optim``: whether student code may reach ``torch.optim`` (by delegating to a forbidden
      torch optimizer, say): torch then imports its compiler stack, seconds, on the first call, so
      the kernel does that once before any time limit. By default, True when a forbidden callable
      lives in ``torch.optim``; kernels of other exercises skip that import.
    """

    name: str
    lesson: str
    reference: Callable
    points: float
    visible: Callable[[], Sequence[Case]]
    hidden: Callable[[], Sequence[Case]]
    mistakes: Sequence[Mistake] = ()
    atol: float = DEFAULT_ATOL
    rtol: float = DEFAULT_RTOL
    run: Callable[[Callable, Case], Any] | None = None
    forbidden: Sequence[Callable] = ()
    frozen_inputs: bool = True
    time_limit: float = 2.0
    torch_optim: bool | None = None

    def __post_init__(self):
        if self.torch_optim is None:
            self.torch_optim = any(str(getattr(f, "__module__", "")).startswith("torch.optim")
                                   for f in self.forbidden)

    def call(self, fn: Callable, case: Case) -> Any:
        """Call ``fn`` on a case the way the exercise says (``run``, else ``fn(*args, **kwargs)``)."""
        if self.run is not None:
            return self.run(fn, case)
        return fn(*case.args, **case.kwargs)

    def argument_names(self, case: Case) -> list[str]:
        """The names of a case's arguments, from the reference's signature ("argument 3" past it)."""
        try:
            params = list(inspect.signature(self.reference).parameters)
        except (TypeError, ValueError):
            params = []
        names = [params[i] if i < len(params) else f"argument {i + 1}" for i in range(len(case.args))]
        return names + list(case.kwargs)


# -- the registry ---------------------------------------------------------------------------
# Catalogues are found through the entry-point group below (pyproject.toml names the package
# ``coursekit.exercises``): every module of each named package is a catalogue that registers its
# exercises at import. Grading never imports a catalogue by name, so catalogues may import grading.
ENTRY_POINT_GROUP = "coursekit.catalogues"

_exercises: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (names are unique across the course)."""
    if exercise.name in _exercises and _exercises[exercise.name] is not exercise:
        raise ValueError(f"exercise {exercise.name!r} is registered twice")
    _exercises[exercise.name] = exercise
    return exercise


def unregister(name: str) -> None:
    """Remove an exercise (tests that register a throw-away exercise clean up with it)."""
    _exercises.pop(name, None)


def get_exercise(name: str) -> Exercise:
    """Look an exercise up by its name (usually the name of the function students write)."""
    failed = {}
    if name not in _exercises:
        failed = _load_catalogues(stop_at=name)
    try:
        return _exercises[name]
    except KeyError:
        known = ", ".join(sorted(_exercises))
        broken = "".join(f"; catalogue {m} failed to load: {e!r}" for m, e in failed.items())
        raise KeyError(f"no graded exercise is called {name!r}; known: {known}{broken}") from None


def all_exercises() -> list[Exercise]:
    """Every exercise of the course, by lesson then name; raises if any catalogue fails to load."""
    failed = _load_catalogues()
    if failed:
        module, error = next(iter(failed.items()))
        raise ImportError(f"catalogue {module} failed to load") from error
    return sorted(_exercises.values(), key=lambda e: (e.lesson, e.name))


def catalogue_packages() -> list[str]:
    """The packages holding catalogues, from the installed entry points."""
    from importlib.metadata import entry_points

    names = sorted({ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)})
    if not names:
        raise ImportError(f"no exercise catalogues are installed (entry-point group {ENTRY_POINT_GROUP!r}): "
                          "reinstall the course package (`pip install -e .` or `make lab`)")
    return names


def _catalogue_modules() -> list[str]:
    """Every catalogue module, in course order (by package, then module name)."""
    import importlib
    import pkgutil

    modules = []
    for package in catalogue_packages():
        pkg = importlib.import_module(package)
        modules += [f"{pkg.__name__}.{info.name}"
                    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name)]
    return modules


def _spells_out(module: str, name: str) -> bool:
    """Whether the module's source holds ``name`` as a string literal (read, not imported)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    try:
        with open(spec.origin, encoding="utf-8") as source:
            text = source.read()
    except (AttributeError, TypeError, OSError):
        return False
    return f'"{name}"' in text or f"'{name}'" in text


def _load_catalogues(stop_at: str | None = None) -> dict[str, Exception]:
    """Import the lesson catalogues, each on its own: a broken lesson does not stop the others from
    being graded. Returns the modules that failed, with their errors.

    Looking up one exercise (``stop_at``) first imports the catalogues whose source spells its name
    out, so a lesson's kernel imports its own lesson's catalogue (and what that imports, torch or
    not), not every lesson before it; if that does not register the name, every catalogue is
    imported in course order."""
    import importlib

    failed = {}
    modules = _catalogue_modules()
    first = [m for m in modules if _spells_out(m, stop_at)] if stop_at is not None else []
    for module in first + [m for m in modules if m not in first]:
        try:
            importlib.import_module(module)
        except Exception as exc:  # reported by get_exercise / all_exercises, never silently dropped
            failed[module] = exc
        if stop_at is not None and stop_at in _exercises:
            return failed
    return failed
