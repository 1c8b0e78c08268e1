"""A graded submission written into the course's gradebook: nbgrader's ``Gradebook`` API, one
database transaction per submission, retried while the database is unreachable.

nbgrader's API commits after each call; here its session is bound to one connection-level
transaction that its commits do not end (SQLAlchemy's ``join_transaction_mode="rollback_only"``),
so a submission's student, submission, notebooks, grades and comments are committed together or
not at all: a writer that dies or loses the database mid-way leaves nothing half-written. Rows are
updated in place (``update_or_create_*``), so recording the same submission twice leaves one
copy, and concurrent writers (several clients, several lessons) only ever meet at row level.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, OperationalError, SAWarning
from sqlalchemy.orm import scoped_session, sessionmaker


class GradebookUnreachable(RuntimeError):
    """The database could not be written after every retry; nothing of the submission was."""


def write_rows(db_url: str, course_id: str, lesson: str, student: str, rows: dict, gradebook=None) -> None:
    """Write one submission's rows (as returned by a worker) in a single transaction."""
    from nbgrader.api import Gradebook

    gb = gradebook or Gradebook(db_url, course_id)
    try:
        with warnings.catch_warnings(), gb.engine.connect() as conn:
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's own API: SQLAlchemy's autoflush notes
            outer = conn.begin()
            own = gb.db
            gb.db = scoped_session(sessionmaker(bind=conn, autoflush=True, future=True,
                                                join_transaction_mode="rollback_only"))
            try:
                gb.update_or_create_student(student)
                gb.update_or_create_submission(lesson, student, **rows["submission"])
                for name, notebook in rows["notebooks"].items():
                    target = gb.find_submission_notebook(name, lesson, student)
                    for key, value in notebook["notebook"].items():
                        setattr(target, key, value)
                    for grade, values in notebook["grades"].items():
                        row = gb.find_grade(grade, name, lesson, student)
                        for key, value in values.items():
                            setattr(row, key, value)
                    for comment, values in notebook["comments"].items():
                        row = gb.find_comment(comment, name, lesson, student)
                        for key, value in values.items():
                            setattr(row, key, value)
                gb.db.commit()  # flushes; the outer transaction is still open
                outer.commit()
            except BaseException:
                if outer.is_active:
                    outer.rollback()
                raise
            finally:
                gb.db.remove()
                gb.db = own
    finally:
        if gradebook is None:
            gb.close()


def record(db_url: str, course_id: str, lesson: str, student: str, rows: dict, *, attempts: int = 8,
           wait: float = 1.0, max_wait: float = 30.0, on_retry: Callable[[int, Exception], None] | None = None) -> int:
    """:func:`write_rows`, retried with growing waits (``wait`` doubling up to ``max_wait``) while
    the database cannot be reached; raise :class:`GradebookUnreachable` after ``attempts``.
    Return the number of attempts it took."""
    from nbgrader.api import InvalidEntry

    delay = wait
    conflicts = 0
    for attempt in range(1, attempts + 1):
        try:
            write_rows(db_url, course_id, lesson, student, rows)
            return attempt
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
