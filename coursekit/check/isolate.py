"""Run one call of student code with its output captured, its time bounded and its delegation seen.

Nothing the student's code prints, warns or writes to stderr reaches the cell's own streams
(nbgrader gives 0 to a grade cell with any stderr output); it is returned as text instead.
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class CaseTimeout(BaseException):
    """Raised inside student code when a case runs past its time limit.

    A BaseException so that a student's ``except Exception`` cannot swallow it.
    """


@dataclass
class CallResult:
    """What one isolated call gave: its value or the exception it raised, what it printed, and the
    forbidden functions it called."""

    value: Any = None
    error: BaseException | None = None
    output: str = ""
    delegated: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _time_limit(seconds: float):
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise CaseTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _captured():
    """Collect sys.stdout, sys.stderr, warnings and C-level writes to fd 2 into one buffer."""
    buffer = io.StringIO()
    fd_file = None
    saved_fd = None
    try:
        sys.stderr.flush()
        fd_file = tempfile.TemporaryFile()
        saved_fd = os.dup(2)
        os.dup2(fd_file.fileno(), 2)
    except (OSError, AttributeError, ValueError):
        fd_file, saved_fd = None, None
    with warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        warnings.simplefilter("always")
        try:
            yield buffer
        finally:
            for w in caught:
                buffer.write(f"{w.category.__name__}: {w.message}\n")
            if saved_fd is not None:
                os.dup2(saved_fd, 2)
                os.close(saved_fd)
                fd_file.seek(0)
                buffer.write(fd_file.read().decode("utf-8", "replace"))
                fd_file.close()


class _Tripwire:
    """Notes calls to forbidden functions (by code object, or identity for builtins)."""

    def __init__(self, forbidden: Iterable[Callable]):
        self.codes = {}
        self.others = {}
        for fn in forbidden:
            fn = getattr(fn, "__func__", fn)
            code = getattr(fn, "__code__", None)
            label = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
            if code is not None:
                self.codes[id(code)] = (code, label)  # by identity: equal code objects are not the same function
            else:
                self.others[id(fn)] = label
        self.hits: list[str] = []

    def __call__(self, frame, event, arg):
        if event == "call":
            label = self.codes.get(id(frame.f_code), (None, None))[1]
        elif event == "c_call":
            label = self.others.get(id(arg))
        else:
            return
        if label and label not in self.hits:
            self.hits.append(label)

    @contextlib.contextmanager
    def armed(self):
        if not self.codes and not self.others:
            yield
            return
        previous = sys.getprofile()
        sys.setprofile(self)
        try:
            yield
        finally:
            sys.setprofile(previous)


def seed_everything(seed: int = 0) -> None:
    """Seed every global RNG a student might use, so grading is deterministic."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover
        pass


_TORCH_WARM = False


def warm_up_torch() -> None:
    """Import what torch imports lazily on the first optimizer step (torch._dynamo and its compiler
    stack: seconds on a cold disk), once per process, before any time limit is armed.

    Otherwise the first student call that builds a ``torch.optim`` optimizer pays that import inside
    its time limit; the limit can fire in the middle of the import and leave torch half-imported for
    the rest of the kernel."""
    global _TORCH_WARM
    if _TORCH_WARM or "torch" not in sys.modules:
        return
    _TORCH_WARM = True
    import torch

    with _captured():
        p = torch.zeros(1, requires_grad=True)
        p.grad = torch.ones(1)
        torch.optim.SGD([p], lr=0.1).step()


def run_isolated(call: Callable[[], Any], *, time_limit: float, forbidden: Iterable[Callable] = (),
                 warm_torch: bool = True) -> CallResult:
    """Call ``call()`` with output captured, time bounded and forbidden calls recorded.

    ``warm_torch``: first import what torch's optimizers import lazily (:func:`warm_up_torch`), for
    calls that may reach ``torch.optim``."""
    if warm_torch:
        warm_up_torch()
    wire = _Tripwire(forbidden)
    outcome = CallResult()
    seed_everything(0)
    with _captured() as buffer:
        try:
            with _time_limit(time_limit), wire.armed():
                outcome.value = call()
        except (Exception, CaseTimeout, SystemExit) as exc:  # student code may raise anything, exit() included
            outcome.error = exc
    outcome.output = buffer.getvalue()
    outcome.delegated = wire.hits
    return outcome
