"""One slip costs its points once: a graded function is judged on its own, not through a wrong callee.

The algorithm is the student package's (:mod:`coursekit.check.cascade`: the callee's own hidden cases
decide whether it is wrong; the caller's cases run with the course's function in place of every wrong
callee it reaches). Here the course is the registry: :class:`RegistryCourse` gives each callee's
reference, hidden cases and answers, for grading in the instructor's process (``evaluate``) and in a
grading kernel that holds the instructor package (the default mode). A grading kernel without it
(``SafeExecute.answers_outside``) is handed what it needs instead (:mod:`coursekit.check.hidden`).

Everything is recomputed on every ``grade`` call from the functions as they are bound when it runs:
no state is kept between grade cells, so the verdict does not depend on which grade cells ran, were
skipped, or in which order. :func:`substituted` is the one place that binds a course function into a
student's namespace.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from coursekit.check.cascade import Binding, Callee, Plan, judge_callee, substituted
from coursekit.check.cascade import plan as plan_with
from coursekit.check.cascade import run_cases as run_task_cases
from coursekit.check.collect import RawResult
from coursekit.check.tasks import GradedFunctions

from ..exercise import Exercise
from ..registry import get_exercise

__all__ = ["Binding", "Callee", "Plan", "RegistryCourse", "judge_callee", "keys_of", "plan", "reference_of",
           "run_cases", "substituted"]


def keys_of(name: str, lesson: str) -> list[str]:
    """The registry keys that grade function ``name`` (``batchnorm_forward`` and ``batchnorm_forward[eval]``)."""
    return GradedFunctions(lesson).keys_of(name)


def reference_of(name: str, lesson: str) -> Callable:
    keys = keys_of(name, lesson)
    return get_exercise(name if name in keys else keys[0]).reference


class RegistryCourse:
    """The course as the registry holds it, for functions of lesson ``lesson``."""

    def __init__(self, lesson: str):
        self.lesson = lesson
        self.graded = GradedFunctions(lesson)

    def keys_of(self, name: str) -> list[str]:
        return keys_of(name, self.lesson)

    def function(self, name: str) -> Callable:
        return reference_of(name, self.lesson)

    def hidden(self, key: str):
        ex = get_exercise(key)
        cases = list(ex.hidden())
        return ex, cases, ex.answer_key(cases).expected  # the reference first, as for any graded function

    def forbidden(self, key: str) -> Sequence[Callable]:
        return [get_exercise(key).reference]


def plan(fn: Callable[..., Any], lesson: str) -> Plan:
    """The root causes ``fn`` reaches through the graded functions it calls, and their bindings."""
    return plan_with(fn, RegistryCourse(lesson))


def run_cases(ex: Exercise, fn: Callable[..., Any], cases: Sequence[Any],
              bindings: Sequence[Binding]) -> list[RawResult]:
    """The student's results on ``cases``, with ``bindings`` in place while each case runs."""
    return run_task_cases(ex, fn, cases, bindings, forbidden=[ex.reference])
