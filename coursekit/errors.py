"""How a failed visible check or claim shows in a notebook: its message, and the student's own frames.

IPython shows an exception that has a ``_render_traceback_`` method as the lines that method returns
(its public hook for custom traceback rendering, used by nbclient-run notebooks, JupyterLab and
``nbgrader validate`` alike). :class:`StudentFacing` uses it so that a failed check or claim never
shows the course's frames (``__tracebackhide__`` cannot: IPython 9 always shows the frame that
raises): the message alone, each line wrapped to ``WIDTH`` columns, then, when the failure is an
exception raised inside the student's own function, the frames of that exception from the first
one in the student's code on, formatted by IPython as usual ("Cell In[4], line 6, in my_step").
"""
from __future__ import annotations

import re
import sys
import textwrap

WIDTH = 80  # nbgrader validate cuts every line of an error at 87 characters, its indent included
WHERE = "Where, in your code:"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_COURSE = ("coursekit", "coursegrader")
_LIBRARIES = tuple(sorted({sys.prefix, sys.base_prefix, sys.exec_prefix}))


def wrap(text: str, width: int = WIDTH) -> list[str]:
    """Each line of ``text`` wrapped to ``width`` columns, never mid-word; a continuation is indented
    four more columns than its line (the first line two), so a wrapped hint stays readable."""
    lines = []
    for i, line in enumerate(text.splitlines()):
        indent = line[:len(line) - len(line.lstrip())] + ("    " if i else "  ")
        lines += textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [""]
    return lines


def _is_students(frame) -> bool:
    """A frame of the student's code: not the course's packages, not a library or Python itself."""
    module = str(frame.f_globals.get("__name__", ""))
    if module.split(".")[0] in _COURSE:
        return False
    return not frame.f_code.co_filename.startswith(_LIBRARIES)


def own_frames(exc: BaseException | None) -> list[str]:
    """The frames of ``exc`` from the first one in the student's code on, as IPython formats them
    (``[]`` when none is the student's, or outside IPython). No header, no closing exception line:
    the message that comes before says what was raised."""
    if exc is None or isinstance(exc, NotImplementedError):
        return []  # an unfinished exercise: "not done yet" says all
    tb = exc.__traceback__
    while tb is not None and not _is_students(tb.tb_frame):
        tb = tb.tb_next
    if tb is None:
        return []
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return []
    shell = get_ipython()
    if shell is None:
        return []
    try:
        lines = list(shell.InteractiveTB.structured_traceback(type(exc), exc, tb))
    except Exception:  # noqa: BLE001 - a formatter failing must not hide the message
        return []
    plain = [_ANSI.sub("", line) for line in lines]
    start = 0
    while start < len(lines) and (set(plain[start].strip()) <= {"-"} or "most recent call last" in plain[start]):
        start += 1
    end = len(lines)
    if end > start and plain[end - 1].startswith(type(exc).__name__):
        end -= 1
    return lines[start:end]


class StudentFacing(AssertionError):
    """An AssertionError a student reads: shown as ``<shown_as>: <message>`` wrapped to ``WIDTH``, then the
    student's own frames of ``student_error`` (the exception their function raised, if that is the
    failure); never a frame of the course's code."""

    shown_as = "AssertionError"

    def __init__(self, message: str, student_error: BaseException | None = None):
        super().__init__(message)
        self.student_error = student_error

    def _render_traceback_(self) -> list[str]:
        lines = wrap(f"{self.shown_as}: {self}")
        frames = own_frames(self.student_error)
        if frames:
            lines += ["", WHERE] + frames
        return lines
