"""Run a student's function on one case and keep what it produced: value or error, printed output,
forbidden calls, inputs changed in place. No judging: see :mod:`coursekit.check.verdict`."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .copying import InputChanged, changed, fresh, snapshot
from .isolate import run_isolated
from .task import Case, Task

OUTPUT_KEPT = 2400  # characters of a student's captured output kept per case (the report shows fewer)


@dataclass
class RawResult:
    """What running the student's function on one case produced, before any judging."""

    value: Any = None
    error: str | None = None
    output: str = ""
    delegated: list[str] = field(default_factory=list)
    modified: str | None = None
    # the exception the student's code raised, for showing its frames in the student's own kernel;
    # never sent anywhere (the results payload carries ``error``, its description)
    exception: BaseException | None = field(default=None, repr=False, compare=False)


def describe_error(exc: BaseException) -> str:
    """An exception raised by student code, in words (where in the student's code, if known)."""
    if isinstance(exc, NotImplementedError):
        return "raised NotImplementedError: the exercise is not done yet"
    if isinstance(exc, SystemExit):
        return "called sys.exit() / exit(): a graded function must return its result, not stop the program"
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename.startswith("<ipython-input") or "ipykernel" in frame.f_code.co_filename \
                or frame.f_code.co_filename.startswith("<"):
            where = f" (in {frame.f_code.co_name}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return f"raised {type(exc).__name__}: {exc}{where}"


def collect(task: Task, fn: Callable[..., Any], case: Case, forbidden: Sequence[Callable] = ()) -> RawResult:
    """Run ``fn`` on one case (output captured, time bounded, delegation and in-place changes seen).

    ``forbidden``: callables that count as delegating besides the task's own (the grader adds the
    course's reference of the exercise)."""
    given = fresh(case)
    before = snapshot((given.args, given.kwargs))
    outcome = run_isolated(lambda: task.call(fn, given), time_limit=task.time_limit,
                           forbidden=[*forbidden, *task.forbidden], warm_torch=task.torch_optim)
    output = outcome.output if len(outcome.output) <= OUTPUT_KEPT else outcome.output[:OUTPUT_KEPT] + " ..."
    raw = RawResult(output=output, delegated=list(outcome.delegated))
    if isinstance(outcome.error, InputChanged):  # the state a runner threads, changed in place
        raw.modified = outcome.error.name
        return raw
    if outcome.error is not None:
        raw.error = describe_error(outcome.error)
        raw.exception = outcome.error
        return raw
    raw.value = outcome.value
    if task.frozen_inputs:
        names = task.argument_names(case)
        after = (given.args, given.kwargs)
        flat_before = list(before[0]) + list(before[1].values())
        flat_after = list(after[0]) + list(after[1].values())
        for name, b, a in zip(names, flat_before, flat_after):
            if changed(b, a):
                raw.modified = name
                break
    return raw
