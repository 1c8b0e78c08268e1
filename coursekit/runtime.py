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
    """A notebook-aware tqdm bar; silent while autograding (bars write to stderr)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=is_autograding() or None, **kwargs)
