"""A typo in LESSON (`make grade LESSON=3_sgd`) stops grade, report and similarity with an error that
names the lessons; before, `make grade` exited 0 with "0 of 0 submissions of 3_sgd autograded"."""
import subprocess
import sys

import pytest

from coursegrader.coursedir import tool_env
from tools.editions import ROOT, lessons


@pytest.mark.parametrize("tool", ["tools.grade", "tools.class_report", "tools.similarity"])
def test_an_unknown_lesson_is_an_error_naming_the_lessons(tool):
    proc = subprocess.run([sys.executable, "-m", tool, "3_sgd"], cwd=ROOT, env=tool_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no lesson '3_sgd'" in proc.stderr and all(lesson in proc.stderr for lesson in lessons())
    assert "autograded" not in proc.stdout
