"""What a grading task carries: the lesson's grader files and one submission, as bytes.

A :class:`LessonBundle` holds everything nbgrader needs to autograde a lesson anywhere: the
course's ``nbgrader_config.py`` and every file of ``source/<lesson>/`` (the instructor's notebook
with its hidden tests). A :class:`SubmissionFiles` holds the files of one student's
``submitted/<student>/<lesson>/``. Both are built on the client, which owns the course directory;
workers only ever see these bytes.

:func:`submission_key` is the content hash that decides whether a submission must be graded again:
it covers the submission's files, the lesson's grader files and the grading code's version.
:func:`inspect_submission` catches, on the client, a submission that cannot be graded (missing,
empty, not JSON, not a notebook, another lesson's notebook) and says why in words.
"""
from __future__ import annotations

import functools
import hashlib
import json
import pathlib
import re
from dataclasses import dataclass, field

import nbformat

from coursegrader.coursedir import CONFIG_FILE
from coursegrader.grading.protocol import nbgrader_meta

MAX_SUBMISSION_BYTES = 50 * 2 ** 20  # a submission folder larger than this is refused, not shipped


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def _folder_files(folder: pathlib.Path) -> dict[str, bytes]:
    """{path relative to ``folder``: bytes} of every file under it (hidden checkpoints left out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


@dataclass(frozen=True)
class LessonBundle:
    """A lesson's grader files: ``config`` (the course's ``nbgrader_config.py``) and ``source``
    ({relative path: bytes} of ``source/<lesson>/``), with ``course_path`` (the client's course
    folder, hidden from the student's kernel if a worker shares the machine)."""

    lesson: str
    config: bytes
    source: dict[str, bytes]
    course_path: str = ""
    digest: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "digest", _digest({CONFIG_FILE: self.config, **{
            f"source/{k}": v for k, v in self.source.items()}}))

    @classmethod
    def from_course(cls, course: pathlib.Path, lesson: str) -> LessonBundle:
        course = pathlib.Path(course).resolve()
        folder = course / "source" / lesson
        if not (folder / f"{lesson}.ipynb").is_file():
            raise FileNotFoundError(f"no source notebook {folder / (lesson + '.ipynb')}")
        return cls(lesson, (course / CONFIG_FILE).read_bytes(), _folder_files(folder), str(course))

    @functools.cached_property
    def _cells(self) -> list[dict]:
        """The code and markdown cells of the lesson's source notebook, parsed once."""
        return json.loads(self.source[f"{self.lesson}.ipynb"]).get("cells", [])

    @functools.cached_property
    def graded_cell_ids(self) -> frozenset[str]:
        """The ids of the lesson's graded and solution cells (from its source notebook)."""
        return frozenset(nbgrader_meta(c)["grade_id"] for c in self._cells
                         if nbgrader_meta(c).get("grade") or nbgrader_meta(c).get("solution"))

    @functools.cached_property
    def max_score(self) -> float:
        """The lesson's points: the sum of its grade cells' points (from its source notebook)."""
        return float(sum(nbgrader_meta(c).get("points", 0) or 0 for c in self._cells if nbgrader_meta(c).get("grade")))

    @property
    def notebooks(self) -> list[str]:
        """The lesson's notebooks (top-level ``.ipynb`` files of its source folder), by name."""
        return sorted(name for name in self.source if name.endswith(".ipynb") and "/" not in name)

    @functools.cached_property
    def imports(self) -> tuple[str, ...]:
        """The modules the lesson's source notebook imports at the top level of its code cells, in
        order (never a student's imports: only what the lesson itself needs)."""
        found = []
        for cell in self._cells:
            if cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            for line in ("".join(source) if isinstance(source, list) else source).splitlines():
                m = re.match(r"(?:import\s+([\w.]+)|from\s+([\w.]+)\s+import\s)", line)
                if m:
                    found.append(m.group(1) or m.group(2))
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class SubmissionFiles:
    """One student's submission folder as {relative path: bytes}."""

    student: str
    files: dict[str, bytes]

    @classmethod
    def from_course(cls, course: pathlib.Path, lesson: str, student: str) -> SubmissionFiles:
        return cls(student, _folder_files(pathlib.Path(course) / "submitted" / student / lesson))

    @property
    def digest(self) -> str:
        return _digest(self.files)


def _package_file(path: pathlib.Path, root: pathlib.Path) -> bool:
    """Whether ``path`` is the package's own, not what building it left beside its modules (a
    ``pip install ./coursekit`` writes ``coursekit/build/`` and ``coursekit.egg-info/``)."""
    return not any(part in ("build", "__pycache__") or part.endswith(".egg-info")
                   for part in path.relative_to(root).parts[:-1])


@functools.cache
def grading_code_version() -> str:
    """The course packages' version and a digest of their code and stored keys (so a fix to the
    grader, a reference or a case regrades)."""
    import coursegrader
    import coursekit

    code = {}
    for package in (coursekit, coursegrader):
        root = pathlib.Path(package.__file__).resolve().parent
        code.update({f"{package.__name__}/{p.relative_to(root).as_posix()}": p.read_bytes()
                     for p in sorted([*root.rglob("*.py"), *root.rglob("*.json")]) if _package_file(p, root)})
    return f"{coursegrader.__version__}+{_digest(code)[:16]}"


def submission_key(submission: SubmissionFiles, bundle: LessonBundle) -> str:
    """The hash a graded submission is remembered by: its files, the lesson's grader files and the
    grading code's version. Unchanged key: nothing the grade depends on changed."""
    h = hashlib.sha256()
    for part in (submission.student, submission.digest, bundle.digest, grading_code_version()):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def inspect_submission(course: pathlib.Path, bundle: LessonBundle, student: str) -> str | None:
    """Why ``student``'s submission of the lesson cannot be graded, or ``None`` if it can."""
    lesson = bundle.lesson
    folder = pathlib.Path(course) / "submitted" / student / lesson
    if not folder.is_dir():
        return f"no submission folder submitted/{student}/{lesson}"
    path = folder / f"{lesson}.ipynb"
    if not path.is_file():
        found = sorted(p.name for p in folder.glob("*.ipynb"))
        return f"no {lesson}.ipynb in submitted/{student}/{lesson}" + (f" (found: {', '.join(found)})" if found else "")
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    if size > MAX_SUBMISSION_BYTES:
        return f"the submission folder holds {size / 2 ** 20:.0f} MiB (limit {MAX_SUBMISSION_BYTES // 2 ** 20} MiB)"
    raw = path.read_bytes()
    if not raw.strip():
        return f"{lesson}.ipynb is an empty file"
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{lesson}.ipynb is not JSON (a notebook file is JSON): {exc}"
    try:
        nb = nbformat.reads(raw.decode(), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds; all mean "not a notebook"
        return f"{lesson}.ipynb is JSON but not a Jupyter notebook: {str(exc).splitlines()[0][:300]}"
    if not isinstance(data, dict):  # pragma: no cover - nbformat refuses these first
        return f"{lesson}.ipynb is not a Jupyter notebook"
    ids = {nbgrader_meta(c).get("grade_id") for c in nb.cells} - {None}
    if bundle.graded_cell_ids and not ids & bundle.graded_cell_ids:
        return (f"{lesson}.ipynb is not this lesson's notebook: none of {lesson}'s graded cells "
                f"({', '.join(sorted(bundle.graded_cell_ids)[:3])}, ...) are in it"
                + (f"; it has {', '.join(sorted(ids)[:3])}" if ids else ""))
    return None
