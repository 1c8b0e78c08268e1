"""Shared test utilities (``clone`` lives in tools.course, shared with the benchmark)."""
from __future__ import annotations

from tools.course import clone

__all__ = ["clone", "execute", "outputs_of"]


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
