"""A warm kernel per grading worker: the next submission's sandboxed kernel starts while the
current submission is graded.

Every submission still gets a fresh kernel in a sandbox of its own, started for it alone and shut
down after it. The pool only starts that kernel earlier: the worker grades each submission under a
*slot* name chosen in advance (its folders are ``submitted/<slot>/<lesson>`` and
``autograded/<slot>/<lesson>`` of the worker's scratch course), so the kernel for the next slot can
be launched, working in that slot's folder, as soon as the current submission's kernel is taken.
Its start-up (bubblewrap, Python, ipykernel) then overlaps the grading of the submission before.

A spare is handed over only if it was launched with exactly the settings a cold start would use
now (kernel, arguments, working folder, sandbox settings) and is still alive (a time limit's kill
takes it too); otherwise it is shut down and the kernel is started cold. At most one spare exists
per worker process; :func:`close` shuts it down (the worker plugin's teardown).
"""
from __future__ import annotations

import itertools
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from jupyter_core.utils import run_sync

log = logging.getLogger("coursegrader.grading.cluster")


@dataclass
class Spare:
    """A launched kernel waiting for its submission: the settings it was launched with (``key``),
    its kernel manager, the file receiving its stderr and the slot it works for."""

    key: tuple
    km: Any
    kernel_log: str
    slot: str
    workdir: str

    @property
    def slots_folder(self) -> str:
        return os.path.dirname(os.path.dirname(self.workdir))


_LOCK = threading.Lock()
_SLOTS = itertools.count(1)
_STATE: dict[str, Spare | None] = {"spare": None}
STATS = {"warm": 0, "cold": 0, "discarded": 0}


def next_slot(slots_folder: str) -> str:
    """The slot name the next submission graded in ``slots_folder`` (``<course>/autograded``)
    goes under: the spare's, if one waits there, else a new one."""
    with _LOCK:
        spare = _STATE["spare"]
        if spare is not None and spare.slots_folder == os.path.realpath(slots_folder):
            return spare.slot
    return new_slot()


def new_slot() -> str:
    """A slot name never used before in this process."""
    return f"slot-{os.getpid()}-{next(_SLOTS):06d}"


def take(key: tuple):
    """The spare's kernel manager if it was launched with ``key`` and is alive, else ``None``
    (a spare that does not fit is shut down). Returns ``(km, kernel_log)`` or ``None``."""
    with _LOCK:
        spare, _STATE["spare"] = _STATE["spare"], None
    if spare is None:
        STATS["cold"] += 1
        return None
    if spare.key == key and run_sync(spare.km.is_alive)():
        STATS["warm"] += 1
        return spare.km, spare.kernel_log
    STATS["cold"] += 1
    STATS["discarded"] += 1
    log.info("spare kernel not used: launched with other settings (%s)", _difference(spare.key, key))
    _shutdown(spare)
    return None


def _difference(launched: tuple, wanted: tuple) -> str:
    if len(launched) != len(wanted):
        return "a different kind of key"
    parts = []
    for i, (a, b) in enumerate(zip(launched, wanted)):
        if a != b:
            if isinstance(a, tuple) and a and isinstance(a[0], tuple):  # the environment: name the variables
                names = sorted({k for k, _ in set(a) ^ set(b)})
                parts.append(f"environment variables {', '.join(names)}")
            else:
                parts.append(f"setting {i}: {a!r} then {b!r}")
    return "; ".join(parts) or "the kernel died"


def launch(key: tuple, km, kernel_log: str, slot: str, workdir: str, start: dict) -> None:
    """Start ``km``'s kernel now (``start``: the arguments of ``start_kernel``) and keep it as the
    spare for ``slot`` (working in ``workdir``, ``<course>/autograded/<slot>/<lesson>``, resolved);
    a spare already waiting is shut down first."""
    with _LOCK:
        old, _STATE["spare"] = _STATE["spare"], None
    if old is not None:
        STATS["discarded"] += 1
        _shutdown(old)
    try:
        run_sync(km.start_kernel)(**start)
    except Exception as exc:  # noqa: BLE001 - only a head start: the next submission starts cold
        log.warning("could not start a spare kernel: %s", exc)
        _remove(kernel_log)
        return
    with _LOCK:
        _STATE["spare"] = Spare(key, km, kernel_log, slot, workdir)


def release(slot: str) -> None:
    """The submission graded under ``slot`` is done: a spare still waiting for that slot (the
    submission failed before its kernel was needed) is shut down, never handed to another."""
    with _LOCK:
        spare = _STATE["spare"]
        if spare is None or spare.slot != slot:
            return
        _STATE["spare"] = None
    STATS["discarded"] += 1
    _shutdown(spare)


def close() -> None:
    """Shut the spare down (nothing waits for it any more)."""
    with _LOCK:
        spare, _STATE["spare"] = _STATE["spare"], None
    if spare is not None:
        _shutdown(spare)


def _shutdown(spare: Spare) -> None:
    try:
        run_sync(spare.km.shutdown_kernel)(now=True)
    except Exception as exc:  # noqa: BLE001 - already dead (a time limit's kill): clean up only
        log.debug("spare kernel shut down with: %s", exc)
        try:
            run_sync(spare.km.cleanup_resources)()
        except Exception:  # noqa: BLE001 - nothing more to release
            pass
    _remove(spare.kernel_log)
    for folder in (spare.workdir, os.path.dirname(spare.workdir)):
        try:
            os.rmdir(folder)  # the slot's folders, empty: never graded
        except OSError:
            pass


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
