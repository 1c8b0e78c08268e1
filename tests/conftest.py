import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from tools.editions import lessons, tool_env  # noqa: E402

# nbgrader opens gradebooks by running `alembic` from PATH: make this interpreter's bin visible
os.environ["PATH"] = tool_env()["PATH"]


def nbgrader(course_root, *args):
    """Run one of nbgrader's own commands in a course directory; fail the test on error."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=WARN"], cwd=course_root,
                          env=tool_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """A throw-away nbgrader course made from source/ with nbgrader generate_assignment."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "source", root / "source")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    for lesson in lessons():
        nbgrader(root, "generate_assignment", lesson, "--force")
    return root
