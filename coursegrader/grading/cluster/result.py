"""What a worker sends back: :class:`GradedSubmission`, one submission graded (or not) on a worker.

The way in is typed (:class:`~.bundle.LessonBundle`, :class:`~.bundle.SubmissionFiles`), and so is
the way back (otter-grader's ``GradingResults`` is the model): per notebook, what nbgrader's
``autograde`` decided for each grade cell (``auto_score``, out of ``max_score``) and each solution
or task cell (``auto_comment``), the hand-in time it read, the autograded notebook and the feedback
page, and how it went (``status``: graded, timed out, failed, with its ``reason``), on which worker
and how long each phase took. A submission that could not be graded is a ``GradedSubmission`` too,
with status ``failed``, a reason and no scores.

:func:`read_graded` reads one from a gradebook through nbgrader's ``Gradebook`` API, field by
named field; :mod:`.record` writes one into the course's gradebook the same way.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["graded", "timed out", "failed"]
STATUSES = ("graded", "timed out", "failed")


@dataclass(frozen=True)
class CellScore:
    """A grade cell as ``nbgrader autograde`` scored it (``auto_score`` ``None``: not autogradable)."""

    name: str
    auto_score: float | None
    max_score: float


@dataclass(frozen=True)
class CellComment:
    """A solution or task cell's automatic comment ("No response." for an untouched answer, else ``None``)."""

    name: str
    auto_comment: str | None


@dataclass(frozen=True)
class NotebookScores:
    """One notebook of the submission: its grade cells' scores and its answer cells' comments."""

    name: str
    scores: tuple[CellScore, ...]
    comments: tuple[CellComment, ...] = ()


@dataclass(frozen=True)
class GradedSubmission:
    """One student's submission of a lesson, as a worker graded it (see the module's docstring).

    ``timestamp``: the hand-in time nbgrader read (``timestamp.txt``), ``None`` without one;
    ``autograded`` and ``feedback``: {path relative to the student's lesson folder: bytes};
    ``key``: the hash the client remembers it by; ``seconds``: the task's wall-clock time on the
    worker; ``timings``: each phase's wall-clock seconds."""

    student: str
    status: Status
    reason: str = ""
    key: str = ""
    timestamp: datetime.datetime | None = None
    notebooks: tuple[NotebookScores, ...] = ()
    autograded: dict[str, bytes] = field(default_factory=dict)
    feedback: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0
    worker: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if (self.status == "failed") == bool(self.notebooks):
            raise ValueError("a failed submission has no scores, a graded one has them")
        if self.status != "graded" and not self.reason:
            raise ValueError(f"a submission {self.status} says why")

    @property
    def score(self) -> float:
        """The autograded points (a cell nbgrader could not score counts 0)."""
        return sum(cell.auto_score or 0.0 for nb in self.notebooks for cell in nb.scores)


def read_graded(db_url: str, course_id: str, lesson: str, student: str) -> GradedSubmission | None:
    """``student``'s submission of ``lesson`` in the gradebook at ``db_url``, as a graded result
    without files (``None`` if there is no such submission, or nbgrader scored none of its cells)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            submission = gb.find_submission(lesson, student)
        except MissingEntry:
            return None
        notebooks = tuple(
            NotebookScores(nb.name, tuple(CellScore(g.name, g.auto_score, g.max_score) for g in nb.grades),
                           tuple(CellComment(c.name, c.auto_comment) for c in nb.comments))
            for nb in submission.notebooks)
        timestamp = submission.timestamp
    if not any(cell.auto_score is not None for nb in notebooks for cell in nb.scores):
        return None
    return GradedSubmission(student, "graded", timestamp=timestamp, notebooks=notebooks)
