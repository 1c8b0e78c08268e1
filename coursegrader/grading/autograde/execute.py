"""``SafeExecute``: nbgrader's ``Execute``, sandboxed, and surviving kernels that die or hang.

The kernel runs in the bubblewrap sandbox (:mod:`.provisioner`); the lesson's own cells that the
student left unchanged and no grade depends on (its experiments and figures, :mod:`..cellflow`)
are skipped, with a note in their place; a kernel that dies (``os._exit``, a crash, the memory
cap) or stops answering (an infinite loop that ignores interrupts) is restarted, the cells before
it are replayed silently and grading goes on: the cell that killed it gets an error (0 points),
the rest of the submission is graded normally, and the submission is never lost.
"""
from __future__ import annotations

import copy
import os
import pathlib
import tempfile

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Enum, Float, Integer, Unicode

from .. import handoff
from ..cellflow import needed_cells
from ..protocol import grade_calls, is_grade_cell
from . import sandbox
from .callee_service import CalleeService, registry_judge
from .provisioner import SandboxKernelSpecManager


class KernelFailed(RuntimeError):
    """The kernel could not run the notebook; the message holds what the kernel itself said."""


class SafeExecute(Execute):
    """nbgrader's ``Execute``, sandboxed, and surviving kernels that die or hang."""

    sandbox = Enum(["auto", "required", "off"], "auto", help=(
        "Run the autograding kernel in the bubblewrap sandbox: 'auto' (if bwrap works, else a "
        "warning), 'required' (refuse to grade without it) or 'off'.")).tag(config=True)
    memory_limit_gb = Float(4.0, help="Address-space cap of the sandboxed kernel, in GiB (0: none).").tag(config=True)
    # nbclient's "graceful" default asks the kernel to exit after the last cell and waits for it
    # (interrupt, shutdown request, polling): seconds per submission, on the grading's critical
    # path, for atexit hooks of student code that nothing reads. The outputs are all in by then.
    shutdown_kernel = Enum(["graceful", "immediate"], "immediate", help=(
        "How the kernel is stopped after the last cell: 'immediate' (killed, with its sandbox) or "
        "'graceful' (asked to exit, waited for).")).tag(config=True)
    max_restarts = Integer(5, help="Kernel restarts allowed per notebook before the remaining "
                                   "cells are given up (0 points each).").tag(config=True)
    skip_unneeded_cells = Bool(True, help=(
        "Skip the lesson's own code cells that the student left unchanged and no grade depends on "
        "(experiments, figures: see coursegrader.grading.cellflow); each gets a one-line note instead of "
        "its output. Every cell a student added, edited or moved runs.")).tag(config=True)
    lesson_notebook = Unicode("", help=(
        "The lesson's notebook a submission is compared with to find the cells it may skip (default: "
        "the source notebook nbgrader graded it against, source/<lesson>/<notebook>.ipynb of the "
        "course; none found: every cell runs).")).tag(config=True)
    course_root = Unicode("", help="The course directory to hide from the kernel (default: the "
                                   "current directory).").tag(config=True)
    answers_outside = Bool(True, help=(
        "Issue 29: the sandboxed kernel sees no file of the instructor package (a stand-in instead); before "
        "each grade cell the grader hands it the cell's hidden cases and the kits of callees already graded "
        "(coursegrader.grading.handoff), its grade() runs them and publishes the raw results, and "
        "VerifyGrades judges them. False: the kernel imports the instructor package and judges too (the "
        "score that counts is still VerifyGrades').")).tag(config=True)

    callee_service = Bool(False, help=(
        "Issue 29, Deliver 2 (with answers_outside): a grade cell is handed no callee's code or answers; "
        "the course's callees run in the grader's process, served to the kernel as values over a Unix "
        "socket while the cell runs (coursegrader.grading.autograde.callee_service), never a function "
        "the cell grades. False: the kernel is handed kits (the callee's function and answers) of "
        "functions already graded.")).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._service = None
        self.sandboxed = False
        if self.sandbox != "off":
            reason = sandbox.unavailable_reason()
            if reason is None:
                self.sandboxed = True
            elif self.sandbox == "required":
                raise RuntimeError(f"SafeExecute.sandbox='required' but {reason}")
            else:
                self.log.warning("Autograding WITHOUT a sandbox: %s", reason)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if self.sandboxed:
            self.sandbox_kernel(km, self._workdir(), self.kernel_log)
        return km

    def _workdir(self) -> pathlib.Path:
        """The folder the notebook runs in (nbgrader's ``autograded/<student>/<lesson>``)."""
        return pathlib.Path(self.resources.get("metadata", {}).get("path") or self.course_root
                            or os.getcwd()).resolve()

    def sandbox_kernel(self, km, workdir, kernel_log: str) -> None:
        """Make ``km`` start its kernel in the sandbox, working in ``workdir``, its own stderr
        going to ``kernel_log``."""
        root = pathlib.Path(self.course_root or os.getcwd()).resolve()
        hidden = [root]
        workdir = pathlib.Path(workdir).resolve()
        if len(workdir.parents) > 2:  # autograded/<student>/<lesson>: hide the whole course
            hidden.append(workdir.parents[2])
        private = sandbox.private_folder()
        memory = int(self.memory_limit_gb * 2 ** 30) if self.memory_limit_gb else 0
        km.kernel_spec_manager = SandboxKernelSpecManager(sandbox_config={
            "hidden_folders": [str(h) for h in hidden], "memory_limit": memory, "private": private,
            "stderr_path": kernel_log, "answers_outside": bool(self.answers_outside)})
        # the kernel talks over Unix sockets in the private folder: no network inside the sandbox
        km.transport = "ipc"
        km.ip = os.path.join(private, "kernel")
        km.connection_file = os.path.join(private, "kernel.json")

    def preprocess(self, nb, resources=None, km=None):
        self._replayable: list[int] = []
        self._restarts = 0
        self._needed = needed_cells(nb.cells, self.lesson_cells(resources)) if self.skip_unneeded_cells else None
        handle, self.kernel_log = tempfile.mkstemp(prefix="coursekit-kernel-", suffix=".log")
        os.close(handle)
        try:
            return super().preprocess(nb, resources, km)
        except Exception as exc:
            said = self.kernel_said()
            if said:  # the kernel could not start or died outside a cell: say what it said
                raise KernelFailed(f"{type(exc).__name__}: {exc}; the kernel said: {said}") from exc
            raise
        finally:
            os.unlink(self.kernel_log)

    def lesson_cells(self, resources) -> list | None:
        """The cells of the lesson's notebook this submission is compared with (``lesson_notebook``, or
        nbgrader's source notebook of the lesson and notebook being graded); None if there is none."""
        path = self.lesson_notebook
        graded = (resources or {}).get("nbgrader", {})
        if not path and graded.get("assignment") and graded.get("notebook"):
            coursedir = CourseDirectory(config=self.config)
            path = os.path.join(coursedir.format_path(coursedir.source_directory, ".", graded["assignment"]),
                                f"{graded['notebook']}.ipynb")
        if not path or not os.path.isfile(path):
            self.log.warning("No lesson notebook to compare the submission with (%s): every cell runs",
                             path or "not graded by nbgrader")
            return None
        return nbformat.read(path, as_version=4).cells

    def kernel_said(self, limit: int = 2000) -> str:
        """The end of what the sandboxed kernel wrote to its own stderr (empty if nothing)."""
        try:
            with open(self.kernel_log, "rb") as log:
                text = log.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return text[-limit:]

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._needed is not None and index not in self._needed:
            cell.outputs = [_skipped_note()]
            cell.execution_count = None
            return cell, resources
        if self._restarts > self.max_restarts:
            cell.outputs = [_error("GradingStopped", f"not run: the kernel died or hung {self._restarts} times "
                                                     "in this notebook")]
            return cell, resources
        inputs = self._hand_in(cell, index)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, CellTimeoutError, RuntimeError) as exc:
            dead = isinstance(exc, DeadKernelError) or not run_sync(self.km.is_alive)()
            what = ("the kernel died while running this cell (the code exited the process, crashed or "
                    "ran out of memory)" if dead else
                    "this cell did not finish in time and did not stop when interrupted")
            self.log.warning("Cell %d: %s; restarting the kernel", index, what)
            cell.outputs = [_error("KernelDied" if dead else "CellTimeoutError", what)]
            self._restart_and_replay()
            return cell, resources
        finally:
            if inputs is not None:
                inputs.unlink(missing_ok=True)
            if self._service is not None:
                self._service.stop()
                self._service = None
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") or not meta.get("grade") and not meta.get("locked"):
            self._replayable.append(index)
        return cell, resources

    def _hand_in(self, cell, index: int) -> pathlib.Path | None:
        """With ``answers_outside``, write a grade cell's hidden cases, and the kits of the functions
        already graded that its functions may call (:func:`~coursegrader.grading.handoff.callees_to_hand_in`),
        where the kernel reads them (its private folder), for the time the cell runs; returns the file
        (None otherwise)."""
        if not (self.sandboxed and self.answers_outside and is_grade_cell(cell)):
            return None
        keys = [key for key, _ in grade_calls(cell.source)]
        before = [c for c in self.nb.cells[:index] if c.cell_type == "code"]
        graded_before = [key for c in before if is_grade_cell(c) for key, _ in grade_calls(c.source)]
        callees = handoff.callees_to_hand_in(keys, [c.source for c in before], graded_before)
        path = pathlib.Path(self.km.connection_file).parent / sandbox.INPUTS_FILE
        scratch = path.with_suffix(".partial")
        if self.callee_service:
            served = handoff.served_inputs(keys, callees)
            data = served.data
            if served.functions:
                self._service = CalleeService(
                    path.parent / sandbox.SERVICE_FILE, served.functions,
                    {name: registry_judge(name, served.lesson) for name in served.judged})
                self._service.start()
        else:
            data = handoff.inputs(keys, callees)
        scratch.write_bytes(data)
        os.replace(scratch, path)
        return path

    def _restart_and_replay(self):
        """A fresh kernel with the state of the cells run so far (outputs discarded)."""
        self._restarts += 1
        if self._restarts > self.max_restarts:
            return
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            run_sync(self.km.restart_kernel)(now=True)
            self.kc = None
            self.start_new_kernel_client()
        except Exception as exc:  # noqa: BLE001 - give up on the rest, never on the submission
            self.log.error("Could not restart the kernel: %s", exc)
            self._restarts = self.max_restarts + 1
            return
        for i in list(self._replayable):
            scratch = copy.deepcopy(self.nb.cells[i])
            try:
                self.execute_cell(scratch, i, store_history=False)
            except (DeadKernelError, CellTimeoutError, RuntimeError):
                self._replayable.remove(i)
                return self._restart_and_replay()


SKIPPED_NOTE = ("(not run while grading: no graded function depends on this cell. "
                "Run the notebook to see its output.)\n")


def _skipped_note() -> NotebookNode:
    return NotebookNode(output_type="stream", name="stdout", text=SKIPPED_NOTE)


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])
