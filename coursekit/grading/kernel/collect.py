"""Run a student's function on one case and keep what it produced: value or error, printed output,
forbidden calls, inputs changed in place. No judging: see :mod:`coursekit.grading.verdict`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..copying import changed, fresh, snapshot
from ..isolate import run_isolated
from ..protocol import RawResult
from ..registry import Case, Exercise

OUTPUT_KEPT = 2400  # characters of a student's captured output kept per case (the report shows fewer)


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


def collect(ex: Exercise, fn: Callable[..., Any], case: Case) -> RawResult:
    """Run ``fn`` on one case (output captured, time bounded, delegation and in-place changes seen)."""
    given = fresh(case)
    before = snapshot((given.args, given.kwargs))
    outcome = run_isolated(lambda: ex.call(fn, given), time_limit=ex.time_limit,
                           forbidden=[ex.reference, *ex.forbidden], warm_torch=ex.torch_optim)
    output = outcome.output if len(outcome.output) <= OUTPUT_KEPT else outcome.output[:OUTPUT_KEPT] + " ..."
    raw = RawResult(output=output, delegated=list(outcome.delegated))
    if outcome.error is not None:
        raw.error = describe_error(outcome.error)
        return raw
    raw.value = outcome.value
    if ex.frozen_inputs:
        names = ex.argument_names(case)
        after = (given.args, given.kwargs)
        flat_before = list(before[0]) + list(before[1].values())
        flat_after = list(after[0]) + list(after[1].values())
        for name, b, a in zip(names, flat_before, flat_after):
            if changed(b, a):
                raw.modified = name
                break
    return raw
