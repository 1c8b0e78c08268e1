"""Grading on a Dask cluster with no shared filesystem (``make grade``, ``tools/grade.py``).

The client (the instructor's machine, which owns the course directory and the gradebook) packs
what a worker needs into plain bytes, and the worker returns plain data:

- :mod:`.bundle`: the lesson's grader files (``nbgrader_config.py``, ``source/<lesson>/``) and a
  submission's files, each identified by a content hash; corrupt submissions caught on the client;
- :mod:`.worker`: the task that runs on a Dask worker (a private scratch course, nbgrader's own
  autograde and generate_feedback, sandboxed, a wall-clock limit) and the worker plugin that
  imports nbgrader, torch and the course once per worker and scrubs its environment;
- :mod:`.record`: what a worker returned written into the gradebook through nbgrader's
  ``Gradebook`` API, one transaction per submission, retried while the database is unreachable.

Nothing here reads the course directory on a worker: a worker needs only this package installed.
"""
from .bundle import LessonBundle, SubmissionFiles, inspect_submission, submission_key
from .record import GradebookUnreachable, record
from .worker import GradingWorkerPlugin, SandboxRefused, grade_submission

__all__ = ["GradebookUnreachable", "GradingWorkerPlugin", "LessonBundle", "SandboxRefused", "SubmissionFiles",
           "grade_submission", "inspect_submission", "record", "submission_key"]
