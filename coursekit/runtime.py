"""Where a lesson is running: autograding, building the reading edition, or a student's kernel."""
from __future__ import annotations

import os


def is_autograding() -> bool:
    """True while nbgrader executes the notebook (it sets ``NBGRADER_EXECUTION``)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def is_static() -> bool:
    """True when no widget front-end will show the output (batch execution or autograding).

    The reading-edition build sets ``COURSEKIT_STATIC=1``; widgets then draw a static figure.
    """
    return is_autograding() or os.environ.get("COURSEKIT_STATIC") == "1"


def progress(iterable, **kwargs):
    """A notebook-aware tqdm bar (``tqdm.auto``) for any loop that runs longer than about 2 s.

    In a student's kernel it is a live bar (a widget in JupyterLab, text in a terminal). It is off
    while autograding (a bar writes to stderr, and nbgrader gives 0 to a grade cell with stderr
    output) and when the output is static (the reading edition would store a bar frozen at 0%).
    Keyword arguments go to tqdm (``desc=``, ``total=``, ``leave=``, ...); ``disable=`` overrides.
    """
    from tqdm.auto import tqdm

    kwargs.setdefault("disable", is_static())
    return tqdm(iterable, **kwargs)
