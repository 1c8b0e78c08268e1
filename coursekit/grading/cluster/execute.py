"""``ClusterExecute``: the course's ``SafeExecute`` with more folders hidden from the kernel and a
wall-clock deadline for the whole notebook.

On a grading worker, the sandbox also masks the folders where database servers keep their Unix
sockets (a socket is reached through the filesystem, which no network namespace blocks) and the
client's course folder when the worker shares its machine. Past ``deadline`` (a
``time.monotonic()`` value; the worker kills the running kernel at that moment) no cell runs and
no kernel is restarted: the cells not run get a "grading timed out" error and score 0, the cells
graded before keep their results. Configured like ``SafeExecute`` (traitlets applies
``SafeExecute.*`` settings to this subclass), plus ``hidden_folders`` and ``deadline``.
"""
from __future__ import annotations

import time

from nbformat import NotebookNode
from traitlets import Float, List, Unicode

from coursekit.grading.autograde import SafeExecute


class ClusterExecute(SafeExecute):
    """``SafeExecute`` whose sandbox hides ``hidden_folders`` too, stopping at ``deadline``."""

    hidden_folders = List(Unicode(), help="More folders masked (empty) inside the sandbox.").tag(config=True)
    deadline = Float(0.0, help="time.monotonic() after which no cell runs (0: none).").tag(config=True)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if self.sandboxed and self.hidden_folders:
            config = km.kernel_spec_manager.sandbox_config
            config["hidden_folders"] = [*config["hidden_folders"], *self.hidden_folders]
        return km

    def past_deadline(self) -> bool:
        return bool(self.deadline) and time.monotonic() >= self.deadline

    def preprocess_cell(self, cell, resources, index):
        if self.past_deadline() and cell.cell_type == "code" and cell.source.strip():
            cell.outputs = [NotebookNode(output_type="error", ename="GradingTimedOut",
                                         evalue="not run: grading timed out (the submission's wall-clock limit)",
                                         traceback=["GradingTimedOut: not run: grading timed out"])]
            return cell, resources
        return super().preprocess_cell(cell, resources, index)

    def _restart_and_replay(self):
        if self.past_deadline():  # the kernel was stopped at the deadline: no new one
            self._restarts = self.max_restarts + 1
            return
        super()._restart_and_replay()
