"""A graded exercise as the grader knows it: the student-visible task, plus the course's reference,
the hidden cases, the catalogue of plausible mistakes and the points."""
from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from coursekit.check.copying import fresh
from coursekit.check.isolate import run_isolated, seed_everything
from coursekit.check.task import Case, Task
from coursekit.check.verdict.score import AnswerKey


@dataclass
class Mistake:
    """A plausible wrong implementation and the feedback to give when a student's output matches it.

    ``fn`` has the graded function's signature and is complete and self-contained (it never calls
    the reference of its own exercise); ``message`` names the mistake in a student's words
    ("divides by eps instead of 2*eps"); ``name`` is its id within the exercise (what verdicts record).
    """

    name: str
    message: str
    fn: Callable


@dataclass(kw_only=True)
class Exercise(Task):
    """A :class:`~coursekit.check.task.Task` with what only the grader has.

    - ``reference``: the course's implementation (calling it from a student's function earns 0);
    - ``points``: what the exercise is worth (stated here and nowhere else);
    - ``hidden``: returns the hidden cases (non-default settings, several steps, seeded random
      inputs, edge cases; under 2 s in all);
    - ``mistakes``: the catalogue. Judging ignores its order (a wrong result names a mistake only
      when that mistake gives the student's results on every case, see
      :func:`coursekit.check.verdict.score.name_mistakes`); the first one listed is the one the
      end-to-end test plants in a submission (any would do).
    """

    reference: Callable
    points: float
    hidden: Callable[[], Sequence[Case]]
    mistakes: Sequence[Mistake] = ()

    def __post_init__(self):
        super().__post_init__()
        if not self.parameters:
            try:
                self.parameters = tuple(inspect.signature(self.reference).parameters)
            except (TypeError, ValueError):
                self.parameters = ()
        names = [m.name for m in self.mistakes]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: two catalogued mistakes share a name: {sorted(names)}")

    @classmethod
    def of(cls, task: Task, **grader) -> Exercise:
        """The exercise of a student-visible task: ``Exercise.of(TASK, reference=..., points=...,
        hidden=..., mistakes=[...])`` (any task field may be overridden, e.g. a ``run`` that falls
        back on the reference forward)."""
        fields = {f.name: getattr(task, f.name) for f in dataclasses.fields(Task)}
        return cls(**{**fields, **grader})

    @property
    def task(self) -> Task:
        """The student-visible part (what :mod:`coursekit.check` ships)."""
        return Task(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Task)})

    def expected(self, case: Case) -> Any:
        """The reference's result on a case (seeded: the same in every process)."""
        seed_everything(0)
        return self.call(self.reference, fresh(case))

    def wrong_results(self, case: Case, names: Collection[str] | None = None) -> list[tuple[str, Any]]:
        """``(name, result)`` of every catalogued mistake (or of those in ``names``) that returns on
        ``case`` (isolated, seeded)."""
        found = []
        for mistake in self.mistakes:
            if names is not None and mistake.name not in names:
                continue
            outcome = run_isolated(lambda m=mistake: self.call(m.fn, fresh(case)), time_limit=self.time_limit)
            if outcome.error is None:
                found.append((mistake.name, outcome.value))
        return found

    def answer_key(self, cases: Sequence[Case]) -> AnswerKey:
        """The answers to ``cases`` and, on demand, the catalogued mistakes' results on them."""
        cases = list(cases)
        return AnswerKey([self.expected(c) for c in cases], lambda i, names=None: self.wrong_results(cases[i], names),
                         {m.name: m.message for m in self.mistakes})
