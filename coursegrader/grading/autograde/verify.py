"""``VerifyGrades``: every grade cell's score judged again in nbgrader's own process.

It runs right after :class:`~.execute.SafeExecute`, where student code never ran: for every grade
cell calling ``grade("name", fn)`` it takes the raw results the kernel published
(:mod:`coursegrader.grading.protocol`), judges them against the reference
(:mod:`coursekit.check.verdict`), and rewrites the cell's outputs with the verified report and
score. Whatever a notebook does to ``coursegrader.grading``, numpy, torch, IPython or the cell's
displayed result, the score that counts is this one; a grade cell without verifiable results
earns 0 with a message. A function the kernel judged with the course's reference in place of graded
functions it calls (:mod:`coursegrader.grading.kernel.cascade`) is scored on those results only when
the payload's own evidence shows each replaced callee failing one of its own hidden cases, judged here.
The verdicts are also kept, as data, in the cell's metadata
(``metadata.coursekit.verdicts``: per case, passed or not and the id of the catalogued mistake it
matched) for tools that read the class's results.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from coursekit.check.callees import function_name
from coursekit.check.verdict.judge import judge
from coursekit.check.verdict.report import report
from coursekit.check.verdict.score import Evaluation, judged_on_its_own, score

from ..protocol import VERDICTS_KEY, grade_calls, is_grade_cell, parse_judged_with, parse_payload, payloads_in
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

    def judged(self, name: str, payload) -> Evaluation:
        """A payload's results judged here: on the results with the course's reference in place of
        the callees the payload says fail their own hidden cases, when their own results (in the
        payload) fail them; otherwise on the results with the student's own callees."""
        ex = get_exercise(name)
        cases, key = self.expected(name)
        raws = parse_payload(payload, name, len(cases))

        def cases_of(callee: str, callee_key: str) -> int:
            callee_ex = get_exercise(callee_key)
            if function_name(callee_key) != callee or callee == function_name(name) or callee_ex.lesson > ex.lesson:
                raise KeyError(callee_key)
            return len(self.expected(callee_key)[0])

        judged, own = parse_judged_with(payload, len(cases), cases_of)
        if judged and not all(self.fails_own_cases(keys) for keys in judged.values()):
            judged, raws = {}, own  # a callee that passes its own cases was not to be replaced
        ev = score(ex, ex.points, cases, raws, key)
        if judged:
            judged_on_its_own(ev, list(judged), ex, cases, own, key.expected)
        return ev

    def fails_own_cases(self, results: dict) -> bool:
        """Whether a callee's results on its own hidden cases (by registry key) fail one of them."""
        for callee_key, raws in results.items():
            callee_ex = get_exercise(callee_key)
            cases, key = self.expected(callee_key)
            if not all(judge(callee_ex, c, r, want).passed for c, r, want in zip(cases, raws, key.expected)):
                return True
        return False

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
                    ev = self.judged(name, payload)
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
