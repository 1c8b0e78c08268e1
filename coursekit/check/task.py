"""What a student's kernel knows of a graded function: how to call it and its visible cases.

A :class:`Task` is the public part of an exercise. It holds no reference implementation, no
hidden case and no catalogued mistake: those are the instructor's (``coursegrader``), whose
``Exercise`` extends a task with them. The visible check (:mod:`coursekit.check.visible`) runs a
student's function on the task's visible cases and compares with values stored when the course was
built (:mod:`coursekit.check.store`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .verdict.compare import show

DEFAULT_ATOL = 1e-10
DEFAULT_RTOL = 1e-8


@dataclass
class Case:
    """One input to a graded function.

    ``label`` is what a student reads in the report ("x=(2, 2), b=100"); ``args``/``kwargs``
    are passed to the function (copies: the harness never hands the same object twice).
    ``atol``/``rtol`` override the task's tolerance for this case only. ``raises``: the exception
    the function must raise on this input (bad input); the case then passes when it does.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    weight: float = 1.0
    atol: float | None = None
    rtol: float | None = None
    raises: type[BaseException] | None = None


def raised(kind: type[BaseException]) -> str:
    """What a case that must raise ``kind`` compares: the same words for the answer and a student."""
    return f"raises {kind.__name__}"


@dataclass
class Task:
    """A graded function as a student's kernel sees it.

    - ``parameters``: the function's parameter names, in order (reports name a case's arguments).
    - ``visible``: returns the visible cases (built on demand, seeded, cheap).
    - ``run(fn, case)``: how to call the function and what to compare (default
      ``fn(*args, **kwargs)``); optimizers use it to run several steps, torch exercises to turn a
      model into numbers (:mod:`coursekit.check.runners`).
    - ``forbidden``: callables (``torch.optim.Adam.step``, ...) whose use inside the student's
      function counts as delegating the exercise.
    - ``frozen_inputs``: whether arguments must come back unchanged (the course convention).
    - ``torch_optim``: whether student code may reach ``torch.optim`` (torch then imports its
      compiler stack, seconds, on the first call: the kernel does that once, before any time limit).
      By default, True when a forbidden callable lives in ``torch.optim``.
    """

    name: str
    lesson: str
    visible: Callable[[], Sequence[Case]]
    parameters: Sequence[str] = ()
    run: Callable[[Callable, Case], Any] | None = None
    forbidden: Sequence[Callable] = ()
    atol: float = DEFAULT_ATOL
    rtol: float = DEFAULT_RTOL
    frozen_inputs: bool = True
    time_limit: float = 2.0
    torch_optim: bool | None = None

    def __post_init__(self):
        if self.torch_optim is None:
            self.torch_optim = any(str(getattr(f, "__module__", "")).startswith("torch.optim")
                                   for f in self.forbidden)

    def call(self, fn: Callable, case: Case) -> Any:
        """Call ``fn`` on a case the way the task says (``run``, else ``fn(*args, **kwargs)``).

        For a case that must raise, the result is :func:`raised` when ``fn`` raises that exception,
        and words saying what it returned instead otherwise (both compare as strings)."""
        def value_of():
            return self.run(fn, case) if self.run is not None else fn(*case.args, **case.kwargs)

        if case.raises is None:
            return value_of()
        try:
            value = value_of()
        except case.raises:
            return raised(case.raises)
        return f"returned {show(value, 80)} instead of raising {case.raises.__name__}"

    def argument_names(self, case: Case) -> list[str]:
        """The names of a case's arguments ("argument 3" past the known parameters)."""
        params = list(self.parameters)
        names = [params[i] if i < len(params) else f"argument {i + 1}" for i in range(len(case.args))]
        return names + list(case.kwargs)

    def tolerances(self, case: Case) -> tuple[float, float]:
        """``(atol, rtol)`` for one case: the case's own where it sets them, else the task's."""
        return (self.atol if case.atol is None else case.atol,
                self.rtol if case.rtol is None else case.rtol)
