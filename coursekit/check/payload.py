"""The results payload, written: what the grading kernel hands to the grader for one graded exercise.

The format is the grader's contract (:mod:`coursegrader.grading.protocol` documents it and reads it
back, validating everything); it is written here, in the student package, because the grading
kernel runs without the instructor package (issue 29: no answer within reach of student code).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from . import wire
from .collect import RawResult

MIME = "application/vnd.coursekit.results+json"
VERSION = 1


def raw_to_json(raw: RawResult) -> dict:
    """One case's result as the payload carries it."""
    return {"value": wire.encode(raw.value), "error": raw.error, "output": raw.output,
            "delegated": list(raw.delegated), "modified": raw.modified}


def make_payload(exercise: str, raws: Iterable[RawResult],
                 judged_with: Mapping[str, Mapping[str, Iterable[RawResult]]] | None = None,
                 own: Iterable[RawResult] | None = None) -> dict:
    """The payload the kernel publishes for one graded exercise (``judged_with`` and ``own`` only
    when callees were replaced: see :mod:`coursegrader.grading.protocol`)."""
    payload = {"version": VERSION, "exercise": exercise, "cases": [raw_to_json(r) for r in raws]}
    if judged_with:
        payload["judged_with"] = {name: {key: [raw_to_json(r) for r in rs] for key, rs in keys.items()}
                                  for name, keys in judged_with.items()}
        payload["own"] = [raw_to_json(r) for r in own or ()]
    return payload


def payload_output(exercise: str, raws: Iterable[RawResult], **cascade) -> dict:
    """``{MIME: payload}``: what the kernel hands to ``IPython.display.display(..., raw=True)``."""
    return {MIME: make_payload(exercise, raws, **cascade)}


def publish(exercise: str, raws: list[RawResult], **cascade) -> None:
    """Display the results as a payload, for the grader's own process to judge (``cascade``:
    ``judged_with`` and ``own`` when callees were replaced). Outside a kernel it does nothing."""
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - not in a kernel
        return
    display(payload_output(exercise, raws, **cascade), raw=True)
