"""The visible cases' answer keys, stored when the course is built, read by a student's kernel.

For every task of a lesson, ``expected/<lesson>.json`` holds, per visible case, a fingerprint of the
case's inputs, the reference's result and the results of the catalogued mistakes that return on it
(exact :mod:`.wire` encodings), and what each mistake's name means to a student. The instructor
package writes it (``python -m tools.generate``) from the references and catalogues, which never
ship to students; a test regenerates it and compares, so it cannot drift.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import wire
from .task import Case, Task
from .verdict.score import AnswerKey

FORMAT = 1
FOLDER = pathlib.Path(__file__).parent / "expected"


class StaleKey(RuntimeError):
    """The stored values were made for other inputs than the task's visible cases: the course's
    generated files are out of date (an author changed a case and did not regenerate)."""


def path(lesson: str) -> pathlib.Path:
    return FOLDER / f"{lesson}.json"


def _feed(h, value: Any, depth: int = 0) -> None:
    """Hash what a case's input *is* (not where it lives in memory)."""
    if depth > 30:
        h.update(b"<deep>")
        return
    if isinstance(value, np.ndarray):
        h.update(f"nd{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, np.random.Generator):
        h.update(b"rng")
        _feed(h, value.bit_generator.state, depth + 1)
    elif isinstance(value, (bool, int, float, str, type(None), np.generic)):
        h.update(f"{type(value).__name__}:{value!r}".encode())
    elif isinstance(value, Mapping):
        h.update(b"{")
        for k in sorted(value, key=repr):
            _feed(h, k, depth + 1)
            _feed(h, value[k], depth + 1)
        h.update(b"}")
    elif isinstance(value, (list, tuple)):
        h.update(b"[" if isinstance(value, list) else b"(")
        for v in value:
            _feed(h, v, depth + 1)
        h.update(b"]")
    elif inspect.isroutine(value) or inspect.isclass(value):
        h.update(f"fn:{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}".encode())
    else:
        try:
            import torch
            if isinstance(value, torch.Tensor):
                _feed(h, value.detach().cpu().numpy(), depth + 1)
                return
            if isinstance(value, torch.nn.Module):
                h.update(f"module:{type(value).__qualname__}".encode())
                _feed(h, {k: v.detach().cpu().numpy() for k, v in value.state_dict().items()}, depth + 1)
                return
        except ImportError:  # pragma: no cover - torch is a dependency
            pass
        h.update(f"obj:{type(value).__module__}.{type(value).__qualname__}".encode())
        _feed(h, getattr(value, "__dict__", {}), depth + 1)


def fingerprint(case: Case) -> str:
    """A digest of a case's label and inputs: equal in every process for the same case."""
    h = hashlib.sha256()
    _feed(h, (case.label, case.args, case.kwargs, case.atol, case.rtol,
              case.raises.__name__ if case.raises else None))
    return h.hexdigest()[:24]


def encode_key(task: Task, cases: Sequence[Case], key: AnswerKey) -> dict:
    """One task's stored entry: per case its fingerprint, answer and mistakes' results."""
    entries = []
    for i, case in enumerate(cases):
        entries.append({"label": case.label, "inputs": fingerprint(case),
                        "expected": wire.encode(key.expected[i]),
                        "mistakes": {name: wire.encode(value) for name, value in key.wrong_results(i)}})
    return {"cases": entries, "messages": dict(sorted(key.messages.items()))}


def dumps(lesson: str, entries: Mapping[str, dict]) -> str:
    """A lesson's stored-keys file (tasks sorted, one value per line: readable diffs)."""
    data = {"format": FORMAT, "lesson": lesson, "tasks": dict(sorted(entries.items()))}
    return json.dumps(data, indent=1) + "\n"


_loaded: dict[str, dict] = {}


def _lesson_data(lesson: str) -> dict:
    if lesson not in _loaded:
        try:
            data = json.loads(path(lesson).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StaleKey(f"no stored values for lesson {lesson}: the course package is incomplete "
                           "(reinstall it; authors: run `python -m tools.generate`)") from None
        if data.get("format") != FORMAT:
            raise StaleKey(f"stored values of {lesson} have format {data.get('format')}, not {FORMAT}")
        _loaded[lesson] = data
    return _loaded[lesson]


def stored_key(task: Task, cases: Sequence[Case]) -> AnswerKey:
    """The answer key of a task's visible cases, read from the stored values (checked against the
    cases' fingerprints: a stale file raises :class:`StaleKey` instead of judging wrongly)."""
    entry = _lesson_data(task.lesson)["tasks"].get(task.name)
    if entry is None:
        raise StaleKey(f"no stored values for {task.name!r} in lesson {task.lesson}")
    stored = entry["cases"]
    if len(stored) != len(cases) or any(s["inputs"] != fingerprint(c) for s, c in zip(stored, cases)):
        raise StaleKey(f"the stored values of {task.name!r} were made for other visible cases: "
                       "the course's generated files are out of date (authors: `python -m tools.generate`)")
    expected = [wire.decode(s["expected"]) for s in stored]
    return AnswerKey(expected, lambda i: [(name, wire.decode(v)) for name, v in stored[i]["mistakes"].items()],
                     dict(entry.get("messages", {})))
