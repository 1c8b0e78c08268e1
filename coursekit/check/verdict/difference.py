"""What is known about a wrong result without guessing a cause: how the received values differ from
the expected ones (which parts, which entries, a constant factor, a sign, an offset, zeros, NaN).

Pure: computed from the expected and received values and the case's tolerance only. Every
statement is checked against that tolerance before it is made: "2 times the expected" means that
every differing value is 2 times its expected value within ``atol + rtol * |value|``. Used where no
catalogued mistake reproduces a student's results (:func:`~.score.name_mistakes`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compare import to_numpy


@dataclass(frozen=True)
class Part:
    """One differing leaf of a result: ``path`` ("the result", "result[2]", "result['W1']"), which
    of its values differ (``where``: "" for all of them), and how (``how``: "" when no simple
    relation holds); ``factor`` / ``offset``: the constant relating them, when one does."""

    path: str
    where: str = ""
    how: str = ""
    factor: float | None = None
    offset: float | None = None
    size: int = 1  # how many values differ
    rest: str = ""  # what is right beside ``where`` when that needs saying ("rows 0 to 2 are right")


@dataclass(frozen=True)
class Difference:
    """How one wrong result differs: its differing parts, and the parts that are right (paths)."""

    parts: tuple[Part, ...]
    right: tuple[str, ...] = ()

    def text(self) -> str:
        """One sentence (empty when nothing can be said beyond the values themselves)."""
        return _sentence(self.parts, self.right)


def describe(expected: Any, received: Any, atol: float, rtol: float) -> Difference | None:
    """How ``received`` differs from ``expected``, or ``None`` when their structures differ (another
    type, length, key set or shape: the comparison already says so) or nothing differs."""
    leaves_e, leaves_r = _leaves(expected, "result"), _leaves(received, "result")
    if leaves_e is None or leaves_r is None or [p for p, _ in leaves_e] != [p for p, _ in leaves_r]:
        return None
    parts, right = [], []
    for (path, e), (_, r) in zip(leaves_e, leaves_r):
        if e.shape != r.shape:
            return None
        part = _part(path, e, r, atol, rtol)
        if part is None:
            right.append(path)
        else:
            parts.append(part)
    if not parts:
        return None
    if len(leaves_e) == 1:
        parts = [Part("the result", p.where, p.how, p.factor, p.offset, p.size, p.rest) for p in parts]
        right = []
    return Difference(tuple(parts), tuple(right))


def common(differences: Sequence[Difference | None]) -> str:
    """What holds on every one of several wrong results (one per failing case), as one sentence:
    the same parts differ and the same parts are right, the same values of them, with the same
    relation, constant factor or offset. Empty when nothing holds on all of them, or for fewer
    than two results."""
    if len(differences) < 2 or any(d is None for d in differences):
        return ""
    first = differences[0]
    paths = [p.path for p in first.parts]
    if any([p.path for p in d.parts] != paths or d.right != first.right for d in differences):
        return ""
    parts = []
    for k, path in enumerate(paths):
        same = [d.parts[k] for d in differences]
        where = same[0].where if all(p.where == same[0].where for p in same) else VARYING
        factor, offset = _same([p.factor for p in same]), _same([p.offset for p in same])
        if factor is not None:
            how = _factor_words(factor)
        elif offset is not None:
            how = _offset_words(offset)
        elif all(p.how and p.how == same[0].how and p.factor is None and p.offset is None for p in same):
            how = same[0].how
        elif all(p.factor is not None and p.size > 1 for p in same):
            shown = [f"{p.factor:g}" for p in same[:4]] + (["..."] if len(same) > 4 else [])
            how = f"a constant multiple of the expected, another on each case ({', '.join(shown)})"
        else:
            how = ""
        rest = same[0].rest if where == same[0].where and all(p.rest == same[0].rest for p in same) else ""
        parts.append(Part(path, where, how, factor, offset, max(p.size for p in same), rest))
    return _sentence(tuple(parts), first.right)


# --- the parts --------------------------------------------------------------------------------

def _leaves(value: Any, path: str) -> list[tuple[str, np.ndarray]] | None:
    """Every numeric leaf of a result with its path, ``None`` if some leaf is not numbers."""
    value = to_numpy(value)
    if isinstance(value, dict):
        out = []
        for k in sorted(value, key=str):
            sub = _leaves(value[k], f"{path}[{k!r}]")
            if sub is None:
                return None
            out += sub
        return out
    if isinstance(value, (list, tuple)):
        as_array = _numbers(value)
        if as_array is not None and not any(isinstance(v, (list, tuple, dict)) for v in value) \
                and not any(isinstance(to_numpy(v), np.ndarray) and to_numpy(v).ndim for v in value):
            return [(path, as_array)]
        out = []
        for i, v in enumerate(value):
            sub = _leaves(v, f"{path}[{i}]")
            if sub is None:
                return None
            out += sub
        return out
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number, np.ndarray)):
        return None
    arr = np.asarray(value)
    return [(path, arr.astype(np.float64))] if arr.dtype.kind in "iuf" else None


def _numbers(value: Sequence) -> np.ndarray | None:
    try:
        arr = np.asarray([to_numpy(v) for v in value])
    except (TypeError, ValueError):
        return None
    return arr.astype(np.float64) if arr.dtype.kind in "iuf" and arr.ndim == 1 else None


def _close(a: np.ndarray, b: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    """Element-wise ``|a - b| <= atol + rtol * |b|`` (the course's tolerance, ``b`` the reference);
    NaN equals NaN and inf equals inf of the same sign."""
    with np.errstate(invalid="ignore", over="ignore"):
        same = (np.isnan(a) & np.isnan(b)) | (np.isinf(b) & (a == b))
        return same | (np.abs(a - b) <= atol + rtol * np.abs(b))


def _part(path: str, e: np.ndarray, r: np.ndarray, atol: float, rtol: float) -> Part | None:
    ok = _close(r, e, atol, rtol)
    if ok.all():
        return None
    bad = ~ok
    n_bad = int(bad.sum())
    where, rest = _where(bad) if bad.size > 1 else ("", "")
    eb, rb = e[bad], r[bad]
    factor = offset = None
    if not np.isfinite(rb).all() and np.isfinite(eb).all():
        how = "NaN" if np.isnan(rb).all() else ("inf" if np.isinf(rb).all() else "NaN or inf in places")
        how = f"{how} where the expected is finite"
    elif not (np.isfinite(rb).all() and np.isfinite(eb).all()):
        how = ""
    elif _close(rb, np.zeros_like(rb), atol, 0.0).all():
        how = "0"
    elif (factor := _factor(eb, rb, atol, rtol)) is not None:
        how = _factor_words(factor)
    elif rb.size > 1 and _close(rb, np.full_like(rb, _round(float(rb[0]))), atol, rtol).all():
        how = f"{_round(float(rb[0])):g}"  # one value, where no factor relates them to the expected ones
    elif (offset := _offset(eb, rb, atol, rtol)) is not None:
        how = _offset_words(offset)
    else:
        how = ""
    if n_bad == 1 and how and (factor is not None or offset is not None):
        how = ""  # one number is always some multiple of another: say it only when it holds on every case
    return Part(path, where, how, factor, offset, n_bad, rest)


def _factor(e: np.ndarray, r: np.ndarray, atol: float, rtol: float) -> float | None:
    """The constant ``c`` with ``r = c * e`` on every entry (within the tolerance), if one exists."""
    big = np.abs(e) > atol
    if not big.any():
        return None
    ratios = r[big] / e[big]
    c = float(np.median(ratios))
    if not np.isfinite(c) or c == 0 or abs(c - 1) <= rtol:
        return None
    c = _round(c)
    return c if _close(r, c * e, atol, rtol).all() else None


def _offset(e: np.ndarray, r: np.ndarray, atol: float, rtol: float) -> float | None:
    """The constant ``k`` with ``r = e + k`` on every entry (within the tolerance), if one exists."""
    k = _round(float(np.median(r - e)))
    if k == 0:
        return None
    return k if _close(r, e + k, atol, rtol).all() else None


def _round(x: float) -> float:
    """``x`` to 6 significant digits (a factor of 0.0010000000000000002 is a factor of 0.001)."""
    return float(f"{x:.6g}")


def _same(values: list[float | None]) -> float | None:
    if any(v is None for v in values):
        return None
    return values[0] if all(abs(v - values[0]) <= 1e-9 * abs(values[0]) for v in values) else None


def _factor_words(c: float) -> str:
    if c == -1:
        return "the expected with the opposite sign"
    return f"{c:g} times the expected"


def _offset_words(k: float) -> str:
    return f"the expected {'plus' if k > 0 else 'minus'} {abs(k):g}"


def _where(bad: np.ndarray) -> tuple[str, str]:
    """Which entries of an array differ, when it is not all of them (the entries of a vector, the
    rows from some row on, some rows or some columns of a matrix, else how many), and what is right
    beside them when that needs saying."""
    if bad.all():
        return "", ""
    if bad.ndim == 1:
        idx = np.flatnonzero(bad).tolist()
        if len(idx) <= 3:
            return "entr" + ("y " if len(idx) == 1 else "ies ") + _list(idx), ""
        return f"{len(idx)} of the {bad.size} entries", ""
    rows = bad.reshape(bad.shape[0], -1)
    if (rows.all(axis=1) | ~rows.any(axis=1)).all():
        wrong = np.flatnonzero(rows.all(axis=1)).tolist()
        if wrong == list(range(wrong[0], bad.shape[0])) and wrong[0] > 0:
            first = "row 0 is" if wrong[0] == 1 else f"rows 0 to {wrong[0] - 1} are"
            return f"the rows from row {wrong[0]} on", f"{first} right"
        if len(wrong) <= 3:
            return ("row " if len(wrong) == 1 else "rows ") + _list(wrong), ""
        return f"{len(wrong)} of the {bad.shape[0]} rows", ""
    if bad.ndim == 2 and (bad.all(axis=0) | ~bad.any(axis=0)).all():
        wrong = np.flatnonzero(bad.all(axis=0)).tolist()
        if len(wrong) <= 3:
            return ("column " if len(wrong) == 1 else "columns ") + _list(wrong), ""
    return f"{int(bad.sum())} of the {bad.size} values", ""


def _list(idx: list[int]) -> str:
    return ", ".join(str(i) for i in idx[:-1]) + (" and " if len(idx) > 1 else "") + str(idx[-1])


VARYING = "some values"  # a part whose differing values are not the same ones on every case


def _sentence(parts: Sequence[Part], right: Sequence[str]) -> str:
    """The parts that differ (which values, how) and the parts that are right, in one sentence;
    empty when it would only say that the result differs."""
    said, informative = [], bool(right)
    for p in parts:
        informative = informative or bool(p.how) or p.where not in ("", VARYING)
        if p.where in ("", VARYING):
            if p.how:
                subject = ("the values of " if p.where else "every value of " if p.size > 1 else "") + p.path
                said.append(f"{subject} {'that differ ' if p.where else ''}{'are' if p.where else 'is'} {p.how}")
            else:
                said.append(f"{p.path} differs")
            continue
        plural = p.where.startswith(("entries", "rows", "columns", "the rows")) or p.where[:1].isdigit()
        text = f"only {p.where} of {p.path} differ{'' if plural else 's'}" + (f" ({p.rest})" if p.rest else "")
        if p.how:
            text += f": {'it is' if p.size == 1 else 'each of them is'} {p.how}"
        said.append(text)
    if right:
        said.append(f"{_list_words(right)} {'is' if len(right) == 1 else 'are'} right")
    return "; ".join(said) if informative else ""


def _list_words(paths: Sequence[str]) -> str:
    return ", ".join(paths[:-1]) + (" and " if len(paths) > 1 else "") + paths[-1]
