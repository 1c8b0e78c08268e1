"""``grade`` in the grading kernel: run the hidden cases it is handed, publish what came back (issue 29).

While nbgrader autogrades in the sandbox, the grading kernel has the student package only: the
instructor package's files are out of its view, and ``coursegrader.grading`` (what the hidden tests
import) resolves to a stand-in whose ``grade`` is this one. Before each grade cell the grader writes
the cell's hidden cases and how to call each function (:mod:`coursegrader.grading.handoff`; inputs,
never an answer) to the file named by :data:`INPUTS_ENV`; ``grade`` runs the student's function on
each case under isolation (:func:`~.collect.collect`) and publishes the raw results
(:mod:`.payload`). Judging, scoring and the report happen in the grader's own process
(``VerifyGrades``), which replaces what this cell shows with the verified report and score.
"""
from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

from .cascade import plan, run_cases
from .payload import publish

INPUTS_ENV = "COURSEKIT_GRADING_INPUTS"  # the file the grader writes before each grade cell
SERVED = "served by the callee service"  # in place of the course's function in a kit without code


class Pending:
    """What ``grade`` returns: the score is not known in the kernel. Sums of it (a cell grading
    several functions adds their ``grade`` calls) stay pending; nbgrader's partial credit is read from
    the verified score that replaces the cell's result."""

    def __add__(self, other: Any) -> Pending:
        return self

    __radd__ = __add__

    def __repr__(self) -> str:
        return "'graded outside the notebook'"


PENDING = Pending()


def _handed() -> dict:
    path = os.environ.get(INPUTS_ENV)
    if not path:
        raise RuntimeError(f"no hidden cases were handed to this kernel ({INPUTS_ENV} is not set)")
    with open(path, "rb") as f:
        return pickle.load(f)


def handed(key: str) -> tuple[Any, list]:
    """``(task, hidden cases)`` of registry key ``key``, from the file the grader wrote."""
    found = _handed()["inputs"]
    if key not in found:
        raise KeyError(f"no hidden cases were handed for {key!r}")
    return pickle.loads(found[key])[:2]


def stand_in(qualified: str) -> list[Callable]:
    """The function the kernel's stand-in of the instructor package has under ``module.name`` (it
    raises; calling it counts as delegating), or nothing."""
    import importlib

    module, _, name = qualified.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name, None)
    except Exception:  # noqa: BLE001 - no stand-in there (not sandboxed): nothing to watch for
        return []
    return [found] if callable(found) else []


class HandedCourse:
    """The course as the grader handed it in for one grade cell (:class:`.cascade.Course`): the
    functions already graded that the notebook names, each with its hidden cases and answers."""

    def __init__(self, lesson: str, kits: dict[str, bytes]):
        from .tasks import GradedFunctions

        self.graded = GradedFunctions(lesson)
        self._kits = kits
        self._loaded: dict[str, tuple] = {}
        self._proxies: dict[str, object] = {}

    def _kit(self, name: str):
        """``(the course's function, {key: (task, cases, answers)})``; a kit the callee service
        answers for (``SERVED``) holds ``{key: (task, cases)}``: the function is a proxy to the service,
        the answers stay outside."""
        if name not in self._loaded:
            self._loaded[name] = pickle.loads(self._kits[name]) if name in self._kits else (None, {})
        return self._loaded[name]

    def _served(self, name: str) -> bool:
        return self._kit(name)[0] == SERVED

    def keys_of(self, name: str) -> list[str]:
        return list(self._kit(name)[1])

    def function(self, name: str):
        if self._served(name):
            from .service import CalleeProxy

            return self._proxies.setdefault(name, CalleeProxy(name))
        return self._kit(name)[0]

    def hidden(self, key: str):
        from .callees import function_name

        found = self._kit(function_name(key))[1][key]
        return (*found, None) if len(found) == 2 else found

    def forbidden(self, key: str) -> list:
        from .callees import function_name

        name = function_name(key)
        return [] if self._served(name) else [f for f in [self.function(name)] if f is not None]

    def wrong(self, name: str, results: dict) -> bool | None:
        """The service's bit for a served callee (None: judged here, from the kit's answers)."""
        if not self._served(name):
            return None
        from .service import ServiceError, ask_wrong

        try:
            return ask_wrong(name, results)
        except ServiceError:  # no answer: the student's own callee is kept (judged as if right)
            return False


def grade(key: str, fn: Callable[..., Any]) -> Pending:
    """Run the hidden cases of ``key`` on ``fn``, judged on its own (:mod:`.cascade`: graded functions
    it calls that fail their own hidden cases replaced by the course's, when the grader handed them
    in), and publish the results; prints one line."""
    try:
        given = _handed()
        if key not in given["inputs"]:
            raise KeyError(f"no hidden cases were handed for {key!r}")
        task, cases, reference = pickle.loads(given["inputs"][key])
        forbidden = stand_in(reference)
        found = plan(fn, HandedCourse(task.lesson, given["callees"]))
        raws = run_cases(task, fn, cases, found.bindings, forbidden)
        extra = {}
        if found.roots:
            extra = {"judged_with": {n: c.raws for n, c in found.roots.items()},
                     "own": run_cases(task, fn, cases, (), forbidden)}
        publish(key, raws, **extra)
    except Exception as exc:  # a broken harness must not write to stderr or give points
        print(f"{key}: the grader could not run ({type(exc).__name__}: {exc}). 0 points; tell your instructor.")
        return PENDING
    print(f"{key}: {len(raws)} hidden cases run; the report is written when the notebook is graded.")
    return PENDING
