"""A 40-student class of lesson 01 (full solutions, planted known mistakes, blank notebooks, as the
throughput benchmark builds it), graded by ``tools.grade`` with two workers: every score and every
grade cell's report is what the grading core gave before it was redrawn (tests/reference_results)."""
from __future__ import annotations

import pytest

from bench.autograde_parallel import make_class
from tools import grade as grader

from reference import matches, snapshot

LESSON = "01_gradients"


@pytest.mark.e2e
def test_class_of_40_matches_the_reference(tmp_path):
    course = tmp_path / "course"
    make_class(course, LESSON, 40)
    outcomes = grader.grade(LESSON, course=course, workers=2, progress=False)
    assert [o.student for o in outcomes if not o.ok] == []
    matches("class40", snapshot(course, LESSON))
