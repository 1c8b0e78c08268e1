"""One slip costs its points once: a graded function is judged on its own, not through a wrong callee.

When a student's graded function calls another graded function of the course (found in its code:
:func:`coursekit.check.callees.graded_callees`), the callee's own hidden cases decide whether the
callee is wrong. A callee is wrong *on its own* when it fails one of its own hidden cases, judged
this same way (its own wrong callees replaced by the course's references). The caller's hidden cases
are then run with the course's reference bound in place of every wrong callee it reaches (the root
causes), and that run is the one scored; the caller is also run with the student's own callees, to
say (at no cost) whether it works with them.

Everything is recomputed on every ``grade`` call from the functions as they are bound when it runs:
no state is kept between grade cells, so the verdict does not depend on which grade cells ran, were
skipped, or in which order.

The substitution is :func:`substituted`, the one place that binds a reference into a student's
namespace (issue 29 replaces it with a service outside the kernel).
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from coursekit.check.callees import graded_callees
from coursekit.check.collect import RawResult, collect
from coursekit.check.tasks import GradedFunctions
from coursekit.check.verdict.judge import judge

from ..exercise import Exercise
from ..registry import get_exercise

Binding = tuple[dict, str, Callable]  # (a student's namespace, a callee's name, the course's reference)


@contextlib.contextmanager
def substituted(bindings: Sequence[Binding]) -> Iterator[None]:
    """Bind each course reference in place of a student's callee in the namespace the student's code
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


def keys_of(name: str, lesson: str) -> list[str]:
    """The registry keys that grade function ``name`` (``batchnorm_forward`` and ``batchnorm_forward[eval]``)."""
    return GradedFunctions(lesson).keys_of(name)


def reference_of(name: str, lesson: str) -> Callable:
    keys = keys_of(name, lesson)
    return get_exercise(name if name in keys else keys[0]).reference


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
    each judged on its own), and ``bindings``, the references to bind in their place."""

    roots: dict[str, Callee] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)


def run_cases(ex: Exercise, fn: Callable[..., Any], cases: Sequence[Any],
              bindings: Sequence[Binding]) -> list[RawResult]:
    """The student's results on ``cases``, with ``bindings`` in place while each case runs."""
    raws = []
    for case in cases:
        with substituted(bindings):
            raws.append(collect(ex, fn, case, forbidden=[ex.reference]))
    return raws


def plan(fn: Callable[..., Any], lesson: str, _stack: tuple[str, ...] = ()) -> Plan:
    """The root causes ``fn`` reaches through the graded functions it calls, and their bindings."""
    found = Plan()
    for name, namespaces in sorted(graded_callees(fn, GradedFunctions(lesson)).items()):
        if name in _stack or name in found.roots:
            continue
        if all(namespace[name] is reference_of(name, lesson) for namespace in namespaces):
            continue  # the course's own function (a catalogued mistake's module imports it): right
        callee = judge_callee(name, namespaces[0][name], lesson, (*_stack, getattr(fn, "__name__", "")))
        if callee.wrong:
            found.roots[name] = callee
            reference = reference_of(name, lesson)
            found.bindings += [(namespace, name, reference) for namespace in namespaces]
        else:
            inner = callee.plan
            found.roots.update({k: v for k, v in inner.roots.items() if k not in found.roots})
            found.bindings += inner.bindings
    return found


def judge_callee(name: str, fn: Callable[..., Any], lesson: str, stack: tuple[str, ...]) -> Callee:
    """A callee's results on its own hidden cases, judged on its own (its own root causes replaced)."""
    inner = plan(fn, lesson, (*stack, name))
    callee = Callee(name, False, plan=inner)
    for key in keys_of(name, lesson):
        ex = get_exercise(key)
        cases = list(ex.hidden())
        expected = ex.answer_key(cases).expected  # the reference first, as for any graded function
        raws = run_cases(ex, fn, cases, inner.bindings)
        callee.raws[key] = raws
        callee.wrong = callee.wrong or not all(  # no catalogued mistake is run: only pass or fail counts
            judge(ex, case, raw, want).passed for case, raw, want in zip(cases, raws, expected))
    return callee
