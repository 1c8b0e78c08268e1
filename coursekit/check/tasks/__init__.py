"""The graded functions of each lesson as a student's kernel sees them: one module per lesson
(``l01_gradients``, ...), whose ``TASKS`` lists its :class:`~coursekit.check.task.Task` objects
(visible cases and how to call the function; no answers)."""
from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil

from ..task import Task

_tasks: dict[str, Task] = {}


def _modules() -> list[str]:
    return sorted(f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__))


@functools.cache
def _source(module: str) -> str:
    spec = importlib.util.find_spec(module)
    try:
        with open(spec.origin, encoding="utf-8") as source:
            return source.read()
    except (AttributeError, TypeError, OSError):
        return ""


def _spells_out(module: str, name: str) -> bool:
    """Whether the module's source holds ``name`` as a string literal (read, not imported)."""
    text = _source(module)
    return f'"{name}"' in text or f"'{name}'" in text


def _load(module: str) -> None:
    for task in importlib.import_module(module).TASKS:
        _tasks[task.name] = task


def get_task(name: str) -> Task:
    """The task of a graded function, by name (its lesson's module is imported first, by itself)."""
    if name not in _tasks:
        modules = _modules()
        for module in sorted(modules, key=lambda m: not _spells_out(m, name)):
            _load(module)
            if name in _tasks:
                break
    try:
        return _tasks[name]
    except KeyError:
        raise KeyError(f"no graded function is called {name!r}; known: {', '.join(sorted(_tasks))}") from None


def tasks_of_function(name: str, up_to: str) -> list[Task]:
    """The tasks that grade the function ``name`` (registry keys ``name`` and ``name[...]``) in
    lesson ``up_to`` and the lessons before it, by key. Only the lesson modules whose source spells
    the name out are imported (a kernel asking about a helper's name imports nothing)."""
    for module in _modules():
        lesson = module.rsplit(".", 1)[1][1:]  # l03_sgd -> 03_sgd
        text = _source(module)
        if lesson <= up_to and (_spells_out(module, name) or f'"{name}[' in text or f"'{name}[" in text):
            _load(module)
    return sorted((t for t in _tasks.values() if t.name.split("[", 1)[0] == name and t.lesson <= up_to),
                  key=lambda t: t.name)


class GradedFunctions:
    """The names of the graded functions of lesson ``up_to`` and the lessons before it, as a
    container (``name in graded``), found by :func:`tasks_of_function`."""

    def __init__(self, up_to: str):
        self.up_to = up_to

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(tasks_of_function(name, self.up_to))

    def keys_of(self, name: str) -> list[str]:
        """The registry keys grading function ``name``."""
        return [t.name for t in tasks_of_function(name, self.up_to)]


def all_tasks() -> list[Task]:
    """Every task of the course, by lesson then name."""
    for module in _modules():
        _load(module)
    return sorted(_tasks.values(), key=lambda t: (t.lesson, t.name))
