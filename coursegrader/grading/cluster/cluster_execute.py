"""``ClusterExecute``: the course's ``SafeExecute`` with more folders hidden from the kernel and a
wall-clock deadline for the whole notebook.

On a grading worker, the sandbox also masks the folders where database servers keep their Unix
sockets (a socket is reached through the filesystem, which no network namespace blocks) and the
client's course folder when the worker shares its machine. Past ``deadline`` (a
``time.monotonic()`` value; the worker kills the running kernel at that moment) no cell runs and
no kernel is restarted: the cells not run get a "grading timed out" error and score 0, the cells
graded before keep their results. Configured like ``SafeExecute`` (traitlets applies
``SafeExecute.*`` settings to this subclass), plus ``hidden_folders`` and ``deadline``.

With ``next_slot`` set (the worker grades every submission under a slot name, :mod:`.pool`), the
kernel of the submission graded next is launched as soon as this one's kernel is ready, working
in ``autograded/<next_slot>/<lesson>``; and this submission's kernel is the spare launched for it
by the submission before, when that spare was launched with exactly the settings a cold start
would use now (kernel, arguments, working folder, sandbox settings, environment).
"""
from __future__ import annotations

import os
import pathlib
import re
import tempfile
import time

from nbformat import NotebookNode
from traitlets import Float, List, Unicode

from coursegrader.grading.autograde import SafeExecute

from . import pool

_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class ClusterExecute(SafeExecute):
    """``SafeExecute`` whose sandbox hides ``hidden_folders`` too, stopping at ``deadline``."""

    hidden_folders = List(Unicode(), help="More folders masked (empty) inside the sandbox.").tag(config=True)
    deadline = Float(0.0, help="time.monotonic() after which no cell runs (0: none).").tag(config=True)

    preimport = List(Unicode(), help="Modules every kernel imports as it starts, before the first cell, in a "
                                     "namespace of its own (the lesson's own imports: a spare kernel then has "
                                     "them loaded when its submission arrives).").tag(config=True)
    next_slot = Unicode("", help="The slot the next submission is graded under: its kernel is launched "
                                 "as soon as this one's is ready ('': no spare).").tag(config=True)

    def sandbox_kernel(self, km, workdir, kernel_log: str) -> None:
        super().sandbox_kernel(km, workdir, kernel_log)
        if self.hidden_folders:
            config = km.kernel_spec_manager.sandbox_config
            config["hidden_folders"] = [*config["hidden_folders"], *self.hidden_folders]

    def _kernel_arguments(self) -> list[str]:
        """The arguments nbclient starts the kernel with (``async_start_new_kernel``)."""
        args = list(self.extra_arguments)
        if (self.kernel_name in {"python", "python2", "python3"} and self.ipython_hist_file
                and not any(a.startswith("--HistoryManager.hist_file") for a in args)):
            args.append(f"--HistoryManager.hist_file={self.ipython_hist_file}")
        modules = [m for m in self.preimport if _MODULE.fullmatch(m)]
        if modules and self.kernel_name in {"python", "python2", "python3"}:
            # run by IPython before the kernel answers; exec's own namespace: the student's stays empty
            code = "".join(f"import {m}\n" for m in modules)
            args.append(f"--IPKernelApp.exec_lines=exec({code!r}, {{}})")
        return args

    def _launch_key(self, workdir: pathlib.Path) -> tuple:
        """Everything a kernel's start depends on, but the folders made for it."""
        environment = tuple(sorted(os.environ.items()))
        return (self.kernel_name, tuple(self._kernel_arguments()), str(workdir),
                str(pathlib.Path(self.course_root or os.getcwd()).resolve()), tuple(self.hidden_folders),
                self.memory_limit_gb, environment)

    def create_kernel_manager(self):
        self._spare_launched = False
        if not self.kernel_name:  # as nbclient's own create_kernel_manager does
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or ""
        if not (self.sandboxed and self.next_slot and self.kernel_name):
            return super().create_kernel_manager()
        taken = pool.take(self._launch_key(self._workdir()))
        if taken is None:
            return super().create_kernel_manager()
        self.km, kernel_log = taken
        os.unlink(self.kernel_log)
        self.kernel_log = kernel_log
        return self.km

    def start_new_kernel_client(self):
        kc = super().start_new_kernel_client()
        if self.sandboxed and self.next_slot and self.kernel_name and not getattr(self, "_spare_launched", False):
            self._spare_launched = True
            self._launch_spare()
        return kc

    def _launch_spare(self) -> None:
        """Launch the kernel of the submission graded next (slot ``next_slot``)."""
        workdir = self._workdir()
        nxt = workdir.parents[1] / self.next_slot / workdir.name
        nxt.mkdir(parents=True, exist_ok=True)
        km = self.kernel_manager_class(kernel_name=self.kernel_name, config=self.config)
        handle, kernel_log = tempfile.mkstemp(prefix="coursekit-kernel-", suffix=".log")
        os.close(handle)
        self.sandbox_kernel(km, nxt, kernel_log)
        pool.launch(self._launch_key(nxt), km, kernel_log, self.next_slot, str(nxt),
                    {"extra_arguments": self._kernel_arguments(), "cwd": str(nxt)})

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
