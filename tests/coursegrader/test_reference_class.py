"""A class of lesson 01 (full solutions, planted known mistakes, blank notebooks: testkit.students.make_class,
as the throughput benchmark builds it), graded by ``make grade``'s client with two workers: every score
and every grade cell's report is what the grading core gave before it was redrawn
(tests/reference_results/class40.json).

The reference was recorded for 40 students, made by ``make_class`` from three kinds of notebook
(student i: blank when i % 4 == 3, the planted mistakes when i % 12 == 6, the full solutions
otherwise), and it holds exactly three distinct results. The first ten students are graded here:
they cover every distinct result recorded (asserted from the reference itself, so a re-recorded
reference with more variety fails this test instead of going unchecked), and each of them is compared
with its own recorded entry. Each worker still grades several submissions in turn (five each).
"""
from __future__ import annotations

import json

import pytest

from coursegrader.grading.cluster.client import autograde_lesson
from testkit.students import make_class

from reference import load, matches, snapshot

LESSON = "01_gradients"
RECORDED = "class40"
KEPT = [f"student{i:03d}" for i in range(10)]


def _distinct(results) -> set[str]:
    return {json.dumps(r, sort_keys=True) for r in results}


def test_the_kept_students_cover_every_distinct_recorded_result():
    reference = load(RECORDED)
    assert set(KEPT) <= set(reference)
    assert _distinct(reference[s] for s in KEPT) == _distinct(reference.values()), \
        "a student left out has a recorded result none of the kept students has"


@pytest.mark.e2e
def test_class_matches_the_reference(tmp_path):
    course = tmp_path / "course"
    make_class(course, LESSON, len(KEPT))
    outcomes = autograde_lesson(course, LESSON, workers=2, progress=False)
    assert [o.student for o in outcomes if not o.ok] == []
    assert sorted(o.student for o in outcomes) == KEPT
    matches(RECORDED, snapshot(course, LESSON), students=KEPT)
