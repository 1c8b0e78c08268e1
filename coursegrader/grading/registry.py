"""The registry of the course's exercises (:class:`~.exercise.Exercise`): finds them by name."""
from __future__ import annotations

from .exercise import Exercise

# -- the registry ---------------------------------------------------------------------------
# Exercises are found through the entry-point group below (pyproject.toml names the package
# ``coursegrader.exercises``): below each named package, every module is an exercise module, whose
# ``EXERCISE`` (or ``EXERCISES``, a list) is registered when it is first imported. Grading never
# imports an exercise module by name, so exercise modules may import grading.
ENTRY_POINT_GROUP = "coursegrader.exercises"

_exercises: dict[str, Exercise] = {}
_loaded: set[str] = set()


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
        failed = _load_modules(stop_at=name)
    try:
        return _exercises[name]
    except KeyError:
        known = ", ".join(sorted(_exercises))
        broken = "".join(f"; exercise module {m} failed to load: {e!r}" for m, e in failed.items())
        raise KeyError(f"no graded exercise is called {name!r}; known: {known}{broken}") from None


def all_exercises() -> list[Exercise]:
    """Every exercise of the course, by lesson then name; raises if any module fails to load."""
    failed = _load_modules()
    if failed:
        module, error = next(iter(failed.items()))
        raise ImportError(f"exercise module {module} failed to load") from error
    return sorted(_exercises.values(), key=lambda e: (e.lesson, e.name))


def exercise_packages() -> list[str]:
    """The packages holding exercise modules, from the installed entry points."""
    from importlib.metadata import entry_points

    names = sorted({ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)})
    if not names:
        raise ImportError(f"no exercises are installed (entry-point group {ENTRY_POINT_GROUP!r}): "
                          "reinstall the instructor package (`pip install -e .` or `make lab`)")
    return names


def module_name(exercise: str) -> str:
    """The name of the module that defines an exercise: ``batchnorm_forward[eval]`` ->
    ``batchnorm_forward_eval``."""
    return exercise.replace("[", "_").replace("]", "")


def _exercise_modules() -> list[str]:
    """Every exercise module, in course order (by dotted name: package, lesson, exercise)."""
    import importlib
    import pkgutil

    modules = []
    for package in exercise_packages():
        pkg = importlib.import_module(package)
        modules += [info.name for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{pkg.__name__}.")
                    if not info.ispkg]
    return sorted(modules)


def _register_module(module) -> None:
    for exercise in [getattr(module, "EXERCISE", None), *getattr(module, "EXERCISES", ())]:
        if exercise is not None:
            register(exercise)


def _load_modules(stop_at: str | None = None) -> dict[str, Exception]:
    """Import the exercise modules, each on its own: a broken exercise does not stop the others from
    being graded. Returns the modules that failed, with their errors.

    Looking up one exercise (``stop_at``) first imports the module named after it, so a lesson's
    kernel imports its own exercises (and what they import, torch or not), not every lesson's;
    if that does not register the name, every module is imported in course order."""
    import importlib

    failed = {}
    modules = _exercise_modules()
    first = [m for m in modules if m.rsplit(".", 1)[-1] == module_name(stop_at)] if stop_at is not None else []
    for module in first + [m for m in modules if m not in first]:
        if module not in _loaded:
            try:
                _register_module(importlib.import_module(module))
                _loaded.add(module)
            except Exception as exc:  # reported by get_exercise / all_exercises, never silently dropped
                failed[module] = exc
        if stop_at is not None and stop_at in _exercises:
            return failed
    return failed
