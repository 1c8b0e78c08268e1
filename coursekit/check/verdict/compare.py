"""Compare a received result with the expected one and describe the difference."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Mismatch:
    """Why two results differ, in words, plus the errors when the values are numbers."""

    what: str
    max_abs: float | None = None
    max_rel: float | None = None

    def describe(self) -> str:
        if self.max_abs is None:
            return self.what
        return f"{self.what} (max abs error {self.max_abs:.3g}, max rel error {self.max_rel:.3g})"


def to_numpy(x: Any) -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return x
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return x


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def compare(expected: Any, received: Any, atol: float, rtol: float, *, strict: bool = True,
            where: str = "result", notes: list[str] | None = None) -> Mismatch | None:
    """``None`` if ``received`` equals ``expected`` within ``|r - e| <= atol + rtol * |e|``.

    Values are judged, not their wrapping (spec section 2): a list, tuple or array holding the
    expected values passes, and so does a dict keeping an expected entry under another key (an
    optimizer's state, see :func:`_rename_keys`). Each such liberty is described in ``notes``
    (when given), to be shown to the student at no cost. ``strict`` still checks what the spec
    asks: float64 (not float32) arrays, a readable container (not ragged, the right length).
    The mistake matcher uses ``strict=False`` to compare values only.
    NaN equals NaN and inf equals inf of the same sign.
    """
    if notes is None:
        notes = []
    if isinstance(expected, dict):
        if not isinstance(received, dict):
            return Mismatch(f"{where}: expected a dict, got {type(received).__name__}")
        if set(expected) != set(received):
            renamed = _rename_keys(expected, received, atol, rtol, strict, where)
            if renamed is None:
                return Mismatch(f"{where}: expected keys {sorted(expected)}, got {sorted(received)}")
            notes.extend(renamed)
            return None
        for key in expected:
            bad = compare(expected[key], received[key], atol, rtol, strict=strict, where=f"{where}[{key!r}]",
                          notes=notes)
            if bad:
                return bad
        return None
    if isinstance(expected, (tuple, list)):
        if isinstance(received, np.ndarray) and received.ndim >= 1:
            notes.append(f"{where}: you return a numpy array where the lesson returns a "
                         f"{type(expected).__name__}; the values are what counts")
            received = list(received)
        elif not isinstance(received, (tuple, list)):
            return Mismatch(f"{where}: expected a {type(expected).__name__} of {len(expected)} items, "
                            f"got {type(received).__name__}")
        elif strict and type(received) is not type(expected) and not isinstance(expected, tuple):
            notes.append(f"{where}: you return a {type(received).__name__} where the lesson returns a "
                         f"{type(expected).__name__}; the values are what counts")
        if len(received) != len(expected):
            return Mismatch(f"{where}: expected {len(expected)} items, got {len(received)}")
        for i, (e, r) in enumerate(zip(expected, received)):
            bad = compare(e, r, atol, rtol, strict=strict, where=f"{where}[{i}]", notes=notes)
            if bad:
                return bad
        return None
    if expected is None or isinstance(expected, (str, bool)):
        if received is not expected and received != expected:
            return Mismatch(f"{where}: expected {expected!r}, got {received!r}")
        return None

    from_container = False
    if strict and isinstance(expected, np.ndarray) and expected.ndim >= 1 and isinstance(received, (list, tuple)):
        as_array = container_as_array(received)
        if as_array is None:
            return Mismatch(f"{where}: expected a numpy ndarray of shape {expected.shape}, got a "
                            f"{type(received).__name__} that cannot be read as one array of numbers "
                            f"(ragged, or not numbers)")
        notes.append(f"{where}: you return a {type(received).__name__} where the lesson returns a numpy "
                     f"array; the values are what counts")
        received, from_container = as_array, True
    if strict and isinstance(expected, np.ndarray) and not isinstance(received, np.ndarray):
        return Mismatch(f"{where}: expected a numpy ndarray, got {type(received).__module__}."
                        f"{type(received).__name__}")
    if strict and _is_number(expected) and not (_is_number(received) or
                                               (isinstance(received, np.ndarray) and received.shape == ())):
        return Mismatch(f"{where}: expected a number, got {type(received).__name__}")
    received = to_numpy(received)
    try:
        r = np.asarray(received, dtype=np.float64) if not isinstance(received, np.ndarray) else received
    except (TypeError, ValueError):
        return Mismatch(f"{where}: expected numbers, got {type(received).__name__}")
    e = np.asarray(expected)
    if e.shape != r.shape:
        return Mismatch(f"{where}: expected shape {e.shape}, got shape {r.shape}")
    exact_ints = from_container and r.dtype.kind in "iu"  # [1, 2] reads as the floats 1.0, 2.0
    if strict and isinstance(expected, np.ndarray) and e.dtype != r.dtype and e.dtype.kind == "f" \
            and not exact_ints:
        return Mismatch(f"{where}: expected dtype {e.dtype}, got {r.dtype}")
    if r.dtype.kind not in "biuf":
        return Mismatch(f"{where}: expected numbers, got dtype {r.dtype}")
    return _values_differ(e.astype(np.float64), r.astype(np.float64), atol, rtol, where)


def _values_differ(e: np.ndarray, r: np.ndarray, atol: float, rtol: float, where: str) -> Mismatch | None:
    """The element-wise verdict on two float64 arrays of one shape."""
    same_special = (np.isnan(e) & np.isnan(r)) | (np.isinf(e) & (e == r))
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(r - e)
        ok = same_special | (diff <= atol + rtol * np.abs(e))
    if ok.all():
        return None
    bad = ~ok
    diff = np.where(np.isnan(diff), np.inf, diff)
    max_abs = float(diff[bad].max())
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rel = diff[bad] / np.abs(e[bad])
    max_rel = float(np.nan_to_num(rel, nan=np.inf, posinf=np.inf).max())
    count = f"{int(bad.sum())} of {bad.size} values differ" if bad.size > 1 else "value differs"
    return Mismatch(f"{where}: {count}", max_abs, max_rel)


def container_as_array(received: list | tuple) -> np.ndarray | None:
    """A list or tuple of numbers (nested to any depth) as one array, ``None`` if it cannot be read
    as one (ragged, or holding something other than numbers: strings, dicts, None)."""
    try:
        arr = np.asarray([to_numpy(v) for v in received])
    except (TypeError, ValueError):
        return None
    return arr if arr.dtype.kind in "iuf" else None


def _rename_keys(expected: dict, received: dict, atol: float, rtol: float, strict: bool,
                 where: str) -> list[str] | None:
    """A dict that keeps each expected entry by value under some key (an optimizer state with the
    student's own names): the notes naming each renamed key, or ``None`` if some expected value is
    found under no free key. Keys present in both are compared by key; the other expected keys
    are matched one-to-one, in order, with received keys holding the same value. Received keys
    left over (a step counter torch does not keep here) are noted, not judged."""
    shared = [k for k in expected if k in received]
    for key in shared:
        if compare(expected[key], received[key], atol, rtol, strict=strict, where=f"{where}[{key!r}]") is not None:
            return None
    free = [k for k in received if k not in expected]
    notes = []
    for key in [k for k in expected if k not in received]:
        found = next((k for k in free if compare(expected[key], received[k], atol, rtol, strict=strict) is None),
                     None)
        if found is None:
            return None
        free.remove(found)
        notes.append(f"{where}: your {found!r} holds what torch calls {key!r}; torch's name is recommended, "
                     f"the values are what counts")
    if free:
        notes.append(f"{where}: also keeps {', '.join(repr(k) for k in free)}, which torch does not "
                     f"(not graded)")
    return notes


def show(value: Any, width: int = 300) -> str:
    """A short readable rendering of a value on one line (cut to ``width`` characters)."""
    value = to_numpy(value)
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=8, threshold=12, edgeitems=3, max_line_width=100)
        if value.ndim > 1 or value.size > 6:
            text = f"array(shape={value.shape}, dtype={value.dtype}) {text}"
    elif isinstance(value, (float, np.floating)):
        text = repr(float(value))
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k!r}: {show(v, width // 2)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple)) and len(value) <= 8:
        inner = ", ".join(show(v, width // 2) for v in value)
        text = f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


BLOCK_WIDTH = 72  # a report line: room for its label and indent within Validate's 87 columns


def show_block(value: Any, width: int = BLOCK_WIDTH) -> list[str]:
    """A readable rendering of a value as lines of at most about ``width`` characters: one line when
    :func:`show` fits and no array has rows; else an array's rows one per line (numbers never cut),
    a tuple's or list's items and a dict's entries each on lines of their own."""
    value = to_numpy(value)
    line = show(value)
    if len(line) <= width and not _has_rows(value):
        return [line]
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        rows = np.array2string(value, precision=8, threshold=40, edgeitems=3, max_line_width=width).splitlines()
        return [f"array(shape={value.shape}, dtype={value.dtype})"] + [r.rstrip() for r in rows if r.strip()]
    if isinstance(value, dict):
        items = [(f"{k!r}: ", v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)) and len(value) <= 8:
        kind = "tuple" if isinstance(value, tuple) else "list"
        items = [(f"[{i}] ", v) for i, v in enumerate(value)]
        return [f"a {kind} of {len(value)}:"] + [ln for head, v in items for ln in _indented(head, v, width)]
    else:
        return [show(value, width)]
    return [ln for head, v in items for ln in _indented(head, v, width)]


def _indented(head: str, value: Any, width: int) -> list[str]:
    inner = show_block(value, width - len(head))
    return [head + inner[0]] + [" " * len(head) + ln for ln in inner[1:]]


def _has_rows(value: Any) -> bool:
    """Whether a value holds an array of two or more dimensions (shown one row per line)."""
    if isinstance(value, np.ndarray):
        return value.ndim >= 2
    if isinstance(value, dict):
        return any(_has_rows(to_numpy(v)) for v in value.values())
    if isinstance(value, (list, tuple)) and len(value) <= 8:
        return any(_has_rows(to_numpy(v)) for v in value)
    return False
