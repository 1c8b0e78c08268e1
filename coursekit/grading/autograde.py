"""nbgrader preprocessors that make ``nbgrader autograde`` hold against hostile submissions.

Wired in ``nbgrader_config.py`` (so nbgrader's own ``autograde`` command uses them unchanged):

- :class:`SafeExecute` replaces nbgrader's ``Execute``: the kernel runs in the bubblewrap sandbox
  (:mod:`coursekit.grading.sandbox`); a kernel that dies (``os._exit``, a crash, the memory cap)
  or stops answering (an infinite loop that ignores interrupts) is restarted, the cells before it
  are replayed silently and grading goes on: the cell that killed it gets an error (0 points),
  the rest of the submission is graded normally, and the submission is never lost.
- :class:`VerifyGrades` runs right after it, in nbgrader's own process, which student code never
  touched: for every grade cell calling ``grade("name", fn)`` it takes the raw results the kernel
  published (``coursekit.grading.wire``), judges them again against the reference, and rewrites
  the cell's outputs with the verified report and score. Whatever a notebook does to
  ``coursekit.grading``, numpy, torch, IPython or the cell's displayed result, the score that
  counts is this one; a grade cell without verifiable results earns 0 with a message.
"""
from __future__ import annotations

import copy
import json
import logging
import os
import pathlib
import re
import shutil
import subprocess

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import DeduplicateIds, Execute, NbGraderPreprocessor, OverwriteCells
from traitlets import Bool, Enum, Float, Integer, Unicode

from . import sandbox, wire

GRADE_CALL = re.compile(r'\bgrade\(\s*["\']([^"\']+)["\']\s*,')
_log = logging.getLogger(__name__)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs inside ``bwrap`` and talks over Unix sockets."""

    hidden_folders: list = []
    memory_limit: int | None = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._private = sandbox.private_folder()
        self.transport = "ipc"
        self.ip = os.path.join(self._private, "kernel")
        self.connection_file = os.path.join(self._private, "kernel.json")

    async def _async_pre_start_kernel(self, **kw):
        # Interrupt by a message on the control channel (ipykernel then signals itself): a SIGINT
        # sent to the process group would also reach bwrap, whose death takes the kernel with it.
        self.kernel_spec.interrupt_mode = "message"
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        workdir = kw.get("cwd") or os.getcwd()
        _seed_matplotlib_cache(os.path.join(self._private, "matplotlib"))
        kw.setdefault("stdout", subprocess.DEVNULL)  # the kernel's banner, not the instructor's business
        cmd = sandbox.command(cmd, workdir=workdir, private=self._private, hidden=self.hidden_folders,
                              memory_limit=self.memory_limit)
        return cmd, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._private, ignore_errors=True)


def _seed_matplotlib_cache(folder: str) -> None:
    """Give the sandboxed kernel a copy of matplotlib's font cache: with an empty config folder
    it would rebuild the cache (seconds) in every kernel."""
    os.makedirs(folder, exist_ok=True)
    try:
        import matplotlib
        cache = pathlib.Path(matplotlib.get_cachedir())
        for font_list in cache.glob("fontlist-*.json"):
            shutil.copy(font_list, folder)
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


class SafeExecute(Execute):
    """nbgrader's ``Execute``, sandboxed, and surviving kernels that die or hang."""

    sandbox = Enum(["auto", "required", "off"], "auto", help=(
        "Run the autograding kernel in the bubblewrap sandbox: 'auto' (if bwrap works, else a "
        "warning), 'required' (refuse to grade without it) or 'off'.")).tag(config=True)
    memory_limit_gb = Float(4.0, help="Address-space cap of the sandboxed kernel, in GiB (0: none).").tag(config=True)
    max_restarts = Integer(5, help="Kernel restarts allowed per notebook before the remaining "
                                   "cells are given up (0 points each).").tag(config=True)
    course_root = Unicode("", help="The course directory to hide from the kernel (default: the "
                                   "current directory).").tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sandboxed = False
        if self.sandbox != "off":
            reason = sandbox.unavailable_reason()
            if reason is None:
                self._sandboxed = True
                self.kernel_manager_class = SandboxedKernelManager
            elif self.sandbox == "required":
                raise RuntimeError(f"SafeExecute.sandbox='required' but {reason}")
            else:
                self.log.warning("Autograding WITHOUT a sandbox: %s", reason)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, SandboxedKernelManager):
            root = pathlib.Path(self.course_root or os.getcwd()).resolve()
            hidden = [root]
            workdir = pathlib.Path(self.resources.get("metadata", {}).get("path") or root).resolve()
            if len(workdir.parents) > 2:  # autograded/<student>/<lesson>: hide the whole course
                hidden.append(workdir.parents[2])
            km.hidden_folders = hidden
            km.memory_limit = int(self.memory_limit_gb * 2 ** 30) if self.memory_limit_gb else None
        return km

    def preprocess(self, nb, resources=None, km=None):
        self._replayable: list[int] = []
        self._restarts = 0
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self._restarts > self.max_restarts:
            cell.outputs = [_error("GradingStopped", f"not run: the kernel died or hung {self._restarts} times "
                                                     "in this notebook")]
            return cell, resources
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
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") or not meta.get("grade") and not meta.get("locked"):
            self._replayable.append(index)
        return cell, resources

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


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


class CapOutputs(NbGraderPreprocessor):
    """Bound what a cell's outputs weigh: nbgrader's ``LimitOutput`` counts lines, so one 100 MB
    line (or a plot called a thousand times with a print inside) would pass through whole."""

    max_chars = Integer(100_000, help="Characters of text output kept per cell.").tag(config=True)
    max_outputs = Integer(200, help="Outputs kept per cell.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        budget, kept = self.max_chars, []
        for out in cell.get("outputs", []):
            if len(kept) >= self.max_outputs or budget <= 0:
                kept.append(NotebookNode(output_type="stream", name="stdout",
                                         text="\n... (more output removed by the grader)\n"))
                break
            if out.output_type == "stream":
                text = out.text
                if len(text) > budget:
                    out.text = text[:budget // 2] + f"\n... ({len(text) - budget:,} characters removed by the grader) ...\n" \
                        + text[-budget // 2:]
                budget -= len(out.text)
            elif out.output_type in ("display_data", "execute_result"):
                size = sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in out.get("data", {}).values())
                if size > max(budget, 2_000_000):
                    out = NotebookNode(output_type="stream", name="stdout",
                                       text=f"... (an output of {size:,} characters removed by the grader)\n")
                budget -= min(size, budget)
            kept.append(out)
        cell.outputs = kept
        return cell, resources


class SafeDeduplicateIds(DeduplicateIds):
    """nbgrader's ``DeduplicateIds``, but a duplicated cell becomes an ordinary cell.

    nbgrader blanks the duplicate's metadata to ``{}``, which its own schema check then rejects,
    failing the whole submission: a student who copies a test cell would lose every point.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if not cell.get("metadata", {}).get("nbgrader"):
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


class SafeOverwriteCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, putting back grade cells a student deleted.

    nbgrader's own ``add_missing_cells`` looks the deleted cell's predecessor up among grade and
    solution cells only, and fails the whole submission with a ``KeyError`` when that predecessor
    is a read-only cell (here: the visible check before every hidden test). This puts a missing
    grade cell after the nearest earlier cell of the source notebook still present (or at the end).
    """

    add_missing_cells = Bool(True, help="Put deleted grade cells back (and grade them).").tag(config=True)

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source_nb.source_cells]
        solutions = {cell.name for cell in source_nb.solution_cells}
        present = lambda: {c["metadata"]["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)  # noqa: E731
                           if "grade_id" in c.get("metadata", {}).get("nbgrader", {})}
        for grade_cell in source_nb.grade_cells:
            where = present()
            if grade_cell.name in where:
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back", grade_cell.name)
            source_cell = next(c for c in source_nb.source_cells if c.name == grade_cell.name)
            cell = nbformat.from_dict(self.missing_cell_transform(source_cell, grade_cell.max_score,
                                                                  is_solution=grade_cell.name in solutions))
            cell["id"] = re.sub(r"[^A-Za-z0-9_-]", "-", f"restored-{grade_cell.name}")[:64]
            earlier = order[:order.index(grade_cell.name)] if grade_cell.name in order else []
            anchor = next((where[name] for name in reversed(earlier) if name in where), None)
            nb.cells.insert(len(nb.cells) if anchor is None else anchor + 1, cell)
        return nb, resources


class VerifyGrades(NbGraderPreprocessor):
    """Re-judge every ``grade(...)`` cell from the kernel's raw results, outside the kernel."""

    enabled = True
    _expected: dict = {}  # exercise -> (cases, reference results): the same for every student

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                self._verify(cell)
        return nb, resources

    def _verify(self, cell) -> None:
        from .exercise import get_exercise
        from .harness import RawResult, expected_value, report, score

        names = GRADE_CALL.findall(cell.source)
        if not names:
            return
        payloads = {}
        claimed = None
        for out in cell.get("outputs", []):
            if out.output_type == "display_data" and wire.MIME in out.get("data", {}):
                data = out.data[wire.MIME]
                try:  # plain JSON types (not NotebookNode), whatever form the kernel used
                    data = json.loads(data if isinstance(data, str) else json.dumps(data))
                except (TypeError, ValueError):
                    continue
                if isinstance(data, dict) and isinstance(data.get("exercise"), str):
                    payloads.setdefault(data["exercise"], []).append(data)
            elif out.output_type == "execute_result":
                claimed = out.get("data", {}).get("text/plain")
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        texts, total = [], 0.0
        for name in names:
            try:
                ex = get_exercise(name)
            except KeyError as exc:
                texts.append(f"{name}: cannot be graded ({exc}). 0 points; tell your instructor.")
                continue
            found = payloads.get(name, [])
            if not found:
                why = (f"the cell stopped with {errors[0].ename}: {errors[0].evalue}" if errors else
                       "the notebook's code replaced or disabled the grading code")
                texts.append(f"{name}: no verified results: {why}. Score: 0 / {ex.points:g}")
                continue
            best = None
            for payload in found:  # several (a forged one among them): the lowest counts
                try:
                    if name not in self._expected:
                        cases = list(ex.hidden())
                        self._expected[name] = (cases, [expected_value(ex, c) for c in cases])
                    cases, expected = self._expected[name]
                    raws = [RawResult.from_json(c) for c in payload["cases"]]
                    if len(raws) != len(cases):
                        raise ValueError(f"{len(raws)} results for {len(cases)} cases")
                    ev = score(ex, cases, raws, expected)
                except Exception as exc:  # noqa: BLE001 - malformed results earn nothing, never crash
                    ev, text = None, (f"{name}: the results sent by the notebook could not be read "
                                      f"({type(exc).__name__}: {exc}). Score: 0 / {ex.points:g}")
                    best = (0.0, text)
                    break
                if best is None or ev.score < best[0]:
                    best = (ev.score, report(ev))
            texts.append(best[1])
            total += best[0]
        total = round(total, 2)
        try:
            shown = float(claimed) if claimed is not None else None
        except (TypeError, ValueError):
            shown = None
        if shown is not None and abs(shown - total) > 1e-9:
            texts.append(f"Note: the notebook displayed {claimed} points here, but its results earn {total:g}: "
                         "code in the notebook changed the grading. The verified score counts.")
        cell.outputs = [NotebookNode(output_type="stream", name="stdout", text="\n".join(texts) + "\n"),
                        NotebookNode(output_type="execute_result", execution_count=cell.get("execution_count"),
                                     metadata={}, data={"text/plain": repr(float(total))})]
