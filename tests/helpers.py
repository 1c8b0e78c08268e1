"""Shared test utilities."""
from __future__ import annotations

import types


def clone(fn):
    """The same function under a new code object: grading it is not 'calling the reference'."""
    code = fn.__code__.replace(co_filename="<clone>")
    copy = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy
