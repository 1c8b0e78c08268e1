"""The contract between a lesson's notebook, the student's kernel and the grader: the only place
that writes or reads a grade cell or a results payload.

Cell ids. An exercise ``<id>`` is three nbgrader cells, ``<id>_solution`` (the student's code),
``<id>_check`` (read-only, the visible ``check`` calls) and ``<id>_grade`` (read-only, autograded,
the hidden ``grade`` calls between ``### BEGIN/END HIDDEN TESTS`` markers, worth the points).

Grade cell. Its source is built by :func:`grade_cell_source` and read back by
:func:`grade_calls`; each call ``grade("<registry key>", <function>)`` grades one registry entry.

Payload. While autograding, ``grade`` publishes what the student's function produced on every hidden
case as one ``display_data`` output of MIME type :data:`MIME`::

    {"version": 1, "exercise": "<registry key>", "cases": [<case>, ...]}
    <case> = {"value": <wire-encoded value>, "error": str|null, "output": str,
              "delegated": [str, ...], "modified": str|null}

When the function was judged on its own with the course's reference in place of graded functions it
calls that fail their own hidden cases (:mod:`coursegrader.grading.kernel.cascade`), two more keys::

    "judged_with": {"<callee function>": {"<callee's registry key>": [<case>, ...]}, ...}
    "own": [<case>, ...]

``judged_with`` holds each replaced callee's results on its own hidden cases (the evidence that it
fails them: :func:`parse_judged_with`), ``own`` the function's results with the student's own callees.

The kernel runs student code: a payload is data to validate, never to trust. :func:`parse_payload`
refuses anything else (another version, unknown keys such as a forged ``score``, a wrong number of
cases, more than :data:`MAX_PAYLOAD_CHARS`), raising :class:`PayloadError`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from coursekit.check import wire
from coursekit.check.collect import RawResult

# the payload is written by the grading kernel, which has the student package only; re-exported here
from coursekit.check.payload import MIME, VERSION, make_payload, payload_output, raw_to_json  # noqa: F401

# -- cell ids ----------------------------------------------------------------------------------
KINDS = ("solution", "check", "grade")
_CELL_ID = re.compile(r"^(?P<exercise>.+)_(?P<kind>solution|check|grade)$")


def cell_id(exercise_id: str, kind: str) -> str:
    """``"rosenbrock", "grade"`` -> ``"rosenbrock_grade"``."""
    if kind not in KINDS:
        raise ValueError(f"unknown cell kind {kind!r}; one of {KINDS}")
    return f"{exercise_id}_{kind}"


def split_cell_id(grade_id: str) -> tuple[str, str] | None:
    """``"rosenbrock_grade"`` -> ``("rosenbrock", "grade")``; ``None`` for a cell of no exercise."""
    match = _CELL_ID.match(grade_id or "")
    return (match["exercise"], match["kind"]) if match else None


def nbgrader_meta(cell: Mapping) -> dict:
    """A cell's nbgrader metadata (``{}`` for an ordinary cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_grade_cell(cell: Mapping) -> bool:
    """An autograded test cell (code, ``grade``, not a solution)."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


# -- cell sources ------------------------------------------------------------------------------
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
_GRADE_CALL = re.compile(r'\bgrade\(\s*["\']([^"\']+)["\']\s*,\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*\))?')
_CHECK_CALL = re.compile(r'\bcheck\(\s*["\']([^"\']+)["\']\s*,\s*([A-Za-z_][A-Za-z0-9_]*)')


def check_cell_source(graded: Mapping[str, str]) -> str:
    """The visible check cell: one ``check("<key>", <function>)`` per graded registry key."""
    return "\n".join(f'check("{key}", {fn})' for key, fn in graded.items())


# the hidden tests import the grader themselves: the release (and a student's machine) has no grader
GRADE_IMPORT = "from coursegrader.grading import grade"
_POINTS_NOTE = re.compile(r"\((\d+(?:\.\d+)?) points?\)")


def grade_cell_source(graded: Mapping[str, str], points: float, comment: str | None = None) -> str:
    """The hidden grade cell for ``graded`` (registry key -> function name) worth ``points``.

    Its first line is a comment a student reads in the release (the hidden tests are removed
    there); ``comment`` keeps an author's wording, with its ``(N points)`` set to ``points``.
    """
    if comment is None:
        names = ", ".join(f"`{fn}`" for fn in dict.fromkeys(graded.values()))
        comment = f"# Hidden tests of {names} ({points:g} points) run here when your notebook is graded."
    elif not _POINTS_NOTE.search(comment):
        raise ValueError(f"a grade cell's comment must say its points, as '({points:g} points)': {comment!r}")
    comment = _POINTS_NOTE.sub(f"({points:g} points)", comment, count=1)
    calls = " + ".join(f'grade("{key}", {fn})' for key, fn in graded.items())
    return f"{comment}\n{BEGIN_HIDDEN}\n{GRADE_IMPORT}\n{calls}\n{END_HIDDEN}"


def grade_cell_comment(source: str) -> str | None:
    """The comment line above a grade cell's hidden tests (``None`` if there is none)."""
    first = source.split("\n", 1)[0]
    return first if first.startswith("#") and not first.startswith(BEGIN_HIDDEN) else None


def grade_calls(source: str) -> list[tuple[str, str | None]]:
    """``[(registry key, function name), ...]`` of the ``grade(...)`` calls in a cell's source
    (the function name is ``None`` when the second argument is not a plain name)."""
    return [(key, fn or None) for key, fn in _GRADE_CALL.findall(source)]


def check_calls(source: str) -> list[tuple[str, str]]:
    """``[(registry key, function name), ...]`` of the ``check(...)`` calls in a cell's source."""
    return _CHECK_CALL.findall(source)


def grade_cell_metadata(exercise_id: str, points: float) -> dict:
    """The nbgrader metadata of an exercise's grade cell."""
    return {"grade_id": cell_id(exercise_id, "grade"), "solution": False, "grade": True, "locked": True,
            "schema_version": 3, "points": points}


# -- payload -----------------------------------------------------------------------------------
MAX_PAYLOAD_CHARS = 64_000_000  # far above any honest payload (arrays are capped by wire.MAX_ARRAY_BYTES)
MAX_CASES = 10_000
_PAYLOAD_KEYS = {"version", "exercise", "cases", "judged_with", "own"}
_CASE_KEYS = {"value", "error", "output", "delegated", "modified"}


class PayloadError(ValueError):
    """A payload that does not follow the schema: it earns nothing."""


def raw_from_json(obj: Any) -> RawResult:
    """One case's result read back from a payload (untrusted data: anything else is refused)."""
    if not isinstance(obj, dict):
        raise PayloadError("a case result must be an object")
    extra = set(obj) - _CASE_KEYS
    if extra:
        raise PayloadError(f"unexpected fields in a case result: {sorted(extra)}")
    error, output, modified = obj.get("error"), obj.get("output", ""), obj.get("modified")
    delegated = obj.get("delegated", [])
    if not (error is None or isinstance(error, str)) or not isinstance(output, str) or \
            not (modified is None or isinstance(modified, str)) or \
            not (isinstance(delegated, list) and all(isinstance(d, str) for d in delegated)):
        raise PayloadError("malformed case result")
    try:
        value = wire.decode(obj.get("value"))
    except (ValueError, TypeError, KeyError) as exc:
        raise PayloadError(f"undecodable value: {exc}") from None
    return RawResult(value, error, output, delegated, modified)


def payloads_in(outputs: Iterable[Mapping]) -> dict[str, list[Any]]:
    """The raw payloads among a cell's outputs, by the exercise they name (unparsed: see
    :func:`parse_payload`). Outputs that are not payloads, or name no exercise, are skipped."""
    found: dict[str, list[Any]] = {}
    for out in outputs:
        if out.get("output_type") != "display_data" or MIME not in out.get("data", {}):
            continue
        data = out["data"][MIME]
        if isinstance(data, str) and len(data) > MAX_PAYLOAD_CHARS:
            data = {"exercise": None}
        try:  # plain JSON types (not NotebookNode), whatever form the kernel used
            data = json.loads(data if isinstance(data, str) else json.dumps(data))
        except (TypeError, ValueError, RecursionError):
            continue
        if isinstance(data, dict) and isinstance(data.get("exercise"), str):
            found.setdefault(data["exercise"], []).append(data)
    return found


def parse_payload(data: Any, exercise: str, n_cases: int) -> list[RawResult]:
    """The per-case results of a payload for ``exercise`` with ``n_cases`` hidden cases."""
    if not isinstance(data, dict):
        raise PayloadError("the payload is not an object")
    extra = set(data) - _PAYLOAD_KEYS
    if extra:
        raise PayloadError(f"unexpected fields in the payload: {sorted(extra)}")
    if data.get("version") != VERSION:
        raise PayloadError(f"payload version {data.get('version')!r}, expected {VERSION}")
    if data.get("exercise") != exercise:
        raise PayloadError(f"the payload is for {data.get('exercise')!r}, not {exercise!r}")
    cases = data.get("cases")
    if not isinstance(cases, list) or len(cases) > MAX_CASES:
        raise PayloadError("the payload's cases are not a list")
    if len(json.dumps(cases)) > MAX_PAYLOAD_CHARS:
        raise PayloadError(f"the payload is larger than {MAX_PAYLOAD_CHARS:,} characters")
    raws = [raw_from_json(c) for c in cases]
    if len(raws) != n_cases:
        raise PayloadError(f"{len(raws)} results for {n_cases} cases")
    return raws


def parse_judged_with(data: Mapping, n_cases: int, cases_of: Callable[[str, str], int]) -> \
        tuple[dict[str, dict[str, list[RawResult]]], list[RawResult] | None]:
    """The callees a payload (already read by :func:`parse_payload`) says were replaced, with their
    results on their own hidden cases, and the function's results with the student's own callees
    (``({}, None)`` when nothing was replaced). ``cases_of(callee, key)`` is the number of hidden
    cases of the callee's registry key ``key``; it raises ``KeyError`` when ``key`` does not grade a
    graded function named ``callee`` that this exercise may call."""
    judged = data.get("judged_with")
    if judged is None:
        if "own" in data:
            raise PayloadError("results with the student's own callees, but no callee was replaced")
        return {}, None
    if not isinstance(judged, dict) or not judged or not all(
            isinstance(keys, dict) and keys and all(isinstance(rs, list) for rs in keys.values())
            for keys in judged.values()):
        raise PayloadError("malformed judged_with")
    found: dict[str, dict[str, list[RawResult]]] = {}
    for name, keys in judged.items():
        for key, cases in keys.items():
            try:
                expected = cases_of(name, key)
            except KeyError as exc:
                raise PayloadError(f"{key!r} of {name!r} is not a graded function this exercise may call") from exc
            raws = [raw_from_json(c) for c in cases]
            if len(raws) != expected:
                raise PayloadError(f"{len(raws)} results for the {expected} cases of {key}")
            found.setdefault(name, {})[key] = raws
    own = data.get("own")
    if not isinstance(own, list):
        raise PayloadError("judged_with without the results with the student's own callees")
    own = [raw_from_json(c) for c in own]
    if len(own) != n_cases:
        raise PayloadError(f"{len(own)} results with the student's own callees for {n_cases} cases")
    return found, own


# -- verdicts kept in an autograded notebook -----------------------------------------------------
VERDICTS_KEY = "coursekit"  # cell.metadata[VERDICTS_KEY]["verdicts"]: written by autograde.verify


def verdicts_of(cell: Mapping) -> list[dict]:
    """The verdicts an autograded grade cell keeps (``Evaluation.as_data()`` per graded
    exercise: score, points, likely mistake, per-case mistake ids); ``[]`` when it has none."""
    found = (cell.get("metadata", {}).get(VERDICTS_KEY) or {}).get("verdicts") or []
    return [v for v in found if isinstance(v, dict) and isinstance(v.get("exercise"), str)]
