import os
import pathlib
import shutil
import sys

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


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """A throw-away nbgrader course made from source/ with nbgrader generate_assignment."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for lesson in lessons():
        nbgrader(root, "generate_assignment", lesson, "--force")
    return root
