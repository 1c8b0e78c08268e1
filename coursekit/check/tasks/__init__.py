"""The graded functions of each lesson as a student's kernel sees them: one module per lesson
(``l01_gradients``, ...), whose ``TASKS`` lists its :class:`~coursekit.check.task.Task` objects
(visible cases and how to call the function; no answers)."""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from ..task import Task

_tasks: dict[str, Task] = {}


def _modules() -> list[str]:
    return sorted(f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__))


def _spells_out(module: str, name: str) -> bool:
    """Whether the module's source holds ``name`` as a string literal (read, not imported)."""
    spec = importlib.util.find_spec(module)
    try:
        with open(spec.origin, encoding="utf-8") as source:
            text = source.read()
    except (AttributeError, TypeError, OSError):
        return False
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


def all_tasks() -> list[Task]:
    """Every task of the course, by lesson then name."""
    for module in _modules():
        _load(module)
    return sorted(_tasks.values(), key=lambda t: (t.lesson, t.name))
