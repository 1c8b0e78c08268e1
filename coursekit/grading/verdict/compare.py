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


def _to_numpy(x: Any) -> Any:
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
            where: str = "result") -> Mismatch | None:
    """``None`` if ``received`` equals ``expected`` within ``|r - e| <= atol + rtol * |e|``.

    ``strict`` also checks types and dtypes (an ndarray where one is expected, float64 not
    float32); the mistake matcher uses ``strict=False`` to compare values only.
    NaN equals NaN and inf equals inf of the same sign.
    """
    if isinstance(expected, dict):
        if not isinstance(received, dict):
            return Mismatch(f"{where}: expected a dict, got {type(received).__name__}")
        if set(expected) != set(received):
            return Mismatch(f"{where}: expected keys {sorted(expected)}, got {sorted(received)}")
        for key in expected:
            bad = compare(expected[key], received[key], atol, rtol, strict=strict, where=f"{where}[{key!r}]")
            if bad:
                return bad
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(received, (tuple, list)) or (strict and type(received) is not type(expected)
                                                       and not isinstance(expected, tuple)):
            return Mismatch(f"{where}: expected a {type(expected).__name__} of {len(expected)} items, "
                            f"got {type(received).__name__}")
        if len(received) != len(expected):
            return Mismatch(f"{where}: expected {len(expected)} items, got {len(received)}")
        for i, (e, r) in enumerate(zip(expected, received)):
            bad = compare(e, r, atol, rtol, strict=strict, where=f"{where}[{i}]")
            if bad:
                return bad
        return None
    if expected is None or isinstance(expected, (str, bool)):
        if received is not expected and received != expected:
            return Mismatch(f"{where}: expected {expected!r}, got {received!r}")
        return None

    if strict and isinstance(expected, np.ndarray) and not isinstance(received, np.ndarray):
        return Mismatch(f"{where}: expected a numpy ndarray, got {type(received).__module__}."
                        f"{type(received).__name__}")
    if strict and _is_number(expected) and not (_is_number(received) or
                                               (isinstance(received, np.ndarray) and received.shape == ())):
        return Mismatch(f"{where}: expected a number, got {type(received).__name__}")
    received = _to_numpy(received)
    try:
        r = np.asarray(received, dtype=np.float64) if not isinstance(received, np.ndarray) else received
    except (TypeError, ValueError):
        return Mismatch(f"{where}: expected numbers, got {type(received).__name__}")
    e = np.asarray(expected)
    if e.shape != r.shape:
        return Mismatch(f"{where}: expected shape {e.shape}, got shape {r.shape}")
    if strict and isinstance(expected, np.ndarray) and e.dtype != r.dtype and e.dtype.kind == "f":
        return Mismatch(f"{where}: expected dtype {e.dtype}, got {r.dtype}")
    if r.dtype.kind not in "biuf":
        return Mismatch(f"{where}: expected numbers, got dtype {r.dtype}")
    e = e.astype(np.float64)
    r = r.astype(np.float64)
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


def show(value: Any, width: int = 300) -> str:
    """A short readable rendering of a value for reports."""
    value = _to_numpy(value)
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
