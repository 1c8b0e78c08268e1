"""``VerifyGrades``: every grade cell's score judged again in nbgrader's own process.

It runs right after :class:`~.execute.SafeExecute`, where student code never ran: for every grade
cell calling ``grade("name", fn)`` it takes the raw results the kernel published
(:mod:`coursegrader.grading.protocol`), judges them against the reference
(:mod:`coursekit.check.verdict`), and rewrites the cell's outputs with the verified report and
score. Whatever a notebook does to ``coursegrader.grading``, numpy, torch, IPython or the cell's
displayed result, the score that counts is this one; a grade cell without verifiable results
earns 0 with a message. The verdicts are also kept, as data, in the cell's metadata
(``metadata.coursekit.verdicts``: per case, passed or not and the id of the catalogued mistake it
matched) for tools that read the class's results.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from coursekit.check.verdict.report import report
from coursekit.check.verdict.score import score

from ..protocol import VERDICTS_KEY, grade_calls, is_grade_cell, parse_payload, payloads_in
from ..registry import get_exercise


class VerifyGrades(NbGraderPreprocessor):
    """Re-judge every ``grade(...)`` cell from the kernel's raw results, outside the kernel."""

    _expected: dict = {}  # exercise -> (cases, answer key): the same for every student

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if is_grade_cell(cell):
                self.verify(cell)
        return nb, resources

    def expected(self, name: str):
        """The hidden cases of an exercise and their answer key (computed once)."""
        if name not in self._expected:
            ex = get_exercise(name)
            cases = list(ex.hidden())
            self._expected[name] = (cases, ex.answer_key(cases))
        return self._expected[name]

    def verify(self, cell) -> None:
        """Replace a grade cell's outputs with the verified report and score."""
        names = [key for key, _ in grade_calls(cell.source)]
        if not names:
            return
        payloads = payloads_in(cell.get("outputs", []))
        claimed = next((out.get("data", {}).get("text/plain") for out in reversed(cell.get("outputs", []))
                        if out.get("output_type") == "execute_result"), None)  # the score the cell displayed
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        texts, total, records = [], 0.0, []
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
                records.append({"exercise": name, "score": 0.0, "points": float(ex.points), "cases": [],
                                "unverified": why})
                continue
            best = None
            for payload in found:  # several (a forged one among them): the lowest counts
                try:
                    cases, key = self.expected(name)
                    raws = parse_payload(payload, name, len(cases))
                    ev = score(ex, ex.points, cases, raws, key)
                except Exception as exc:  # noqa: BLE001 - malformed results earn nothing, never crash
                    text = (f"{name}: the results sent by the notebook could not be read "
                            f"({type(exc).__name__}: {exc}). Score: 0 / {ex.points:g}")
                    best = (0.0, text, {"exercise": name, "score": 0.0, "points": float(ex.points),
                                        "cases": [], "unverified": str(exc)})
                    break
                if best is None or ev.score < best[0]:
                    best = (ev.score, report(ev), ev.as_data())
            texts.append(best[1])
            total += best[0]
            records.append(best[2])
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
        cell.metadata[VERDICTS_KEY] = {"verdicts": records}
