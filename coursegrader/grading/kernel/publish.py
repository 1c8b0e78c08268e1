"""Hand the raw results of a hidden test to the grader's own process while nbgrader autogrades."""
from __future__ import annotations

from coursekit.check import payload
from coursekit.check.collect import RawResult
from coursekit.runtime import is_autograding


def publish(name: str, raws: list[RawResult], **cascade) -> None:
    """While autograding, display the results as a payload (:mod:`coursegrader.grading.protocol`)
    that :class:`coursegrader.grading.autograde.VerifyGrades` judges again where student code cannot
    reach: whatever a notebook does to this module, numpy or torch, the score that counts is
    computed there. ``cascade``: ``judged_with`` and ``own`` when callees were replaced
    (:mod:`coursegrader.grading.protocol`). Outside autograding it does nothing."""
    if is_autograding():
        payload.publish(name, raws, **cascade)
