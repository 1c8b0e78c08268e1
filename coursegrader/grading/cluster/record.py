"""A :class:`~.result.GradedSubmission` written into the course's gradebook: nbgrader's ``Gradebook``
API, named fields only, one database transaction per submission, retried while the database is
unreachable.

What is written is what a serial ``nbgrader autograde`` writes, and nothing else: the hand-in time
(when there is one), each grade cell's ``auto_score`` and ``needs_manual_grade`` (nbgrader's
``SaveAutoGrades`` rule: a cell needs a person when a manual score was given or nothing could be
scored), each answer cell's ``auto_comment``, and each notebook's ``late_submission_penalty``
(nbgrader's ``AssignLatePenalties`` with the course's configured plugin, :class:`LatePenalty`).
What an instructor set (manual scores, extra credit, manual comments, a flag, an extension) stays.

nbgrader's API commits after each call; here its session is bound to one connection-level
transaction that its commits do not end (SQLAlchemy's ``join_transaction_mode="rollback_only"``),
so a submission's student, submission, scores, comments and penalty are committed together or not
at all: a writer that dies or loses the database mid-way leaves nothing half-written. Rows are
updated in place (``update_or_create_*``), so recording the same submission twice leaves one
copy, and concurrent writers (several clients, several lessons) only ever meet at row level.
"""
from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError, SAWarning
from sqlalchemy.orm import scoped_session, sessionmaker

from .result import GradedSubmission


class GradebookUnreachable(RuntimeError):
    """The database could not be written after every retry; nothing of the submission was."""


class LatePenaltyFailed(RuntimeError):
    """The late-penalty plugin raised; nothing of the submission was written."""


class LatePenalty:
    """nbgrader's late-submission rule as serial ``nbgrader autograde`` applies it (its
    ``AssignLatePenalties``, nbgrader 0.9.6): for each notebook of a submission handed in after its
    due date (plus the student's extension), the penalty the course's configured plugin gives
    (``LateSubmissionPlugin.penalty_method``, or your ``AssignLatePenalties.plugin_class``), kept
    between 0 and the notebook's score; ``None`` when on time. ``config``: the course's
    configuration (nbgrader's ``Config``)."""

    def __init__(self, config=None):
        from nbgrader.preprocessors import AssignLatePenalties

        quiet = logging.getLogger("coursegrader.late")
        quiet.propagate = False
        assigner = AssignLatePenalties(config=config, log=quiet) if config is not None else \
            AssignLatePenalties(log=quiet)
        assigner.init_plugin()
        self.plugin = assigner.plugin_inst

    def apply(self, gb, lesson: str, student: str) -> float:
        """Set the penalty of each notebook of the submission (in ``gb``'s session); return their sum."""
        gb.db.flush()
        gb.db.expire_all()  # the notebooks' scores are computed by the database from the grades just written
        submission = gb.find_submission(lesson, student)
        late = submission.total_seconds_late
        total = 0.0
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = None
            if late > 0:
                try:
                    penalty = self.plugin.late_submission_penalty(student, notebook.score, late)
                except Exception as exc:  # a course's own plugin: said in the summary, nothing written
                    raise LatePenaltyFailed(f"the late penalty could not be applied ({type(exc).__name__}: "
                                            f"{exc})") from exc
                if penalty is not None:  # AssignLatePenalties keeps it within [0, the notebook's score]
                    notebook.late_submission_penalty = min(max(penalty, 0), notebook.score)
                    total += notebook.late_submission_penalty
        return total


@contextlib.contextmanager
def _transaction(gb):
    """nbgrader's API on ``gb``, every commit of it inside one database transaction, committed at
    the end of the block (rolled back if it raises)."""
    with warnings.catch_warnings(), gb.engine.connect() as conn:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own API: SQLAlchemy's autoflush notes
        outer = conn.begin()
        own = gb.db
        gb.db = scoped_session(sessionmaker(bind=conn, autoflush=True, future=True,
                                            join_transaction_mode="rollback_only"))
        try:
            yield gb
            gb.db.commit()  # flushes; the outer transaction is still open
            outer.commit()
        except BaseException:
            if outer.is_active:
                outer.rollback()
            raise
        finally:
            gb.db.remove()
            gb.db = own


def write(gb, lesson: str, graded: GradedSubmission, late: LatePenalty | None = None) -> float:
    """Write ``graded`` (graded or timed out) into ``gb`` in a single transaction, then its late
    penalty (``late``; none: no penalty is set); return the penalty."""
    if graded.status == "failed":
        raise ValueError(f"{graded.student}'s submission was not graded: nothing to record")
    student = graded.student
    with _transaction(gb):
        gb.update_or_create_student(student)
        if graded.timestamp is not None:
            gb.update_or_create_submission(lesson, student, timestamp=graded.timestamp)
        else:
            gb.update_or_create_submission(lesson, student)
        for nb in graded.notebooks:
            for cell in nb.scores:
                grade = gb.find_grade(cell.name, nb.name, lesson, student)
                grade.auto_score = cell.auto_score
                grade.needs_manual_grade = grade.manual_score is not None or cell.auto_score is None
            for cell in nb.comments:
                gb.find_comment(cell.name, nb.name, lesson, student).auto_comment = cell.auto_comment
        return late.apply(gb, lesson, student) if late is not None else 0.0


def record(db_url: str, course_id: str, lesson: str, graded: GradedSubmission, *, late: LatePenalty | None = None,
           attempts: int = 8, wait: float = 1.0, max_wait: float = 30.0,
           on_retry: Callable[[int, Exception], None] | None = None) -> float:
    """:func:`write` into the gradebook at ``db_url``, retried with growing waits (``wait``
    doubling up to ``max_wait``) while the database cannot be reached; raise
    :class:`GradebookUnreachable` after ``attempts``. Return the late penalty."""
    from nbgrader.api import Gradebook

    def once():
        with Gradebook(db_url, course_id) as gb:
            return write(gb, lesson, graded, late)

    return _retried(once, db_url, graded.student, attempts, wait, max_wait, on_retry)


def apply_late_penalty(db_url: str, course_id: str, lesson: str, student: str, late: LatePenalty, *,
                       attempts: int = 8, wait: float = 1.0, max_wait: float = 30.0,
                       on_retry: Callable[[int, Exception], None] | None = None) -> float:
    """The late penalty of a submission recorded earlier, set again (the due date or the student's
    extension may have changed since) in one transaction, retried like :func:`record`; return it."""
    from nbgrader.api import Gradebook

    def once():
        with Gradebook(db_url, course_id) as gb, _transaction(gb):
            return late.apply(gb, lesson, student)

    return _retried(once, db_url, student, attempts, wait, max_wait, on_retry)


def _retried(once: Callable[[], float], db_url: str, student: str, attempts: int, wait: float, max_wait: float,
             on_retry: Callable[[int, Exception], None] | None) -> float:
    from nbgrader.api import InvalidEntry

    delay = wait
    conflicts = 0
    for attempt in range(1, attempts + 1):
        try:
            return once()
        except InvalidEntry:
            # another writer created the same student or submission between our look-up and our
            # insert (nbgrader's API raises InvalidEntry on the unique key): written again, the
            # rows are found and updated
            conflicts += 1
            if conflicts > 3:
                raise
            continue
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError) and not exc.connection_invalidated:
                raise  # a real error in the data, not the connection: retrying will not help
            if attempt == attempts:
                raise GradebookUnreachable(
                    f"the gradebook ({_safe(db_url)}) could not be written after {attempts} attempts: "
                    f"{str(exc.orig or exc).strip().splitlines()[0]}. Nothing of {student}'s submission was "
                    "written; the submissions recorded before it are complete.") from exc
            if on_retry:
                on_retry(attempt, exc)
            time.sleep(delay)
            delay = min(delay * 2, max_wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _safe(db_url: str) -> str:
    """The database address without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable address is shown as given
        return db_url
