"""Judging a graded function on its own, wherever the course's functions come from.

The rule (docs/CONTRACT.md, "A function is graded on its own"): when a student's graded function
calls another graded function of the course (found in its code: :func:`.callees.graded_callees`),
the callee's own hidden cases decide whether it is wrong, itself judged this way; the caller's
cases are then run with the course's function bound in place of every wrong callee it reaches (the
root causes). The algorithm needs, for each callee, its hidden cases with their answers and the
course's function: a :class:`Course` provides them. In the instructor's process that is the
registry (:mod:`coursegrader.grading.kernel.cascade`); in the grading kernel, which holds no answer
of its own exercises, it is what the grader handed in for callees already graded
(:mod:`.hidden`). This module holds no answer itself.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .callees import graded_callees
from .collect import RawResult, collect
from .task import Case, Task
from .verdict.judge import judge

Binding = tuple[dict, str, Callable]  # (a student's namespace, a callee's name, the course's function)


class Course(Protocol):
    """Where the course's functions and answers come from."""

    graded: Any  # a container of the graded function names a function may call (GradedFunctions)

    def keys_of(self, name: str) -> list[str]:
        """The registry keys grading function ``name``."""

    def function(self, name: str) -> Callable | None:
        """The course's function ``name`` (None: not available, the student's own is kept)."""

    def hidden(self, key: str) -> tuple[Task, list[Case], list[Any]]:
        """A key's task, hidden cases and their answers."""

    def forbidden(self, key: str) -> Sequence[Callable]:
        """What the student's function must not call besides the task's own forbidden callables."""

    # optional: ``wrong(name, raws by key) -> bool | None``, whether the student's ``name`` fails its own
    # hidden cases, judged elsewhere; without it (or None) they are judged here against ``hidden``'s answers


@contextlib.contextmanager
def substituted(bindings: Sequence[Binding]) -> Iterator[None]:
    """Bind each course function in place of a student's callee in the namespace the student's code
    reads it from, for the duration of the block; the student's own functions are put back after,
    whatever happens inside (an exception, a case's time limit)."""
    saved = [(namespace, name, namespace[name]) for namespace, name, _ in bindings if name in namespace]
    try:
        for namespace, name, reference in bindings:
            namespace[name] = reference
        yield
    finally:
        for namespace, name, _ in reversed(bindings):
            namespace.pop(name, None)
        for namespace, name, value in saved:
            namespace[name] = value


@dataclass
class Callee:
    """A graded function a student's function calls, judged on its own: ``raws`` its results on each
    of its registry keys' hidden cases (with its own root causes replaced), ``wrong`` whether it
    fails one of them."""

    name: str
    wrong: bool
    raws: dict[str, list[RawResult]] = field(default_factory=dict)
    plan: Plan | None = None


@dataclass
class Plan:
    """How to judge a function on its own: ``roots``, the wrong callees it reaches (the root causes,
    each judged on its own), and ``bindings``, the course's functions to bind in their place."""

    roots: dict[str, Callee] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)


def run_cases(task: Task, fn: Callable[..., Any], cases: Sequence[Any], bindings: Sequence[Binding],
              forbidden: Sequence[Callable] = ()) -> list[RawResult]:
    """The student's results on ``cases``, with ``bindings`` in place while each case runs."""
    raws = []
    for case in cases:
        with substituted(bindings):
            raws.append(collect(task, fn, case, forbidden=forbidden))
    return raws


def plan(fn: Callable[..., Any], course: Course, _stack: tuple[str, ...] = ()) -> Plan:
    """The root causes ``fn`` reaches through the graded functions it calls, and their bindings."""
    found = Plan()
    for name, namespaces in sorted(graded_callees(fn, course.graded).items()):
        if name in _stack or name in found.roots:
            continue
        reference = course.function(name)
        if reference is None:
            continue  # the course's function is not available here: the student's own is kept
        if all(namespace[name] is reference for namespace in namespaces):
            continue  # the course's own function (a catalogued mistake's module imports it): right
        callee = judge_callee(name, namespaces[0][name], course, (*_stack, getattr(fn, "__name__", "")))
        if callee.wrong:
            found.roots[name] = callee
            found.bindings += [(namespace, name, reference) for namespace in namespaces]
        else:
            inner = callee.plan
            found.roots.update({k: v for k, v in inner.roots.items() if k not in found.roots})
            found.bindings += inner.bindings
    return found


def judge_callee(name: str, fn: Callable[..., Any], course: Course, stack: tuple[str, ...]) -> Callee:
    """A callee's results on its own hidden cases, judged on its own (its own root causes replaced)."""
    inner = plan(fn, course, (*stack, name))
    callee = Callee(name, False, plan=inner)
    answers = {}
    for key in course.keys_of(name):
        task, cases, expected = course.hidden(key)
        callee.raws[key] = run_cases(task, fn, cases, inner.bindings, course.forbidden(key))
        answers[key] = (task, cases, expected)
    verdict = getattr(course, "wrong", None)
    elsewhere = verdict(name, callee.raws) if verdict is not None else None
    if elsewhere is not None:  # judged where the answers are (the callee service): one bit came back
        callee.wrong = bool(elsewhere)
        return callee
    for key, (task, cases, expected) in answers.items():
        callee.wrong = callee.wrong or not all(  # no catalogued mistake is run: only pass or fail counts
            judge(task, case, raw, want).passed for case, raw, want in zip(cases, callee.raws[key], expected))
    return callee
