import atexit
import fcntl
import os
import pathlib
import shutil
import sys
import tempfile

import pytest

# One BLAS/OpenMP thread per process, for this process and everything the tests start (kernels,
# nbgrader, Dask workers, whose grading plugin sets the same): the suite runs kernels and workers two
# at a time on two cores, where a second thread per process only spins (lesson 03 executed: 18.2 CPU-s
# with the default threads, 12.9 with one). Set before numpy or torch is imported; a value already in
# the environment is kept.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

ROOT = pathlib.Path(__file__).resolve().parents[1]
# tests/lessons: its lesson tests hold the correct variants other tests reuse (test_similarity)
for p in (ROOT, ROOT / "tests", ROOT / "tests" / "lessons"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from coursegrader.coursedir import run_nbgrader, tool_env  # noqa: E402 - after the path set-up above
from tools.editions import lessons  # noqa: E402 - after the path set-up above

# nbgrader opens gradebooks by running `alembic` from PATH: make this interpreter's bin visible
os.environ["PATH"] = tool_env()["PATH"]


def nbgrader(course_root, *args):
    """Run one of nbgrader's own commands in a course directory; fail the test on error."""
    return run_nbgrader(course_root, *args, quiet=True)


# Folders built once per test run and shared by every pytest process of the run: `make test`'s parallel
# phase has two (pytest-xdist workers), each of which would otherwise build its own. The run's first
# process (the xdist controller, or a plain pytest) makes the folder and removes it at its end; its
# workers inherit its name through the environment.
SHARED_ENV = "COURSEKIT_TEST_SHARED"


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # an xdist worker: its controller made the folder
        return
    config.coursekit_shared = tempfile.mkdtemp(prefix="coursekit-tests-")
    os.environ[SHARED_ENV] = config.coursekit_shared


def pytest_unconfigure(config):
    if getattr(config, "coursekit_shared", None):
        shutil.rmtree(config.coursekit_shared, ignore_errors=True)


def shared_build(name: str, build) -> pathlib.Path:
    """The folder ``name`` that ``build(folder)`` fills, built once per test run however many pytest
    processes ask (the first builds it under a lock, the others wait for it). Its users only read it:
    a test that changes a course works on its own copy (``shutil.copytree``)."""
    if not os.environ.get(SHARED_ENV):  # used outside pytest: one folder for the process
        os.environ[SHARED_ENV] = tempfile.mkdtemp(prefix="coursekit-tests-")
        atexit.register(shutil.rmtree, os.environ[SHARED_ENV], ignore_errors=True)
    shared = pathlib.Path(os.environ[SHARED_ENV])
    target = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if build raises
        if not target.exists():
            partial = shared / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            build(partial)
            partial.rename(target)  # a folder appears whole or not at all
    return target


def _generate_every_lesson(root: pathlib.Path) -> None:
    root.mkdir()
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for lesson in lessons():
        nbgrader(root, "generate_assignment", lesson, "--force")


@pytest.fixture(scope="session")
def course():
    """A course made from source/ with nbgrader generate_assignment (every lesson in its gradebook),
    shared by the whole run: read it, or copy it to change it."""
    return shared_build("course", _generate_every_lesson)
