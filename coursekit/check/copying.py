"""Copies of a case's arguments, and whether a call changed them (the course's functions leave
their inputs unchanged)."""
from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np

from .task import Case


def snapshot(value: Any) -> Any:
    """A deep copy to compare against after the call (torch modules and tensors included)."""
    try:
        return copy.deepcopy(value)
    except Exception:  # some objects cannot be copied; they are then not checked
        return _UNCOPYABLE


_UNCOPYABLE = object()


def changed(before: Any, after: Any) -> bool:
    """True if ``after`` differs from its earlier snapshot ``before``."""
    if before is _UNCOPYABLE:
        return False
    if isinstance(before, np.ndarray):
        return not (isinstance(after, np.ndarray) and before.shape == after.shape
                    and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, dict):
        return not isinstance(after, dict) or before.keys() != after.keys() or any(
            changed(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        return len(before) != len(after) or any(changed(b, a) for b, a in zip(before, after))
    try:
        import torch
        if isinstance(before, torch.Tensor):
            return not torch.equal(before, after) if before.shape == after.shape else True
    except ImportError:  # pragma: no cover
        pass
    return False


class InputChanged(Exception):
    """Raised by a runner when the function it calls changed, in place, something it was given that
    is not among the case's arguments (an optimizer's incoming ``state``, which the runner threads
    from step to step): :func:`coursekit.check.collect.collect` reports it like a changed argument,
    by ``name`` (``state['momentum_buffer']``)."""

    def __init__(self, name: str, where: str = ""):
        super().__init__(f"{name} was changed in place{' ' + where if where else ''}")
        self.name = name


def fresh(case: Case) -> Case:
    """The case with its own copy of every argument: no call ever sees another call's objects."""
    return dataclasses.replace(case, args=snapshot(case.args), kwargs=snapshot(case.kwargs))
