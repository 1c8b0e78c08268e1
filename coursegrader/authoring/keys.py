"""The visible cases' answer keys the student package ships (:mod:`coursekit.check.store`),
computed from the references and catalogues."""
from __future__ import annotations

from coursekit.check import store
from coursekit.check.tasks import all_tasks

from ..grading.registry import get_exercise


def lesson_keys(lesson: str) -> dict[str, dict]:
    """Every task of a lesson (the student package's): its stored entry, from its exercise."""
    entries = {}
    for task in all_tasks():
        if task.lesson != lesson:
            continue
        ex = get_exercise(task.name)
        cases = list(task.visible())
        key = ex.answer_key(cases)
        entries[task.name] = store.encode_key(task, cases, key)
    return entries


def lessons() -> list[str]:
    """The lessons that have tasks in the student package."""
    return sorted({t.lesson for t in all_tasks()})
