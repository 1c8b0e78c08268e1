"""Grading a class on a Dask cluster with no shared filesystem (``make grade``, ``tools/grade.py``).

The client (the instructor's machine, which owns the course directory and the gradebook) packs
what a worker needs into plain bytes, and the worker sends back a typed result:

- :mod:`.bundle`: the way in: the lesson's grader files (``nbgrader_config.py``, ``source/<lesson>/``)
  and a submission's files, each identified by a content hash; corrupt submissions caught on the client;
- :mod:`.worker`: the task that runs on a Dask worker (a private scratch course, nbgrader's own
  autograde and generate_feedback, sandboxed, a wall-clock limit) and the worker plugin that
  imports nbgrader, torch and the course once per worker and scrubs its environment;
  :mod:`.cluster_execute` (its kernel: hidden folders, the deadline, the spare kernel of
  :mod:`.pool`);
- :mod:`.result`: the way back, :class:`GradedSubmission` (scores, comments, files, status);
- :mod:`.record`: a graded submission written into the course's gradebook through nbgrader's
  ``Gradebook`` API, named fields only, one transaction per submission, retried while the database
  is unreachable;
- :mod:`.client`: :func:`autograde_lesson`, the whole run on the client (the summary included).

Nothing here reads the course directory on a worker: a worker needs only this package installed.
"""
from .bundle import LessonBundle, SubmissionFiles, inspect_submission, submission_key
from .record import GradebookUnreachable, LatePenalty, record
from .result import CellComment, CellScore, GradedSubmission, NotebookScores, read_graded
from .worker import GradingWorkerPlugin, SandboxRefused, autograde_submission

__all__ = ["CellComment", "CellScore", "GradebookUnreachable", "GradedSubmission", "GradingWorkerPlugin",
           "LatePenalty", "LessonBundle", "NotebookScores", "SandboxRefused", "SubmissionFiles",
           "autograde_submission", "inspect_submission", "read_graded", "record", "submission_key"]
