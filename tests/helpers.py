"""Shared test utilities."""
from __future__ import annotations

import types


def clone(fn):
    """The same function under a new code object: grading it is not 'calling the reference'."""
    code = fn.__code__.replace(co_filename="<clone>")
    copy = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


def execute(nb, cwd, env_extra=None, timeout=300):
    """Execute a notebook in a fresh kernel (nbclient), returning it with outputs."""
    import os

    from nbclient import NotebookClient

    saved = dict(os.environ)
    os.environ.update(env_extra or {})
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def outputs_of(nb, kind):
    """(cell index, output) pairs of the given output_type ('error', 'stream', ...)."""
    return [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.get("outputs", []) if o.output_type == kind]
